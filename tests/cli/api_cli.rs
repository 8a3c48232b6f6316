//! `sfkey userinfo`, `introspect` and `revoke`: the real binary, the real keyring, the loopback
//! fake. A token Salesforce calls dead is marked, and `token` refreshes instead of handing it out.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::login::http_get;
use common::pty::{self, Terminal};
use common::{TestEnv, assert_fails_with, assert_success, stderr, stdout};
use sfkey::fake_salesforce::{ACCESS_TOKEN_PREFIX, FAKE_USERNAME};
use sfkey::store::SecretKind;

/// An org added and refreshed; returns its refresh token and the access token stored.
fn refreshed(env: &mut TestEnv, name: &str) -> (String, String) {
    let (_, refresh) = env.add_org(name, true, |g| g);
    assert_success(&env.run(&["refresh", name], ""));
    let token = stdout(&env.run(&["token", name], "")).trim().to_string();
    assert!(token.starts_with(ACCESS_TOKEN_PREFIX));
    (refresh, token)
}

fn show_json(env: &TestEnv, name: &str) -> serde_json::Value {
    let out = env.run(&["show", name, "--json"], "");
    assert_success(&out);
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn userinfo_prints_the_user_and_fills_an_empty_username() {
    let mut env = TestEnv::new("api-userinfo");
    refreshed(&mut env, "ui");
    assert!(show_json(&env, "ui").get("username").is_none());

    let out = env.run(&["userinfo", "ui"], "");
    assert_success(&out);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("preferred_username: {FAKE_USERNAME}")),
        "{text}"
    );
    assert!(stderr(&out).contains("as the username of ui"));
    assert_eq!(show_json(&env, "ui")["username"], FAKE_USERNAME);
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("GET", "/services/oauth2/userinfo")
    );

    let out = env.run(&["userinfo", "ui", "--json"], "");
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["preferred_username"], FAKE_USERNAME);
    // Filled once: a username already there is left alone.
    assert!(!stderr(&out).contains("username"));
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_401_marks_the_token_expired_and_token_refreshes_instead_of_handing_it_out() {
    let mut env = TestEnv::new("api-expired");
    let (_, first) = refreshed(&mut env, "exp");
    env.server.expire_access_tokens();

    let out = env.run(&["introspect", "exp"], "");
    assert_success(&out);
    assert!(stdout(&out).contains("active: no"), "{}", stdout(&out));
    assert!(stderr(&out).contains("marked expired"));
    assert_eq!(
        show_json(&env, "exp")["access_token_dead"]["reason"],
        "inactive"
    );
    let shown = stdout(&env.run(&["show", "exp"], ""));
    assert!(
        shown.contains("••••••••, inactive just now (sfkey token exp refreshes)"),
        "{shown}"
    );

    // `token` refreshes despite the default max age of 1h: the stored one is dead.
    let second = stdout(&env.run(&["token", "exp"], "")).trim().to_string();
    assert!(second.starts_with(ACCESS_TOKEN_PREFIX));
    assert_ne!(first, second);
    assert!(show_json(&env, "exp").get("access_token_dead").is_none());

    // A 401 from userinfo marks it too, with a hint.
    env.server.expire_access_tokens();
    let out = env.run(&["userinfo", "exp"], "");
    let err = assert_fails_with(&out, "userinfo of exp failed: the access token is expired");
    assert!(
        err.contains("hint: the stored access token is now marked expired"),
        "{err}"
    );
    assert!(err.contains("sfkey refresh exp"), "{err}");
    assert_eq!(
        show_json(&env, "exp")["access_token_dead"]["reason"],
        "expired"
    );
    // Run again, userinfo refreshes first and answers.
    let out = env.run(&["userinfo", "exp"], "");
    assert_success(&out);
    assert!(stderr(&out).contains("refreshing first"));
    env.assert_no_secrets_on_disk();
}

#[test]
fn introspect_shows_active_and_the_expiry() {
    let mut env = TestEnv::new("api-introspect");
    let (_, token) = refreshed(&mut env, "in");
    let out = env.run(&["introspect", "in"], "");
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.starts_with("active:"), "{text}");
    assert!(text.lines().next().unwrap().ends_with("yes"), "{text}");
    // 2 hours minus the moment since the refresh.
    assert!(text.contains("expires in 1h 59m (at "), "{text}");
    // The times carry their date and offset after the raw number.
    assert!(
        ["exp:", "iat:", "nbf:"]
            .iter()
            .all(|k| text.lines().any(|l| l.starts_with(k)
                && l.ends_with(')')
                && (l.contains(" +") || l.contains(" -")))),
        "{text}"
    );
    assert!(!text.contains(&token));
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(sent.path, "/services/oauth2/introspect");
    assert_eq!(sent.field("token"), Some(token.as_str()));
    assert!(sent.field("client_secret").unwrap().contains("TESTSECRET"));

    let out = env.run(&["introspect", "in", "--json"], "");
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["active"], true);
    assert!(json["exp"].as_u64().unwrap() > json["iat"].as_u64().unwrap());
}

