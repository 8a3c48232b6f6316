//! The CLI end to end: the real binary, the real keyring, a loopback Salesforce.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{TestEnv, assert_fails_with, assert_success, stderr, stdout};
use std::time::Duration;

use sfkey::fake_salesforce::{ACCESS_TOKEN_PREFIX, Behaviour};
use sfkey::store::{KeyringStore, SecretKind, SecretStore};

#[test]
fn help_lists_every_command() {
    let env = TestEnv::new("cli-help");
    let out = env.run(&["--help"], "");
    assert_success(&out);
    let text = stdout(&out);
    for command in [
        "add",
        "list",
        "show",
        "edit",
        "remove",
        "refresh",
        "token",
        "env",
        "exec",
        "userinfo",
        "introspect",
        "revoke",
        "login",
        "import",
        "export",
    ] {
        assert!(
            text.contains(&format!("  {command}")),
            "help lacks {command}:\n{text}"
        );
    }
    assert!(!text.contains("fake-server"), "{text}");
    assert!(!text.contains("clipboard-hold"), "{text}");
    assert!(text.contains("--demo"), "{text}");
}

#[test]
fn the_app_without_a_terminal_says_to_use_a_subcommand() {
    let env = TestEnv::new("cli-no-tty");
    let out = env.run(&[], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("needs a terminal"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["--demo", "list"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no subcommand"), "{}", stderr(&out));
}

#[test]
fn add_list_refresh_token_remove() {
    let mut env = TestEnv::new("cli-flow");
    env.add_org("prod", true, |g| g);
    let url = env.server.url().to_string();

    // list: a table, never a secret
    let out = env.run(&["list"], "");
    assert_success(&out);
    let table = stdout(&out);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("prod") && table.contains(&url) && table.contains("never"),
        "{table}"
    );
    assert!(!table.contains("TESTSECRET"), "{table}");

    // refresh: the seed's output, secrets masked
    let out = env.run(&["refresh", "prod"], "");
    assert_success(&out);
    let text = stdout(&out);
    let issued = env.server.issued_secrets();
    assert_eq!(issued.len(), 1);
    let access = &issued[0];
    assert!(text.starts_with("Response Body:\n{\n"), "{text}");
    assert!(
        text.contains("\"access_token\": \"00D5g0••••••••\""),
        "{text}"
    );
    assert!(
        !text.contains(access.as_str()),
        "access token printed in full:\n{text}"
    );
    assert!(text.contains("\"instance_url\": "), "{text}");
    assert!(text.contains("\"token_type\": \"Bearer\""), "{text}");
    assert!(text.contains("Response Status Code = 200\n"), "{text}");
    assert!(text.contains("content-encoding: gzip\n"), "{text}");
    assert!(text.contains("transfer-encoding: chunked\n"), "{text}");
    let body_at = text.find("Response Body:").unwrap();
    let status_at = text.find("Response Status Code").unwrap();
    let headers_at = text.find("Response Header:").unwrap();
    assert!(body_at < status_at && status_at < headers_at, "{text}");

    // token: the stored token, alone, without a new request
    let out = env.run(&["token", "prod"], "");
    assert_success(&out);
    assert_eq!(stdout(&out), format!("{access}\n"));
    assert_eq!(env.server.requests().len(), 1);

    // --show-secrets prints it whole
    let out = env.run(&["refresh", "prod", "--show-secrets"], "");
    assert_success(&out);
    let newest = env.server.issued_secrets().pop().unwrap();
    assert!(stdout(&out).contains(&format!("\"access_token\": \"{newest}\"")));

    // list now shows the refresh
    let out = env.run(&["list", "--json"], "");
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let org = &json[0];
    assert_eq!(org["name"], "prod");
    assert_eq!(org["instance_url"], url.as_str());
    assert_eq!(org["last_refresh"]["status"], "ok");
    assert_eq!(org["last_refresh"]["http_status"], 200);
    assert!(!stdout(&out).contains("TESTSECRET") && !stdout(&out).contains(ACCESS_TOKEN_PREFIX));

    env.assert_no_secrets_on_disk();

    // remove: gone from the file and from the keyring
    let id: sfkey::org::OrgId = serde_json::from_value(org["id"].clone()).unwrap();
    let out = env.run(&["remove", "prod"], "");
    assert_fails_with(&out, "--yes");
    let out = env.run(&["remove", "prod", "--yes"], "");
    assert_success(&out);
    let keyring = KeyringStore::new();
    for kind in SecretKind::ALL {
        assert!(
            keyring.get(&id, kind).unwrap().is_none(),
            "{kind:?} left in keyring"
        );
    }
    let out = env.run(&["list", "--json"], "");
    assert_eq!(stdout(&out).trim(), "[]");
}

#[test]
fn token_refreshes_first_when_none_is_stored() {
    let mut env = TestEnv::new("cli-token-first");
    env.add_org("uat", false, |g| g);
    let out = env.run(&["token", "uat"], "");
    assert_success(&out);
    let printed = stdout(&out);
    assert!(printed.starts_with(ACCESS_TOKEN_PREFIX), "{printed}");
    assert_eq!(env.server.requests().len(), 1);
    assert_eq!(env.server.requests()[0].field("client_secret"), None);
    // --refresh forces a new one
    let out = env.run(&["token", "uat", "--refresh"], "");
    assert_success(&out);
    assert_ne!(stdout(&out), printed);
    assert_eq!(env.server.requests().len(), 2);
    env.assert_no_secrets_on_disk();
}

#[test]
fn rotation_through_the_cli_keeps_working() {
    let mut env = TestEnv::new("cli-rotation");
    let (_, first) = env.add_org("rot", true, |g| g.with(Behaviour::Rotate));
    for _ in 0..3 {
        let out = env.run(&["refresh", "rot"], "");
        assert_success(&out);
        assert!(stderr(&out).contains("rotated"), "{}", stderr(&out));
        assert!(
            !stdout(&out).contains("FAKEROTATED"),
            "rotated token printed unmasked"
        );
    }
    assert!(!env.server.is_live(&first));
    assert_eq!(env.server.live_refresh_tokens().len(), 1);
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_salesforce_error_exits_non_zero_with_error_and_description() {
    let mut env = TestEnv::new("cli-error");
    env.add_org("expired", true, |g| {
        g.with(Behaviour::Error {
            status: 400,
            error: "invalid_grant".into(),
            description: "expired access/refresh token".into(),
        })
    });
    let out = env.run(&["refresh", "expired"], "");
    let err = assert_fails_with(&out, "invalid_grant");
    assert!(err.contains("expired access/refresh token"), "{err}");
    assert!(err.contains("log in again"), "{err}");
    assert!(
        err.contains("\nhint: ") && err.contains("(sfkey edit expired --secrets)"),
        "{err}"
    );
    // The login command logs in where the org lives, not at production.
    let login = format!(
        "(sfkey login expired --update --login-url {})",
        env.server.url()
    );
    assert!(err.contains(&login), "{err}");
    let text = stdout(&out);
    assert!(text.contains("\"error\": \"invalid_grant\""), "{text}");
    assert!(text.contains("Response Status Code = 400"), "{text}");
    assert!(text.trim_end().ends_with("Failed."), "{text}");

    let out = env.run(&["token", "expired"], "");
    assert_fails_with(&out, "invalid_grant");
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_maintenance_page_is_reported_by_status_and_type() {
    let mut env = TestEnv::new("cli-html");
    env.add_org("down", true, |g| g.with(Behaviour::Maintenance));
    let out = env.run(&["refresh", "down"], "");
    let err = assert_fails_with(&out, "HTTP 503");
    assert!(err.contains("text/html"), "{err}");
    assert!(!stdout(&out).contains("<html"), "{}", stdout(&out));
}

#[test]
fn bad_input_gets_one_clear_line() {
    let mut env = TestEnv::new("cli-bad-input");
    env.add_org("prod", true, |g| g);
    let url = env.server.url().to_string();
    let add = |name: &str, login: &str, site: Option<&str>, stdin: &str| {
        let mut args = vec!["add", name, "--login-url", login, "--client-id", "3MVG9x"];
        if let Some(site) = site {
            args.extend(["--site", site]);
        }
        env.run(&args, stdin)
    };
    assert_fails_with(
        &add("prod", &url, None, "s\nr-TESTSECRET\n"),
        "already exists",
    );
    assert_fails_with(&add("x", "not-a-url", None, "s\nr\n"), "not a URL");
    assert_fails_with(&add("x", "not a url", None, "s\nr\n"), "has a space");
    assert_fails_with(
        &add("x", "http://login.salesforce.com", None, "s\nr\n"),
        "https://",
    );
    assert_fails_with(
        &add("x", "https://acme.my.site.com/partners", None, "s\nr\n"),
        "--site",
    );
    assert_fails_with(
        &add("x", &url, Some("partners"), "s\nr\n"),
        "must start with '/'",
    );
    assert_fails_with(
        &add("x", &url, None, "cs-TESTSECRET\n\n"),
        "refresh token is empty",
    );
    assert_fails_with(&add("x", &url, None, ""), "refresh token is empty");
    assert_fails_with(&add("my org", &url, None, "s\nr\n"), "invalid org name");
    for command in ["refresh", "token", "remove", "env"] {
        let err = assert_fails_with(&env.run(&[command, "nope"], ""), "no org named \"nope\"");
        assert!(err.contains("prod"), "should list known orgs: {err}");
    }
    // Every failure is one line plus at most a hint.
    let out = add("x", "not a url", None, "s\nr\n");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    // Secrets are refused as flags: there is no such flag.
    let out = env.run(
        &["add", "y", "--client-id", "c", "--refresh-token", "r"],
        "",
    );
    assert!(!out.status.success());
    // Nothing was added by any of it.
    let out = env.run(&["list", "--json"], "");
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json.as_array().map(Vec::len), Some(1));
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_corrupt_orgs_file_is_reported_and_left_alone() {
    let env = TestEnv::new("cli-corrupt");
    std::fs::create_dir_all(&env.dir).unwrap();
    let path = env.dir.join("orgs.toml");
    std::fs::write(&path, "version = 1\n[[org]\nname = \"broken").unwrap();
    let out = env.run(&["list"], "");
    let err = assert_fails_with(&out, "is not a valid sfkey orgs file");
    assert!(
        err.contains("orgs.toml") && err.contains("will not overwrite"),
        "{err}"
    );
    let out = env.run(&["add", "x", "--client-id", "c"], "s\nr\n");
    assert_fails_with(&out, "not a valid sfkey orgs file");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "version = 1\n[[org]\nname = \"broken"
    );
}

#[test]
fn no_keyring_means_a_clear_error_and_nothing_saved() {
    let env = TestEnv::new("cli-no-keyring");
    let url = env.server.url().to_string();
    let mut cmd = env.cmd(&["add", "prod", "--login-url", &url, "--client-id", "c"]);
    cmd.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/sfkey-bus",
    );
    let out = common::run_with_stdin(cmd, "cs-TESTSECRET\nrt-TESTSECRET\n");
    let err = assert_fails_with(&out, "OS keyring is not available");
    assert!(!err.contains("TESTSECRET"), "{err}");
    let out = env.run(&["list", "--json"], "");
    assert_eq!(stdout(&out).trim(), "[]");
}

#[test]
fn list_never_touches_the_keyring() {
    let mut env = TestEnv::new("cli-list-no-keyring");
    env.add_org("prod", true, |g| g);
    env.add_org("uat", false, |g| g);
    for args in [&["list"][..], &["list", "--json"][..]] {
        let mut cmd = env.cmd(args);
        cmd.env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/sfkey-bus",
        );
        let out = cmd.output().unwrap();
        assert_success(&out);
        assert!(stdout(&out).contains("uat"), "{}", stdout(&out));
    }
}

#[test]
fn a_locked_keyring_says_unlock_it() {
    // A keyring of its own, locked, so the other tests' keyring stays open.
    let env = TestEnv::new("cli-locked");
    let url = env.server.url().to_string();
    let script = format!(
        "dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
         org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null && \
         printf 'cs-TESTSECRET\\nrt-TESTSECRET\\n' | SFKEY_CONFIG_DIR='{0}' SFKEY_LOG_DIR='{0}/log' '{1}' add prod --login-url '{url}' --client-id c",
        env.dir.display(),
        env!("CARGO_BIN_EXE_sfkey"),
    );
    let with_keyring = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/with-keyring");
    let out = std::process::Command::new("bash")
        .args([with_keyring, "bash", "-c", &script])
        .output()
        .unwrap();
    let err = assert_fails_with(&out, "locked");
    assert!(err.contains("nlock"), "{err}");
    let out = env.run(&["list", "--json"], "");
    assert_eq!(stdout(&out).trim(), "[]");
}

#[test]
fn env_and_exec_hand_the_token_to_other_programs() {
    let mut env = TestEnv::new("cli-env-exec");
    env.add_org("prod", true, |g| g);
    let out = env.run(&["env", "prod"], "");
    assert_success(&out);
    let text = stdout(&out);
    let access = env.server.issued_secrets().pop().unwrap();
    assert!(
        text.contains(&format!("export SF_ACCESS_TOKEN='{access}'\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("export SF_INSTANCE_URL='{}'\n", env.server.url())),
        "{text}"
    );

    let out = env.run(
        &[
            "exec",
            "prod",
            "--",
            "sh",
            "-c",
            "test \"$SF_ACCESS_TOKEN\" = \"$1\" && echo same",
            "sh",
            &access,
        ],
        "",
    );
    assert_success(&out);
    assert_eq!(stdout(&out), "same\n");
    let out = env.run(&["exec", "prod", "--", "sh", "-c", "exit 7"], "");
    assert_eq!(out.status.code(), Some(7));
    // Without `--`, a signal's 128+N, and 127 for a missing command, as a shell would.
    let out = env.run(&["exec", "prod", "sh", "-c", "kill -TERM $$"], "");
    assert_eq!(out.status.code(), Some(143));
    let out = env.run(&["exec", "prod", "no-such-command-sfkey"], "");
    assert_eq!(out.status.code(), Some(127));
    assert!(
        stderr(&out).contains("command not found"),
        "{}",
        stderr(&out)
    );
    env.assert_no_secrets_on_disk();
}

#[test]
fn show_tells_what_is_stored_never_the_values() {
    let mut env = TestEnv::new("cli-show");
    env.add_org("prod", false, |g| g);
    let out = env.run(&["show", "prod"], "");
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.contains("client secret: none"), "{text}");
    assert!(
        text.contains("refresh token: stored in the keyring"),
        "{text}"
    );
    assert!(text.contains("access token:  none"), "{text}");
    assert!(
        text.contains(&format!(
            "token URL:     {}/services/oauth2/token",
            env.server.url()
        )),
        "{text}"
    );
    assert!(text.contains("last refresh:  never"), "{text}");

    assert_success(&env.run(&["refresh", "prod"], ""));
    let out = env.run(&["show", "prod"], "");
    let text = stdout(&out);
    let access = env.server.issued_secrets().pop().unwrap();
    assert!(
        !text.contains(&access) && !text.contains("TESTSECRET"),
        "{text}"
    );
    assert!(text.contains("access token:  00D5g0••••••••"), "{text}");
    assert!(text.contains("ok (HTTP 200)"), "{text}");

    let out = env.run(&["show", "prod", "--json"], "");
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["secrets"]["client_secret"], false);
    assert_eq!(json["secrets"]["refresh_token"], true);
    assert_eq!(json["secrets"]["access_token"], true);
    assert!(!stdout(&out).contains(&access));
}

#[test]
fn edit_renames_keeping_secrets_and_replaces_secrets_from_stdin() {
    let mut env = TestEnv::new("cli-edit");
    env.add_org("prod", true, |g| g);
    env.add_org("uat", true, |g| g);
    assert_success(&env.run(&["token", "prod"], ""));

    // Rename: the keyring entries follow, so the stored token is still there.
    assert_success(&env.run(&["edit", "prod", "--rename", "production"], ""));
    let out = env.run(&["token", "production"], "");
    assert_success(&out);
    assert_eq!(
        env.server.requests().len(),
        1,
        "rename must not need a new refresh"
    );
    assert_fails_with(
        &env.run(&["edit", "production", "--rename", "uat"], ""),
        "already exists",
    );
    assert_fails_with(
        &env.run(
            &["edit", "production", "--login-url", "http://evil.example"],
            "",
        ),
        "https://",
    );
    assert_fails_with(
        &env.run(&["edit", "production", "--site", "nope"], ""),
        "must start with '/'",
    );
    assert_fails_with(
        &env.run(&["edit", "nope", "--notes", "x"], ""),
        "no org named",
    );
    assert_fails_with(&env.run(&["edit", "production"], ""), "nothing to change");

    // New refresh token (and no client secret) for a new grant; the old access token is dropped.
    let client_id = "3MVG9client-prod";
    let (_, new_refresh) = env.grant(client_id, false, |g| g);
    let out = env.run(
        &[
            "edit",
            "production",
            "--secrets",
            "--site",
            "/partners",
            "--username",
            "me@acme.com",
        ],
        &format!("\n{new_refresh}\n"),
    );
    assert_success(&out);
    let out = env.run(&["show", "production", "--json"], "");
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["site"], "/partners");
    assert_eq!(json["username"], "me@acme.com");
    assert_eq!(json["secrets"]["access_token"], false);
    assert_eq!(
        json["secrets"]["client_secret"], true,
        "an empty answer keeps the secret"
    );
    assert_success(&env.run(
        &["edit", "production", "--no-client-secret", "--site", ""],
        "",
    ));
    let out = env.run(&["refresh", "production"], "");
    assert_success(&out);
    let last = env.server.requests().pop().unwrap();
    assert_eq!(last.field("refresh_token"), Some(new_refresh.as_str()));
    assert_eq!(last.field("client_secret"), None);
    assert_eq!(last.path, "/services/oauth2/token");
    env.assert_no_secrets_on_disk();
}

