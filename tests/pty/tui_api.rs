//! `o` in the terminal app end to end: the real binary in a 100x30 pseudo-terminal with a
//! "browser" named by `SFKEY_BROWSER`, the real keyring. `u`, `i`, `x` and `P` are in-process
//! loop tests (tests/tui/api.rs).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::TestEnv;
use common::pty::{self, Terminal, pane_lines};
use common::steps::LAST_HINT;
use sfkey::store::SecretKind;

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
