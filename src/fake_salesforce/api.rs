//! The fake's endpoints about tokens once issued: userinfo, introspect and revoke, and what it
//! remembers of each access token to answer them.

use std::time::{SystemTime, UNIX_EPOCH};

use super::wire::json_reply;
use super::{FAKE_ORG_ID, FAKE_USER_ID, Grant, RecordedRequest, Shared, State};

/// How long the fake's access tokens last: Salesforce's default session timeout, 2 hours.
pub const SESSION_SECONDS: u64 = 7200;

/// Where an access token came from, for introspect and for revoking its refresh token.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    /// The refresh token it was issued for (kept current through rotations).
    refresh_token: String,
    client_id: String,
    client_secret: Option<String>,
    /// Epoch seconds.
    issued_s: u64,
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Remembers an access token issued for `refresh_token` under `grant`.
pub(super) fn issued(state: &mut State, access_token: &str, refresh_token: &str, grant: &Grant) {
    state.origins.insert(
        access_token.to_string(),
        Origin {
            refresh_token: refresh_token.to_string(),
            client_id: grant.client_id.clone(),
            client_secret: grant.client_secret.clone(),
            issued_s: now_s(),
        },
    );
}

/// The refresh token `old` was rotated to `new`: its access tokens now hang off `new`.
pub(super) fn rotated(state: &mut State, old: &str, new: &str) {
    for origin in state.origins.values_mut() {
        if origin.refresh_token == old {
            origin.refresh_token = new.to_string();
        }
    }
}

/// The username the fake's userinfo reports.
pub const FAKE_USERNAME: &str = "fake.user@example.com";

/// An answer when the request is for one of these endpoints; `None` otherwise.
pub(super) fn answer(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Option<Vec<u8>> {
    if request.path.ends_with("/services/oauth2/userinfo") {
        return Some(userinfo(request, shared, gzip));
    }
    if request.path.ends_with("/services/oauth2/introspect") {
        return Some(introspect(request, shared, gzip));
    }
    if request.path.ends_with("/services/oauth2/revoke") {
        return Some(revoke(request, shared, gzip));
    }
    None
}

/// The bearer token of a request, when it is one the fake issued and has not expired.
pub(super) fn live_access_token(request: &RecordedRequest, shared: &Shared) -> Option<String> {
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

fn oauth_error(status: u16, error: &str, description: &str, gzip: bool) -> Vec<u8> {
    let body = serde_json::json!({"error": error, "error_description": description});
    json_reply(status, &body.to_string(), gzip, false)
}

/// RFC 7662 as Salesforce does it: the client authenticates with its id and secret; a token it
/// cannot see, or one that is dead, is `{"active":false}`.
fn introspect(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Vec<u8> {
    if request.method != "POST" {
        return oauth_error(400, "invalid_request", "must use HTTP POST", gzip);
    }
    let client_id = request.field("client_id").unwrap_or_default();
    let secret = request.field("client_secret").filter(|s| !s.is_empty());
    let token = request.field("token").unwrap_or_default();
    let state = shared.state();
    let known_client = |g: &Grant| g.client_id == client_id && g.client_secret.as_deref() == secret;
    let client_ok = state.grants.values().any(known_client)
        || state
            .origins
            .values()
            .any(|o| o.client_id == client_id && o.client_secret.as_deref() == secret);
    if !client_ok {
        return oauth_error(401, "invalid_client", "invalid client credentials", gzip);
    }
    let base = &shared.base_url;
    let live_access = state
        .origins
        .get(token)
        .filter(|o| o.client_id == client_id && !state.expired.iter().any(|t| t == token));
    let body = if let Some(origin) = live_access {
        serde_json::json!({
            "active": true,
            "scope": "refresh_token openid api web",
            "client_id": client_id,
            "username": FAKE_USERNAME,
            "sub": format!("{base}/id/{FAKE_ORG_ID}/{FAKE_USER_ID}"),
            "token_type": "access_token",
            "exp": origin.issued_s + SESSION_SECONDS,
            "iat": origin.issued_s,
            "nbf": origin.issued_s,
        })
    } else if state.grants.get(token).is_some_and(known_client) {
        // Refresh tokens have no expiry by default.
        serde_json::json!({
            "active": true,
            "scope": "refresh_token openid api web",
            "client_id": client_id,
            "username": FAKE_USERNAME,
            "sub": format!("{base}/id/{FAKE_ORG_ID}/{FAKE_USER_ID}"),
            "token_type": "refresh_token",
        })
    } else {
        serde_json::json!({"active": false})
    };
    json_reply(200, &body.to_string(), gzip, false)
}

/// Ends an access token, or a refresh token and every access token issued from it.
fn revoke(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Vec<u8> {
    let token = request.field("token").unwrap_or_default().to_string();
    if request.method != "POST" || token.is_empty() {
        return oauth_error(
            400,
            "unsupported_token_type",
            "token type not supported",
            gzip,
        );
    }
    let mut state = shared.state();
    let live_access = state.origins.contains_key(&token) && !state.expired.contains(&token);
    if live_access {
        state.expired.push(token);
    } else if state.grants.remove(&token).is_some()
        // `accept_any` (the fake-server command) takes any refresh token: it can revoke any.
        || (state.accept_any.is_some() && !state.origins.contains_key(&token))
    {
        let dead: Vec<String> = state
            .origins
            .iter()
            .filter(|(_, o)| o.refresh_token == token)
            .map(|(access, _)| access.clone())
            .collect();
        state.expired.extend(dead);
    } else {
        return oauth_error(400, "invalid_token", "invalid token", gzip);
    }
    json_reply(200, "", gzip, false)
}
