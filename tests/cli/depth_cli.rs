//! The binary when things go wrong: what `sfkey refresh` and `sfkey token` tell on stderr, the
//! one retry, concurrent processes sharing one refresh, and a rotated refresh token surviving
//! a kill right after the answer arrived.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use common::{TestEnv, assert_fails_with, assert_success, stderr, stdout};
use sfkey::fake_salesforce::{Behaviour, ROTATED_REFRESH_PREFIX};
use sfkey::store::SecretKind;

/// The refresh tokens the fake received, in order.
fn sent_refresh_tokens(env: &TestEnv) -> Vec<String> {
    env.server
        .requests()
        .iter()
        .filter_map(|r| r.field("refresh_token").map(str::to_string))
        .collect()
}

/// The refresh token in the keyring for org `name`.
fn stored_refresh_token(env: &TestEnv, name: &str) -> String {
    let store = env.store();
    let org = store.find(name).unwrap();
    let token = store.secret(&org.id, SecretKind::RefreshToken).unwrap();
    secrecy::ExposeSecret::expose_secret(&token.unwrap()).to_string()
}

#[test]
fn a_salesforce_error_shows_the_raw_answer_what_it_means_and_what_to_do() {
    let mut env = TestEnv::new("depth-cli-explain");
    env.add_org("blocked", true, |g| {
        g.with(Behaviour::Error {
            status: 400,
            error: "OAUTH_APP_BLOCKED".into(),
            description: "this app is blocked by admin".into(),
        })
    });
    env.add_org("novel", true, |g| {
        g.with(Behaviour::Error {
            status: 400,
            error: "brand_new_error".into(),
            description: "Something New Happened".into(),
        })
    });
    let out = env.run(&["refresh", "blocked"], "");
    let err = assert_fails_with(&out, "OAUTH_APP_BLOCKED: this app is blocked by admin");
    assert!(
        err.contains("\nmeans: an admin blocked this connected app\n"),
        "{err}"
    );
    assert!(err.contains("\nhint: ask them to unblock it"), "{err}");
    assert!(stdout(&out).contains("\"error\": \"OAUTH_APP_BLOCKED\""));

    let out = env.run(&["refresh", "novel"], "");
    let err = assert_fails_with(&out, "brand_new_error: Something New Happened");
    assert!(
        err.contains("\nmeans: Salesforce refused with an error sfkey does not know"),
        "{err}"
    );
    assert!(err.contains("Login History"), "{err}");
}

#[test]
fn already_being_processed_is_retried_once_and_said_so_on_stderr() {
    let mut env = TestEnv::new("depth-cli-busy");
    env.add_org("busy", true, |g| g.with(Behaviour::Busy(1)));
    let out = env.run(&["token", "busy"], "");
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains("already being processed; retrying once in 1 s"),
        "{err}"
    );
    assert_eq!(env.server.requests().len(), 2);
    assert!(stdout(&out).starts_with(sfkey::fake_salesforce::ACCESS_TOKEN_PREFIX));
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_broken_answer_is_not_retried_and_the_user_is_told_the_token_may_be_spent() {
    let mut env = TestEnv::new("depth-cli-reset");
    let (_, refresh) = env.add_org("reset", true, |g| g.with(Behaviour::ResetMidBody));
    let out = env.run(&["refresh", "reset"], "");
    let err = assert_fails_with(&out, "the connection broke while the answer was arriving");
    assert!(err.contains("so sfkey did not retry it"), "{err}");
    assert!(err.contains("may already be spent"), "{err}");
    assert_eq!(sent_refresh_tokens(&env), [refresh]);
}

