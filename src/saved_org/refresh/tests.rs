//! Refreshing a saved org against the in-process fake Salesforce and a recording keyring.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use secrecy::ExposeSecret;

use super::*;
use crate::fake_salesforce::{Behaviour, FakeSalesforce, Grant};
use crate::org::OrgId;
use crate::saved_org::grant::jwt_audience;
use crate::store::{MemoryStore, NewSecrets, SecretError, SecretStore, config};

/// Records, at each write, what else had already been saved.
struct Recording {
    inner: MemoryStore,
    dir: PathBuf,
    log: Mutex<Vec<String>>,
}

impl SecretStore for Recording {
    fn get(&self, org: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, SecretError> {
        self.inner.get(org, kind)
    }
    fn set(&self, org: &OrgId, kind: SecretKind, value: &SecretString) -> Result<(), SecretError> {
        let access_saved = self.inner.get(org, SecretKind::AccessToken)?.is_some();
        let metadata_saved = config::load(&self.dir)
            .ok()
            .and_then(|orgs| orgs.first().and_then(|o| o.last_refresh.clone()))
            .is_some();
        self.log.lock().unwrap().push(format!(
            "{} access_saved={access_saved} metadata_saved={metadata_saved}",
            kind.as_str()
        ));
        self.inner.set(org, kind, value)
    }
    fn delete(&self, org: &OrgId, kind: SecretKind) -> Result<(), SecretError> {
        self.inner.delete(org, kind)
    }
}

/// Saves an org with client id `cid`, no client secret, and `refresh_token`.
fn save_org(store: &Store, name: &str, login_url: &str, refresh_token: &str) -> Org {
    store
        .add(
            Org::new(name, login_url, "cid"),
            NewSecrets {
                client_secret: None,
                refresh_token: SecretString::from(refresh_token),
            },
        )
        .unwrap()
}

/// Refreshes as the CLI does, on a fresh current-thread runtime.
fn refresh_now(store: &Store, org: &Org) -> Result<Refreshed, RefreshError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(refresh_org(
            store,
            org,
            ClientFor::Build(HttpSettings::default()),
        ))
}

#[test]
fn only_a_refresh_says_a_lost_answer_may_have_spent_the_refresh_token() {
    let lost = TransportError {
        kind: crate::salesforce::TransportKind::Timeout,
        detail: "operation timed out".into(),
        outcome_unknown: true,
        limit: std::time::Duration::from_secs(30),
    };
    let refresh = RefreshError::Token(TokenError::Transport(lost.clone())).to_string();
    assert!(refresh.contains("may have reached Salesforce"), "{refresh}");
    assert!(refresh.contains("so sfkey did not retry it"), "{refresh}");
    assert!(refresh.contains("may already be spent"), "{refresh}");
    // userinfo, introspect, revoke and logins spend no refresh token.
    let call = crate::salesforce::ApiError::Http(TokenError::Transport(lost)).to_string();
    assert!(call.contains("may have reached Salesforce"), "{call}");
    assert!(!call.contains("refresh token"), "{call}");
}

#[test]
fn the_jwt_audience_is_the_login_host_salesforce_expects() {
    let aud = |url: &str, site: Option<&str>| {
        let mut org = Org::new("ci", url, "cid");
        org.site = site.map(str::to_string);
        jwt_audience(&org)
    };
    let prod = "https://login.salesforce.com";
    assert_eq!(aud(prod, None), prod);
    assert_eq!(aud("https://acme.my.salesforce.com", None), prod);
    assert_eq!(
        aud("https://acme--uat.sandbox.my.salesforce.com", None),
        "https://test.salesforce.com"
    );
    assert_eq!(
        aud("https://acme.my.site.com", Some("/partners")),
        "https://acme.my.site.com/partners"
    );
    assert_eq!(aud("http://127.0.0.1:9", None), "http://127.0.0.1:9");
}

#[test]
fn a_refresh_of_an_org_removed_meanwhile_leaves_no_lock_file() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
    let org = save_org(&store, "prod", "https://login.salesforce.com", "rt");
    store.remove("prod").unwrap();
    let err = refresh_now(&store, &org).unwrap_err();
    assert!(err.to_string().contains("\"prod\""), "{err}");
    assert!(
        !crate::store::locks::org_lock_path(&org.id)
            .unwrap()
            .exists()
    );
}

#[test]
fn a_rotated_refresh_token_is_saved_before_anything_else() {
    let server = FakeSalesforce::start().unwrap();
    server.add_grant("rt-1", Grant::new("cid", None).with(Behaviour::Rotate));
    let tmp = tempfile::tempdir().unwrap();
    let recording = Arc::new(Recording {
        inner: MemoryStore::new(),
        dir: tmp.path().to_path_buf(),
        log: Mutex::new(Vec::new()),
    });
    let store = Store::new(tmp.path(), recording.clone());
    let org = save_org(&store, "rot", server.url(), "rt-1");
    recording.log.lock().unwrap().clear();

    let done = refresh_now(&store, &org).unwrap();
    assert!(done.rotated);
    let log = recording.log.lock().unwrap().clone();
    assert_eq!(
        log.first().map(String::as_str),
        Some("refresh_token access_saved=false metadata_saved=false"),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l.starts_with("access_token")), "{log:?}");
    let stored = store
        .secret(&org.id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    assert!(server.is_live(stored.expose_secret()));
}

#[test]
fn cancel_stops_a_refresh_only_before_its_request_goes_out() {
    let server = FakeSalesforce::start().unwrap();
    server.add_grant(
        "rt-slow",
        Grant::new("cid", None)
            .with(Behaviour::Rotate)
            .delayed(std::time::Duration::from_millis(800)),
    );
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
    let org = save_org(&store, "slow", server.url(), "rt-slow");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = |cancel: &Cancel| {
        let options = RefreshOptions {
            cancel: cancel.clone(),
            ..RefreshOptions::default()
        };
        runtime.block_on(refresh_org_with(
            &store,
            &org,
            ClientFor::Build(HttpSettings::default()),
            &options,
        ))
    };
    let cancel_soon = || {
        let cancel = Cancel::default();
        let trigger = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            trigger.cancel();
        });
        cancel
    };

    // Waiting for another process's refresh of the same org: stops, sends nothing.
    let held = store.lock_org(&org.id, || {}).unwrap();
    let err = run(&cancel_soon()).unwrap_err();
    assert!(matches!(err, RefreshError::Cancelled), "{err}");
    assert!(server.requests().is_empty());
    drop(held);

    // The request is out: the cancel is too late, and the rotated token is saved.
    let done = run(&cancel_soon()).unwrap();
    assert!(done.rotated);
    assert_eq!(server.requests().len(), 1);
    let stored = store
        .secret(&org.id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    assert!(server.is_live(stored.expose_secret()));
}
