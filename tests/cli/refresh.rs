//! The refresh call against a loopback server that answers like Salesforce, with the real keyring.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use common::TestEnv;
use secrecy::{ExposeSecret, SecretString};
use sfkey::fake_salesforce::{Behaviour, Grant, ROTATED_REFRESH_PREFIX};
use sfkey::org::Org;
use sfkey::salesforce::{HttpClient, HttpSettings, TokenError, TransportKind};
use sfkey::saved_org::refresh::{ClientFor, RefreshError, refresh_org};
use sfkey::store::{NewSecrets, SecretChanges, SecretKind, Store};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Adds an org through the library with a fresh grant shaped by `grant`.
fn add(
    env: &mut TestEnv,
    name: &str,
    site: Option<&str>,
    with_secret: bool,
    grant: impl FnOnce(Grant) -> Grant,
) -> (Store, Org, String) {
    let client_id = format!("3MVG9{name}");
    let (secret, refresh) = env.grant(&client_id, with_secret, grant);
    let store = env.store();
    let mut org = Org::new(name, env.server.url(), client_id);
    org.site = site.map(str::to_string);
    let org = store
        .add(
            org,
            NewSecrets {
                client_secret: secret.map(SecretString::from),
                refresh_token: SecretString::from(refresh.clone()),
            },
        )
        .unwrap();
    (store, org, refresh)
}

/// Refreshes the way `sfkey refresh` does: the client is built while the keyring is read.
fn run_refresh(
    store: &Store,
    org: &Org,
) -> Result<sfkey::saved_org::refresh::Refreshed, RefreshError> {
    runtime().block_on(refresh_org(
        store,
        org,
        ClientFor::Build(HttpSettings::default()),
    ))
}

fn stored(store: &Store, org: &Org, kind: SecretKind) -> Option<String> {
    store
        .secret(&org.id, kind)
        .unwrap()
        .map(|s| s.expose_secret().to_string())
}

#[test]
fn success_keeps_seed_fields_headers_as_sent_and_stores_the_token() {
    let mut env = TestEnv::new("refresh-success");
    let (store, org, refresh) = add(&mut env, "prod", None, true, |g| g.with(Behaviour::Ok));
    let done = run_refresh(&store, &org).unwrap();

    let keys: Vec<&str> = done
        .success
        .token
        .fields()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "signature",
            "scope",
            "id_token",
            "instance_url",
            "id",
            "token_type",
            "issued_at"
        ]
    );
    let names: Vec<String> = done
        .success
        .exchange
        .headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    assert_eq!(
        names,
        [
            "date",
            "strict-transport-security",
            "x-content-type-options",
            "x-xss-protection",
            "x-robots-tag",
            "cache-control",
            "expires",
            "content-type",
            "vary",
            "content-encoding",
            "transfer-encoding"
        ]
    );
    assert_eq!(
        done.success.exchange.header("Content-Encoding"),
        Some("gzip")
    );
    assert_eq!(
        done.success.exchange.header("Transfer-Encoding"),
        Some("chunked")
    );
    // The same fields and headers, in the same order, as the seed's Postman sample answer.
    let seed: serde_json::Value =
        serde_json::from_str(include_str!("../../assets/refresh-token.postman-item.json")).unwrap();
    let sample = &seed["response"][0];
    let sample_body: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(sample["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        keys,
        sample_body.keys().map(String::as_str).collect::<Vec<_>>()
    );
    let sample_names: Vec<String> = sample["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["key"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    assert_eq!(names, sample_names);
    // The decoded body is kept as received.
    let decoded: serde_json::Value =
        serde_json::from_str(done.success.body.expose_secret()).unwrap();
    assert_eq!(
        decoded["access_token"],
        done.success.token.fields()["access_token"]
    );
    assert_eq!(done.success.exchange.status, 200);
    assert!(!done.rotated);

    // The access token is in the keyring; the metadata records the refresh.
    let access = done.success.token.str_field("access_token").unwrap();
    assert_eq!(
        stored(&store, &org, SecretKind::AccessToken).as_deref(),
        Some(access)
    );
    assert_eq!(
        stored(&store, &org, SecretKind::RefreshToken),
        Some(refresh)
    );
    let saved = store.find("prod").unwrap();
    assert_eq!(saved.instance_url.as_deref(), Some(env.server.url()));
    let last = saved.last_refresh.unwrap();
    assert!(last.is_ok());
    assert_eq!(last.http_status, Some(200));
    assert_eq!(last.issued_at.as_deref(), done.success.token.issued_at());

    // Exactly the seed's request.
    let requests = env.server.requests();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/services/oauth2/token");
    let fields: Vec<&str> = req.form.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        fields,
        ["grant_type", "client_id", "client_secret", "refresh_token"]
    );
    assert_eq!(req.field("grant_type"), Some("refresh_token"));
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(req.header("accept-encoding"), Some("gzip"));
    assert_eq!(
        req.header("user-agent"),
        Some(concat!("sfkey/", env!("CARGO_PKG_VERSION")))
    );
    env.assert_no_secrets_on_disk();
}

