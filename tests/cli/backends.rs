//! Choosing where secrets live, through the real binary: the encrypted file backend with no
//! D-Bus at all, `auto` without a keyring, `sfkey doctor`, `sfkey lock`, `sfkey keyring move`.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{TestEnv, assert_fails_with, assert_success, stderr, stdout};
use secrecy::{ExposeSecret, SecretString};
use sfkey::fake_salesforce::Behaviour;
use sfkey::org::OrgId;
use sfkey::store::file::FileStore;
use sfkey::store::file_key::KeyCache;
use sfkey::store::{KeyringStore, SecretKind, SecretStore};

/// The file store of an env, opened with its passphrase (no cache).
fn file_of(env: &TestEnv, pass: &str) -> FileStore {
    FileStore::new(&env.dir, KeyCache::new(Duration::ZERO))
        .with_passphrase(SecretString::from(pass.to_string()))
}

fn ids(env: &TestEnv) -> Vec<(String, OrgId)> {
    let out = env.run(&["list", "--json"], "");
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_string(),
                serde_json::from_value(o["id"].clone()).unwrap(),
            )
        })
        .collect()
}

fn stored(store: &dyn SecretStore, id: &OrgId, kind: SecretKind) -> Option<String> {
    store
        .get(id, kind)
        .unwrap()
        .map(|s| s.expose_secret().to_string())
}

/// A short key cache, so the many commands of a test derive the key once.
fn short_cache(env: &TestEnv) {
    std::fs::create_dir_all(&env.dir).unwrap();
    std::fs::write(
        env.dir.join("config.toml"),
        "file_key_timeout_minutes = 2\n",
    )
    .unwrap();
}

