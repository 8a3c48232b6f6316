//! The terminal app end to end, for what only a terminal shows: the real binary in a 100x30
//! pseudo-terminal (xterm-256color), its screen read back with vt100, its copies caught as
//! OSC 52, the keyring the real one; restore on panic and signals, the too-small message. The
//! rest of the app's behaviour is in the in-process loop tests (tests/tui/).
#![allow(clippy::unwrap_used)]

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::pty::{self, Terminal, pane_lines};
use common::steps::{LAST_HINT, refresh_only_org};
use common::{TestEnv, assert_success, stdout};

/// The pane's rows joined by single spaces, for prose that wraps on words.
fn pane_prose(term: &Terminal, title: &str) -> String {
    term.with_screen(|s| pane_lines(s, title))
        .unwrap_or_default()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the terminal is back in cooked mode (line editing and echo), read with stty.
fn tty_cooked(term: &Terminal) -> bool {
    let out = Command::new("stty")
        .arg("-a")
        .arg("-F")
        .arg(term.tty_name())
        .output()
        .expect("run stty");
    assert!(out.status.success(), "stty failed: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let words: Vec<&str> = text.split_whitespace().collect();
    words.contains(&"icanon") && words.contains(&"echo")
}

/// Waits for the program to exit, then checks it exited 0 and left the terminal as it found it.
#[track_caller]
fn assert_clean_exit(term: &mut Terminal) {
    let status = term.wait_exit();
    assert!(status.success(), "sfkey exited with {status:?}");
    assert!(
        !term.alternate_screen(),
        "still on the alternate screen:\n{}",
        term.contents()
    );
    assert!(!term.cursor_hidden(), "the cursor is still hidden");
    assert!(tty_cooked(term), "the terminal was left in raw mode");
}

/// The elapsed time (`1.3s`) at the end of `name`'s row in the org list, if it shows one.
fn elapsed_in_list(s: &vt100::Screen, name: &str) -> Option<f64> {
    common::elapsed_in_list(pane_lines(s, " Orgs ("), name)
}

/// `sfkey --demo` in a terminal: no keyring (no session bus), the demo's scratch dir under
/// `tmp`.
fn demo(env: &TestEnv, tmp: &Path, cols: u16, rows: u16) -> Terminal {
    let mut cmd = pty::command(env, &["--demo"]);
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    cmd.env("TMPDIR", tmp);
    Terminal::spawn(cmd, cols, rows)
}

/// A private, empty TMPDIR next to the config dirs.
fn scratch_tmp(test: &str) -> std::path::PathBuf {
    let tmp = common::config_dir(test);
    std::fs::create_dir_all(&tmp).unwrap();
    tmp
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// sfkey on `env` with one org, `name`, added with the CLI and refreshed with `r`; returns the
/// terminal, the screen after the refresh and the access token the fake issued.
fn start_refreshed(env: &mut TestEnv, name: &str) -> (Terminal, String, String) {
    env.add_org(name, true, |g| g);
    let mut term = Terminal::spawn(pty::command(env, &[]), 100, 30);
    let (screen, token) = refresh_only_org(&mut term, &env.server, name);
    assert!(term.alternate_screen());
    assert!(!tty_cooked(&term), "sfkey runs without raw mode");
    (term, screen, token)
}

/// What only the real terminal shows of a refresh and a copy: the OSC 52 sequence reaching the
/// terminal, Ctrl-C arriving as a key in raw mode, the terminal restored; the token saved in the
/// real keyring for the command line. Reveal, hide and the copy's message are in-process loop
/// tests (tests/tui/refresh.rs).
#[test]
fn refresh_copy_through_the_terminal_and_quit() {
    let mut env = TestEnv::new("tui-refresh");
    let name = "e2e-tui";
    let (mut term, screen, token) = start_refreshed(&mut env, name);
    assert!(
        !screen.contains(&token),
        "the token is on screen:\n{screen}"
    );
    assert!(term.copies().is_empty());
    term.send("c");
    let screen = term.wait_for(&format!("sent access token of {name} via OSC 52"));
    let copies = term.copies();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(copies[0].base64, STANDARD.encode(&token));
    assert_eq!(copies[0].selection, "c");
    assert!(!screen.contains(&token) && !screen.contains(&copies[0].base64[..16]));

    // Ctrl-C quits like q (raw mode turns it into a key, not a signal).
    term.send("\x03");
    assert_clean_exit(&mut term);

    // The token on screen is the one the TUI saved for the command line.
    let out = env.run(&["token", name], "");
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), token);
    env.assert_no_secrets_on_disk();
}

/// The real binary in demo mode: no keyring (no session bus), its scratch dir in TMPDIR and
/// gone after it. The demo's orgs in use are in-process loop tests (tests/tui/demo.rs).
#[test]
fn demo_runs_without_keyring_or_org() {
    let env = TestEnv::new("tui-demo");
    std::fs::create_dir_all(&env.dir).unwrap();
    let tmp = scratch_tmp("tui-demo-tmp");
    let mut term = demo(&env, &tmp, 100, 30);
    let mut first: Vec<&str> = common::DEMO_ORGS.to_vec();
    first.extend([" DEMO ", "in-memory keyring", "▸acme-prod", LAST_HINT]);
    term.wait_for_all(&first);
    let scratch = entries(&tmp);
    assert!(
        scratch.len() == 1 && scratch[0].starts_with("sfkey-demo-"),
        "{scratch:?}"
    );

    term.send("r");
    term.wait_for_all(&["acme-prod: HTTP 200", "HTTP 200 OK", "instance_url"]);

    term.send("q");
    assert_clean_exit(&mut term);
    env.assert_config_dir_empty();
    assert_eq!(entries(&tmp), Vec::<String>::new(), "the demo left files");
}

/// A signal ends sfkey like `q`: a refresh whose request is out is waited for (its answer may
/// carry the only working refresh token), then the terminal is restored.
fn signal_restores_the_terminal(test: &str, signal: &str) {
    let env = TestEnv::new(test);
    let tmp = scratch_tmp(&format!("{test}-tmp"));
    let mut term = demo(&env, &tmp, 100, 30);
    term.wait_for_all(&["▸acme-prod", LAST_HINT]);
    // slow-dev takes 4 s to answer; quitting waits for it, and no longer.
    term.send("jjj");
    term.wait_for_all(&["▸slow-dev", LAST_HINT]);
    term.send("r");
    term.wait_until("slow-dev running", |s| {
        elapsed_in_list(s, "slow-dev").is_some()
    });
    assert!(term.alternate_screen());

    let sent = Instant::now();
    term.signal(signal);
    assert_clean_exit(&mut term);
    assert!(
        sent.elapsed() < Duration::from_secs(8),
        "SIG{signal} took {:?} to end sfkey",
        sent.elapsed()
    );
    env.assert_config_dir_empty();
    assert_eq!(entries(&tmp), Vec::<String>::new(), "the demo left files");
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal("tui-sigterm", "TERM");
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores_the_terminal("tui-sighup", "HUP");
}

#[test]
fn small_terminal_says_so() {
    let env = TestEnv::new("tui-small");
    let tmp = scratch_tmp("tui-small-tmp");
    let mut term = demo(&env, &tmp, 30, 10);
    term.wait_for_all(&["too small (30x10)", "40x12"]);

    // Grown to 70x20: the stacked layout, list on top, token and response panes below.
    term.resize(70, 20);
    let screen = term.wait_for_all(&[
        " Orgs (7) ",
        " Token ",
        " Response ",
        "▸acme-prod",
        LAST_HINT,
    ]);
    assert!(!screen.contains("too small"), "{screen}");
    let rows = term.rows();
    let row_of = |text: &str| rows.iter().position(|r| r.contains(text)).unwrap();
    let (orgs, token, response) = (
        row_of(" Orgs (7) "),
        row_of(" Token "),
        row_of(" Response "),
    );
    assert!(orgs < row_of("▸acme-prod") && row_of("▸acme-prod") < token);
    assert!(token < response, "{screen}");
    let list = term.with_screen(|s| pane_lines(s, " Orgs (7) ")).unwrap();
    assert!(list.iter().any(|l| l.starts_with("▸acme-prod")), "{list:?}");

    term.send("r");
    term.wait_for_all(&["HTTP 200 OK", "acme-prod: HTTP 200"]);
    let pane = pane_prose(&term, " Token ");
    assert!(pane.contains("access_token"), "{pane}");
    term.send("q");
    assert_clean_exit(&mut term);
    env.assert_config_dir_empty();
}

/// A panic leaves the alternate screen and raw mode before the message prints, so the message
/// is readable on the normal screen. Uses the debug-build failpoint `SFKEY_DEBUG_PANIC`.
#[test]
fn a_panic_restores_the_terminal_and_prints_on_the_main_screen() {
    let env = TestEnv::new("tui-panic");
    std::fs::create_dir_all(&env.dir).unwrap();
    let tmp = scratch_tmp("tui-panic-tmp");
    let mut cmd = pty::command(&env, &["--demo"]);
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    cmd.env("TMPDIR", &tmp);
    cmd.env("SFKEY_DEBUG_PANIC", "1");
    cmd.env("RUST_BACKTRACE", "0");
    let mut term = Terminal::spawn(cmd, 100, 30);
    let status = term.wait_exit();
    assert_eq!(status.exit_code(), 101, "a panic exits with 101");
    let screen = term.contents();
    assert!(
        !term.alternate_screen(),
        "still on the alternate screen:\n{screen}"
    );
    assert!(!term.cursor_hidden(), "the cursor is still hidden");
    assert!(tty_cooked(&term), "the terminal was left in raw mode");
    assert!(
        screen.contains("panicked") && screen.contains("panicking on purpose"),
        "the panic message is not on the main screen:\n{screen}"
    );
    // Unwinding still ran the demo's clean-up.
    assert!(entries(&tmp).is_empty(), "{:?}", entries(&tmp));
}