#[test]
fn no_client_secret_means_no_client_secret_field_and_site_goes_in_the_path() {
    let mut env = TestEnv::new("refresh-no-secret");
    let (store, org, _) = add(&mut env, "community", Some("/partners"), false, |g| g);
    // A long-lived client, as the TUI will keep.
    let client = HttpClient::new(&HttpSettings::default()).unwrap();
    runtime()
        .block_on(refresh_org(&store, &org, ClientFor::Ready(&client)))
        .unwrap();
    let req = &env.server.requests()[0];
    assert_eq!(req.path, "/partners/services/oauth2/token");
    assert_eq!(req.field("client_secret"), None);
    assert!(req.field("refresh_token").is_some());
}

#[test]
fn a_rotated_refresh_token_replaces_the_stored_one() {
    let mut env = TestEnv::new("refresh-rotation");
    let (store, org, first) = add(&mut env, "rotating", None, true, |g| {
        g.with(Behaviour::Rotate)
    });
    let client = HttpClient::new(&HttpSettings::default()).unwrap();
    let rt = runtime();

    let done = run_refresh(&store, &org).unwrap();
    assert!(done.rotated);
    let second = stored(&store, &org, SecretKind::RefreshToken).unwrap();
    assert!(
        second.starts_with(ROTATED_REFRESH_PREFIX),
        "stored: {second}"
    );
    assert!(!env.server.is_live(&first));

    // The stored (new) token works, and rotates again.
    let again = run_refresh(&store, &org).unwrap();
    assert!(again.rotated);
    let third = stored(&store, &org, SecretKind::RefreshToken).unwrap();
    assert_ne!(third, second);
    assert!(env.server.is_live(&third));

    // Replaying the first token now fails the way Salesforce does.
    let secret = store.secret(&org.id, SecretKind::ClientSecret).unwrap();
    let old = SecretString::from(first);
    let url = org.token_url();
    let replay = rt.block_on(sfkey::salesforce::refresh_access_token(
        &client,
        &sfkey::salesforce::RefreshRequest {
            token_url: &url,
            client_id: &org.client_id,
            client_secret: secret.as_ref(),
            refresh_token: &old,
        },
    ));
    assert!(
        matches!(replay, Err(TokenError::Salesforce { ref error, .. }) if error == "invalid_grant")
    );
    env.assert_no_secrets_on_disk();
}

