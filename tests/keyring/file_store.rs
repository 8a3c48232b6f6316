//! The encrypted file backend's own promises: distinct messages for a wrong passphrase, a
//! tampered, truncated or newer file, nothing overwritten then, mode 0600, and the session key cache.

use std::path::Path;
use std::time::Duration;

use secrecy::SecretString;
use sfkey::org::OrgId;
use sfkey::store::file::FileStore;
use sfkey::store::file_key::KeyCache;
use sfkey::store::{SecretKind, SecretStore};

use super::{common, value};

fn store(dir: &Path, pass: &str, cache: Duration) -> FileStore {
    FileStore::new(dir, KeyCache::new(cache)).with_passphrase(SecretString::from(pass.to_string()))
}

/// A file holding one refresh token, and its org.
fn filled(test: &str) -> (std::path::PathBuf, OrgId) {
    let dir = common::config_dir(test);
    let org = OrgId::generate();
    store(&dir, "right-pass", Duration::ZERO)
        .set(
            &org,
            SecretKind::RefreshToken,
            &SecretString::from("rt-TESTSECRET-file"),
        )
        .unwrap();
    (dir, org)
}

/// Opening fails with `needle` in the message, and neither a read nor a write changes the file.
#[track_caller]
fn refused(dir: &Path, org: &OrgId, pass: &str, needle: &str) {
    let path = dir.join("secrets.sfkey");
    let before = std::fs::read(&path).unwrap();
    let s = store(dir, pass, Duration::ZERO);
    let err = s
        .get(org, SecretKind::RefreshToken)
        .unwrap_err()
        .to_string();
    assert!(err.contains(needle), "{err}");
    assert!(err.contains("secrets.sfkey"), "{err}");
    let err = s
        .set(
            org,
            SecretKind::AccessToken,
            &SecretString::from("at-TESTSECRET-x"),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains(needle), "{err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file was overwritten"
    );
}

#[test]
fn a_wrong_passphrase_is_named_and_changes_nothing() {
    let (dir, org) = filled("file-wrong-pass");
    refused(&dir, &org, "wrong-pass", "wrong passphrase");
    let right = store(&dir, "right-pass", Duration::ZERO);
    assert_eq!(
        value(right.get(&org, SecretKind::RefreshToken).unwrap()).as_deref(),
        Some("rt-TESTSECRET-file")
    );
}

#[test]
fn tampered_truncated_and_newer_files_each_have_their_message() {
    let (dir, org) = filled("file-damaged");
    let path = dir.join("secrets.sfkey");
    let good = std::fs::read(&path).unwrap();

    let mut tampered = good.clone();
    let last = tampered.len() - 20;
    tampered[last] ^= 0x40;
    std::fs::write(&path, &tampered).unwrap();
    refused(&dir, &org, "right-pass", "integrity check");

    std::fs::write(&path, &good[..good.len() - 7]).unwrap();
    refused(&dir, &org, "right-pass", "truncated");
    std::fs::write(&path, &good[..20]).unwrap();
    refused(&dir, &org, "right-pass", "truncated");

    let mut newer = good.clone();
    newer[8] = 2;
    std::fs::write(&path, &newer).unwrap();
    refused(&dir, &org, "right-pass", "newer sfkey");

    std::fs::write(&path, "refresh_token = \"x\"\n").unwrap();
    refused(&dir, &org, "right-pass", "not an sfkey secrets file");

    std::fs::write(&path, &good).unwrap();
    assert!(
        store(&dir, "right-pass", Duration::ZERO)
            .get(&org, SecretKind::RefreshToken)
            .unwrap()
            .is_some()
    );
}

#[cfg(unix)]
#[test]
fn the_file_is_private_and_holds_nothing_in_clear() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, _) = filled("file-mode");
    let path = dir.join("secrets.sfkey");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.windows(10).any(|w| w == b"TESTSECRET"));
    assert!(
        !bytes.windows(13).any(|w| w == b"refresh_token"),
        "entry names are sealed too"
    );
    let leftovers = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0);
}

/// The derived key waits in the kernel session keyring: a later store opens the file without
/// the passphrase, until `forget_key` (`sfkey lock`).
#[cfg(target_os = "linux")]
#[test]
fn the_session_cache_opens_the_file_until_it_is_forgotten() {
    assert!(
        KeyCache::available(),
        "the kernel refuses a session keyring here (keyctl forbidden?): the cache cannot work"
    );
    let dir = common::config_dir("file-cache");
    let org = OrgId::generate();
    let first = store(&dir, "cached-pass", Duration::from_secs(60));
    first
        .set(
            &org,
            SecretKind::RefreshToken,
            &SecretString::from("rt-TESTSECRET-cache"),
        )
        .unwrap();
    let later = store(&dir, "not-the-passphrase", Duration::from_secs(60));
    assert_eq!(
        value(later.get(&org, SecretKind::RefreshToken).unwrap()).as_deref(),
        Some("rt-TESTSECRET-cache")
    );
    assert!(later.forget_key().unwrap());
    let after = store(&dir, "not-the-passphrase", Duration::from_secs(60));
    let err = after
        .get(&org, SecretKind::RefreshToken)
        .unwrap_err()
        .to_string();
    assert!(err.contains("wrong passphrase"), "{err}");
    assert!(!later.forget_key().unwrap(), "nothing left to forget");
}
