//! Importing end to end in a pseudo-terminal: key p in the TUI with a bracketed paste from the
//! terminal, and `sfkey export` refusing to print secrets onto a terminal. The questions before
//! an update are in-process loop tests (tests/tui/import.rs).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::TestEnv;
use common::pty::{self, Terminal};
use common::steps::{LAST_HINT, auth_url, paste_and_save, stored_refresh_token};

/// The bracketed paste from a real terminal reaches the form whole, and the org is saved in the
/// real keyring.
#[test]
fn p_pastes_an_auth_url_from_the_terminal_into_a_new_org() {
    let mut env = TestEnv::new("tui-import");
    let (url, refresh) = auth_url(&mut env, "3MVG9pasted");
    let mut term = Terminal::spawn(pty::command(&env, &[]), 100, 30);
    term.wait_for_all(&["No orgs yet", LAST_HINT]);

    paste_and_save(&mut term, &url, "pasted");
    let screen = term.wait_for("saved pasted");
    assert!(!screen.contains(&refresh), "the refresh token is on screen");
    assert_eq!(stored_refresh_token(&env, "pasted"), refresh);
    let org = env.store().find("pasted").unwrap();
    assert_eq!(org.login_url, env.server.url().trim_end_matches('/'));
    assert_eq!(org.client_id, "3MVG9pasted");

    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

#[test]
fn export_refuses_to_print_secrets_on_a_terminal_unless_forced() {
    let mut env = TestEnv::new("tui-export-tty");
    let (_, refresh) = env.add_org("prod", true, |g| g);
    let mut term = Terminal::spawn(
        pty::command(&env, &["export", "prod", "--format", "sfdx-url"]),
        100,
        30,
    );
    assert!(!term.wait_exit().success());
    let screen = term.contents();
    assert!(screen.contains("not printed"), "{screen}");
    assert!(!screen.contains(&refresh), "{screen}");

    let mut term = Terminal::spawn(
        pty::command(&env, &["export", "prod", "--format", "sfdx-url", "--force"]),
        200,
        30,
    );
    assert!(term.wait_exit().success());
    let screen = term.contents().replace('\n', "");
    assert!(screen.contains(&refresh), "{screen}");
    env.assert_no_secrets_on_disk();
}

#[test]
fn import_dash_at_a_terminal_asks_for_the_url_without_echo() {
    let mut env = TestEnv::new("tui-import-prompt");
    let (url, refresh) = auth_url(&mut env, "3MVG9prompted");
    let mut term = Terminal::spawn(
        pty::command(&env, &["import", "-", "--name", "prompted"]),
        200,
        30,
    );
    term.wait_for("SFDX auth URL (hidden): ");
    term.type_line(&url);
    assert!(term.wait_exit().success(), "{}", term.contents());
    let screen = term.contents();
    assert!(
        screen.contains("Added prompted from the terminal"),
        "{screen}"
    );
    assert!(!screen.contains(&refresh), "{screen}");
    assert_eq!(stored_refresh_token(&env, "prompted"), refresh);
    env.assert_no_secrets_on_disk();
}