/// Every 400 of the protocol notes, with the hint the user gets.
const ERRORS: &[(&str, &str, &str)] = &[
    (
        "invalid_grant",
        "expired access/refresh token",
        "log in again",
    ),
    ("invalid_grant", "authentication failure", "does not belong"),
    ("invalid_grant", "inactive user", "deactivated"),
    (
        "invalid_grant",
        "IP restricted or invalid login hours",
        "IP address",
    ),
    (
        "invalid_grant",
        "user hasn't approved this consumer",
        "not approved",
    ),
    ("invalid_grant", "user is locked", "locked out"),
    (
        "invalid_grant",
        "token request is already being processed",
        "in flight",
    ),
    ("invalid_grant", "Audience validation failed", "audience"),
    (
        "invalid_client_id",
        "client identifier invalid",
        "consumer key",
    ),
    (
        "invalid_client",
        "invalid client credentials",
        "consumer secret",
    ),
    (
        "unsupported_grant_type",
        "grant type not supported",
        "OAuth settings",
    ),
    ("invalid_request", "invalid request", "malformed"),
    ("inactive_user", "user is inactive", "inactive"),
    ("inactive_org", "org is inactive", "suspended"),
    ("rate_limit_exceeded", "rate limit exceeded", "too many"),
    ("invalid_scope", "invalid scope", "scope"),
    (
        "OAUTH_APP_BLOCKED",
        "this app is blocked by admin",
        "blocked",
    ),
    (
        "invalid_app_access",
        "user is not admin approved to access this app",
        "admin-approved",
    ),
    (
        "authorization_pending",
        "authorization pending",
        "not approved yet",
    ),
    // A code sfkey has never heard of still gets told where to look.
    ("brand_new_error", "something new", "Login History"),
];

#[test]
fn every_salesforce_error_is_parsed_explained_and_changes_no_secret() {
    let mut env = TestEnv::new("refresh-errors");
    for (i, (code, description, hint)) in ERRORS.iter().enumerate() {
        let behaviour = Behaviour::Error {
            status: 400,
            error: (*code).into(),
            description: (*description).into(),
        };
        let (store, org, refresh) = add(&mut env, &format!("err{i}"), None, true, |g| {
            g.with(behaviour)
        });
        let err = run_refresh(&store, &org).unwrap_err();
        let Some(TokenError::Salesforce {
            error,
            description: got,
            exchange,
        }) = err.token_error()
        else {
            panic!("{code}: expected a Salesforce error, got {err}");
        };
        assert_eq!(error, code);
        assert_eq!(got.as_deref(), Some(*description));
        assert_eq!(exchange.status, 400);
        assert_eq!(exchange.header("content-encoding"), Some("gzip"));
        let text = err.to_string();
        assert!(text.contains(code) && text.contains(description), "{text}");
        let told = err.token_error().and_then(|e| e.hint()).unwrap_or_default();
        assert!(
            told.to_lowercase().contains(&hint.to_lowercase()),
            "{code}/{description}: hint should mention {hint:?}: {told}"
        );
        let explained = err.token_error().and_then(TokenError::explanation).unwrap();
        assert_eq!(told, explained.to_string());
        assert_eq!(
            stored(&store, &org, SecretKind::RefreshToken),
            Some(refresh)
        );
        assert!(stored(&store, &org, SecretKind::ClientSecret).is_some());
        assert_eq!(stored(&store, &org, SecretKind::AccessToken), None);
        let last = store.find(&org.name).unwrap().last_refresh.unwrap();
        assert_eq!(last.status, *code);
        assert_eq!(last.http_status, Some(400));
    }
    env.assert_no_secrets_on_disk();
}

#[test]
fn an_html_maintenance_page_is_named_not_dumped() {
    let mut env = TestEnv::new("refresh-html");
    let (store, org, refresh) = add(&mut env, "down", None, true, |g| {
        g.with(Behaviour::Maintenance)
    });
    let err = run_refresh(&store, &org).unwrap_err();
    assert!(
        matches!(err.token_error(), Some(TokenError::NotATokenAnswer { .. })),
        "{err}"
    );
    let text = err.to_string();
    assert!(text.contains("HTTP 503"), "{text}");
    assert!(text.contains("text/html"), "{text}");
    assert!(text.contains("We are down for maintenance."), "{text}");
    assert!(
        !text.contains("<h1>") && !text.contains("check back"),
        "{text}"
    );
    assert_eq!(
        stored(&store, &org, SecretKind::RefreshToken),
        Some(refresh)
    );
}

