//! The tasks keep a refresh token the keyring refused, per org, and the next refresh saves it
//! first or, if the keyring still refuses, refreshes with it. Loopback fake, in-memory keyring
//! that can be told to refuse.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::fake_salesforce::{Behaviour, FakeSalesforce, Grant};
use crate::org::Org;
use crate::store::{MemoryStore, NewSecrets, SecretError, SecretStore};
use crate::tui::message::RefreshOutcome;

/// Refuses to store refresh tokens while `refuse` is set.
#[derive(Default)]
struct Refusing {
    inner: MemoryStore,
    refuse: AtomicBool,
}

impl SecretStore for Refusing {
    fn get(&self, org: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, SecretError> {
        self.inner.get(org, kind)
    }
    fn set(&self, org: &OrgId, kind: SecretKind, v: &SecretString) -> Result<(), SecretError> {
        if kind == SecretKind::RefreshToken && self.refuse.load(Ordering::SeqCst) {
            return Err(SecretError::Locked("prompt dismissed".into()));
        }
        self.inner.set(org, kind, v)
    }
    fn delete(&self, org: &OrgId, kind: SecretKind) -> Result<(), SecretError> {
        self.inner.delete(org, kind)
    }
}

/// Runs one refresh through the tasks; returns its outcome and the messages before it.
async fn refresh(
    tasks: &Tasks,
    rx: &mut mpsc::UnboundedReceiver<Outcome>,
    org: &Org,
) -> (RefreshOutcome, Vec<Message>) {
    tasks.run(Effect::Refresh(org.clone()));
    let mut before = Vec::new();
    while let Some(outcome) = rx.recv().await {
        match outcome {
            Outcome::Message(Message::RefreshDone { outcome, .. }) => return (*outcome, before),
            Outcome::Message(other) => before.push(other),
            Outcome::Terminal(_) => {}
        }
    }
    panic!("the tasks stopped answering");
}

#[test]
fn a_refused_rotated_token_is_kept_used_and_saved_later() {
    let server = FakeSalesforce::start().unwrap();
    server.add_grant("rt-1", Grant::new("cid", None).with(Behaviour::Rotate));
    let tmp = tempfile::tempdir().unwrap();
    let keyring = Arc::new(Refusing::default());
    let store = Store::new(tmp.path(), keyring.clone());
    let org = store
        .add(
            Org::new("rot", server.url(), "cid"),
            NewSecrets {
                client_secret: None,
                refresh_token: SecretString::from("rt-1"),
            },
        )
        .unwrap();
    let stored = || {
        let t = store.secret(&org.id, SecretKind::RefreshToken).unwrap();
        t.unwrap().expose_secret().to_string()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tasks = Tasks::new(
        store.clone(),
        HttpSettings::default(),
        Err("no clipboard in this test".into()),
        tx,
    );
    keyring.refuse.store(true, Ordering::SeqCst);

    // 1. Rotated, refused: the live token is only in the tasks' memory.
    let (outcome, _) = runtime.block_on(refresh(&tasks, &mut rx, &org));
    assert!(
        matches!(
            &outcome,
            RefreshOutcome::Failure(RefreshError::RotationNotSaved(_))
        ),
        "{outcome:?}"
    );
    let live = server.live_refresh_tokens();
    assert_eq!(live.len(), 1);
    let kept = tasks
        .unsaved()
        .get(&org.id)
        .map(|t| t.expose_secret().to_string());
    assert_eq!(kept.as_deref(), Some(live[0].as_str()));
    assert_eq!(stored(), "rt-1", "the keyring kept the dead one");

    // 2. Still refused: the next refresh spends the token from memory, not the dead one.
    let (outcome, _) = runtime.block_on(refresh(&tasks, &mut rx, &org));
    assert!(matches!(
        &outcome,
        RefreshOutcome::Failure(RefreshError::RotationNotSaved(_))
    ));
    let sent = server.requests()[1]
        .field("refresh_token")
        .map(str::to_string);
    assert_eq!(sent, Some(live[0].clone()));
    let live = server.live_refresh_tokens();
    let kept = tasks
        .unsaved()
        .get(&org.id)
        .map(|t| t.expose_secret().to_string());
    assert_eq!(kept.as_deref(), Some(live[0].as_str()));

    // 3. The keyring works again: saved first (and said so), then the refresh rotates it.
    keyring.refuse.store(false, Ordering::SeqCst);
    let (outcome, before) = runtime.block_on(refresh(&tasks, &mut rx, &org));
    assert!(
        matches!(&outcome, RefreshOutcome::Success(_)),
        "{outcome:?}"
    );
    assert!(before.iter().any(|m| matches!(
        m,
        Message::RefreshProgress {
            event: RefreshEvent::RefreshTokenSaved,
            ..
        }
    )));
    assert!(tasks.unsaved().is_empty());
    assert_eq!(server.requests().len(), 3);
    assert!(server.is_live(&stored()));
}

/// The paste's duplicate check reads the keyring: an auth URL names no user, so its refresh
/// token is what finds the org saved under another name (as `sfkey import` does).
#[test]
fn the_import_check_finds_the_same_refresh_token_under_another_name() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
    let url = "https://acme.my.salesforce.com";
    let saved = store
        .add(
            Org::new("ci", url, "PlatformCLI"),
            NewSecrets {
                client_secret: None,
                refresh_token: SecretString::from("5Aep861SAME"),
            },
        )
        .unwrap();
    let (tx, _rx) = mpsc::unbounded_channel();
    let tasks = Tasks::new(store, HttpSettings::default(), Err("none".into()), tx);
    let pasted = |token: &str| Imported {
        org: Org::new("acme", url, "PlatformCLI"),
        client_secret: None,
        refresh_token: SecretString::from(token.to_string()),
    };

    let check = tasks.check_import(pasted("5Aep861SAME")).unwrap();
    let (found, why) = check.duplicate.expect("the saved org is found");
    assert_eq!(found.id, saved.id);
    assert_eq!(why, crate::interop::Sameness::RefreshToken);

    let check = tasks.check_import(pasted("5Aep861OTHER")).unwrap();
    assert!(check.duplicate.is_none(), "{:?}", check.duplicate);
}

/// The edit form's new access token replaces the stored one after the edit, at the new URL,
/// no longer marked dead; a new JWT bearer org's key goes to the keyring as its kind.
#[test]
fn the_form_saves_each_kind_s_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path(), Arc::new(MemoryStore::default()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tasks = Tasks::new(
        store.clone(),
        HttpSettings::default(),
        Err("no clipboard in this test".into()),
        tx,
    );
    let saved = |rx: &mut mpsc::UnboundedReceiver<Outcome>| {
        runtime.block_on(async {
            while let Some(outcome) = rx.recv().await {
                if let Outcome::Message(Message::Saved(result)) = outcome {
                    return result;
                }
            }
            panic!("the tasks stopped answering")
        })
    };
    let secret = |org: &Org, kind| {
        let value = store.secret(&org.id, kind).unwrap();
        value.map(|v| v.expose_secret().to_string())
    };
    let _guard = runtime.enter();

    let mut jwt = Org::new("ci", "https://login.salesforce.com", "cid");
    jwt.kind = crate::org::OrgKind::JwtBearer;
    let key = SecretString::from("PEM TESTSECRET");
    tasks.run(Effect::Add(jwt, vec![(SecretKind::PrivateKey, Some(key))]));
    let jwt = saved(&mut rx).unwrap();
    assert_eq!(
        secret(&jwt, SecretKind::PrivateKey).as_deref(),
        Some("PEM TESTSECRET")
    );

    let mut scratch = Org::new("scratch", "https://old.my.salesforce.com", "");
    scratch.kind = crate::org::OrgKind::AccessToken;
    let old = SecretString::from("00D000000000001!old");
    tasks.run(Effect::Add(
        scratch,
        vec![(SecretKind::AccessToken, Some(old))],
    ));
    let scratch = saved(&mut rx).unwrap();
    let mut moved = scratch.clone();
    moved.login_url = "https://new.my.salesforce.com".into();
    let new = SecretString::from("00D000000000001!new");
    tasks.run(Effect::Edit(Box::new(crate::tui::message::OrgEdit {
        name: "scratch".into(),
        org: moved,
        secrets: crate::store::SecretChanges::default(),
        other_secret: Some((SecretKind::AccessToken, new)),
    })));
    let edited = saved(&mut rx).unwrap();
    assert_eq!(
        edited.instance_url.as_deref(),
        Some("https://new.my.salesforce.com")
    );
    assert_eq!(
        secret(&edited, SecretKind::AccessToken).as_deref(),
        Some("00D000000000001!new")
    );
}
