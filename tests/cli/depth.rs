//! Refreshes that go wrong, against the loopback fake with the real keyring: every transport
//! failure is named, none crashes or hangs, none changes a stored secret; `already being
//! processed` is retried once, an unknown outcome never.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::TestEnv;
use secrecy::{ExposeSecret, SecretString};
use sfkey::fake_salesforce::{Behaviour, Grant, REDIRECT_LOCATION};
use sfkey::org::Org;
use sfkey::salesforce::{HttpSettings, TokenError, TransportKind};
use sfkey::saved_org::refresh::{
    ClientFor, RefreshError, RefreshEvent, RefreshOptions, Refreshed, refresh_org_with,
};
use sfkey::store::{NewSecrets, SecretChanges, SecretKind, Store};

/// An org on the fake with a fresh grant; returns the store, the org and its refresh token.
fn add(env: &mut TestEnv, name: &str, grant: impl FnOnce(Grant) -> Grant) -> (Store, Org, String) {
    let client_id = format!("3MVG9{name}");
    let (secret, refresh) = env.grant(&client_id, true, grant);
    let store = env.store();
    let org = store
        .add(
            Org::new(name, env.server.url(), client_id),
            NewSecrets {
                client_secret: secret.map(SecretString::from),
                refresh_token: SecretString::from(refresh.clone()),
            },
        )
        .unwrap();
    (store, org, refresh)
}

/// Refreshes as `sfkey refresh` does, recording what the refresh told its caller besides
/// `RequestSent` (told once per refresh that reaches Salesforce; checked here).
fn refresh(
    store: &Store,
    org: &Org,
    settings: HttpSettings,
) -> (Result<Refreshed, RefreshError>, Vec<RefreshEvent>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let options = RefreshOptions {
        on_event: Some(Arc::new(move |e| seen.lock().unwrap().push(e))),
        ..RefreshOptions::default()
    };
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(refresh_org_with(
            store,
            org,
            ClientFor::Build(settings),
            &options,
        ));
    let mut events = events.lock().unwrap().clone();
    let sent = events
        .iter()
        .filter(|e| **e == RefreshEvent::RequestSent)
        .count();
    assert!(sent <= 1, "the request was announced {sent} times");
    events.retain(|e| *e != RefreshEvent::RequestSent);
    (result, events)
}

fn stored(store: &Store, org: &Org, kind: SecretKind) -> Option<String> {
    store
        .secret(&org.id, kind)
        .unwrap()
        .map(|s| s.expose_secret().to_string())
}

/// The org's secrets are exactly what they were before the failed refresh.
#[track_caller]
fn unchanged(store: &Store, org: &Org, refresh: &str) {
    assert_eq!(
        stored(store, org, SecretKind::RefreshToken).as_deref(),
        Some(refresh)
    );
    assert_eq!(stored(store, org, SecretKind::AccessToken), None);
    assert!(stored(store, org, SecretKind::ClientSecret).is_some());
}

#[test]
fn a_redirect_is_reported_with_its_location_and_not_followed() {
    let mut env = TestEnv::new("depth-redirect");
    let (store, org, rt) = add(&mut env, "moved", |g| g.with(Behaviour::Redirect));
    let (result, _) = refresh(&store, &org, HttpSettings::default());
    let err = result.unwrap_err();
    let Some(TokenError::Redirect { location, exchange }) = err.token_error() else {
        panic!("expected a redirect, got {err}");
    };
    assert_eq!(location.as_deref(), Some(REDIRECT_LOCATION));
    assert_eq!(exchange.status, 302);
    assert!(err.to_string().contains(REDIRECT_LOCATION), "{err}");
    assert!(err.to_string().contains("not followed"), "{err}");
    assert_eq!(env.server.requests().len(), 1, "the redirect was followed");
    unchanged(&store, &org, &rt);
    assert_eq!(
        store.find("moved").unwrap().last_refresh.unwrap().status,
        "redirect"
    );
}

#[test]
fn a_connection_reset_mid_body_is_an_unknown_outcome_and_never_retried() {
    let mut env = TestEnv::new("depth-reset");
    let (store, org, rt) = add(&mut env, "reset", |g| g.with(Behaviour::ResetMidBody));
    let (result, events) = refresh(&store, &org, HttpSettings::default());
    let err = result.unwrap_err();
    let RefreshError::Token(TokenError::Transport(t)) = &err else {
        panic!("expected a transport error, got {err}");
    };
    assert_eq!(t.kind, TransportKind::Interrupted, "{t}");
    assert!(t.outcome_unknown, "{t}");
    let text = err.to_string();
    assert!(
        text.contains("broke while the answer was arriving"),
        "{text}"
    );
    assert!(text.contains("did not retry"), "{text}");
    assert!(text.contains("may already be spent"), "{text}");
    assert!(!text.contains("cut_off"), "the partial body leaked: {text}");
    assert_eq!(
        env.server.requests().len(),
        1,
        "an unknown outcome was retried"
    );
    assert!(events.is_empty(), "{events:?}");
    unchanged(&store, &org, &rt);
}

#[test]
fn a_hangup_is_never_retried_either() {
    let mut env = TestEnv::new("depth-hangup");
    let (store, org, rt) = add(&mut env, "hangup", |g| g.with(Behaviour::Hangup));
    let (result, _) = refresh(&store, &org, HttpSettings::default());
    let err = result.unwrap_err();
    assert!(
        err.to_string().contains("may have reached Salesforce"),
        "{err}"
    );
    assert_eq!(env.server.requests().len(), 1);
    unchanged(&store, &org, &rt);
}