#[test]
fn invalid_json_is_reported_without_the_body() {
    let mut env = TestEnv::new("refresh-garbage");
    let (store, org, _) = add(&mut env, "garbage", None, true, |g| {
        g.with(Behaviour::Garbage)
    });
    let err = run_refresh(&store, &org).unwrap_err();
    assert!(
        matches!(err.token_error(), Some(TokenError::InvalidJson { .. })),
        "{err}"
    );
    assert!(!err.to_string().contains("oops"), "{err}");
    assert_eq!(stored(&store, &org, SecretKind::AccessToken), None);
    assert_eq!(
        store.find("garbage").unwrap().last_refresh.unwrap().status,
        "invalid_json"
    );
}

#[test]
fn a_refused_connection_is_named_and_not_marked_as_maybe_sent() {
    let mut env = TestEnv::new("refresh-refused");
    let (store, _, refresh) = add(&mut env, "nobody", None, true, |g| g.with(Behaviour::Ok));
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let org = store
        .edit("nobody", SecretChanges::default(), |o| {
            o.login_url = format!("http://127.0.0.1:{port}")
        })
        .unwrap();
    let err = run_refresh(&store, &org).unwrap_err();
    let RefreshError::Token(TokenError::Transport(t)) = &err else {
        panic!("expected a transport error, got {err}");
    };
    assert_eq!(t.kind, TransportKind::Connect, "{t}");
    assert!(!t.outcome_unknown);
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert_eq!(
        stored(&store, &org, SecretKind::RefreshToken),
        Some(refresh)
    );
}

#[test]
fn a_slow_answer_is_waited_for() {
    let mut env = TestEnv::new("refresh-slow");
    let (store, org, _) = add(&mut env, "slow", None, false, |g| {
        g.delayed(Duration::from_millis(300))
    });
    let done = run_refresh(&store, &org).unwrap();
    assert!(done.success.exchange.latency >= Duration::from_millis(300));
    assert!(store.find("slow").unwrap().last_refresh.unwrap().latency_ms >= 300);
}

#[test]
fn a_hangup_after_the_request_is_flagged_as_maybe_spent() {
    let mut env = TestEnv::new("refresh-hangup");
    let (store, org, refresh) = add(&mut env, "hangup", None, true, |g| {
        g.with(Behaviour::Hangup)
    });
    let err = run_refresh(&store, &org).unwrap_err();
    let RefreshError::Token(TokenError::Transport(t)) = &err else {
        panic!("expected a transport error, got {err}");
    };
    assert!(t.outcome_unknown, "{t}");
    assert!(
        err.to_string().contains("may have reached Salesforce"),
        "{err}"
    );
    assert_eq!(env.server.requests().len(), 1);
    assert_eq!(
        stored(&store, &org, SecretKind::RefreshToken),
        Some(refresh)
    );
}

#[test]
fn a_rotated_refresh_token_is_kept_even_without_an_access_token() {
    let mut env = TestEnv::new("refresh-rt-only");
    let (store, org, first) = add(&mut env, "rtonly", None, true, |g| {
        g.with(Behaviour::RefreshTokenOnly)
    });
    let err = run_refresh(&store, &org).unwrap_err();
    assert!(
        matches!(err.token_error(), Some(TokenError::NoAccessToken { .. })),
        "{err}"
    );
    let now = stored(&store, &org, SecretKind::RefreshToken).unwrap();
    assert_ne!(now, first);
    assert!(
        env.server.is_live(&now),
        "the stored refresh token must be the live one"
    );
    env.assert_no_secrets_on_disk();
}