#[test]
fn hybrid_session_ids_are_masked_and_repeated_headers_kept() {
    let mut env = TestEnv::new("cli-hybrid");
    env.add_org("hybrid", true, |g| g.with(Behaviour::Hybrid));
    let out = env.run(&["refresh", "hybrid"], "");
    assert_success(&out);
    let text = stdout(&out);
    for field in ["lightning_sid", "visualforce_sid", "csrf_token", "id_token"] {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("\"{field}\"")))
            .unwrap_or_else(|| panic!("{field} missing:\n{text}"));
        assert!(line.contains("••••••••"), "{field} not masked: {line}");
    }
    assert!(
        !text.contains("FAKE!AR"),
        "a session id is printed whole:\n{text}"
    );
    assert!(
        text.contains("\"lightning_domain\": \"acme.lightning.force.com\""),
        "{text}"
    );
    assert!(text.contains("set-cookie: BrowserId=fakeA"), "{text}");
    assert!(
        text.contains("set-cookie: CookieConsentPolicy=0:1"),
        "{text}"
    );
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_timeout_is_named_and_flagged_as_maybe_spent() {
    let mut env = TestEnv::new("cli-timeout");
    let (_, refresh) = env.add_org("slow", true, |g| g.delayed(Duration::from_secs(3)));
    let mut cmd = env.cmd(&["refresh", "slow"]);
    cmd.env("SFKEY_HTTP_TIMEOUT", "1");
    let out = cmd.output().unwrap();
    let err = assert_fails_with(&out, "no answer in time");
    assert!(err.contains("total 1 s"), "{err}");
    assert!(err.contains("may have reached Salesforce"), "{err}");
    let last = env.store().find("slow").unwrap().last_refresh.unwrap();
    assert_eq!(last.status, "timeout");
    assert!(env.server.is_live(&refresh));

    let mut cmd = env.cmd(&["refresh", "slow"]);
    cmd.env("SFKEY_HTTP_TIMEOUT", "soon");
    assert_fails_with(&cmd.output().unwrap(), "SFKEY_HTTP_TIMEOUT");
}

