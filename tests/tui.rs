//! The terminal app end to end: the real binary in a 100x30 pseudo-terminal (xterm-256color),
//! its screen read back with vt100, its copies caught as OSC 52, the keyring the real one.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::pty::{self, Terminal, pane_lines};
use common::{TestEnv, assert_success, stdout};
use sfkey::fake_salesforce::{ACCESS_TOKEN_PREFIX, Behaviour, Grant};

/// The end of the status line's hints. The status line is the last row, and ratatui writes a
/// frame row by row, so waits include something of it to see whole frames. A status message
/// takes room first and can push this hint off a narrow line: waits for a message use the
/// message itself.
const LAST_HINT: &str = "q quit";

/// The demo's orgs, in the order the list shows them (the order they were saved in).
const DEMO_ORGS: [&str; 7] = [
    "acme-prod",
    "uat-rotating",
    "old-sandbox",
    "slow-dev",
    "partner-portal",
    "maintenance",
    "bad-signature",
];

/// The text inside the pane titled `title`, its rows trimmed and glued together, so a value
/// wrapped over several rows reads contiguous (tokens have no spaces).
fn pane_glued(term: &Terminal, title: &str) -> String {
    term.with_screen(|s| pane_lines(s, title))
        .unwrap_or_default()
        .concat()
}

/// The pane's rows joined by single spaces, for prose that wraps on words.
fn pane_prose(term: &Terminal, title: &str) -> String {
    term.with_screen(|s| pane_lines(s, title))
        .unwrap_or_default()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn screen_has(s: &vt100::Screen, texts: &[&str]) -> bool {
    let contents = s.contents();
    texts.iter().all(|t| contents.contains(t))
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
    let list = pane_lines(s, " Orgs (")?;
    let row = list.iter().find(|r| {
        r.trim_start_matches('▸')
            .split_whitespace()
            .next()
            .is_some_and(|n| n == name)
    })?;
    let number = row.split_whitespace().last()?.strip_suffix('s')?;
    if number.contains('.') {
        number.parse().ok()
    } else {
        None
    }
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
    term.wait_for_all(&[name, "never", LAST_HINT]);
    assert!(term.alternate_screen());
    assert!(!tty_cooked(&term), "sfkey runs without raw mode");

    term.send("r");
    let summary = format!("{name}: HTTP 200 in");
    let screen = term.wait_for_all(&["instance_url", "HTTP 200", "Content-Encoding", &summary]);
    let issued: Vec<String> = env
        .server
        .issued_secrets()
        .into_iter()
        .filter(|s| s.starts_with(ACCESS_TOKEN_PREFIX))
        .collect();
    assert_eq!(issued.len(), 1, "one refresh, one access token");
    (term, screen, issued[0].clone())
}

#[test]
fn refresh_reveal_copy_quit() {
    let mut env = TestEnv::new("tui-refresh");
    let name = "e2e-tui";
    let (mut term, screen, token) = start_refreshed(&mut env, name);
    let masked = format!("{}••••••••", &token[..6]);
    assert!(screen.contains(&masked), "no masked token:\n{screen}");
    assert!(
        !screen.contains(&token),
        "the token is on screen:\n{screen}"
    );
    // The token's random part (its start is the org id, also in the `id` URL).
    let tail = &token[ACCESS_TOKEN_PREFIX.len()..][..16];
    let pane = pane_glued(&term, " Token ");
    assert!(
        pane.contains(&masked) && !pane.contains(tail),
        "more than the masked prefix is shown: {pane}"
    );

    // v reveals the token whole, wrapped inside the token pane.
    term.send("v");
    term.wait_until("the revealed token", |s| {
        screen_has(s, &["REVEALED", "v hide", LAST_HINT])
            && pane_lines(s, " Token ").is_some_and(|l| l.concat().contains(&token))
    });

    // v again hides it; c copies it through OSC 52 without drawing it.
    term.send("v");
    term.wait_until("the token hidden again", |s| {
        screen_has(s, &[&masked, "v reveal", LAST_HINT]) && !s.contents().contains("REVEALED")
    });
    assert!(term.copies().is_empty());
    term.send("c");
    let copied = format!("sent access token of {name} via OSC 52");
    let screen = term.wait_for(&copied);
    let copies = term.copies();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(copies[0].base64, STANDARD.encode(&token));
    assert_eq!(copies[0].selection, "c");
    let pane = pane_glued(&term, " Token ");
    assert!(!screen.contains(&token) && !pane.contains(tail), "{screen}");
    assert!(!screen.contains(&copies[0].base64[..16]));

    term.send("q");
    assert_clean_exit(&mut term);

    // The token on screen is the one the TUI saved for the command line.
    let out = env.run(&["token", name], "");
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), token);
    env.assert_no_secrets_on_disk();
}

