//! The terminal app when things go wrong, end to end in a pseudo-terminal: the one retry after
//! `already being processed`, a rotated refresh token the keyring refuses, and a panic while
//! another org's rotating refresh is out.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::TestEnv;
use common::pty::{self, Terminal, pane_lines};
use sfkey::fake_salesforce::{Behaviour, ROTATED_REFRESH_PREFIX};

const LAST_HINT: &str = "q quit";

/// The token pane's rows joined by single spaces, for prose that wraps on words.
fn pane_prose(term: &Terminal) -> String {
    term.with_screen(|s| pane_lines(s, " Token "))
        .unwrap_or_default()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_busy_retry_shows_in_the_status_line_then_the_token() {
    let mut env = TestEnv::new("depth-tui-busy");
    env.add_org("busy", true, |g| g.with(Behaviour::Busy(1)));
    let mut term = Terminal::spawn(pty::command(&env, &[]), 100, 30);
    term.wait_for_all(&["busy", LAST_HINT]);
    term.send("r");
    term.wait_for("busy: token request already being processed; retrying once in 1 s");
    term.wait_for_all(&["busy: HTTP 200 in", "instance_url"]);
    assert_eq!(env.server.requests().len(), 2);
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_lost_answer_is_not_retried_and_the_pane_says_the_token_may_be_spent() {
    let mut env = TestEnv::new("depth-tui-hangup");
    let (_, refresh) = env.add_org("hangup", true, |g| g.with(Behaviour::Hangup));
    let mut term = Terminal::spawn(pty::command(&env, &[]), 100, 30);
    term.wait_for_all(&["hangup", LAST_HINT]);
    term.send("r");
    term.wait_for("hangup: refresh failed: connection broke");
    let pane = pane_prose(&term);
    assert!(
        pane.contains("The request may have reached Salesforce"),
        "{pane}"
    );
    assert!(pane.contains("so sfkey did not retry it"), "{pane}");
    assert!(pane.contains("may already be spent"), "{pane}");
    assert!(
        pane.contains("hint: the request may have reached Salesforce; press r"),
        "{pane}"
    );
    assert_eq!(env.server.requests().len(), 1, "never retried by itself");
    assert!(env.server.is_live(&refresh));
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_refused_rotated_token_is_loud_and_quitting_asks_twice() {
    let mut env = TestEnv::new("depth-tui-refused");
    let client_id = "3MVG9tuirefused";
    let (secret, refresh) = env.grant(client_id, true, |g| {
        g.with(Behaviour::Rotate)
            .delayed(Duration::from_millis(2500))
    });
    std::fs::create_dir_all(&env.dir).unwrap();
    let (trigger, locked) = (env.dir.join("lock-now"), env.dir.join("locked"));
    // A keyring of its own, locked on the test's signal while the answer is on its way.
    let script = format!(
        "printf '%s\\n%s\\n' '{secret}' '{refresh}' | '{bin}' add rot --login-url '{url}' --client-id {client_id} >/dev/null 2>&1 || exit 1; \
         {{ for _ in $(seq 1 600); do [ -e '{trigger}' ] && break; sleep 0.05; done; \
            dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
            org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null; \
            touch '{locked}'; }} & \
         '{bin}'",
        secret = secret.unwrap(),
        bin = env!("CARGO_BIN_EXE_sfkey"),
        url = env.server.url(),
        trigger = trigger.display(),
        locked = locked.display(),
    );
    let with_keyring = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/with-keyring");
    let cmd = pty::program(&env, "bash", &[with_keyring, "bash", "-c", &script]);
    let mut term = Terminal::spawn(cmd, 100, 30);
    term.wait_for_all(&["rot", "never", LAST_HINT]);
    term.send("r");
    // The request is out once the fake has it; then the keyring gets locked.
    let deadline = Instant::now() + Duration::from_secs(10);
    while env.server.requests().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the refresh never reached the fake"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::write(&trigger, "").unwrap();
    while !locked.exists() {
        assert!(Instant::now() < deadline, "the keyring was never locked");
        std::thread::sleep(Duration::from_millis(20));
    }

    term.wait_for("rot: refresh failed: the rotated refresh token was not saved");
    let pane = pane_prose(&term);
    assert!(pane.contains("the keyring refused it 3 times"), "{pane}");
    assert!(
        pane.contains("keeps the new refresh token in memory"),
        "{pane}"
    );
    assert!(!term.contents().contains(ROTATED_REFRESH_PREFIX));

    term.send("q");
    term.wait_for("only in memory");
    assert!(term.with_screen(|s| s.contents().contains("rot")));
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

#[test]
fn esc_cancels_a_refresh_waiting_for_another_sfkey_and_nothing_is_sent() {
    let mut env = TestEnv::new("depth-tui-cancel");
    let (_, refresh) = env.add_org("held", true, |g| g.with(Behaviour::Rotate));
    let store = env.store();
    let org = store.find("held").unwrap();
    // Another sfkey's refresh of this org, as far as the lock file can tell.
    let held = store.lock_org(&org.id, || {}).unwrap();
    let mut term = Terminal::spawn(pty::command(&env, &[]), 100, 30);
    term.wait_for_all(&["held", LAST_HINT]);
    term.send("r");
    term.wait_for("waiting for another sfkey that is refreshing this org");
    term.send("\x1b");
    term.wait_for("held: cancelled before anything was sent");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        env.server.requests().is_empty(),
        "a cancelled refresh sent its request"
    );
    assert!(env.server.is_live(&refresh));
    // The org is not stuck: a new r refreshes it.
    term.send("r");
    term.wait_for("held: HTTP 200 in");
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

/// A panic of the app while a rotating refresh is out: the answer is still waited for and its
/// new refresh token saved, so the org keeps working. Uses the debug-build failpoint
/// `SFKEY_DEBUG_PANIC_KEY`.
#[test]
fn a_panic_while_a_rotating_refresh_is_out_still_saves_the_new_token() {
    let mut env = TestEnv::new("depth-tui-panic");
    let (_, old) = env.add_org("rot", true, |g| {
        g.with(Behaviour::Rotate)
            .delayed(Duration::from_millis(2500))
    });
    env.add_org("other", true, |g| g);
    let mut cmd = pty::command(&env, &[]);
    cmd.env("SFKEY_DEBUG_PANIC_KEY", "!");
    cmd.env("RUST_BACKTRACE", "0");
    let mut term = Terminal::spawn(cmd, 100, 30);
    term.wait_for_all(&["▸rot", LAST_HINT]);
    term.send("r");
    let deadline = Instant::now() + Duration::from_secs(10);
    while env.server.requests().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !env.server.is_live(&old),
        "Salesforce rotated: the old token is dead"
    );
    // Something else breaks while the answer is on its way.
    term.send("j!");
    let status = term.wait_exit();
    assert_eq!(status.exit_code(), 101, "a panic exits with 101");
    let screen = term.contents();
    assert!(screen.contains("panicking on purpose"), "{screen}");
    assert!(screen.contains("waiting up to"), "{screen}");
    let rotated: Vec<String> = env
        .server
        .live_refresh_tokens()
        .into_iter()
        .filter(|t| t.starts_with(ROTATED_REFRESH_PREFIX))
        .collect();
    assert_eq!(rotated.len(), 1, "{rotated:?}");
    // The new refresh token was saved before the process ended: the org still refreshes.
    let out = env.run(&["refresh", "rot"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.assert_no_secrets_on_disk();
}
