use super::*;

#[test]
fn memory_store_round_trip() {
    let store = MemoryStore::new();
    let org = OrgId::generate();
    assert!(matches!(
        store.get(&org, SecretKind::RefreshToken),
        Ok(None)
    ));
    let value = SecretString::from("rt-1");
    assert!(store.set(&org, SecretKind::RefreshToken, &value).is_ok());
    let got = store.get(&org, SecretKind::RefreshToken).ok().flatten();
    assert_eq!(got.as_ref().map(|s| s.expose_secret()), Some("rt-1"));
    assert!(matches!(store.get(&org, SecretKind::AccessToken), Ok(None)));
    assert!(store.delete(&org, SecretKind::RefreshToken).is_ok());
    assert!(store.delete(&org, SecretKind::RefreshToken).is_ok());
    assert!(matches!(
        store.get(&org, SecretKind::RefreshToken),
        Ok(None)
    ));
}

#[test]
fn a_secret_too_long_for_the_keyring_says_so() {
    let err = map_error(keyring_core::Error::TooLong("secret".into(), 2560));
    assert_eq!(
        err.to_string(),
        "the OS keyring failed: the secret is too long for this keyring (at most 2560 bytes); nothing was stored"
    );
}

#[test]
fn errors_never_echo_secret_bytes() {
    let err = map_error(keyring_core::Error::BadEncoding(b"hunter2-secret".to_vec()));
    assert!(!err.to_string().contains("hunter2"));
    assert!(!format!("{err:?}").contains("hunter2"));
}
