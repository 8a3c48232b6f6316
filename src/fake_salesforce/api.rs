//! The fake's endpoints that take an access token: userinfo (and, later, introspect and revoke).

use super::wire::json_reply;
use super::{FAKE_ORG_ID, FAKE_USER_ID, RecordedRequest, Shared};

/// The username the fake's userinfo reports.
pub const FAKE_USERNAME: &str = "fake.user@example.com";

/// An answer when the request is for one of these endpoints; `None` otherwise.
pub(super) fn answer(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Option<Vec<u8>> {
    if request.path.ends_with("/services/oauth2/userinfo") {
        return Some(userinfo(request, shared, gzip));
    }
    None
}

/// The bearer token of a request, when it is one the fake issued and has not expired.
fn live_access_token(request: &RecordedRequest, shared: &Shared) -> Option<String> {
    let token = request.header("authorization")?.strip_prefix("Bearer ")?;
    let state = shared.state();
    let live = state.issued.iter().any(|t| t == token) && !state.expired.iter().any(|t| t == token);
    live.then(|| token.to_string())
}

/// The REST API's answer to a dead session.
pub(super) fn invalid_session(gzip: bool) -> Vec<u8> {
    let body = r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
    json_reply(401, body, gzip, false)
}

fn userinfo(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Vec<u8> {
    if request.method != "GET" || live_access_token(request, shared).is_none() {
        return invalid_session(gzip);
    }
    let base = &shared.base_url;
    let body = serde_json::json!({
        "sub": format!("{base}/id/{FAKE_ORG_ID}/{FAKE_USER_ID}"),
        "user_id": FAKE_USER_ID,
        "organization_id": FAKE_ORG_ID,
        "preferred_username": FAKE_USERNAME,
        "nickname": "fake.user",
        "name": "Fake User",
        "email": "fake.user@example.com",
        "email_verified": true,
        "zoneinfo": "Europe/Paris",
        "locale": "en_US",
        "language": "en_US",
        "active": true,
        "user_type": "STANDARD",
        "urls": { "rest": format!("{base}/services/data/v{{version}}/") },
        "is_app_installed": true,
    });
    json_reply(200, &body.to_string(), gzip, false)
}
