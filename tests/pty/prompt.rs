//! `sfkey add` on a real terminal: secrets are asked for without echo and never shown.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::pty::{self, Terminal};

#[test]
fn add_on_a_terminal_prompts_without_echo() {
    let mut env = common::TestEnv::new("prompt-add");
    let (secret, refresh) = env.grant("3MVG9tty", true, |g| g);
    let secret = secret.unwrap();
    let url = env.server.url().to_string();
    let cmd = pty::command(
        &env,
        &["add", "tty", "--login-url", &url, "--client-id", "3MVG9tty"],
    );
    let mut term = Terminal::spawn(cmd, 100, 24);
    term.wait_for("Client secret (leave empty if the app has none):");
    term.type_line(&secret);
    term.wait_for("Refresh token:");
    term.type_line(&refresh);
    let screen = term.wait_for("Added org tty");
    assert!(
        !screen.contains("TESTSECRET"),
        "a secret was echoed:\n{screen}"
    );
    assert!(term.wait_exit().success());

    // What was typed is what got stored: the refresh works with it.
    let out = env.run(&["refresh", "tty"], "");
    common::assert_success(&out);
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(sent.field("client_secret"), Some(secret.as_str()));
    assert_eq!(sent.field("refresh_token"), Some(refresh.as_str()));
    env.assert_no_secrets_on_disk();
}

#[test]
fn an_empty_answer_at_the_terminal_is_asked_again_keeping_what_was_typed() {
    let mut env = common::TestEnv::new("prompt-empty");
    let (secret, refresh) = env.grant("3MVG9again", true, |g| g);
    let secret = secret.unwrap();
    let url = env.server.url().to_string();
    let cmd = pty::command(
        &env,
        &[
            "add",
            "again",
            "--login-url",
            &url,
            "--client-id",
            "3MVG9again",
        ],
    );
    let mut term = Terminal::spawn(cmd, 100, 24);
    term.wait_for("Client secret (leave empty if the app has none):");
    term.type_line(&secret);
    term.wait_for("Refresh token:");
    term.type_line("");
    term.wait_for("It cannot be empty");
    term.type_line(&refresh);
    term.wait_for("Added org again");
    assert!(term.wait_exit().success());
    common::assert_success(&env.run(&["refresh", "again"], ""));
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(sent.field("client_secret"), Some(secret.as_str()));
    env.assert_no_secrets_on_disk();
}
