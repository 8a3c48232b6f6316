use super::*;
use crate::org::{LastRefresh, Org};
use crate::store::config::{self, ORGS_FILE};

fn org(name: &str) -> Org {
    Org::new(name, "https://login.salesforce.com", "3MVG9")
}

fn refreshed(mut o: Org, at_ms: u64) -> Org {
    o.record_refresh(LastRefresh {
        at_ms,
        status: "ok".into(),
        http_status: Some(200),
        latency_ms: 12,
        issued_at: Some(at_ms.to_string()),
    });
    o
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("readable")
}

#[test]
fn a_refresh_only_save_leaves_the_copy_and_a_settings_change_updates_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backup = dir.path().join(BACKUP_FILE);
    let base = org("prod");
    config::save(dir.path(), std::slice::from_ref(&base)).expect("first save");
    let first_copy = read(&backup);
    assert!(first_copy.starts_with(DIGEST_PREFIX), "{first_copy}");

    // Only refresh records changed: the orgs file has them, the copy is as it was.
    let prod = refreshed(base, 1_000);
    config::save(dir.path(), std::slice::from_ref(&prod)).expect("refresh save");
    assert_eq!(read(&backup), first_copy);
    assert_eq!(config::load(dir.path()).expect("load"), vec![prod.clone()]);

    // A setting changed: the copy follows.
    let mut renamed = prod.clone();
    renamed.name = "production".into();
    config::save(dir.path(), std::slice::from_ref(&renamed)).expect("rename save");
    assert_ne!(read(&backup), first_copy);
    assert!(read(&backup).contains("production"));
}

#[test]
fn an_empty_orgs_file_is_read_from_the_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prod = refreshed(org("prod"), 1_000);
    config::save(dir.path(), std::slice::from_ref(&prod)).expect("save");
    config::save(dir.path(), &[refreshed(prod.clone(), 2_000)]).expect("refresh save");
    // What a crash can leave of a rename without fsync.
    std::fs::write(dir.path().join(ORGS_FILE), "").expect("truncate");
    assert_eq!(config::load(dir.path()).expect("load"), vec![prod]);
}

#[test]
fn without_a_copy_an_empty_orgs_file_reads_as_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(ORGS_FILE), "").expect("write");
    let loaded = config::load(dir.path());
    match config::parse("") {
        Ok(orgs) => assert_eq!(loaded.expect("loads as parse does"), orgs),
        Err(_) => assert!(loaded.is_err(), "parse fails, so must load"),
    }
}