#[test]
fn the_file_backend_works_without_any_dbus() {
    let mut env = TestEnv::new("file-flow");
    env.use_file_backend("flow-pass");
    let (secret, _) = env.add_org("rot", true, |g| g.with(Behaviour::Rotate));
    for _ in 0..3 {
        let out = env.run(&["refresh", "rot"], "");
        assert_success(&out);
        let err = stderr(&out);
        // Messages name where the secrets really went, not "the keyring".
        assert!(
            err.contains("the new one is saved in the encrypted secrets file")
                && err.contains("the access token is saved in the encrypted secrets file"),
            "{err}"
        );
    }
    let out = env.run(&["token", "rot"], "");
    assert_success(&out);
    let token = stdout(&out).trim().to_string();
    assert_eq!(env.server.issued_secrets().last(), Some(&token));
    let (_, id) = ids(&env).pop().unwrap();
    let file = file_of(&env, "flow-pass");
    assert_eq!(stored(&file, &id, SecretKind::ClientSecret), secret);
    let live = env.server.live_refresh_tokens();
    assert_eq!(live.len(), 1);
    assert_eq!(
        stored(&file, &id, SecretKind::RefreshToken).as_ref(),
        live.first()
    );
    assert_eq!(
        stored(&KeyringStore::new(), &id, SecretKind::RefreshToken),
        None,
        "nothing went to the Secret Service"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(env.dir.join("secrets.sfkey")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    env.assert_no_secrets_on_disk();
    assert_success(&env.run(&["remove", "rot", "--yes"], ""));
    let all = file.get_all(&id).unwrap();
    assert!(SecretKind::ALL.iter().all(|k| all.get(*k).is_none()));
}

#[test]
fn four_processes_refreshing_at_once_lose_no_secret() {
    let mut env = TestEnv::new("file-four");
    env.use_file_backend("four-pass");
    short_cache(&env);
    for i in 0..4 {
        env.add_org(&format!("org{i}"), false, |g| g.with(Behaviour::Rotate));
    }
    let children: Vec<_> = (0..4)
        .map(|i| {
            let mut cmd = env.cmd(&["refresh", &format!("org{i}")]);
            cmd.stdout(Stdio::null()).stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Each org's rotated token is the one stored: no write undid another's.
    let file = file_of(&env, "four-pass");
    let live = env.server.live_refresh_tokens();
    assert_eq!(live.len(), 4);
    for (name, id) in ids(&env) {
        let rt = stored(&file, &id, SecretKind::RefreshToken).unwrap();
        assert!(
            live.contains(&rt),
            "{name}: a stale refresh token is stored"
        );
        assert!(
            stored(&file, &id, SecretKind::AccessToken).is_some(),
            "{name}"
        );
    }
    env.assert_no_secrets_on_disk();
}

#[test]
fn kill_9_during_writes_keeps_every_acknowledged_secret() {
    let mut env = TestEnv::new("file-kill");
    env.use_file_backend("kill-pass");
    short_cache(&env);
    env.add_org("first", true, |g| g);
    // How long one add takes here, so the kills spread from its start to past its end.
    let started = std::time::Instant::now();
    env.add_org("second", true, |g| g);
    let add_time = started.elapsed();
    let url = env.server.url().to_string();
    let mut acknowledged = Vec::new();
    for i in 0..16u64 {
        let name = format!("org{i}");
        let client_id = format!("3MVG9client-{name}");
        let (_, refresh) = env.grant(&client_id, false, |g| g);
        let mut cmd = env.cmd(&["add", &name, "--login-url", &url, "--client-id", &client_id]);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        let _ = child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("\n{refresh}\n").as_bytes());
        std::thread::sleep(add_time.mul_f64(i as f64 / 12.0));
        let _ = Command::new("kill")
            .args(["-9", &child.id().to_string()])
            .status();
        if child.wait().unwrap().success() {
            acknowledged.push((name, refresh));
        }
    }
    // The file still opens, and holds every secret an add reported as saved.
    let file = file_of(&env, "kill-pass");
    let orgs = ids(&env);
    for (name, refresh) in &acknowledged {
        let id = &orgs.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(
            stored(&file, id, SecretKind::RefreshToken).as_ref(),
            Some(refresh)
        );
    }
    for (_, id) in &orgs {
        file.get_all(id).unwrap();
    }
    env.assert_no_secrets_on_disk();
}

#[test]
fn auto_without_a_keyring_names_both_ways_forward_and_changes_nothing() {
    let mut env = TestEnv::new("auto-no-keyring");
    env.vars.push((
        "DBUS_SESSION_BUS_ADDRESS",
        Some(format!("unix:path={}/no-bus", env.dir.display())),
    ));
    let add = |env: &TestEnv| {
        let args = ["add", "prod", "--login-url", "https://login.salesforce.com"];
        env.run(
            &[&args[..], &["--client-id", "c"]].concat(),
            "\n5Aep861TESTSECRETauto\n",
        )
    };
    let err = assert_fails_with(&add(&env), "SFKEY_KEYRING=file");
    for needle in [
        "dbus-run-session",
        "gnome-keyring-daemon --unlock",
        "sfkey doctor",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(!env.dir.join("orgs.toml").exists());
    assert!(!env.dir.join("secrets.sfkey").exists());
    // The same box with the file backend works.
    env.use_file_backend("auto-pass");
    env.secrets_used.push("5Aep861TESTSECRETauto".into());
    let out = add(&env);
    assert_success(&out);
    assert!(
        stderr(&out).contains("saved in the encrypted secrets file"),
        "{}",
        stderr(&out)
    );
    env.assert_no_secrets_on_disk();
}

#[test]
fn doctor_reports_each_backend_and_fails_when_one_is_broken() {
    let mut env = TestEnv::new("doctor");
    // The private Secret Service: everything sfkey needs works.
    let out = env.run(&["doctor"], "");
    assert_success(&out);
    let text = stdout(&out);
    for needle in [
        "keyring ",
        "secret-service",
        "keyring_probe",
        "clipboard",
        "tls_roots",
        "sf_cli",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let out = env.run(&["doctor", "--json"], "");
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["ok"], true);
    let check = |json: &serde_json::Value, name: &str| {
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} check: {json}"))
    };
    assert_eq!(check(&json, "keyring_probe")["status"], "ok");

    // A keyring that cannot be reached: exit 1, the probe says why.
    let mut broken = TestEnv::new("doctor-broken");
    broken.vars.push((
        "DBUS_SESSION_BUS_ADDRESS",
        Some("unix:path=/nonexistent/bus".into()),
    ));
    let out = broken.run(&["doctor", "--json"], "");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(check(&json, "keyring_probe")["status"], "fail");

    // A mistake in config.toml: named with its line, exit 1.
    std::fs::create_dir_all(&env.dir).unwrap();
    std::fs::write(env.dir.join("config.toml"), "\nkeyrin = \"file\"\n").unwrap();
    let out = env.run(&["doctor"], "");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("FAIL") && text.contains("keyrin") && text.contains("line 2"),
        "{text}"
    );
    assert_fails_with(&env.run(&["list"], ""), "keyrin");

    // The file backend, with no D-Bus at all.
    std::fs::write(env.dir.join("config.toml"), "keyring = \"file\"\n").unwrap();
    env.vars
        .push(("SFKEY_FILE_PASSPHRASE", Some("doctor-pass".into())));
    env.vars.push(("DBUS_SESSION_BUS_ADDRESS", None));
    let out = env.run(&["doctor", "--json"], "");
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keyring = check(&json, "keyring")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        keyring.starts_with("file") && keyring.contains("config.toml"),
        "{keyring}"
    );
    assert!(
        check(&json, "file_key_cache")["detail"]
            .as_str()
            .unwrap()
            .contains("session keyring")
    );

    // Another OS's keyring is named as such.
    env.vars.push(("SFKEY_KEYRING", Some("keychain".into())));
    let out = env.run(&["list"], "");
    assert_fails_with(&out, "macOS");
}

#[test]
fn lock_forgets_the_cached_key() {
    let mut env = TestEnv::new("file-lock");
    env.use_file_backend("lock-pass");
    short_cache(&env);
    env.add_org("prod", true, |g| g);
    // Cached: another passphrase is not even asked for.
    env.vars
        .push(("SFKEY_FILE_PASSPHRASE", Some("other-pass".into())));
    assert_success(&env.run(&["show", "prod"], ""));
    let out = env.run(&["lock"], "");
    assert_success(&out);
    assert!(stdout(&out).contains("Locked"), "{}", stdout(&out));
    let out = env.run(&["show", "prod"], "");
    assert_fails_with(&out, "wrong passphrase");
    env.vars
        .push(("SFKEY_FILE_PASSPHRASE", Some("lock-pass".into())));
    assert_success(&env.run(&["show", "prod"], ""));
    assert_success(&env.run(&["lock"], ""));
}

#[test]
fn keyring_move_to_the_file_and_back() {
    let mut env = TestEnv::new("move");
    env.add_org("prod", true, |g| g);
    env.add_org("uat", false, |g| g);
    assert_success(&env.run(&["refresh", "prod"], ""));
    let orgs = ids(&env);
    let keyring = KeyringStore::new();
    let before: Vec<_> = orgs
        .iter()
        .map(|(_, id)| SecretKind::ALL.map(|k| stored(&keyring, id, k)))
        .collect();
    env.vars
        .push(("SFKEY_FILE_PASSPHRASE", Some("move-pass".into())));
    let out = env.run(&["keyring", "move", "--to", "file"], "");
    assert_success(&out);
    assert!(
        stdout(&out).contains("SFKEY_KEYRING=file"),
        "{}",
        stdout(&out)
    );
    let file = file_of(&env, "move-pass");
    for ((_, id), was) in orgs.iter().zip(&before) {
        assert_eq!(&SecretKind::ALL.map(|k| stored(&file, id, k)), was);
        assert!(
            SecretKind::ALL
                .iter()
                .all(|k| stored(&keyring, id, *k).is_none())
        );
    }
    env.assert_no_secrets_on_disk();
    // Moving again finds nothing to do, and says so.
    env.vars.push(("SFKEY_KEYRING", Some("file".into())));
    assert_fails_with(
        &env.run(&["keyring", "move", "--to", "file"], ""),
        "already",
    );
    // The Secret Service holds nothing now: moving from it moves nothing, and says so.
    let out = env.run(
        &[
            "keyring",
            "move",
            "--from",
            "secret-service",
            "--to",
            "file",
        ],
        "",
    );
    assert_fails_with(&out, "holds no secret of the 2 saved org(s)");
    assert_success(&env.run(&["token", "prod"], ""));

    let out = env.run(&["keyring", "move", "--to", "secret-service"], "");
    assert_success(&out);
    for ((_, id), was) in orgs.iter().zip(&before) {
        assert_eq!(&SecretKind::ALL.map(|k| stored(&keyring, id, k)), was);
        assert!(
            SecretKind::ALL
                .iter()
                .all(|k| stored(&file, id, *k).is_none())
        );
    }
    env.vars.push(("SFKEY_KEYRING", None));
    assert_success(&env.run(&["token", "prod"], ""));
}

#[test]
fn a_move_that_fails_half_way_keeps_the_old_copies() {
    let mut env = TestEnv::new("move-fails");
    env.add_org("prod", true, |g| g);
    let (_, id) = ids(&env).pop().unwrap();
    let keyring = KeyringStore::new();
    let before = SecretKind::ALL.map(|k| stored(&keyring, &id, k));
    // A secrets file that another passphrase made: every write to it is refused.
    file_of(&env, "first-pass")
        .set(
            &OrgId::generate(),
            SecretKind::AccessToken,
            &SecretString::from("at-TESTSECRET-other"),
        )
        .unwrap();
    env.vars
        .push(("SFKEY_FILE_PASSPHRASE", Some("second-pass".into())));
    let out = env.run(&["keyring", "move", "--to", "file"], "");
    let err = assert_fails_with(&out, "wrong passphrase");
    assert!(
        err.contains("nothing was removed from secret-service"),
        "{err}"
    );
    assert_eq!(SecretKind::ALL.map(|k| stored(&keyring, &id, k)), before);
    assert_success(&env.run(&["token", "prod"], ""));
}