#[test]
fn concurrent_refreshes_of_a_rotating_org_never_spend_the_same_token() {
    let mut env = TestEnv::new("cli-concurrent");
    let (_, first) = env.add_org("rot", true, |g| {
        g.with(Behaviour::Rotate)
            .delayed(Duration::from_millis(300))
    });
    let children: Vec<_> = (0..3)
        .map(|_| {
            env.cmd(&["refresh", "rot"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_success(&out);
    }
    let sent: Vec<String> = env
        .server
        .requests()
        .iter()
        .filter_map(|r| r.field("refresh_token").map(str::to_string))
        .collect();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0], first);
    let mut unique = sent.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3, "a refresh token was sent twice: {sent:?}");
    // The stored token is the one Salesforce considers live.
    assert_success(&env.run(&["token", "rot", "--refresh"], ""));
    env.assert_no_secrets_on_disk();
}

#[test]
fn without_sfkey_config_dir_orgs_live_in_the_platform_config_dir() {
    let mut env = TestEnv::new("cli-default-dir");
    let home = common::config_dir("cli-default-home");
    std::fs::create_dir_all(&home).unwrap();
    let (_, refresh) = env.grant("3MVG9home", false, |g| g);
    let url = env.server.url().to_string();
    let mut cmd = env.cmd(&[
        "add",
        "home",
        "--login-url",
        &url,
        "--client-id",
        "3MVG9home",
    ]);
    cmd.env_remove("SFKEY_CONFIG_DIR")
        .env_remove("SFKEY_LOG_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", &home);
    let out = common::run_with_stdin(cmd, &format!("\n{refresh}\n"));
    assert_success(&out);
    let file = home.join(".config/sfkey/orgs.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("name = \"home\""), "{text}");
    assert!(!text.contains(&refresh));
    assert!(
        !env.dir.exists(),
        "SFKEY_CONFIG_DIR was not set, so its dir must stay unused"
    );
    // The log goes to the platform data dir.
    let log = std::fs::read_to_string(home.join(".local/share/sfkey/sfkey.log")).unwrap();
    assert!(log.contains("org added"), "{log}");
    assert!(!log.contains(&refresh));
}