/// The copy message says how the token was copied, and the hints stay whole, on a 100-column
/// terminal.
#[test]
fn copy_message_says_how_and_keeps_the_hints() {
    let mut env = TestEnv::new("tui-copy-status");
    let name = "e2e-copy";
    let (mut term, _, _) = start_refreshed(&mut env, name);
    term.send("c");
    let screen = term.wait_for(&format!("sent access token of {name}"));
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(
        status.contains(&format!("sent access token of {name} via OSC 52"))
            && status.contains(LAST_HINT),
        "the status line: {status:?}"
    );
    term.send("q");
    assert_clean_exit(&mut term);
    env.assert_no_secrets_on_disk();
}

#[test]
fn error_answer_shows_error_hint_and_headers() {
    let mut env = TestEnv::new("tui-error");
    let name = "e2e-expired";
    env.add_org(name, false, |g| {
        g.with(Behaviour::Error {
            status: 400,
            error: "invalid_grant".into(),
            description: "expired access/refresh token".into(),
        })
    });
    let mut term = Terminal::spawn(pty::command(&env, &[]), 100, 30);
    term.wait_for_all(&[name, LAST_HINT]);

    term.send("r");
    let failed = format!("{name}: refresh failed: invalid_grant");
    term.wait_for_all(&[
        "invalid_grant",
        "expired access/refresh token",
        "HTTP 400 Bad Request",
        "Content-Type: application/json;charset=UTF-8",
        "X-Content-Type-Options: nosniff",
        &failed,
    ]);
    let token_pane = pane_prose(&term, " Token ");
    let hint = token_pane
        .split("hint:")
        .nth(1)
        .unwrap_or_else(|| panic!("no hint in the token pane: {token_pane}"));
    assert!(hint.contains("log in again"), "{token_pane}");
    assert!(
        token_pane.contains("means: the refresh token was revoked, expired or rotated out"),
        "{token_pane}"
    );
    assert!(hint.contains("press e"), "{token_pane}");
    let response = pane_prose(&term, " Response · refresh ");
    assert!(response.starts_with("HTTP 400"), "{response}");
    assert!(response.contains("Date:"), "{response}");

    // Still alive and answering keys.
    term.send("?");
    term.wait_for("close help");
    term.send("\x1b");
    term.wait_for(LAST_HINT);
    // Ctrl-C quits like q (raw mode turns it into a key, not a signal).
    term.send("\x03");
    assert_clean_exit(&mut term);
    assert!(env.server.issued_secrets().is_empty());
    env.assert_no_secrets_on_disk();
}

