//! Unit tests of `store::config`.

use super::*;

fn org(name: &str) -> Org {
    Org::new(name, "https://login.salesforce.com", "3MVG9")
}

#[test]
fn save_then_load_round_trips_with_private_modes() -> Result<(), ConfigError> {
    let tmp = tempfile::tempdir().map_err(io_err("tempdir", Path::new(".")))?;
    let dir = tmp.path().join("cfg");
    assert!(load(&dir)?.is_empty());
    let orgs = vec![org("prod"), org("uat")];
    save(&dir, &orgs)?;
    assert_eq!(load(&dir)?, orgs);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).map(|m| m.permissions().mode() & 0o777).ok();
        assert_eq!(mode(&dir), Some(0o700));
        assert_eq!(mode(&dir.join(ORGS_FILE)), Some(0o600));
    }
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .map_err(io_err("read", &dir))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    Ok(())
}

#[cfg(unix)]
#[test]
fn saves_replace_the_file_by_rename_through_a_random_temp_file() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    save(dir, &[org("prod")]).unwrap();
    let path = dir.join(ORGS_FILE);
    let inode = fs::metadata(&path).unwrap().ino();
    save(dir, &[org("prod"), org("uat")]).unwrap();
    assert_ne!(
        fs::metadata(&path).unwrap().ino(),
        inode,
        "written in place"
    );
    // A symlink planted at the old, guessable temp name is neither followed nor removed.
    let target = dir.join("target");
    fs::write(&target, "keep").unwrap();
    let planted = dir.join(format!(".{ORGS_FILE}.{}.tmp", std::process::id()));
    std::os::unix::fs::symlink(&target, &planted).unwrap();
    save(dir, &[org("other")]).unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
    assert!(fs::symlink_metadata(&planted).unwrap().is_symlink());
    // A rename that fails (a directory in the way) leaves no temp file behind.
    fs::remove_file(&path).unwrap();
    fs::create_dir_all(path.join("in-the-way")).unwrap();
    assert!(save(dir, &[org("other")]).is_err());
    let temps = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(temps, 1, "only the planted symlink");
}

#[test]
fn corrupt_file_is_reported_with_its_path() {
    let tmp = tempfile::tempdir().ok();
    let Some(tmp) = tmp else { return };
    let path = tmp.path().join(ORGS_FILE);
    assert!(fs::write(&path, "version = 1\n[[org]\nname = ").is_ok());
    let err = load(tmp.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains(ORGS_FILE), "{err}");
    assert!(err.contains("will not overwrite"), "{err}");
}

#[test]
fn a_hand_edited_site_cannot_redirect_secrets() {
    let mut o = org("prod");
    o.site = Some("@127.0.0.1:18766".into());
    let text = toml::to_string(&OrgsFile {
        version: 1,
        orgs: vec![o],
    })
    .unwrap_or_default();
    assert!(parse(&text).is_err_and(|e| e.contains("invalid site path")));
}

#[test]
fn hand_edits_are_normalised() {
    let mut o = org("prod");
    o.login_url = "https://Login.Salesforce.com/".into();
    o.site = Some("/partners/".into());
    let text = toml::to_string(&OrgsFile {
        version: 1,
        orgs: vec![o],
    })
    .unwrap_or_default();
    let orgs = parse(&text).unwrap_or_default();
    assert_eq!(
        orgs[0].token_url(),
        "https://login.salesforce.com/partners/services/oauth2/token"
    );
}

/// Enough orgs of every shape to fill several pieces; some notes try to start an org.
fn many_orgs() -> Vec<Org> {
    (0..400)
        .map(|i| {
            let mut o = org(&format!("org-{i:03}"));
            if i % 3 == 0 {
                o.site = Some("/partners".into());
            }
            if i % 5 == 0 {
                o.notes = Some(format!("one\n[[org]]\nname = \"evil{i}\"\n'''\"\"\"\n"));
            }
            if i % 2 == 0 {
                o.last_refresh = Some(org::LastRefresh {
                    at_ms: 1_700_000_000_000 + i,
                    status: "ok".into(),
                    http_status: Some(200),
                    latency_ms: 90,
                    issued_at: Some("1700000000000".into()),
                });
            }
            o
        })
        .collect()
}

fn file(orgs: Vec<Org>) -> String {
    toml::to_string(&OrgsFile { version: 1, orgs }).unwrap()
}

#[test]
fn big_files_parse_in_pieces_as_whole() {
    let orgs = many_orgs();
    let text = file(orgs.clone());
    assert!(pieces(&text).1.len() > 3, "the test must span pieces");
    assert_eq!(parse(&text).unwrap(), orgs);
    // A hand-written multi-line note, long enough that a `[[org]]` line in it is cut at.
    let long = "filler\n".repeat(PIECE / 7 + 1);
    let note = format!("{long}[[org]]\nid = \"evil\"\nname = \"evil\"\n");
    let text = format!(
        "{text}\n[[org]]\nid = \"n\"\nname = \"noted\"\nlogin_url = \"https://login.salesforce.com\"\nclient_id = \"c\"\nnotes = \"\"\"\n{note}\"\"\"\n"
    );
    assert!(
        pieces(&text)
            .1
            .iter()
            .any(|p| p.starts_with("[[org]]\nid = \"evil\""))
    );
    assert!(parse_in_pieces(&text).is_none());
    let parsed = parse(&text).unwrap();
    assert_eq!(parsed.len(), orgs.len() + 1);
    assert_eq!(parsed[orgs.len()].notes.as_deref(), Some(note.as_str()));
    // Without notes (no multi-line strings to cut), the pieces parse on their own.
    let plain: Vec<Org> = orgs.into_iter().map(|o| Org { notes: None, ..o }).collect();
    let text = file(plain.clone());
    assert_eq!(parse_in_pieces(&text).unwrap().orgs, plain);
    assert_eq!(parse(&text).unwrap(), plain);
}

#[test]
fn pieces_accept_nothing_the_whole_file_refuses() {
    let text = file(many_orgs().into_iter().take(100).collect());
    let refused = |text: &str| {
        assert!(toml::from_str::<OrgsFile>(text).is_err());
        assert!(parse(text).is_err());
    };
    // A static array cannot be extended by [[org]].
    refused(&text.replacen("version = 1", "version = 1\norg = []", 1));
    // A table defined twice.
    refused(&format!("{text}\n[extra]\na = 1\n[extra]\na = 2\n"));
    // An error far down is reported at its line in the file.
    let bad = format!("{text}\n[[org]]\nname = \n");
    let line = bad.lines().count();
    let error = parse(&bad).unwrap_err();
    assert!(error.contains(&format!("line {line}")), "{error}");
}

#[test]
fn duplicate_names_are_corrupt() {
    let a = org("prod");
    let b = org("prod");
    let text = toml::to_string(&OrgsFile {
        version: 1,
        orgs: vec![a, b],
    })
    .unwrap_or_default();
    assert!(parse(&text).is_err_and(|e| e.contains("twice")));
}
