//! The refresh token grant: which answer a `grant_type=refresh_token` request gets, from the
//! grant registered for its token, including rotation and the faults on demand.

use std::thread;
use std::time::Duration;

use super::token_answer::{self, random_hex, token_fields};
use super::wire::{html, json_reply};
use super::{
    ACCESS_TOKEN_PREFIX, Behaviour, ROTATED_REFRESH_PREFIX, RecordedRequest, Shared, api, faults,
    login, other_grants, rest,
};

/// The bytes to send back; `None` hangs up.
pub(super) fn answer(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Option<Vec<u8>> {
    if let Some(reply) = login::answer(request, shared, gzip) {
        return Some(reply);
    }
    if let Some(reply) = other_grants::answer(request, shared, gzip) {
        return Some(reply);
    }
    if let Some(reply) = api::answer(request, shared, gzip) {
        return Some(reply);
    }
    if request.method != "POST" || !request.path.ends_with("/services/oauth2/token") {
        return Some(html(404, "Not Found", "URL No Longer Exists"));
    }
    let mut cookies = false;
    let (status, body) = match decide(request, shared) {
        Decision::Token(fields, hybrid, delay, Some((name, value))) => {
            thread::sleep(delay);
            let reply = json_reply(200, &fields, gzip, hybrid);
            return Some(rest::with_header(reply, &name, &value));
        }
        Decision::Token(fields, hybrid, delay, None) => {
            thread::sleep(delay);
            cookies = hybrid;
            (200, fields)
        }
        Decision::Hangup(delay) => {
            thread::sleep(delay);
            return None;
        }
        Decision::Error(status, error, description, delay) => {
            thread::sleep(delay);
            let body = serde_json::json!({"error": error, "error_description": description});
            (status, body.to_string())
        }
        Decision::Maintenance(delay) => {
            thread::sleep(delay);
            return Some(html(
                503,
                "Service Unavailable",
                "We are down for maintenance.",
            ));
        }
        Decision::Garbage(delay) => {
            thread::sleep(delay);
            (200, "{\"access_token\": \"00D5g0<html>oops".to_string())
        }
        Decision::Fault(fault, delay) => {
            thread::sleep(delay);
            return Some(faults::reply(&fault));
        }
    };
    Some(json_reply(status, &body, gzip, cookies))
}

enum Decision {
    /// Fields, whether it is a hybrid answer, delay, one more header.
    Token(String, bool, Duration, Option<(String, String)>),
    Hangup(Duration),
    Error(u16, String, String, Duration),
    Maintenance(Duration),
    Garbage(Duration),
    /// A wire-level fault from `faults.rs`.
    Fault(Behaviour, Duration),
}

fn oauth_error(error: &str, description: &str, delay: Duration) -> Decision {
    Decision::Error(400, error.into(), description.into(), delay)
}

fn decide(request: &RecordedRequest, shared: &Shared) -> Decision {
    if request.field("grant_type") != Some("refresh_token") {
        return oauth_error(
            "unsupported_grant_type",
            "grant type not supported",
            Duration::ZERO,
        );
    }
    let refresh_token = request
        .field("refresh_token")
        .unwrap_or_default()
        .to_string();
    let mut state = shared.state();
    let grant = match state.grants.get(&refresh_token) {
        Some(g) => g.clone(),
        None => match &state.accept_any {
            Some(g) => g.clone(),
            None => {
                return oauth_error(
                    "invalid_grant",
                    "expired access/refresh token",
                    Duration::ZERO,
                );
            }
        },
    };
    let delay = grant.delay;
    if request.field("client_id") != Some(grant.client_id.as_str()) {
        return oauth_error("invalid_client_id", "client identifier invalid", delay);
    }
    let sent_secret = request.field("client_secret").filter(|s| !s.is_empty());
    if sent_secret != grant.client_secret.as_deref() {
        return oauth_error("invalid_client", "invalid client credentials", delay);
    }
    match &grant.behaviour {
        Behaviour::Error {
            status,
            error,
            description,
        } => Decision::Error(*status, error.clone(), description.clone(), delay),
        Behaviour::Maintenance => Decision::Maintenance(delay),
        Behaviour::Garbage => Decision::Garbage(delay),
        Behaviour::Hangup => Decision::Hangup(delay),
        Behaviour::Redirect | Behaviour::ResetMidBody | Behaviour::Huge | Behaviour::GzipBomb => {
            Decision::Fault(grant.behaviour.clone(), delay)
        }
        Behaviour::Busy(times) => {
            let next = match times {
                0 | 1 => Behaviour::Rotate,
                n => Behaviour::Busy(n - 1),
            };
            state.grants.insert(refresh_token, grant.clone().with(next));
            oauth_error(
                "invalid_grant",
                "token request is already being processed",
                delay,
            )
        }
        Behaviour::Ok
        | Behaviour::Rotate
        | Behaviour::Hybrid
        | Behaviour::RefreshTokenOnly
        | Behaviour::BadSignature
        | Behaviour::Hostile { .. } => {
            let rotates = matches!(
                grant.behaviour,
                Behaviour::Rotate | Behaviour::RefreshTokenOnly | Behaviour::Hostile { .. }
            );
            let rotated = rotates.then(|| {
                let new_token = format!("{ROTATED_REFRESH_PREFIX}{}", random_hex(24));
                // The old token dies at once, as with Salesforce's rotation.
                state.grants.remove(&refresh_token);
                state.grants.insert(new_token.clone(), grant.clone());
                state.issued.push(new_token.clone());
                api::rotated(&mut state, &refresh_token, &new_token);
                new_token
            });
            let access_token = (grant.behaviour != Behaviour::RefreshTokenOnly)
                .then(|| format!("{ACCESS_TOKEN_PREFIX}{}", random_hex(48)));
            state.issued.extend(access_token.clone());
            if let Some(access) = &access_token {
                let from = rotated.as_deref().unwrap_or(&refresh_token);
                api::issued(&mut state, access, from, &grant);
            }
            drop(state);
            let hybrid = grant.behaviour == Behaviour::Hybrid;
            let mut signing_secret = grant.client_secret.clone().unwrap_or_default();
            if grant.behaviour == Behaviour::BadSignature {
                signing_secret.push_str("-not-the-real-one");
            }
            let mut fields = token_fields(
                &shared.base_url,
                access_token.as_deref(),
                rotated.as_deref(),
                &signing_secret,
                hybrid,
            );
            let mut header = None;
            if let Behaviour::Hostile {
                fields: extra,
                header: line,
            } = &grant.behaviour
            {
                fields = token_answer::with_fields(&fields, extra);
                header = Some(line.clone());
            }
            Decision::Token(fields, hybrid, delay, header)
        }
    }
}
