//! `u`, `i` and `x` in the terminal app end to end: the real binary in a 100x30
//! pseudo-terminal, the real keyring, the loopback fake answering userinfo, introspect and revoke.
#![allow(clippy::unwrap_used)]

mod common;

use common::pty::{self, Terminal, pane_lines};
use common::{TestEnv, assert_success, stdout};
use sfkey::fake_salesforce::{ACCESS_TOKEN_PREFIX, FAKE_USERNAME};
use sfkey::store::SecretKind;

/// The end of the status line's hints: waits that include it see whole frames.
const LAST_HINT: &str = "q quit";

/// The rows of the pane whose title starts with `title`, joined by single spaces.
fn pane_text(s: &vt100::Screen, title: &str) -> String {
    pane_lines(s, title)
        .unwrap_or_default()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Waits until the pane titled `title` holds every one of `texts`; returns its text.
#[track_caller]
fn wait_pane(term: &Terminal, title: &str, texts: &[&str]) -> String {
    term.wait_until(&format!("{title:?} with {texts:?}"), |s| {
        let pane = pane_text(s, title);
        texts.iter().all(|t| pane.contains(t)) && s.contents().contains(LAST_HINT)
    });
    term.with_screen(|s| pane_text(s, title))
}

/// sfkey on one org `name`, added with the CLI and refreshed with `r`; returns the terminal and
/// the refresh token.
fn start_refreshed(env: &mut TestEnv, name: &str) -> (Terminal, String) {
    let (_, refresh) = env.add_org(name, true, |g| g);
    let mut term = Terminal::spawn(pty::command(env, &[]), 100, 30);
    term.wait_for_all(&[name, "never", LAST_HINT]);
    term.send("r");
    term.wait_for_all(&["instance_url", "HTTP 200", LAST_HINT]);
    (term, refresh)
}

fn show_json(env: &TestEnv, name: &str) -> serde_json::Value {
    let out = env.run(&["show", name, "--json"], "");
    assert_success(&out);
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn u_shows_the_user_and_saves_the_username_i_shows_the_expiry() {
    let mut env = TestEnv::new("tui-api-ui");
    let (mut term, _) = start_refreshed(&mut env, "who");

    term.send("u");
    let pane = wait_pane(
        &term,
        " Response · userinfo ",
        &[
            "Saved as the org's username.",
            "preferred_username",
            FAKE_USERNAME,
        ],
    );
    assert!(pane.contains("organization_id"), "{pane}");
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("GET", "/services/oauth2/userinfo")
    );
    assert_eq!(show_json(&env, "who")["username"], FAKE_USERNAME);

    term.send("i");
    let pane = wait_pane(
        &term,
        " Response · introspect ",
        &["active yes", "expiry expires in 1h 59m (at "],
    );
    assert!(
        pane.contains(&format!("username {FAKE_USERNAME}")),
        "{pane}"
    );
    assert_eq!(
        env.server.requests().pop().unwrap().path,
        "/services/oauth2/introspect"
    );

    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_dead_token_is_flagged_not_copied_and_r_clears_it() {
    let mut env = TestEnv::new("tui-api-dead");
    let (mut term, _) = start_refreshed(&mut env, "dead");
    env.server.expire_access_tokens();

    // userinfo gets a 401: the error and its hint in the response pane, the token flagged.
    term.send("u");
    let pane = wait_pane(
        &term,
        " Response · userinfo ",
        &[
            "✗ the access token is expired or revoked",
            "press r",
            "HTTP 401",
        ],
    );
    assert!(pane.contains("now marked expired"), "{pane}");
    term.wait_until("the flag in the list and the token pane", |s| {
        pane_text(s, " Orgs ").contains("⚠ expired")
            && pane_text(s, " Token ").contains("The stored access token is expired")
    });
    assert_eq!(
        show_json(&env, "dead")["access_token_dead"]["reason"],
        "expired"
    );

    // c refuses to copy it.
    term.send("c");
    term.wait_for("dead: access token expired: press r for a new one");
    assert!(term.copies().is_empty());

    // A refresh clears the flag, and introspect says active again.
    term.send("r");
    term.wait_until("the flag gone after the refresh", |s| {
        !s.contents().contains("⚠") && pane_text(s, " Response · refresh ").contains("HTTP 200")
    });
    assert!(show_json(&env, "dead").get("access_token_dead").is_none());
    term.send("i");
    wait_pane(&term, " Response · introspect ", &["active yes"]);

    // Introspect of an expired token says inactive, and flags it too.
    env.server.expire_access_tokens();
    term.send("i");
    wait_pane(
        &term,
        " Response · introspect ",
        &["active no", "it is marked expired"],
    );
    term.wait_until("the flag after introspect", |s| {
        pane_text(s, " Orgs ").contains("⚠ expired")
    });
    assert_eq!(
        show_json(&env, "dead")["access_token_dead"]["reason"],
        "inactive"
    );
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

#[test]
fn x_revokes_the_access_token_then_the_refresh_token() {
    let mut env = TestEnv::new("tui-api-revoke");
    let (mut term, refresh) = start_refreshed(&mut env, "rev");
    let store = env.store();
    let id = store.find("rev").unwrap().id;
    let before = env.server.requests().len();

    // Esc in the popup sends nothing.
    term.send("x");
    term.wait_for_all(&["Revoke a token of rev at Salesforce?", "n/q/Esc neither"]);
    term.send("\x1b");
    term.wait_until("the popup closed", |s| {
        !s.contents().contains("Revoke a token") && s.contents().contains(LAST_HINT)
    });
    assert_eq!(env.server.requests().len(), before);

    term.send("x");
    term.wait_for("Revoke a token of rev");
    term.send("a");
    wait_pane(
        &term,
        " Response · revoke access token ",
        &["Revoked the access token at Salesforce; removed the access token from the keyring."],
    );
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(sent.path, "/services/oauth2/revoke");
    assert!(
        sent.field("token")
            .unwrap()
            .starts_with(ACCESS_TOKEN_PREFIX)
    );
    assert!(
        store
            .secret(&id, SecretKind::AccessToken)
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .secret(&id, SecretKind::RefreshToken)
            .unwrap()
            .is_some()
    );
    term.wait_until("the flag after the revocation", |s| {
        pane_text(s, " Orgs ").contains("⚠ expired")
            && pane_text(s, " Token ").contains("The stored access token is revoked")
    });

    term.send("x");
    term.wait_for("Revoke a token of rev");
    term.send("r");
    wait_pane(
        &term,
        " Response · revoke refresh token ",
        &[
            "Revoked the refresh token at Salesforce; removed the refresh token and access token from the keyring.",
            "No refresh token is stored now: log in again (press L), or store a new refresh token (press e).",
        ],
    );
    assert_eq!(
        env.server.requests().pop().unwrap().field("token"),
        Some(refresh.as_str())
    );
    assert!(!env.server.is_live(&refresh));
    assert!(
        store
            .secret(&id, SecretKind::RefreshToken)
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .secret(&id, SecretKind::ClientSecret)
            .unwrap()
            .is_some()
    );

    // Nothing left to revoke: said so instead of asking, nothing sent.
    let before = env.server.requests().len();
    term.send("x");
    term.wait_for("nothing to revoke");
    assert!(!term.contents().contains("Revoke a token of rev"));
    assert_eq!(env.server.requests().len(), before);
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

#[test]
fn u_i_and_x_work_in_the_demo() {
    let env = TestEnv::new("tui-api-demo");
    std::fs::create_dir_all(&env.dir).unwrap();
    let tmp = common::config_dir("tui-api-demo-tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut cmd = pty::command(&env, &["--demo"]);
    // The demo needs no keyring: take the session bus away to be sure.
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    cmd.env("TMPDIR", &tmp);
    let mut term = Terminal::spawn(cmd, 100, 30);
    term.wait_for_all(&[" DEMO ", "▸acme-prod", LAST_HINT]);

    // Before any refresh there is no token to ask about: i refreshes first, as the CLI does.
    term.send("i");
    wait_pane(
        &term,
        " Response · introspect ",
        &["active yes", "expires in 1h 59m"],
    );
    term.wait_for("instance_url");
    term.send("u");
    wait_pane(
        &term,
        " Response · userinfo ",
        &["preferred_username", FAKE_USERNAME],
    );
    term.send("i");
    wait_pane(
        &term,
        " Response · introspect ",
        &["active yes", "expires in 1h 59m"],
    );
    term.send("x");
    term.wait_for("Revoke a token of acme-prod");
    term.send("a");
    wait_pane(
        &term,
        " Response · revoke access token ",
        &["Revoked the access token at Salesforce"],
    );
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_config_dir_empty();
}

#[test]
fn o_opens_the_org_in_the_browser_through_a_loopback_redirect() {
    let mut env = TestEnv::new("tui-api-open");
    let (_, _) = env.add_org("op", true, |g| g);
    let browser = common::login::FakeBrowser::new();
    let mut cmd = pty::command(&env, &[]);
    cmd.env("SFKEY_BROWSER", &browser.script);
    let mut term = Terminal::spawn(cmd, 100, 30);
    term.wait_for_all(&["op", "never", LAST_HINT]);
    // No session yet: o refreshes first, then asks for the single-use URL.
    term.send("o");
    let argv = browser.started_with();
    let local = argv.trim().to_string();
    assert!(local.starts_with("http://127.0.0.1:"), "{local}");
    assert!(local.contains("/open/"), "{local}");
    let store = env.store();
    let id = store.find("op").unwrap().id;
    let access = store.secret(&id, SecretKind::AccessToken).unwrap().unwrap();
    let access = secrecy::ExposeSecret::expose_secret(&access).to_string();
    // Nothing with a session in it went into the browser's argv.
    assert!(!local.contains("otp") && !local.contains("sid") && !local.contains(&access));
    let (status, location, _) = common::login::http_get(&local);
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(location.contains("/secur/frontdoor.jsp?otp="), "{location}");
    term.wait_for("opened op in the browser");
    // The refresh on the way is in the token pane's health lines once the list reloads.
    wait_pane(&term, " Token · op ", &["health ok", "history ✓"]);
    let asked: Vec<String> = env.server.requests().into_iter().map(|r| r.path).collect();
    assert!(
        asked.iter().any(|p| p == "/services/oauth2/singleaccess"),
        "{asked:?}"
    );
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

/// GET `path` from the proxy at `base` (`http://127.0.0.1:PORT`) with `token`: the whole answer.
fn proxy_get(base: &str, path: &str, token: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

#[test]
fn p_runs_a_proxy_whose_requests_show_live_and_c_copies_its_token() {
    use base64::Engine;
    let mut env = TestEnv::new("tui-api-proxy");
    let (mut term, _) = start_refreshed(&mut env, "px");
    term.send("P");
    let pane = wait_pane(
        &term,
        " Proxy · requests live ",
        &["URL http://127.0.0.1:", "No requests yet."],
    );
    let url = pane
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:") && w.ends_with("/px"))
        .unwrap_or_else(|| panic!("no proxy URL in {pane}"))
        .to_string();
    let base = url.trim_end_matches("/px").to_string();

    term.send("C");
    term.wait_for("sent the proxy token via OSC 52");
    let copied = term.copies().last().unwrap().base64.clone();
    let token = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(copied)
            .unwrap(),
    )
    .unwrap();
    assert!(
        !token.starts_with(ACCESS_TOKEN_PREFIX),
        "not the org's token"
    );

    // Without the proxy token: refused by the proxy itself, and listed too (the second of two).
    let refused = proxy_get(&base, "/px/services/data/v62.0/limits", "wrong").unwrap();
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let answer = proxy_get(
        &base,
        "/px/services/data/v62.0/query?q=SELECT+Id+FROM+Organization",
        &token,
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let pane = wait_pane(
        &term,
        " Proxy · requests live ",
        &[
            "Requests (2, newest first)",
            "GET 200",
            "/services/data/v62.0/query?q=…",
        ],
    );
    // The query's value stays out of the pane, as out of the log.
    assert!(!pane.contains("SELECT"), "{pane}");
    assert!(
        !term.contents().contains(&token),
        "the proxy token is not on screen"
    );

    term.send("P");
    term.wait_for("the proxy for px stopped");
    wait_pane(&term, " Response · refresh ", &["HTTP 200"]);
    assert!(
        proxy_get(&base, "/px/services/data/", &token).is_err(),
        "the proxy is gone"
    );
    // Quitting stops a running proxy (gracefully) and leaves.
    term.send("P");
    wait_pane(&term, " Proxy · requests live ", &["No requests yet."]);
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}
