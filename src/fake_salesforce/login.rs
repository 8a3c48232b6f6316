//! The fake's login endpoints: the authorize page a test "visits" (a 302 to the redirect URI
//! with `code` and `state`, or with `error`), the `authorization_code` grant with its PKCE
//! check, and the device flow (`response_type=device_code`, then `grant_type=device` polls
//! answering `slow_down` and `authorization_pending` a set number of times, and expiry). Each
//! refresh token it issues is registered as a grant, so it works for refresh afterwards.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::token_answer::{random_hex, token_fields};
use super::wire::{html, json_reply};
use super::{ACCESS_TOKEN_PREFIX, FakeSalesforce, Grant, RecordedRequest, Shared};
use crate::login::pkce::verifies;

/// Every refresh token a login issues starts with this.
pub const LOGIN_REFRESH_PREFIX: &str = "5Aep861FAKELOGIN";

/// A connected app the fake lets users log in with.
#[derive(Debug, Clone)]
pub struct LoginClient {
    /// Consumer key.
    pub client_id: String,
    /// Consumer secret, if the app has one.
    pub client_secret: Option<String>,
    /// The callback URL registered for the app (web server flow).
    pub callback: String,
    /// What the authorize page does: `None` approves, `Some(error)` redirects with that error.
    pub deny: Option<String>,
    /// Device flow: how many polls answer `slow_down`, then `authorization_pending`.
    pub device: DeviceScript,
}

/// How the device flow plays out.
#[derive(Debug, Clone)]
pub struct DeviceScript {
    /// Polls answered with an HTTP 503 page first (Salesforce down for a moment).
    pub unavailable: u32,
    /// Then polls answered `slow_down`.
    pub slow_down: u32,
    /// Then polls answered `authorization_pending`; `u32::MAX`: never approved.
    pub pending: u32,
    /// The `interval` handed out, in seconds.
    pub interval_s: u64,
    /// `expires_in`, in seconds; `None` leaves it out (as Salesforce does).
    pub expires_in_s: Option<u64>,
}

impl Default for DeviceScript {
    fn default() -> Self {
        Self {
            unavailable: 0,
            slow_down: 0,
            pending: 2,
            interval_s: 1,
            expires_in_s: None,
        }
    }
}

impl LoginClient {
    /// An app with this key, secret and callback that approves every login.
    pub fn new(client_id: &str, client_secret: Option<&str>, callback: &str) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.map(str::to_string),
            callback: callback.into(),
            deny: None,
            device: DeviceScript::default(),
        }
    }
}

struct IssuedCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
}

struct DeviceSession {
    client_id: String,
    polls: u32,
    expires_at: Option<Instant>,
    poll_times: Vec<Instant>,
    done: bool,
}

/// The fake's login state (one field of its state).
#[derive(Default)]
pub(super) struct LoginState {
    clients: Vec<LoginClient>,
    codes: HashMap<String, IssuedCode>,
    devices: HashMap<String, DeviceSession>,
}

impl FakeSalesforce {
    /// Lets users log in with this app.
    pub fn add_login_client(&self, client: LoginClient) {
        let mut state = self.shared.state();
        state
            .login
            .clients
            .retain(|c| c.client_id != client.client_id);
        state.login.clients.push(client);
    }

    /// The gaps between the device polls received so far (to check the interval is kept).
    pub fn device_poll_gaps(&self) -> Vec<Duration> {
        let state = self.shared.state();
        let mut gaps = Vec::new();
        for session in state.login.devices.values() {
            for pair in session.poll_times.windows(2) {
                gaps.push(pair[1] - pair[0]);
            }
        }
        gaps
    }
}