#[test]
fn without_an_access_token_introspect_refreshes_first() {
    let mut env = TestEnv::new("api-none");
    env.add_org("none", false, |g| g);
    let out = env.run(&["introspect", "none"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("refreshing first"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("active"));
    let paths: Vec<String> = env
        .server
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        ["/services/oauth2/token", "/services/oauth2/introspect"],
        "the refresh, then the question"
    );
}

#[test]
fn revoke_needs_yes_without_a_terminal_then_drops_the_access_token() {
    let mut env = TestEnv::new("api-revoke-at");
    let (refresh, token) = refreshed(&mut env, "rv");
    let before = env.server.requests().len();
    let out = env.run(&["revoke", "rv"], "");
    assert_fails_with(&out, "confirm with --yes when not running on a terminal");
    assert_eq!(env.server.requests().len(), before, "nothing was sent");

    let out = env.run(&["revoke", "rv", "--yes", "--json"], "");
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["revoked"], "access_token");
    assert_eq!(
        json["removed_from_keyring"],
        serde_json::json!(["access_token"])
    );
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(sent.path, "/services/oauth2/revoke");
    assert_eq!(sent.field("token"), Some(token.as_str()));
    let store = env.store();
    let org = store.find("rv").unwrap();
    assert!(
        store
            .secret(&org.id, SecretKind::AccessToken)
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .secret(&org.id, SecretKind::RefreshToken)
            .unwrap()
            .is_some()
    );
    assert!(env.server.is_live(&refresh));
    assert_eq!(
        show_json(&env, "rv")["access_token_dead"]["reason"],
        "revoked"
    );

    // Nothing left to revoke: said so, nothing sent.
    let before = env.server.requests().len();
    let out = env.run(&["revoke", "rv", "--yes"], "");
    assert_fails_with(&out, "has no access token in the keyring");
    assert_eq!(env.server.requests().len(), before);
    // `token` gets a new one.
    assert_success(&env.run(&["token", "rv"], ""));
    env.assert_no_secrets_on_disk();
}