#[test]
fn a_50_mb_body_stops_at_the_cap() {
    let mut env = TestEnv::new("depth-huge");
    let (store, org, rt) = add(&mut env, "huge", |g| g.with(Behaviour::Huge));
    let started = Instant::now();
    let (result, _) = refresh(&store, &org, HttpSettings::default());
    let err = result.unwrap_err();
    assert!(
        matches!(err.token_error(), Some(TokenError::TooLarge { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("over 1 MiB"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    unchanged(&store, &org, &rt);
    assert_eq!(
        store.find("huge").unwrap().last_refresh.unwrap().status,
        "too_large"
    );
}

#[test]
fn a_gzip_bomb_stops_decoding_at_the_cap() {
    let mut env = TestEnv::new("depth-bomb");
    let (store, org, rt) = add(&mut env, "bomb", |g| g.with(Behaviour::GzipBomb));
    let (result, _) = refresh(&store, &org, HttpSettings::default());
    let err = result.unwrap_err();
    let Some(TokenError::TooLarge { exchange }) = err.token_error() else {
        panic!("expected too large, got {err}");
    };
    assert_eq!(exchange.header("content-encoding"), Some("gzip"));
    unchanged(&store, &org, &rt);
}

#[test]
fn already_being_processed_is_retried_once_after_a_second() {
    let mut env = TestEnv::new("depth-busy-once");
    let (store, org, rt) = add(&mut env, "busy", |g| g.with(Behaviour::Busy(1)));
    let started = Instant::now();
    let (result, events) = refresh(&store, &org, HttpSettings::default());
    let done = result.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "no backoff"
    );
    assert_eq!(
        events.first(),
        Some(&RefreshEvent::RetryingBusy {
            after: Duration::from_secs(1)
        })
    );
    let sent: Vec<String> = env
        .server
        .requests()
        .iter()
        .filter_map(|r| r.field("refresh_token").map(str::to_string))
        .collect();
    assert_eq!(sent, [rt.clone(), rt], "the same, unspent token twice");
    // The retry's answer rotated: the new token is the stored one.
    assert!(done.rotated);
    let now = stored(&store, &org, SecretKind::RefreshToken).unwrap();
    assert!(env.server.is_live(&now));
    env.assert_no_secrets_on_disk();
}

#[test]
fn already_being_processed_twice_gives_up_after_one_retry() {
    let mut env = TestEnv::new("depth-busy-twice");
    let (store, org, rt) = add(&mut env, "busy2", |g| g.with(Behaviour::Busy(2)));
    let (result, events) = refresh(&store, &org, HttpSettings::default());
    let err = result.unwrap_err();
    assert!(err.token_error().is_some_and(TokenError::is_busy), "{err}");
    assert_eq!(env.server.requests().len(), 2, "exactly one retry");
    assert_eq!(events.len(), 1, "{events:?}");
    let hint = err.token_error().and_then(|e| e.hint()).unwrap();
    assert!(hint.contains("retried once"), "{hint}");
    unchanged(&store, &org, &rt);
}

#[test]
fn an_unresolvable_host_is_a_dns_error_and_sends_nothing() {
    let mut env = TestEnv::new("depth-dns");
    let (store, _, rt) = add(&mut env, "dns", |g| g);
    let org = store
        .edit("dns", SecretChanges::default(), |o| {
            o.login_url = "https://sfkey-test.invalid".into();
        })
        .unwrap();
    let settings = HttpSettings {
        total_timeout: Duration::from_secs(15),
        ..HttpSettings::default()
    };
    let (result, _) = refresh(&store, &org, settings);
    let err = result.unwrap_err();
    let RefreshError::Token(TokenError::Transport(t)) = &err else {
        panic!("expected a transport error, got {err}");
    };
    assert_eq!(t.kind, TransportKind::Dns, "{t}");
    assert!(!t.outcome_unknown, "{t}");
    assert!(
        err.to_string().contains(
            "could not resolve the host; check the login URL and your network (sfkey-test.invalid: "
        ),
        "{err}"
    );
    assert_eq!(
        stored(&store, &org, SecretKind::RefreshToken).as_deref(),
        Some(rt.as_str())
    );
    assert!(env.server.requests().is_empty());
}

#[test]
fn tls_to_a_plain_http_server_is_a_tls_error_with_the_ssl_cert_file_hint() {
    let mut env = TestEnv::new("depth-tls");
    let (store, _, rt) = add(&mut env, "tls", |g| g);
    // A plain HTTP server that answers whatever it is sent, as a misconfigured proxy would.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = plain.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in plain.incoming().take(2) {
            let Ok(mut stream) = stream else { continue };
            use std::io::Write;
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let org = store
        .edit("tls", SecretChanges::default(), |o| {
            o.login_url = format!("https://127.0.0.1:{port}");
        })
        .unwrap();
    let (result, _) = refresh(&store, &org, HttpSettings::default());
    let err = result.unwrap_err();
    let RefreshError::Token(TokenError::Transport(t)) = &err else {
        panic!("expected a transport error, got {err}");
    };
    assert_eq!(t.kind, TransportKind::Tls, "{t}");
    assert!(
        !t.outcome_unknown,
        "nothing can have been sent before TLS: {t}"
    );
    assert!(err.to_string().contains("SSL_CERT_FILE"), "{err}");
    assert_eq!(
        stored(&store, &org, SecretKind::RefreshToken).as_deref(),
        Some(rt.as_str())
    );
}
