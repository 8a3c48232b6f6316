//! Userinfo, introspect and revoke of a saved org against the in-process fake Salesforce.

use super::*;
use crate::demo::Demo;
use crate::salesforce::HttpSettings;
use crate::saved_org::refresh::{ClientFor, refresh_org};

#[test]
fn field_rows_never_carry_control_characters_to_the_terminal() {
    let fields = serde_json::json!({"name": "Eve\u{1b}[2J\u{7}", "urls": {"a": "b\u{1b}c"}});
    let rows = field_rows(fields.as_object().unwrap());
    for (key, value) in &rows {
        assert!(!value.chars().any(char::is_control), "{key}: {value:?}");
    }
    assert_eq!(rows[0].1, "Eve\\u{1b}[2J\\u{7}");
}

/// The demo (fake Salesforce, in-memory keyring) answers all three calls.
#[test]
fn the_demo_answers_userinfo_introspect_and_revoke() {
    let demo = Demo::start().unwrap();
    let store = demo.store();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = HttpClient::new(&HttpSettings::default()).unwrap();
    let org = store.find("partner-portal").unwrap();
    let err = runtime
        .block_on(introspect_access_token(store, &org, &client))
        .unwrap_err();
    assert!(matches!(err, CallError::NoAccessToken(_)), "{err}");
    runtime
        .block_on(refresh_org(
            store,
            &org,
            ClientFor::Build(HttpSettings::default()),
        ))
        .unwrap();

    let done = runtime.block_on(userinfo(store, &org, &client)).unwrap();
    assert!(done.username_filled);
    let org = store.find("partner-portal").unwrap();
    assert_eq!(org.username, done.info.username);
    let done = runtime
        .block_on(introspect_access_token(store, &org, &client))
        .unwrap();
    assert!(done.info.active, "{:?}", done.info);

    let done = runtime
        .block_on(revoke_token(
            store,
            &org,
            &client,
            TokenKind::AccessToken,
            || {},
        ))
        .unwrap();
    assert_eq!(done.cleared, vec![SecretKind::AccessToken]);
    let org = store.find("partner-portal").unwrap();
    assert_eq!(org.dead_access_token().unwrap().reason, "revoked");
    assert!(
        store
            .secret(&org.id, SecretKind::AccessToken)
            .unwrap()
            .is_none()
    );
    runtime
        .block_on(revoke_token(
            store,
            &org,
            &client,
            TokenKind::RefreshToken,
            || {},
        ))
        .unwrap();
    assert!(
        store
            .secret(&org.id, SecretKind::RefreshToken)
            .unwrap()
            .is_none()
    );
    let err = runtime
        .block_on(refresh_org(
            store,
            &org,
            ClientFor::Build(HttpSettings::default()),
        ))
        .unwrap_err();
    assert!(err.to_string().contains("no refresh token"), "{err}");
}

/// Introspect of an access-token-only org is refused before any request (no client to ask
/// with), with advice naming userinfo; other kinds may ask.
#[test]
fn introspect_is_refused_for_an_access_token_only_org() {
    let mut org = Org::new("quick", "https://login.salesforce.com", "");
    assert!(introspect_refused(&org).is_none());
    org.kind = crate::org::OrgKind::AccessToken;
    let refused = introspect_refused(&org).expect("refused");
    assert!(
        refused
            .to_string()
            .contains("quick holds an access token only"),
        "{refused}"
    );
    let advice = refused.advice().expect("advice");
    assert_eq!(
        advice.remedies().collect::<Vec<_>>(),
        [crate::remedy::Remedy::Userinfo]
    );
}
