//! Hardening through the real binary: no core dumps, no temp file that a planted symlink can
//! redirect, signals and keyring failures during a rotating refresh, shared per-org locks, and
//! imports that never overwrite the wrong org.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::io::BufRead;
use std::process::Stdio;
use std::time::Duration;

use common::nested_keyring::NestedKeyring;
use common::{TestEnv, assert_success, pty, stdout};
use sfkey::fake_salesforce::{Behaviour, ROTATED_REFRESH_PREFIX};

/// The real uid of this test process, from `/proc/self/status`.
fn my_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn every_sfkey_process_turns_core_dumps_off() {
    use std::os::unix::fs::MetadataExt;
    let env = TestEnv::new("harden-core");
    // As root, run sfkey as `nobody`: a process that is not dumpable has its /proc files owned
    // by root, which only shows when it runs as someone else.
    let as_root = my_uid() == 0;
    let drop_to_nobody = if as_root {
        "exec setpriv --reuid=65534 --regid=65534 --clear-groups"
    } else {
        "exec"
    };
    let script = format!("ulimit -c unlimited && {drop_to_nobody} \"$0\" fake-server");
    let mut server = env
        .shell(&script, &[])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let pid = server.id();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits"));
    let owner = std::fs::metadata(format!("/proc/{pid}/status")).map(|m| m.uid());
    let runs_as = std::fs::read_to_string(format!("/proc/{pid}/status"));
    let _ = server.kill();
    let _ = server.wait();
    assert!(url.starts_with("http://"), "the fake server did not start");
    let limits = limits.unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(
        core.split_whitespace().collect::<Vec<_>>()[4..6],
        ["0", "0"],
        "{core}"
    );
    let runs_as = runs_as.unwrap();
    let uid_line = runs_as.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(!uid_line.contains("\t0\t"), "sfkey still runs as root");
    assert_eq!(owner.unwrap(), 0, "sfkey is still dumpable ({uid_line})");
}

#[test]
fn a_symlink_planted_at_a_guessable_temp_name_is_left_alone() {
    let mut env = TestEnv::new("harden-tmp");
    let client_id = "3MVG9planted";
    let (secret, refresh) = env.grant(client_id, true, |g| g);
    std::fs::create_dir_all(&env.dir).unwrap();
    let target = env.dir.join("victim");
    std::fs::write(&target, "keep me").unwrap();
    // The pid of `bash` is the pid of the sfkey it execs into.
    let script = "ln -s \"$SFKEY_CONFIG_DIR/victim\" \"$SFKEY_CONFIG_DIR/.orgs.toml.$$.tmp\" && exec \"$0\" \"$@\"";
    let url = env.server.url().to_string();
    let cmd = env.shell(
        script,
        &[
            "add",
            "planted",
            "--login-url",
            &url,
            "--client-id",
            client_id,
        ],
    );
    let out = common::run_with_stdin(cmd, &format!("{}\n{refresh}\n", secret.unwrap()));
    assert_success(&out);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    let planted: Vec<_> = std::fs::read_dir(&env.dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_symlink()))
        .collect();
    assert_eq!(planted.len(), 1, "the planted symlink is gone");
    let list = env.run(&["list"], "");
    assert!(stdout(&list).contains("planted"), "{}", stdout(&list));
}

/// Runs `rounds` rounds of `per_dir` concurrent `sfkey refresh rot` from each config dir in
/// `dirs`, calling `meanwhile` while they run; fails if any refresh fails or the stored
/// refresh token is not live afterwards.
fn concurrent_rounds(
    env: &TestEnv,
    dirs: &[std::path::PathBuf],
    per_dir: usize,
    rounds: usize,
    meanwhile: impl Fn(),
) {
    for round in 0..rounds {
        let children: Vec<_> = dirs
            .iter()
            .flat_map(|dir| std::iter::repeat_n(dir, per_dir))
            .map(|dir| {
                env.cmd(&["refresh", "rot"])
                    .env("SFKEY_CONFIG_DIR", dir)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        meanwhile();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: a refresh failed: {}",
                common::stderr(&out)
            );
        }
    }
    assert_rot_still_works(env);
}

