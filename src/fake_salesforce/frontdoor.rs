//! The fake's ways into the UI: `POST /services/oauth2/singleaccess` (a single-use
//! `frontdoor.jsp?otp=...` URL for a live access token) and `GET /secur/frontdoor.jsp`, which
//! takes a one-time `otp` once, or a live access token as `sid`, and shows where it landed.

use std::collections::HashSet;

use super::api::{invalid_session, live_access_token};
use super::token_answer::random_hex;
use super::wire::{html, json_reply};
use super::{RecordedRequest, Shared};

/// What the fake remembers of its front door.
#[derive(Debug, Default)]
pub(super) struct FrontdoorState {
    /// One-time passwords handed out and not used yet.
    otps: HashSet<String>,
    /// When set, `/services/oauth2/singleaccess` answers 404, as in an org without it.
    pub(super) no_single_access: bool,
}

/// An answer when the request is for the front door; `None` otherwise.
pub(super) fn answer(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Option<Vec<u8>> {
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    if path.ends_with("/services/oauth2/singleaccess") {
        return Some(single_access(request, shared, gzip));
    }
    if path.ends_with("/secur/frontdoor.jsp") {
        return Some(frontdoor(request, query, shared));
    }
    None
}

fn single_access(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Vec<u8> {
    if shared.state().frontdoor.no_single_access {
        return html(404, "Not Found", "URL No Longer Exists");
    }
    if request.method != "POST" || live_access_token(request, shared).is_none() {
        return invalid_session(gzip);
    }
    let otp = random_hex(24);
    shared.state().frontdoor.otps.insert(otp.clone());
    let start = request.field("redirect_uri").unwrap_or("/");
    let query = serde_urlencoded::to_string([("otp", otp.as_str()), ("startURL", start)])
        .unwrap_or_default();
    let body = serde_json::json!({
        "frontdoor_uri": format!("{}/secur/frontdoor.jsp?{query}", shared.base_url),
    });
    json_reply(200, &body.to_string(), gzip, false)
}

fn frontdoor(request: &RecordedRequest, query: &str, shared: &Shared) -> Vec<u8> {
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let by_otp = get("otp").is_some_and(|otp| shared.state().frontdoor.otps.remove(otp));
    let by_sid = get("sid").is_some_and(|sid| {
        let mut as_bearer = request.clone();
        as_bearer
            .headers
            .push(("authorization".into(), format!("Bearer {sid}")));
        live_access_token(&as_bearer, shared).is_some()
    });
    if !(by_otp || by_sid) {
        return html(401, "Unauthorized", "Session expired or invalid");
    }
    let landing = get("startURL").or(get("retURL")).unwrap_or("/");
    // The page title says where the browser landed; tests read it.
    html(200, "OK", &format!("Logged in at {landing}"))
}