#[test]
fn revoking_the_refresh_token_on_a_terminal_asks_then_clears_both() {
    let mut env = TestEnv::new("api-revoke-rt");
    let (refresh, _) = refreshed(&mut env, "rt");

    let mut term = Terminal::spawn(
        pty::command(&env, &["revoke", "rt", "--refresh-token"]),
        100,
        24,
    );
    term.wait_for("Revoke the refresh token of rt at Salesforce");
    term.type_line("n");
    term.wait_for("not revoked");
    assert!(!term.wait_exit().success());
    assert!(env.server.is_live(&refresh));

    let mut term = Terminal::spawn(
        pty::command(&env, &["revoke", "rt", "--refresh-token"]),
        100,
        24,
    );
    term.wait_for("[y/N]");
    term.type_line("y");
    let screen = term.wait_for("removed the refresh token and access token from the keyring");
    assert!(screen.contains("sfkey edit rt --secrets"), "{screen}");
    assert!(term.wait_exit().success());
    assert!(!env.server.is_live(&refresh));
    let store = env.store();
    let org = store.find("rt").unwrap();
    for kind in [SecretKind::RefreshToken, SecretKind::AccessToken] {
        assert!(store.secret(&org.id, kind).unwrap().is_none(), "{kind:?}");
    }
    assert!(
        store
            .secret(&org.id, SecretKind::ClientSecret)
            .unwrap()
            .is_some()
    );

    // A token now needs a refresh, which says what to do.
    let out = env.run(&["token", "rt"], "");
    assert_fails_with(&out, "no refresh token in the keyring");
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_refresh_token_salesforce_does_not_know_stays_in_the_keyring() {
    let mut env = TestEnv::new("api-revoke-unknown");
    let (refresh, _) = refreshed(&mut env, "gone");
    // Revoked behind sfkey's back (another tool, Setup > Connected Apps).
    let client = sfkey::salesforce::HttpClient::new(&Default::default()).unwrap();
    let url = format!("{}/services/oauth2/revoke", env.server.url());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(sfkey::salesforce::revoke(
            &client,
            &url,
            &refresh.clone().into(),
        ))
        .unwrap();
    let out = env.run(&["revoke", "gone", "--refresh-token", "--yes"], "");
    let err = assert_fails_with(&out, "invalid_token");
    assert!(
        err.contains("nothing was removed from the keyring"),
        "{err}"
    );
    let store = env.store();
    let org = store.find("gone").unwrap();
    assert!(
        store
            .secret(&org.id, SecretKind::RefreshToken)
            .unwrap()
            .is_some()
    );
}

/// A revocation waits for another sfkey's refresh of the org: that refresh stores a new access
/// token, which a revocation running alongside would delete from the keyring unrevoked.
#[test]
fn revoke_waits_for_a_refresh_of_the_org_in_another_process() {
    use std::io::BufRead;
    let mut env = TestEnv::new("api-revoke-lock");
    let (_, token) = refreshed(&mut env, "busy");
    let store = env.store();
    let org = store.find("busy").unwrap();
    // Another sfkey's refresh of this org, as far as the lock file can tell.
    let held = store.lock_org(&org.id, || {}).unwrap();
    let before = env.server.requests().len();
    let mut child = env
        .cmd(&["revoke", "busy", "--yes"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        first.contains("Waiting for another sfkey to finish refreshing busy"),
        "{first}"
    );
    assert_eq!(env.server.requests().len(), before, "sent while locked");
    drop(held);
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(child.wait().unwrap().success(), "{rest:?}");
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(sent.path, "/services/oauth2/revoke");
    assert_eq!(sent.field("token"), Some(token.as_str()));
    env.assert_no_secrets_on_disk();
}

#[test]
fn open_url_only_prints_a_single_use_url_that_lands_on_the_path() {
    let mut env = TestEnv::new("api-open-url");
    let (_, access) = refreshed(&mut env, "op");
    let path = "/lightning/setup/SetupOneHome/home";
    let out = env.run(&["open", "op", "--url-only", "--path", path], "");
    assert_success(&out);
    let url = stdout(&out).trim().to_string();
    assert!(
        url.starts_with(&format!("{}/secur/frontdoor.jsp?otp=", env.server.url())),
        "{url}"
    );
    assert!(
        !url.contains(&access),
        "the single-use URL holds no access token"
    );
    assert!(stderr(&out).contains("single-use"), "{}", stderr(&out));
    let (status, _, body) = http_get(&url);
    assert_eq!(status, 200);
    assert!(body.contains(&format!("Logged in at {path}")), "{body}");
    // Single use: the second time it is refused.
    let (status, _, _) = http_get(&url);
    assert_eq!(status, 401);
    // A path that would leave the org is refused before anything is asked.
    let out = env.run(
        &["open", "op", "--url-only", "--path", "//evil.example"],
        "",
    );
    assert_fails_with(&out, "invalid --path");
    env.assert_no_secrets_on_disk();
}

#[test]
fn open_hands_the_url_to_the_browser_through_a_loopback_redirect() {
    let mut env = TestEnv::new("api-open-browser");
    let (_, access) = refreshed(&mut env, "ob");
    let browser = common::login::FakeBrowser::new();
    let mut cmd = env.cmd(&["open", "ob", "--browser", browser.script.to_str().unwrap()]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let argv = browser.started_with();
    let local = argv.trim().to_string();
    assert!(local.starts_with("http://127.0.0.1:"), "{local}");
    assert!(local.contains("/open/"), "{local}");
    // Nothing with a session in it went into the browser's argv.
    assert!(!local.contains("otp") && !local.contains("sid") && !local.contains(&access));
    let (status, location, _) = http_get(&local);
    assert_eq!(status, 302);
    let (status, _, body) = http_get(&location.unwrap());
    assert!(status == 200 && body.contains("Logged in at /"), "{body}");
    let out = child.wait_with_output().unwrap();
    assert_success(&out);
    assert!(stderr(&out).contains("Opened ob"), "{}", stderr(&out));
    env.assert_no_secrets_on_disk();
}

#[test]
fn open_refreshes_a_dead_session_once_and_falls_back_to_frontdoor_jsp() {
    let mut env = TestEnv::new("api-open-fallback");
    refreshed(&mut env, "fb");
    // singleaccess says the stored session ended: one refresh, then the URL.
    env.server.expire_access_tokens();
    let before = env.server.requests().len();
    let out = env.run(&["open", "fb", "--url-only"], "");
    assert_success(&out);
    let refreshes = env.server.requests()[before..]
        .iter()
        .filter(|r| r.path.ends_with("/services/oauth2/token"))
        .count();
    assert_eq!(refreshes, 1);
    assert!(stdout(&out).contains("otp="), "{}", stdout(&out));
    // An org without singleaccess: the classic frontdoor.jsp with the (live) access token.
    env.server.without_single_access();
    let out = env.run(
        &["open", "fb", "--url-only", "--path", "/lightning/page/home"],
        "",
    );
    assert_success(&out);
    assert!(stderr(&out).contains("frontdoor.jsp"), "{}", stderr(&out));
    let url = stdout(&out).trim().to_string();
    assert!(url.contains("/secur/frontdoor.jsp?sid="), "{url}");
    let (status, _, body) = http_get(&url);
    assert_eq!(status, 200);
    assert!(body.contains("Logged in at /lightning/page/home"), "{body}");
    env.assert_no_secrets_on_disk();
}
