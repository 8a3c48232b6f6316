//! The terminal app when things go wrong, end to end in a pseudo-terminal: a rotated refresh
//! token the real keyring refuses, and a panic while another org's rotating refresh is out.
//! The busy retry, a lost answer and Esc while another sfkey holds the lock are in-process loop
//! tests (tests/tui/depth.rs).
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::{Duration, Instant};

use common::TestEnv;
use common::pty::{self, Terminal, pane_lines};
use common::steps::LAST_HINT;
use sfkey::fake_salesforce::{Behaviour, ROTATED_REFRESH_PREFIX};

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