#[test]
fn a_keyring_that_never_answers_times_out_with_a_message() {
    let env = TestEnv::new("cli-keyring-hang");
    std::fs::create_dir_all(&env.dir).unwrap();
    // A "bus" that accepts connections and never says a word. Unix socket paths are limited to
    // about 100 bytes, so it lives in a short temp dir rather than under the checkout.
    let short = tempfile::tempdir().unwrap();
    let socket = short.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let url = env.server.url().to_string();
    let mut cmd = env.cmd(&["add", "prod", "--login-url", &url, "--client-id", "c"]);
    cmd.env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", socket.display()),
    );
    let started = std::time::Instant::now();
    let out = common::run_with_stdin(cmd, "cs-TESTSECRET\nrt-TESTSECRET\n");
    assert_fails_with(&out, "did not answer within 3 s");
    // One timeout, not one per keyring call.
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let out = env.run(&["list", "--json"], "");
    assert_eq!(stdout(&out).trim(), "[]");
}

#[test]
fn max_age_refreshes_a_token_that_is_too_old() {
    let mut env = TestEnv::new("cli-max-age");
    env.add_org("prod", true, |g| g);
    assert_success(&env.run(&["token", "prod"], ""));
    assert_eq!(env.server.requests().len(), 1);
    assert_success(&env.run(&["token", "prod", "--max-age", "1h"], ""));
    assert_eq!(
        env.server.requests().len(),
        1,
        "a fresh token is handed out as is"
    );
    std::thread::sleep(Duration::from_millis(1100));
    let out = env.run(&["token", "prod", "--max-age", "1s"], "");
    assert_success(&out);
    assert_eq!(
        env.server.requests().len(),
        2,
        "an old token is refreshed first"
    );
    assert_eq!(
        stdout(&out).trim(),
        env.server.issued_secrets().pop().unwrap()
    );
    // Without --max-age, a token older than an hour is refreshed too.
    let id = env.store().find("prod").unwrap().id;
    env.store()
        .update(&id, |o| {
            if let Some(last) = o.last_refresh.as_mut() {
                last.issued_at = Some((sfkey::humanize::now_ms() - 2 * 3_600_000).to_string());
            }
        })
        .unwrap();
    assert_success(&env.run(&["token", "prod"], ""));
    assert_eq!(
        env.server.requests().len(),
        3,
        "a two-hour-old token is refreshed"
    );
    let out = env.run(&["env", "prod", "--max-age", "soon"], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a duration"), "{}", stderr(&out));
    env.assert_no_secrets_on_disk();
}

/// The README's "try it without an org": the hidden fake-server command is a working Salesforce
/// stand-in for the real binary.
#[test]
fn the_fake_server_command_serves_refreshes() {
    use std::io::BufRead;
    let env = TestEnv::new("cli-fake-server");
    let mut server = env
        .cmd(&["fake-server", "--client-id", "demo-app"])
        .args(["--rotating", "rotating-TESTSECRET"])
        .args(["--rotating-client-id", "rotating-app"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let out = env.run(
        &[
            "add",
            "demo",
            "--login-url",
            &url,
            "--client-id",
            "demo-app",
        ],
        "\nany-refresh-token-TESTSECRET\n",
    );
    assert_success(&out);
    let out = env.run(&["refresh", "demo"], "");
    // --rotating: the old token dies at each refresh, and the fake takes no other token with
    // that client id, so the second refresh only works with the rotated token stored.
    let add = env.run(
        &[
            "add",
            "rot",
            "--login-url",
            &url,
            "--client-id",
            "rotating-app",
        ],
        "\nrotating-TESTSECRET\n",
    );
    let rotations = [
        env.run(&["refresh", "rot"], ""),
        env.run(&["refresh", "rot"], ""),
    ];
    let _ = server.kill();
    let _ = server.wait();
    assert_success(&add);
    for rotation in &rotations {
        assert_success(rotation);
        assert!(stderr(rotation).contains("rotated"), "{}", stderr(rotation));
    }
    assert_success(&out);
    assert!(
        stdout(&out).contains("Response Status Code = 200"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("content-encoding: gzip"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_log_file_tells_what_happened_without_secrets() {
    let mut env = TestEnv::new("cli-log");
    env.add_org("prod", true, |g| g);
    assert_success(&env.run(&["refresh", "prod"], ""));
    assert!(!env.run(&["refresh", "nope"], "").status.success());
    let log = std::fs::read_to_string(env.dir.join("log/sfkey.log")).unwrap();
    assert!(
        log.contains("org added") && log.contains("org=prod"),
        "{log}"
    );
    assert!(
        log.contains("refresh ok") && log.contains("status=200"),
        "{log}"
    );
    assert!(log.contains("command failed: no org named"), "{log}");
    env.assert_no_secrets_on_disk();
}

/// Completion candidates bash's completion function gives for the words typed so far.
fn bash_completes(env: &TestEnv, words: &str) -> Vec<String> {
    let script = stdout(&env.run(&["completions", "bash"], ""));
    let cword = words.split(' ').count() - 1;
    let driver = format!(
        "{script}\nCOMP_WORDS=({words}); COMP_CWORD={cword}; _clap_complete_sfkey sfkey \"${{COMP_WORDS[COMP_CWORD]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "-c", &driver])
        .env("SFKEY_CONFIG_DIR", &env.dir)
        .output()
        .unwrap();
    assert_success(&out);
    let mut got: Vec<String> = stdout(&out).lines().map(|l| l.trim().to_string()).collect();
    got.retain(|l| !l.is_empty());
    got
}

#[test]
fn bash_completes_subcommands_and_saved_org_names() {
    let mut env = TestEnv::new("cli-completions");
    for name in ["prod", "prod-eu", "uat"] {
        env.add_org(name, false, |g| g);
    }
    assert_eq!(
        bash_completes(&env, "sfkey refresh pr"),
        ["prod", "prod-eu"]
    );
    assert_eq!(bash_completes(&env, "sfkey show u"), ["uat"]);
    assert!(bash_completes(&env, "sfkey intro").contains(&"introspect".to_string()));
    // A new org's name is not one of the saved ones.
    assert!(bash_completes(&env, "sfkey add pr").is_empty());
    for shell in ["zsh", "fish", "powershell"] {
        let out = env.run(&["completions", shell], "");
        assert_success(&out);
        assert!(stdout(&out).contains("SFKEY_COMPLETE"), "{shell}");
    }
    env.assert_no_secrets_on_disk();
}

#[test]
fn the_man_page_documents_every_command() {
    let env = TestEnv::new("cli-man");
    let out = env.run(&["man"], "");
    assert_success(&out);
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH sfkey"),
        "{page}"
    );
    for command in ["refresh", "token", "exec", "completions"] {
        assert!(page.contains(command), "man page lacks {command}");
    }
    let dir = env.dir.join("man");
    let out = env.run(&["man", "--dir", dir.to_str().unwrap()], "");
    assert_success(&out);
    assert!(dir.join("sfkey.1").is_file());
    assert!(dir.join("sfkey-refresh.1").is_file());
}

/// `sfkey status`'s JSON, by org name.
fn status_json(env: &TestEnv) -> (Option<i32>, serde_json::Value) {
    let out = env.run(&["status", "--json"], "");
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let by_name = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap().to_string(), o.clone()))
        .collect::<serde_json::Map<_, _>>();
    (out.status.code(), by_name.into())
}

#[test]
fn status_tells_ok_idle_and_dead_orgs_apart_and_keepalive_refreshes_the_idle_one() {
    let mut env = TestEnv::new("cli-status");
    env.add_org("fresh", true, |g| g.with(Behaviour::Rotate));
    env.add_org("sleepy", true, |g| g);
    env.add_org("gone", true, |g| {
        g.with(Behaviour::Error {
            status: 400,
            error: "invalid_grant".into(),
            description: "expired access/refresh token".into(),
        })
    });
    for name in ["fresh", "sleepy", "gone"] {
        env.run(&["refresh", name], "");
    }
    // sleepy's refresh token was last used 30 days ago.
    let store = env.store();
    let month_ago = sfkey::humanize::now_ms() - 30 * 24 * 3600 * 1000;
    let sleepy = store.find("sleepy").unwrap();
    store
        .update(&sleepy.id, |o| {
            o.refresh_token_since_ms = Some(month_ago);
            for r in o.history.iter_mut().chain(o.last_refresh.iter_mut()) {
                r.at_ms = month_ago;
            }
        })
        .unwrap();

    let (code, orgs) = status_json(&env);
    assert_eq!(code, Some(3), "a dead org: exit 3");
    assert_eq!(orgs["fresh"]["verdict"], "ok");
    assert_eq!(orgs["fresh"]["rotates"], true);
    assert_eq!(orgs["fresh"]["outcomes"], serde_json::json!(["ok"]));
    assert!(
        orgs["fresh"]["access_expires_ms"].is_null(),
        "no expiry known yet"
    );
    assert_success(&env.run(&["edit", "fresh", "--session-timeout", "2h"], ""));
    let (_, orgs) = status_json(&env);
    let issued = env
        .store()
        .find("fresh")
        .unwrap()
        .last_refresh
        .unwrap()
        .issued_at_ms();
    assert_eq!(
        orgs["fresh"]["access_expires_ms"].as_u64(),
        issued.map(|i| i + 7_200_000)
    );
    assert_eq!(orgs["sleepy"]["verdict"], "idle");
    assert_eq!(orgs["sleepy"]["idle_days"], 30);
    assert_eq!(orgs["sleepy"]["rotates"], false);
    assert_eq!(orgs["gone"]["verdict"], "dead");
    let out = env.run(&["status"], "");
    let table = stdout(&out);
    assert!(
        table.contains("gone: the last refresh was refused (invalid_grant)"),
        "{table}"
    );
    assert!(table.contains("sleepy: unused for 30 days"), "{table}");

    // Without the dead org, the idle one alone: exit 2; --idle-days moves the line.
    assert_success(&env.run(&["remove", "gone", "--yes"], ""));
    assert_eq!(status_json(&env).0, Some(2));
    let out = env.run(&["status", "--idle-days", "31"], "");
    assert_success(&out);
    std::fs::write(env.dir.join("config.toml"), "idle_warning_days = 31\n").unwrap();
    assert_success(&env.run(&["status"], ""));
    std::fs::remove_file(env.dir.join("config.toml")).unwrap();

    // keepalive refreshes what was unused for a week, and only that.
    let before = env.server.token_requests();
    let out = env.run(&["keepalive"], "");
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.contains("sleepy: refreshed"), "{text}");
    assert!(text.contains("fresh: skipped"), "{text}");
    assert_eq!(env.server.token_requests(), before + 1);
    let (code, orgs) = status_json(&env);
    assert_eq!(code, Some(0));
    assert_eq!(orgs["sleepy"]["verdict"], "ok");
    assert_eq!(orgs["sleepy"]["outcomes"], serde_json::json!(["ok", "ok"]));
    env.assert_no_secrets_on_disk();
}
