//! Fixed orgs and answers for the TUI's unit and snapshot tests: no clock, no randomness, so
//! snapshots only change when the screen does.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::org::{LastRefresh, Org, OrgId};
use crate::salesforce::token::parse_token_answer;
use crate::salesforce::{HttpExchange, SignatureCheck, TokenError};
use crate::saved_org::refresh::{RefreshError, Refreshed};

use super::app::App;
use super::message::{Message, RefreshOutcome};
use super::state::Status;

/// 2026-11-26 12:00:00 UTC.
pub const NOW_MS: u64 = 1_795_694_400_000;
/// A fixed access token; only its first 6 characters may appear on a masked screen.
pub const ACCESS_TOKEN: &str =
    "00D5g000004SNAP!AQ4AQSNAPSHOTACCESSTOKENVALUE0123456789abcdefSECRETTAIL";

/// An org with a fixed id.
pub fn org(name: &str, login_url: &str) -> Org {
    let mut org = Org::new(name, login_url, "3MVG9SNAPSHOTCLIENTID");
    org.id = match serde_json::from_value::<OrgId>(serde_json::json!(format!("id-{name}"))) {
        Ok(id) => id,
        Err(e) => panic!("fixture id: {e}"),
    };
    org
}

/// Seed-like headers in the seed's order.
pub fn exchange(status: u16, reason: &str) -> HttpExchange {
    let headers = [
        ("date", "Thu, 26 Nov 2026 11:59:59 GMT"),
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        ),
        ("x-content-type-options", "nosniff"),
        (
            "cache-control",
            "no-cache,must-revalidate,max-age=0,no-store,private",
        ),
        ("content-type", "application/json;charset=UTF-8"),
        ("vary", "Accept-Encoding"),
        ("content-encoding", "gzip"),
        ("transfer-encoding", "chunked"),
    ];
    HttpExchange {
        status,
        reason: reason.into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        latency: Duration::from_millis(84),
    }
}

/// A fixed id_token: header `kid 238, typ JWT, alg RS256`; claims `at_hash`, `sub`, `aud`,
/// `iss`, `exp` ([`NOW_MS`] + 4 min) and `iat` ([`NOW_MS`] - 1 min); a made-up signature part.
pub const ID_TOKEN: &str = "eyJraWQiOiIyMzgiLCJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdF9oYXNoIjoiU05BUFNIT1RBVEhBU0giLCJzdWIiOiJodHRwczovL2xvZ2luLnNhbGVzZm9yY2UuY29tL2lkLzAwRDVnMDAwMDA0U05BUEVBQS8wMDU1ZzAwMDAwU05BUFVBQVEiLCJhdWQiOiIzTVZHOVNOQVBTSE9UQ0xJRU5USUQiLCJpc3MiOiJodHRwczovL2xvZ2luLnNhbGVzZm9yY2UuY29tIiwiZXhwIjoxNzk1Njk0NjQwLCJpYXQiOjE3OTU2OTQzNDB9.U05BUFNIT1RTSUdOQVRVUkU";

/// A successful refresh of `org`, issued a minute before [`NOW_MS`], its signature verified.
pub fn success(org: &Org) -> Message {
    success_checked(org, SignatureCheck::Verified)
}

/// [`success`] with the given signature verdict.
pub fn success_checked(org: &Org, signature: SignatureCheck) -> Message {
    let body = format!(
        r#"{{"access_token":"{ACCESS_TOKEN}","signature":"SIGNATUREVALUEabcdefghijklmnop=","scope":"refresh_token openid api","id_token":"{ID_TOKEN}","instance_url":"https://acme.my.salesforce.com","id":"https://login.salesforce.com/id/00D5g000004SNAPEAA/0055g00000SNAPUAAQ","token_type":"Bearer","issued_at":"{}","custom_field":42}}"#,
        NOW_MS - 60_000
    );
    answer(org, &body, exchange(200, "OK"), signature)
}

/// A successful refresh of `org` with this answer body (JSON with an `access_token`) and
/// exchange, issued a minute before [`NOW_MS`].
pub fn answer(org: &Org, body: &str, exchange: HttpExchange, signature: SignatureCheck) -> Message {
    let success = match parse_token_answer(exchange, body.as_bytes()) {
        Ok(success) => success,
        Err(e) => panic!("fixture does not parse: {e}"),
    };
    let mut org = org.clone();
    org.last_refresh = Some(LastRefresh {
        at_ms: NOW_MS - 60_000,
        status: "ok".into(),
        http_status: Some(200),
        latency_ms: 84,
        issued_at: Some((NOW_MS - 60_000).to_string()),
    });
    Message::RefreshDone {
        id: org.id.clone(),
        outcome: Box::new(RefreshOutcome::Success(Box::new(Refreshed {
            org,
            success,
            rotated: false,
            signature,
        }))),
    }
}

/// Salesforce's answer for a dead refresh token.
pub fn expired(org: &Org) -> Message {
    Message::RefreshDone {
        id: org.id.clone(),
        outcome: Box::new(RefreshOutcome::Failure(RefreshError::Token(
            TokenError::Salesforce {
                exchange: exchange(400, "Bad Request"),
                error: "invalid_grant".into(),
                description: Some("expired access/refresh token".into()),
            },
        ))),
    }
}

/// An app at [`NOW_MS`] with these orgs loaded.
pub fn app_with(orgs: Vec<Org>) -> App {
    let mut app = App::new(NOW_MS, None, 0);
    app.update(Message::OrgsLoaded(Ok(orgs)));
    app
}

/// The whole screen of `app` drawn at `width` x `height`, as text.
pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(terminal) => terminal,
        Err(e) => panic!("test terminal: {e}"),
    };
    if let Err(e) = terminal.draw(|frame| super::view::draw(frame, app)) {
        panic!("draw: {e}");
    }
    terminal.backend().to_string()
}

/// Presses `code` without modifiers (the effects are not run).
pub fn key(app: &mut App, code: KeyCode) {
    key_with(app, code, KeyModifiers::NONE);
}

/// Presses `code` with `modifiers` (the effects are not run).
pub fn key_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    app.update(Message::Key(KeyEvent::new(code, modifiers)));
}

/// The status line's message; the test fails when there is none.
#[track_caller]
pub fn status(app: &App) -> Status {
    app.view.status.clone().expect("a status message")
}