#[test]
fn two_processes_that_need_a_token_share_one_refresh() {
    let mut env = TestEnv::new("depth-cli-two");
    env.add_org("rot", true, |g| {
        g.with(Behaviour::Rotate)
            .delayed(Duration::from_millis(700))
    });
    let spawn = || {
        env.cmd(&["token", "rot"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let first = spawn();
    std::thread::sleep(Duration::from_millis(150));
    let second = spawn();
    let (a, b) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    assert_success(&a);
    assert_success(&b);
    assert_eq!(
        env.server.requests().len(),
        1,
        "one request reaches the server"
    );
    assert_eq!(stdout(&a), stdout(&b), "both hand out the one fresh token");
    assert!(
        stderr(&b).contains("Waiting for another sfkey"),
        "{}",
        stderr(&b)
    );
    assert!(env.server.is_live(&stored_refresh_token(&env, "rot")));
    env.assert_no_secrets_on_disk();
}

#[test]
fn killed_as_soon_as_the_answer_shows_the_rotated_token_is_already_stored() {
    let mut env = TestEnv::new("depth-cli-kill");
    let (_, first) = env.add_org("rot", true, |g| g.with(Behaviour::Rotate));
    let mut child = env
        .cmd(&["refresh", "rot"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let shown = lines.next().unwrap().unwrap();
    assert_eq!(shown, "Response Body:");
    child.kill().unwrap(); // SIGKILL: no destructor, no flush, nothing more runs
    let status = child.wait().unwrap();
    // sfkey may have finished printing and exited before the signal landed; either way the
    // kill came no earlier than the first line of the result.
    assert!(status.signal() == Some(9) || status.success(), "{status}");

    assert!(!env.server.is_live(&first), "the answer rotated the token");
    let out = env.run(&["token", "rot", "--refresh"], "");
    assert_success(&out);
    let sent = sent_refresh_tokens(&env);
    assert_eq!(sent.len(), 2);
    assert!(sent[1].starts_with(ROTATED_REFRESH_PREFIX), "{sent:?}");
    assert!(env.server.is_live(&stored_refresh_token(&env, "rot")));
    env.assert_no_secrets_on_disk();
}

#[test]
fn aborted_right_after_saving_the_rotated_token_the_next_run_works() {
    let mut env = TestEnv::new("depth-cli-abort");
    let (_, first) = env.add_org("rot", true, |g| g.with(Behaviour::Rotate));
    let out = env
        .cmd(&["refresh", "rot"])
        .env(sfkey::saved_org::rotation::ABORT_AFTER_SAVE_ENV, "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.signal(),
        Some(6),
        "SIGABRT expected: {}",
        stderr(&out)
    );
    assert!(
        stdout(&out).is_empty(),
        "nothing was shown before the abort"
    );
    assert!(!env.server.is_live(&first));

    let out = env.run(&["refresh", "rot"], "");
    assert_success(&out);
    let sent = sent_refresh_tokens(&env);
    assert_eq!(sent.len(), 2);
    assert!(sent[1].starts_with(ROTATED_REFRESH_PREFIX), "{sent:?}");
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_keyring_that_refuses_the_rotated_token_is_told_loudly_and_nothing_leaks() {
    // A keyring of its own, locked while the answer is on its way.
    let mut env = TestEnv::new("depth-cli-refused");
    let client_id = "3MVG9refused";
    let (secret, refresh) = env.grant(client_id, true, |g| {
        g.with(Behaviour::Rotate)
            .delayed(Duration::from_millis(1500))
    });
    let url = env.server.url().to_string();
    let script = format!(
        "printf '%s\\n%s\\n' '{secret}' '{refresh}' | '{bin}' add rot --login-url '{url}' --client-id {client_id} && \
         {{ '{bin}' refresh rot & }} && sleep 0.7 && \
         dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
         org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null && wait $!",
        secret = secret.unwrap(),
        bin = env!("CARGO_BIN_EXE_sfkey"),
    );
    let with_keyring = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/with-keyring");
    let out = std::process::Command::new("bash")
        .args([with_keyring, "bash", "-c", &script])
        .env("SFKEY_CONFIG_DIR", &env.dir)
        .env("SFKEY_LOG_DIR", env.dir.join("log"))
        .env("SFKEY_LOG", "trace")
        .output()
        .unwrap();
    let err = assert_fails_with(
        &out,
        "Salesforce issued a new refresh token but the keyring refused it 3 times",
    );
    assert!(
        err.contains("the stored refresh token no longer works"),
        "{err}"
    );
    assert!(err.contains("hint: fix the keyring"), "{err}");
    let everything = format!("{}{err}", stdout(&out));
    for issued in env.server.issued_secrets() {
        assert!(!everything.contains(&issued), "an issued token was printed");
    }
    assert!(!everything.contains(ROTATED_REFRESH_PREFIX));
    env.assert_no_secrets_on_disk();
}

/// Sends SIGINT, as Ctrl-C in a terminal does.
fn interrupt(child: &std::process::Child) {
    send(child, "INT");
}

/// Sends the signal named `name` (`INT`, `TERM`, `HUP`).
fn send(child: &std::process::Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits until the fake has received `n` requests.
fn wait_for_requests(env: &TestEnv, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while env.server.requests().len() < n {
        assert!(std::time::Instant::now() < deadline, "no request arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads stderr lines until one contains `needle`.
fn wait_for_line(lines: &mut impl Iterator<Item = std::io::Result<String>>, needle: &str) {
    for line in lines.by_ref() {
        if line.unwrap().contains(needle) {
            return;
        }
    }
    panic!("stderr ended without {needle:?}");
}

/// `sfkey refresh rot` in the background, and its stderr line by line.
fn spawn_refresh(
    env: &TestEnv,
) -> (
    std::process::Child,
    impl Iterator<Item = std::io::Result<String>>,
) {
    let mut child = env
        .cmd(&["refresh", "rot"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = BufReader::new(child.stderr.take().unwrap()).lines();
    (child, err)
}

#[test]
fn ctrl_c_while_the_request_is_out_waits_for_the_answer_and_keeps_the_rotated_token() {
    let mut env = TestEnv::new("depth-cli-ctrl-c");
    let (_, first) = env.add_org("rot", true, |g| {
        g.with(Behaviour::Rotate).delayed(Duration::from_secs(2))
    });
    let (mut child, mut err) = spawn_refresh(&env);
    wait_for_requests(&env, 1);
    interrupt(&child);
    wait_for_line(&mut err, "Waiting for Salesforce's answer");
    wait_for_line(
        &mut err,
        "saved the rotated refresh token; stopping for Ctrl-C",
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status}");
    assert!(!env.server.is_live(&first));
    assert!(env.server.is_live(&stored_refresh_token(&env, "rot")));
    env.assert_no_secrets_on_disk();
}

#[test]
fn ctrl_c_twice_leaves_and_says_the_token_may_be_spent() {
    let mut env = TestEnv::new("depth-cli-ctrl-c-twice");
    env.add_org("rot", true, |g| {
        g.with(Behaviour::Rotate).delayed(Duration::from_secs(3))
    });
    let (mut child, mut err) = spawn_refresh(&env);
    wait_for_requests(&env, 1);
    interrupt(&child);
    wait_for_line(&mut err, "Press Ctrl-C again");
    interrupt(&child);
    wait_for_line(&mut err, "may no longer work");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status}");
}

#[test]
fn ctrl_c_before_the_request_goes_out_stops_and_sends_nothing() {
    let mut env = TestEnv::new("depth-cli-ctrl-c-early");
    let (_, first) = env.add_org("rot", true, |g| g.with(Behaviour::Rotate));
    let store = env.store();
    let org = store.find("rot").unwrap();
    // Another sfkey's refresh, as far as this one can tell.
    let lock = store.lock_org(&org.id, || {}).unwrap();
    let (mut child, mut err) = spawn_refresh(&env);
    wait_for_line(&mut err, "Waiting for another sfkey");
    interrupt(&child);
    // Still holding the lock: sfkey must leave without waiting for it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("sfkey did not stop after Ctrl-C while waiting for the lock");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    wait_for_line(&mut err, "cancelled before anything was sent");
    drop(lock);
    assert!(env.server.requests().is_empty());
    assert_eq!(stored_refresh_token(&env, "rot"), first);
}

#[test]
fn sigterm_and_sighup_while_the_request_is_out_wait_and_keep_the_rotated_token() {
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        let mut env = TestEnv::new("depth-cli-sigterm");
        let (_, first) = env.add_org("rot", true, |g| {
            g.with(Behaviour::Rotate).delayed(Duration::from_secs(2))
        });
        let (mut child, mut err) = spawn_refresh(&env);
        wait_for_requests(&env, 1);
        send(&child, signal);
        wait_for_line(&mut err, "Waiting for Salesforce's answer (SIG");
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "SIG{signal}: {status}");
        assert!(!env.server.is_live(&first));
        assert!(env.server.is_live(&stored_refresh_token(&env, "rot")));
        // The org still works.
        assert_success(&env.run(&["refresh", "rot"], ""));
        env.assert_no_secrets_on_disk();
    }
}

#[test]
fn a_second_sigterm_leaves_at_once() {
    let mut env = TestEnv::new("depth-cli-sigterm-twice");
    env.add_org("rot", true, |g| {
        g.with(Behaviour::Rotate).delayed(Duration::from_secs(3))
    });
    let (mut child, mut err) = spawn_refresh(&env);
    wait_for_requests(&env, 1);
    send(&child, "TERM");
    wait_for_line(&mut err, "Send the signal again");
    send(&child, "TERM");
    wait_for_line(&mut err, "may no longer work");
    assert_eq!(child.wait().unwrap().code(), Some(143));
}

#[test]
fn exec_keeps_the_rotated_token_on_sigterm_and_then_forwards_it_to_the_command() {
    let mut env = TestEnv::new("depth-cli-exec-term");
    env.add_org("rot", true, |g| {
        g.with(Behaviour::Rotate).delayed(Duration::from_secs(2))
    });
    // Stopped during the refresh: the token is saved and the command never runs.
    let child = env
        .cmd(&["exec", "rot", "--", "sh", "-c", "echo ran"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_requests(&env, 1);
    send(&child, "TERM");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143));
    assert!(!stdout(&out).contains("ran"), "{}", stdout(&out));
    assert!(env.server.is_live(&stored_refresh_token(&env, "rot")));

    // While the command runs: it gets the signal and sfkey ends as it does.
    let script =
        "trap 'echo got-term; exit 7' TERM; echo ready; for i in $(seq 100); do sleep 0.1; done";
    let mut child = env
        .cmd(&["exec", "rot", "--", "sh", "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    wait_for_line(&mut lines, "ready");
    send(&child, "TERM");
    wait_for_line(&mut lines, "got-term");
    assert_eq!(child.wait().unwrap().code(), Some(7));
}
