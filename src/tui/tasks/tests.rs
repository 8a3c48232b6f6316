//! A refresh token the keyring refused stays in the org's state, and the next refresh takes it
//! along and saves it first or, if the keyring still refuses, refreshes with it: the app and
//! the tasks together, against the loopback fake and an in-memory keyring that can refuse.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::fake_salesforce::{Behaviour, FakeSalesforce, Grant};
use crate::org::Org;
use crate::saved_org::refresh::RefreshEvent;
use crate::store::{MemoryStore, NewSecrets, SecretError, SecretStore};
use crate::tui::app::{App, Shown};

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

/// Presses `r` in `app` and runs what it asks through the tasks until the refresh ends;
/// returns the refresh's news on the way.
async fn refresh(
    app: &mut App,
    tasks: &Tasks,
    rx: &mut mpsc::UnboundedReceiver<Outcome>,
) -> Vec<RefreshEvent> {
    let r = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('r'),
        crossterm::event::KeyModifiers::NONE,
    );
    for effect in app.update(Message::Key(r)) {
        tasks.run(effect);
    }
    let mut news = Vec::new();
    while let Some(outcome) = rx.recv().await {
        let Outcome::Message(message) = outcome else {
            continue;
        };
        let done = matches!(message, Message::RefreshDone { .. });
        if let Message::Refreshing { event, .. } = &message {
            news.push(event.clone());
        }
        // The reload after a failure is not needed here.
        let _ = app.update(message);
        if done {
            return news;
        }
    }
    panic!("the tasks stopped answering");
}

fn kept(app: &App, org: &Org) -> Option<String> {
    let panel = app.panels.get(&org.id)?;
    let token = panel.unsaved_refresh_token.as_ref()?;
    Some(token.expose_secret().to_string())
}

fn refused(app: &App, org: &Org) -> bool {
    matches!(
        app.panels[&org.id].last,
        Some(Shown::Failure { ref error, .. }) if matches!(**error, RefreshError::RotationNotSaved(_))
    )
}

/// A current-thread runtime and the tasks on `store` (no clipboard), with their outcomes.
fn tasks_on(
    store: &Store,
) -> (
    tokio::runtime::Runtime,
    mpsc::UnboundedReceiver<Outcome>,
    Tasks,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let tasks = Tasks::new(
        store.clone(),
        HttpSettings::default(),
        Err("no clipboard in this test".into()),
        tx,
    );
    (runtime, rx, tasks)
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
    let (runtime, mut rx, tasks) = tasks_on(&store);
    keyring.refuse.store(true, Ordering::SeqCst);
    let mut app = App::new(0, None, 0);
    app.update(Message::OrgsLoaded(Ok(vec![org.clone()])));

    // 1. Rotated, refused: the live token is only in the org's state.
    let news = runtime.block_on(refresh(&mut app, &tasks, &mut rx));
    assert!(refused(&app, &org));
    assert!(news.contains(&RefreshEvent::RequestSent), "{news:?}");
    let live = server.live_refresh_tokens();
    assert_eq!(live.len(), 1);
    assert_eq!(kept(&app, &org).as_deref(), Some(live[0].as_str()));
    assert_eq!(stored(), "rt-1", "the keyring kept the dead one");

    // 2. Still refused: the next refresh spends the token from memory, not the dead one.
    runtime.block_on(refresh(&mut app, &tasks, &mut rx));
    assert!(refused(&app, &org));
    let sent = server.requests()[1]
        .field("refresh_token")
        .map(str::to_string);
    assert_eq!(sent, Some(live[0].clone()));
    let live = server.live_refresh_tokens();
    assert_eq!(kept(&app, &org).as_deref(), Some(live[0].as_str()));

    // 3. The keyring works again: saved first (and said so), then the refresh rotates it.
    keyring.refuse.store(false, Ordering::SeqCst);
    let news = runtime.block_on(refresh(&mut app, &tasks, &mut rx));
    assert!(
        matches!(app.panels[&org.id].last, Some(Shown::Token { .. })),
        "{:?}",
        app.panels[&org.id].last
    );
    assert!(news.contains(&RefreshEvent::RefreshTokenSaved), "{news:?}");
    assert_eq!(kept(&app, &org), None);
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

/// Logging in again into a saved org with a device code: the job reads the org's client secret
/// from the keyring, the popup gets the code and the login's cancel handle, and the new refresh
/// token replaces the stored one.
#[test]
fn a_device_login_again_replaces_the_saved_orgs_refresh_token() {
    use crate::fake_salesforce::{DeviceScript, LoginClient};
    use crate::tui::message::LoginJob;
    let server = FakeSalesforce::start().unwrap();
    let mut client = LoginClient::new("3MVG9device", Some("cs-device"), "unused");
    client.device = DeviceScript {
        pending: 1,
        ..DeviceScript::default()
    };
    server.add_login_client(client);
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
    let org = store
        .add(
            Org::new("dev", server.url(), "3MVG9device"),
            NewSecrets {
                client_secret: Some(SecretString::from("cs-device")),
                refresh_token: SecretString::from("rt-dead"),
            },
        )
        .unwrap();
    let (runtime, mut rx, tasks) = tasks_on(&store);
    let mut app = App::new(0, None, 0);
    app.update(Message::OrgsLoaded(Ok(vec![org.clone()])));
    // L opens the popup; its browser login is not run here, a device one is.
    let shift_l = crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('L'),
        crossterm::event::KeyModifiers::SHIFT,
    );
    assert_eq!(app.update(Message::Key(shift_l)).len(), 1);
    let mut code_shown = false;
    runtime.block_on(async {
        tasks.run(Effect::StartLogin(Box::new(LoginJob::again(&org, true))));
        while let Some(outcome) = rx.recv().await {
            let Outcome::Message(message) = outcome else {
                continue;
            };
            let done = matches!(message, Message::LoginDone(_));
            if let Message::LoginWaiting { opened, .. } = &message {
                code_shown = opened.contains("enter the code");
            }
            let _ = app.update(message);
            if done {
                break;
            }
        }
    });
    assert!(code_shown);
    let status = app.view.status.as_ref().unwrap();
    assert!(status.text.starts_with("updated dev"), "{}", status.text);
    let stored = store.secret(&org.id, SecretKind::RefreshToken).unwrap();
    let stored = stored.unwrap().expose_secret().to_string();
    assert_ne!(stored, "rt-dead");
    assert!(server.is_live(&stored));
    assert_eq!(store.orgs().unwrap().len(), 1, "no second org");
}

/// The edit form's new access token replaces the stored one after the edit, at the new URL,
/// no longer marked dead; a new JWT bearer org's key goes to the keyring as its kind.
#[test]
fn the_form_saves_each_kind_s_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path(), Arc::new(MemoryStore::default()));
    let (runtime, mut rx, tasks) = tasks_on(&store);
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