/// The refresh token stored for `rot` is the one Salesforce takes now: the org is not lost.
fn assert_rot_still_works(env: &TestEnv) {
    let store = env.store();
    let org = store.find("rot").unwrap();
    let stored = store
        .secret(&org.id, sfkey::store::SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    assert!(
        env.server
            .is_live(secrecy::ExposeSecret::expose_secret(&stored))
    );
}

#[test]
fn two_config_dirs_over_one_keyring_never_spend_the_same_refresh_token() {
    let mut env = TestEnv::new("harden-two-dirs");
    env.add_org("rot", true, |g| {
        g.with(Behaviour::Rotate).delayed(Duration::from_millis(40))
    });
    // A copied config: same org ids, so the same keyring entries.
    let copy = common::config_dir("harden-two-dirs-copy");
    std::fs::create_dir_all(&copy).unwrap();
    std::fs::copy(env.dir.join("orgs.toml"), copy.join("orgs.toml")).unwrap();
    concurrent_rounds(&env, &[env.dir.clone(), copy], 2, 20, || {});
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_lock_file_deleted_while_refreshes_wait_for_it_still_serialises_them() {
    let mut env = TestEnv::new("harden-deleted-locks");
    env.add_org("rot", true, |g| {
        g.with(Behaviour::Rotate)
            .delayed(Duration::from_millis(100))
    });
    let store = env.store();
    let org = store.find("rot").unwrap();
    let path = sfkey::store::locks::org_lock_path(&org.id).unwrap();
    let spawn = || {
        env.cmd(&["refresh", "rot"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    for round in 0..20 {
        // Someone else's refresh holds the lock while two sfkeys queue on its file.
        let held = store.lock_org(&org.id, || {}).unwrap();
        let mut waiting: Vec<_> = (0..2).map(|_| spawn()).collect();
        for child in &mut waiting {
            let mut err = std::io::BufReader::new(child.stderr.as_mut().unwrap());
            let mut line = String::new();
            err.read_line(&mut line).unwrap();
            assert!(line.contains("Waiting for another sfkey"), "{line}");
        }
        // The file goes (a clean-up) and the holder finishes; newcomers make a new file.
        std::fs::remove_file(&path).unwrap();
        drop(held);
        let newcomers: Vec<_> = (0..2).map(|_| spawn()).collect();
        for child in waiting.into_iter().chain(newcomers) {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: two refreshes ran at once: {}",
                common::stderr(&out)
            );
        }
    }
    assert_rot_still_works(&env);
    env.assert_no_secrets_on_disk();
}

#[test]
fn import_update_never_overwrites_another_org_of_the_same_user() {
    let mut env = TestEnv::new("harden-import");
    // Two orgs for one Salesforce user (the fake answers every grant with the same ids).
    let (_, one_token) = env.add_org("one", true, |g| g);
    env.add_org("two", true, |g| g.with(Behaviour::Rotate));
    for name in ["one", "two"] {
        assert_success(&env.run(&["refresh", name], ""));
    }
    let file = env.dir.join("two.json");
    let file = file.to_str().unwrap();
    assert_success(&env.run(
        // `two` rotates: the export asks first (see the interop tests).
        &[
            "export",
            "two",
            "--format",
            "postman-env",
            "-o",
            file,
            "--yes",
        ],
        "",
    ));
    // The org of the same name wins.
    let out = env.run(&["import", file, "--update"], "");
    assert_success(&out);
    let err = common::stderr(&out);
    assert!(err.contains("Updated two from"), "{err}");
    let store = env.store();
    let one = store.find("one").unwrap();
    let kept = store
        .secret(&one.id, sfkey::store::SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&kept), one_token);
    // Under a third name it could be either: refused, naming both.
    let out = env.run(&["import", file, "--update", "--name", "three"], "");
    let err = common::assert_fails_with(&out, "matches more than one saved org");
    assert!(err.contains("one (same org id and user)"), "{err}");
    assert!(err.contains("two (same org id and user)"), "{err}");
    assert!(store.find("three").is_err());
    std::fs::remove_file(file).unwrap();
    env.assert_no_secrets_on_disk();
}

#[test]
fn add_warns_when_the_refresh_token_is_already_saved_under_another_name() {
    let mut env = TestEnv::new("harden-add-twice");
    let (secret, refresh) = env.add_org("one", true, |g| g);
    let url = env.server.url().to_string();
    let out = env.run(
        &[
            "add",
            "again",
            "--login-url",
            &url,
            "--client-id",
            "3MVG9client-one",
        ],
        &format!("{}\n{refresh}\n", secret.unwrap()),
    );
    assert_success(&out);
    let err = common::stderr(&out);
    assert!(err.contains("already saved as one"), "{err}");
}

/// `sfkey refresh rot` in a terminal, over a keyring of its own that `break_it` breaks while
/// the rotating refresh is out; then `sfkey refresh rot` once more. Returns the terminal, the
/// keyring and the env.
fn refresh_with_a_keyring_failure(
    test: &str,
    break_it: impl FnOnce(&NestedKeyring),
) -> (pty::Terminal, NestedKeyring, TestEnv) {
    let mut env = TestEnv::new(test);
    let client_id = "3MVG9rescue";
    let (secret, refresh) = env.grant(client_id, true, |g| {
        g.with(Behaviour::Rotate)
            .delayed(Duration::from_millis(1500))
    });
    std::fs::create_dir_all(&env.dir).unwrap();
    let script = format!(
        "printf '%s\\n%s\\n' '{secret}' '{refresh}' | \"$0\" add rot --login-url '{url}' --client-id {client_id} >/dev/null 2>&1 || exit 9; \
         printf '%s\\n%s\\n%s\\n' \"$DBUS_SESSION_BUS_ADDRESS\" \"$XDG_DATA_HOME\" \"$XDG_RUNTIME_DIR\" > \"$SFKEY_CONFIG_DIR/keyring-env\"; \
         \"$0\" refresh rot >/dev/null; echo \"first=$?\" > \"$SFKEY_CONFIG_DIR/status\"; \
         \"$0\" refresh rot >/dev/null 2>&1; echo \"second=$?\" >> \"$SFKEY_CONFIG_DIR/status\"; echo ALL-DONE",
        secret = secret.unwrap(),
        url = env.server.url(),
    );
    let with_keyring = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/with-keyring");
    let term = pty::Terminal::spawn(
        pty::program(
            &env,
            "bash",
            &[
                with_keyring,
                "bash",
                "-c",
                &script,
                env!("CARGO_BIN_EXE_sfkey"),
            ],
        ),
        200,
        40,
    );
    let keyring = NestedKeyring::read(&env.dir.join("keyring-env"));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while env.server.requests().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no refresh arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    break_it(&keyring);
    term.wait_for("press Enter to store the token");
    (term, keyring, env)
}

fn status(env: &TestEnv) -> String {
    std::fs::read_to_string(env.dir.join("status")).unwrap_or_default()
}

/// What a user without a display does: starts the keyring again, unlocked, and presses Enter;
/// the token kept in memory is stored and the org refreshes afterwards.
fn start_again_and_press_enter(term: &mut pty::Terminal, keyring: &NestedKeyring, env: &TestEnv) {
    keyring.stop();
    keyring.start_unlocked();
    term.type_line("");
    term.wait_for("Stored the new refresh token of rot in the keyring");
    term.wait_for("ALL-DONE");
    assert_eq!(status(env), "first=1\nsecond=0\n");
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_keyring_locked_mid_rotation_keeps_the_token_until_it_is_unlocked() {
    let (mut term, keyring, env) =
        refresh_with_a_keyring_failure("harden-rescue-locked", NestedKeyring::lock);
    // Enter while still locked: refused again, still asking.
    term.type_line("");
    term.wait_for("The keyring still refuses it");
    start_again_and_press_enter(&mut term, &keyring, &env);
}

#[test]
fn a_keyring_daemon_stopped_mid_rotation_keeps_the_token_until_it_is_back() {
    let (mut term, keyring, env) =
        refresh_with_a_keyring_failure("harden-rescue-stopped", NestedKeyring::stop);
    // sfkey's calls meanwhile started a new daemon by D-Bus activation, with the keyring
    // locked, as after a crash.
    start_again_and_press_enter(&mut term, &keyring, &env);
}

#[test]
fn giving_up_prints_the_token_once_only_when_asked() {
    let (mut term, _keyring, env) =
        refresh_with_a_keyring_failure("harden-rescue-print", NestedKeyring::lock);
    term.type_line("give up");
    term.wait_for("type `print` to show the refresh token once");
    let before = term.contents();
    assert!(!before.contains(ROTATED_REFRESH_PREFIX), "{before}");
    term.type_line("print");
    let screen = term.wait_for("ALL-DONE");
    let printed: Vec<&str> = screen
        .split_whitespace()
        .filter(|w| w.starts_with(ROTATED_REFRESH_PREFIX))
        .collect();
    assert_eq!(printed.len(), 1, "{screen}");
    assert!(
        env.server.is_live(printed[0]),
        "the printed token is not the live one"
    );
    assert!(screen.contains("sfkey edit rot --secrets"), "{screen}");
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_read_only_config_dir_still_hands_out_a_stored_token_and_says_what_to_do() {
    let mut env = TestEnv::new("harden-read-only");
    env.add_org("ro", true, |g| g);
    assert_success(&env.run(&["refresh", "ro"], ""));
    // The config dir mounted read-only in a mount namespace of its own (root inside it).
    let unshare = if my_uid() == 0 { "-m" } else { "-rm" };
    let script = "mount --bind -o ro \"$SFKEY_CONFIG_DIR\" \"$SFKEY_CONFIG_DIR\" && \
                  { \"$0\" token ro; echo \"token=$?\"; \"$0\" edit ro --notes changed; echo \"edit=$?\"; }";
    let mut cmd = env.shell(script, &[]);
    let bash = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let envs: Vec<_> = cmd
        .get_envs()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned())))
        .collect();
    cmd = std::process::Command::new("unshare");
    cmd.arg(unshare).arg(bash).args(args).envs(envs);
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let (text, err) = (stdout(&out), common::stderr(&out));
    assert!(text.contains("token=0"), "{text}\n{err}");
    assert!(
        text.lines().next().unwrap_or("").starts_with("00D"),
        "no token printed: {text}"
    );
    assert!(text.contains("edit=1"), "{text}");
    assert!(err.contains("Read-only file system"), "{err}");
    assert!(
        err.contains("make the folder writable, or set SFKEY_CONFIG_DIR"),
        "{err}"
    );
    env.assert_no_secrets_on_disk();
}