fn path_and_query(target: &str) -> (&str, Vec<(String, String)>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    (path, serde_urlencoded::from_str(query).unwrap_or_default())
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// An answer when the request is a login endpoint; `None` otherwise.
pub(super) fn answer(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Option<Vec<u8>> {
    let (path, query) = path_and_query(&request.path);
    if request.method == "GET" && path.ends_with("/services/oauth2/authorize") {
        return Some(authorize(&query, shared));
    }
    if request.method != "POST" || !path.ends_with("/services/oauth2/token") {
        return None;
    }
    let (status, body) = if request.field("response_type") == Some("device_code") {
        device_start(request, shared)
    } else {
        match request.field("grant_type") {
            Some("authorization_code") => code_grant(request, shared),
            Some("device") => device_poll(request, shared),
            _ => return None,
        }
    };
    Some(json_reply(status, &body, gzip, false))
}

fn oauth_error(error: &str, description: &str) -> (u16, String) {
    let body = serde_json::json!({"error": error, "error_description": description});
    (400, body.to_string())
}

fn authorize(query: &[(String, String)], shared: &Shared) -> Vec<u8> {
    let get = |k: &str| param(query, k).unwrap_or_default().to_string();
    let client = shared
        .state()
        .login
        .clients
        .iter()
        .find(|c| c.client_id == get("client_id"))
        .cloned();
    // Like Salesforce: a bad client or callback gets an error page, never a redirect.
    let Some(client) = client else {
        return html(400, "Bad Request", "OAuth Error: invalid_client_id");
    };
    if get("redirect_uri") != client.callback {
        return html(400, "Bad Request", "OAuth Error: redirect_uri_mismatch");
    }
    let state = get("state");
    let params = if let Some(error) = &client.deny {
        vec![
            ("error", error.clone()),
            ("error_description", "end-user denied authorization".into()),
            ("state", state),
        ]
    } else if get("response_type") != "code"
        || get("code_challenge_method") != "S256"
        || get("code_challenge").len() < 43
    {
        vec![
            ("error", "invalid_request".into()),
            (
                "error_description",
                "response_type code with an S256 code_challenge is required".into(),
            ),
            ("state", state),
        ]
    } else {
        let code = format!("aPrxFAKECODE{}", random_hex(24));
        shared.state().login.codes.insert(
            code.clone(),
            IssuedCode {
                client_id: client.client_id.clone(),
                redirect_uri: client.callback.clone(),
                challenge: get("code_challenge"),
            },
        );
        vec![("code", code), ("state", state)]
    };
    let location = format!(
        "{}?{}",
        client.callback,
        serde_urlencoded::to_string(params).unwrap_or_default()
    );
    format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n").into_bytes()
}

/// Checks the client id (and the secret, when asked) of a token request against a login client.
fn client_of(
    request: &RecordedRequest,
    shared: &Shared,
    check_secret: bool,
) -> Result<LoginClient, (u16, String)> {
    let client_id = request.field("client_id").unwrap_or_default();
    let state = shared.state();
    let Some(client) = state
        .login
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
    else {
        return Err(oauth_error(
            "invalid_client_id",
            "client identifier invalid",
        ));
    };
    let sent = request.field("client_secret").filter(|s| !s.is_empty());
    if check_secret && sent != client.client_secret.as_deref() {
        return Err(oauth_error("invalid_client", "invalid client credentials"));
    }
    Ok(client.clone())
}

/// Issues an access and a refresh token; the refresh token then works for refresh.
fn issue(client: &LoginClient, shared: &Shared) -> (u16, String) {
    let refresh = format!("{LOGIN_REFRESH_PREFIX}{}", random_hex(24));
    let access = format!("{ACCESS_TOKEN_PREFIX}{}", random_hex(48));
    {
        let mut state = shared.state();
        let grant = Grant::new(&client.client_id, client.client_secret.as_deref());
        // Introspect and revoke know the login's access token, as they know a refresh's.
        super::api::issued(&mut state, &access, &refresh, &grant);
        state.grants.insert(refresh.clone(), grant);
        state.issued.push(refresh.clone());
        state.issued.push(access.clone());
    }
    let fields = token_fields(
        &shared.base_url,
        Some(&access),
        Some(&refresh),
        client.client_secret.as_deref().unwrap_or(""),
        false,
    );
    (200, fields)
}

fn code_grant(request: &RecordedRequest, shared: &Shared) -> (u16, String) {
    let client = match client_of(request, shared, true) {
        Ok(client) => client,
        Err(reply) => return reply,
    };
    let code = request.field("code").unwrap_or_default();
    // A code is good once, whatever comes of it.
    let Some(issued) = shared.state().login.codes.remove(code) else {
        return oauth_error("invalid_grant", "invalid authorization code");
    };
    if issued.client_id != client.client_id {
        return oauth_error("invalid_grant", "invalid authorization code");
    }
    if request.field("redirect_uri") != Some(issued.redirect_uri.as_str()) {
        return oauth_error(
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        );
    }
    let verifier = SecretString::from(request.field("code_verifier").unwrap_or_default());
    if !verifies(&verifier, &issued.challenge) {
        return oauth_error("invalid_grant", "invalid code verifier");
    }
    issue(&client, shared)
}

fn device_start(request: &RecordedRequest, shared: &Shared) -> (u16, String) {
    // The device authorization request carries the client id alone (RFC 8628 3.1).
    let client = match client_of(request, shared, false) {
        Ok(client) => client,
        Err(reply) => return reply,
    };
    let device_code = format!("FAKEDEVICE{}", random_hex(16));
    let user_code = random_hex(4).to_ascii_uppercase();
    let script = &client.device;
    shared.state().login.devices.insert(
        device_code.clone(),
        DeviceSession {
            client_id: client.client_id.clone(),
            polls: 0,
            expires_at: script
                .expires_in_s
                .map(|s| Instant::now() + Duration::from_secs(s)),
            poll_times: Vec::new(),
            done: false,
        },
    );
    let mut body = serde_json::json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": format!("{}/setup/connect", shared.base_url),
        "interval": script.interval_s,
    });
    if let Some(expires) = script.expires_in_s {
        body["expires_in"] = expires.into();
    }
    (200, body.to_string())
}

fn device_poll(request: &RecordedRequest, shared: &Shared) -> (u16, String) {
    let client = match client_of(request, shared, true) {
        Ok(client) => client,
        Err(reply) => return reply,
    };
    let code = request.field("code").unwrap_or_default();
    let script = client.device.clone();
    let polls = {
        let mut state = shared.state();
        let Some(session) = state.login.devices.get_mut(code) else {
            return oauth_error("invalid_grant", "invalid device code");
        };
        if session.client_id != client.client_id || session.done {
            return oauth_error("invalid_grant", "invalid device code");
        }
        session.poll_times.push(Instant::now());
        if session.expires_at.is_some_and(|at| Instant::now() >= at) {
            return oauth_error("expired_token", "device code expired");
        }
        session.polls += 1;
        session.polls
    };
    if polls <= script.unavailable {
        return (
            503,
            "<html><title>Service Unavailable</title></html>".into(),
        );
    }
    let polls = polls - script.unavailable;
    if polls <= script.slow_down {
        return oauth_error("slow_down", "polling too fast");
    }
    if polls - script.slow_down <= script.pending {
        return oauth_error("authorization_pending", "authorization pending");
    }
    if let Some(session) = shared.state().login.devices.get_mut(code) {
        session.done = true;
    }
    issue(&client, shared)
}