#[test]
fn demo_runs_without_keyring_or_org() {
    let env = TestEnv::new("tui-demo");
    std::fs::create_dir_all(&env.dir).unwrap();
    let tmp = scratch_tmp("tui-demo-tmp");
    let mut term = demo(&env, &tmp, 100, 30);
    let mut first: Vec<&str> = DEMO_ORGS.to_vec();
    first.extend([" DEMO ", "in-memory keyring", "▸acme-prod", LAST_HINT]);
    term.wait_for_all(&first);
    let scratch = entries(&tmp);
    assert!(
        scratch.len() == 1 && scratch[0].starts_with("sfkey-demo-"),
        "{scratch:?}"
    );

    term.send("r");
    term.wait_for_all(&["acme-prod: HTTP 200", "HTTP 200 OK", "instance_url"]);

    term.send("j");
    term.wait_for_all(&["▸uat-rotating", LAST_HINT]);
    term.send("r");
    term.wait_for("uat-rotating: HTTP 200");
    let pane = pane_prose(&term, " Token ");
    assert!(
        pane.contains("Salesforce rotated the refresh token; the new one is saved in the keyring."),
        "no rotation note in the token pane: {pane}"
    );

    term.send("j");
    term.wait_for("▸old-sandbox");
    term.send("r");
    term.wait_for_all(&["HTTP 400", "old-sandbox: refresh failed: invalid_grant"]);

    // slow-dev answers after 4 s: the list shows it running while the selection moves on.
    term.send("j");
    term.wait_for("▸slow-dev");
    term.send("r");
    term.wait_until("slow-dev's elapsed time in the list", |s| {
        elapsed_in_list(s, "slow-dev").is_some()
    });
    let started = term
        .with_screen(|s| elapsed_in_list(s, "slow-dev"))
        .unwrap();
    term.send("j");
    term.wait_until("the next org selected while slow-dev runs", |s| {
        screen_has(s, &["▸partner-portal", LAST_HINT]) && elapsed_in_list(s, "slow-dev").is_some()
    });
    term.wait_until("slow-dev's elapsed time moving on", |s| {
        elapsed_in_list(s, "slow-dev").is_some_and(|t| t >= started + 0.3)
    });
    term.send("k");
    // Its request is out: the pane says so, and Esc is no longer offered.
    term.wait_until("slow-dev's request out, without Esc cancel", |s| {
        screen_has(s, &["▸slow-dev", "request sent"]) && !s.contents().contains("Esc cancel")
    });
    // Esc all the same says why it stops nothing; the answer is still awaited and shown.
    term.send("\x1b");
    term.wait_for("already with Salesforce");
    let screen = term.wait_until("slow-dev's answer after the late cancel", |s| {
        screen_has(s, &["slow-dev: HTTP 200"]) && elapsed_in_list(s, "slow-dev").is_none()
    });
    assert!(screen.contains("instance_url"), "{screen}");

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

#[test]
fn add_and_edit_through_the_form() {
    let mut env = TestEnv::new("tui-form");
    let client_id = "3MVG9form-client";
    let (secret, refresh) = env.grant(client_id, true, |g| g);
    let secret = secret.unwrap();
    let url = env.server.url().to_string();
    let mut term = Terminal::spawn(pty::command(&env, &[]), 100, 30);
    term.wait_for_all(&["No orgs yet", LAST_HINT]);

    // An invalid form: the error beside its field, nothing saved.
    term.send("a");
    term.wait_for_all(&[" Add an org ", "Esc cancel"]);
    term.send("e2e-bad\t");
    term.send("\x1b[C\x1b[C");
    term.wait_for("Login URL");
    term.send("\thttp://example.com\t\t3MVG9bad\t\t");
    term.paste("not-a-real-token");
    term.send("\r");
    let screen = term.wait_for_all(&["invalid login URL", "Esc cancel"]);
    let rows = term.rows();
    let url_row = rows.iter().position(|r| r.contains("Login URL")).unwrap();
    assert!(
        rows[url_row + 1].contains("invalid login URL \"http://example.com\": it must start"),
        "the error is not beside the login URL:\n{screen}"
    );
    assert!(!screen.contains("not-a-real-token"), "{screen}");
    term.send("\x1b");
    term.wait_until("the form closed", |s| {
        screen_has(s, &["No orgs yet", LAST_HINT]) && !s.contents().contains("Add an org")
    });
    let out = env.run(&["list"], "");
    assert_success(&out);
    assert!(!stdout(&out).contains("e2e-bad"), "{}", stdout(&out));

    // A valid one, secrets pasted: saved to the orgs file and the keyring.
    term.send("a");
    term.wait_for_all(&[" Add an org ", "Esc cancel"]);
    term.send("e2e-form\t\x1b[C\x1b[C");
    term.wait_for("Login URL");
    term.send(format!("\t{url}\t\t{client_id}\t"));
    term.paste(&secret);
    term.send("\t");
    term.paste(&refresh);
    let screen = term.wait_until("the refresh token typed in", |s| {
        // The refresh token field shows a mask as long as the token, not the token.
        s.contents().contains(&"•".repeat(20))
    });
    assert!(
        !screen.contains(&refresh) && !screen.contains(&secret),
        "{screen}"
    );
    term.send("\r");
    term.wait_for_all(&["▸e2e-form", "saved e2e-form"]);

    let out = env.run(&["show", "e2e-form"], "");
    assert_success(&out);
    let shown = stdout(&out);
    assert!(shown.contains(&url) && shown.contains(client_id), "{shown}");
    let out = env.run(&["refresh", "e2e-form"], "");
    assert_success(&out);
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(sent.field("client_secret"), Some(secret.as_str()));
    assert_eq!(sent.field("refresh_token"), Some(refresh.as_str()));

    // Edit: a new refresh token pasted into the last field replaces the stored one.
    let new_refresh = format!("5Aep861TESTSECRETnew{}", common::random_hex(8));
    env.server
        .add_grant(&new_refresh, Grant::new(client_id, Some(&secret)));
    env.secrets_used.push(new_refresh.clone());
    term.send("e");
    term.wait_for_all(&[" Edit e2e-form ", "Esc cancel"]);
    // Up from the first field wraps to the last, the refresh token.
    term.send("\x1b[A");
    term.paste(&new_refresh);
    term.send("\r");
    term.wait_until("the edit saved", |s| {
        screen_has(s, &["saved e2e-form"]) && !s.contents().contains("Edit e2e-form")
    });
    let out = env.run(&["refresh", "e2e-form"], "");
    assert_success(&out);
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(sent.field("refresh_token"), Some(new_refresh.as_str()));
    assert_eq!(sent.field("client_secret"), Some(secret.as_str()));

    term.send("q");
    assert_clean_exit(&mut term);
    env.assert_no_secrets_on_disk();
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
