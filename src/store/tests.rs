//! Unit tests of `store`.

use super::*;
use secrecy::ExposeSecret;

fn sample(name: &str) -> Org {
    Org::new(name, "https://login.salesforce.com", "3MVG9")
}

fn secrets(rt: &str) -> NewSecrets {
    NewSecrets {
        client_secret: Some(SecretString::from("cs")),
        refresh_token: SecretString::from(rt),
    }
}

#[test]
fn add_find_remove_keeps_secrets_keyed_by_id() {
    let tmp = tempfile::tempdir().unwrap();
    let mem = Arc::new(MemoryStore::new());
    let store = Store::new(tmp.path(), mem.clone());
    let org = store.add(sample("prod"), secrets("rt-1")).unwrap();
    assert!(matches!(
        store.add(sample("prod"), secrets("rt-2")),
        Err(StoreError::DuplicateName(_))
    ));
    let renamed = store
        .update(&org.id, |o| o.name = "production".into())
        .unwrap();
    let rt = store.secret(&renamed.id, SecretKind::RefreshToken).unwrap();
    assert_eq!(rt.unwrap().expose_secret(), "rt-1");
    let err = store.find("prod").unwrap_err().to_string();
    assert!(err.contains("production"), "{err}");
    store.remove("production").unwrap();
    assert!(
        mem.get(&org.id, SecretKind::RefreshToken)
            .unwrap()
            .is_none()
    );
    assert!(
        mem.get(&org.id, SecretKind::ClientSecret)
            .unwrap()
            .is_none()
    );
    assert!(store.orgs().unwrap().is_empty());
}

#[test]
fn edit_never_touches_an_org_it_did_not_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
    let a = store.add(sample("prod"), secrets("rt-a")).unwrap();
    // A refresh of A holds its lock; meanwhile A is renamed and a new "prod" appears.
    let held = store.lock_org(&a.id, || {}).unwrap();
    let other = store.clone();
    let edit = std::thread::spawn(move || {
        other.edit("prod", SecretChanges::default(), |o| {
            o.notes = Some("x".into())
        })
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut orgs = config::load(tmp.path()).unwrap();
    orgs[0].name = "prod-old".into();
    let b = sample("prod");
    orgs.push(b.clone());
    config::save(tmp.path(), &orgs).unwrap();
    drop(held);
    let err = edit.join().unwrap().unwrap_err();
    assert!(
        err.to_string().contains("renamed or removed meanwhile"),
        "{err}"
    );
    assert_eq!(
        store.find("prod").unwrap().notes,
        None,
        "B was edited without its lock"
    );
}

/// A store whose writes always fail, to check nothing is half-added.
struct BrokenStore;
impl SecretStore for BrokenStore {
    fn get(&self, _: &OrgId, _: SecretKind) -> Result<Option<SecretString>, SecretError> {
        Err(SecretError::Locked("test".into()))
    }
    fn set(&self, _: &OrgId, _: SecretKind, _: &SecretString) -> Result<(), SecretError> {
        Err(SecretError::Locked("test".into()))
    }
    fn delete(&self, _: &OrgId, _: SecretKind) -> Result<(), SecretError> {
        Ok(())
    }
}

#[test]
fn a_locked_keyring_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path(), Arc::new(BrokenStore));
    let err = store.add(sample("prod"), secrets("rt")).unwrap_err();
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(store.orgs().unwrap().is_empty());
}
