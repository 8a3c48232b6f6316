//! Shared test harness: a private config dir, the real binary, the fake Salesforce, and the
//! real Secret Service that `.ci/with-keyring` starts.
#![allow(dead_code)]

/// `grant` and `add_org` of a test world, written once for [`TestEnv`] and [`app::World`]:
/// each has the fields `server` and `secrets_used`, and a `save_org` of its own (the CLI, or
/// the store). Defined before the modules so that `app` can use it.
macro_rules! grant_and_add_org {
    ($add_org_doc:literal) => {
        /// A fresh, marked client secret and refresh token registered with the fake server.
        pub fn grant(
            &mut self,
            client_id: &str,
            with_secret: bool,
            grant: impl FnOnce(Grant) -> Grant,
        ) -> (Option<String>, String) {
            let used = &mut self.secrets_used;
            crate::common::grant_on(&self.server, used, client_id, with_secret, grant)
        }

        #[doc = $add_org_doc]
        pub fn add_org(
            &mut self,
            name: &str,
            with_secret: bool,
            grant: impl FnOnce(Grant) -> Grant,
        ) -> (Option<String>, String) {
            let client_id = format!("3MVG9client-{name}");
            let (secret, refresh) = self.grant(&client_id, with_secret, grant);
            self.save_org(name, &client_id, secret.as_deref(), &refresh);
            (secret, refresh)
        }
    };
}

pub mod app;
pub mod certs;
pub mod login;
pub mod nested_keyring;
pub mod pty;
pub mod screen;
pub mod steps;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use sfkey::fake_salesforce::{FakeSalesforce, Grant};
use sfkey::store::{KeyringStore, Store};

/// The demo's orgs, in the order the list shows them (the order they were saved in).
pub const DEMO_ORGS: [&str; 7] = [
    "acme-prod",
    "uat-rotating",
    "old-sandbox",
    "slow-dev",
    "partner-portal",
    "maintenance",
    "bad-signature",
];

/// Panics with instructions when the private keyring is not running.
pub fn require_keyring() {
    assert_eq!(
        std::env::var("SFKEY_TEST_KEYRING").as_deref(),
        Ok("1"),
        "these tests use a real Secret Service: run them with `.ci/test` or `.ci/with-keyring cargo test`"
    );
}

/// Panics with instructions when the X11 tests are not enabled (`.ci/test` installs Xvfb and
/// xclip and sets `SFKEY_TEST_X11=1`).
pub fn require_x11() {
    assert_eq!(
        std::env::var("SFKEY_TEST_X11").as_deref(),
        Ok("1"),
        "these tests start Xvfb and read the clipboard with xclip: run them with `.ci/test`, or \
         install xvfb and xclip and run `SFKEY_TEST_X11=1 cargo test --test cli clipboard`"
    );
}

/// `bytes` random bytes as hex, to keep names and secrets of parallel tests apart.
pub fn random_hex(bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    getrandom::fill(&mut raw).expect("randomness");
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

/// A unique, kept config dir under target/tmp/sfkey-tests, scanned for secrets by `.ci/test`.
pub fn config_dir(test: &str) -> PathBuf {
    let hex = random_hex(4);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("sfkey-tests")
        .join(format!("{test}-{hex}"));
    std::fs::create_dir_all(dir.parent().expect("parent")).expect("scratch dir");
    dir
}

/// One test's world: its config dir, a fake Salesforce, and every secret it handed out.
pub struct TestEnv {
    pub dir: PathBuf,
    pub server: FakeSalesforce,
    pub secrets_used: Vec<String>,
    /// Environment for every command of this env: a value sets, `None` removes.
    pub vars: Vec<(&'static str, Option<String>)>,
}

impl TestEnv {
    pub fn new(test: &str) -> Self {
        require_keyring();
        Self {
            dir: config_dir(test),
            server: FakeSalesforce::start().expect("fake salesforce"),
            secrets_used: Vec::new(),
            vars: Vec::new(),
        }
    }

    /// Every command uses the encrypted file backend with this passphrase, and sees no D-Bus.
    pub fn use_file_backend(&mut self, passphrase: &str) {
        self.vars.push(("SFKEY_KEYRING", Some("file".into())));
        self.vars
            .push(("SFKEY_FILE_PASSPHRASE", Some(passphrase.to_string())));
        self.vars.push(("DBUS_SESSION_BUS_ADDRESS", None));
    }

    /// The library store over this env's config dir and the real keyring.
    pub fn store(&self) -> Store {
        Store::new(&self.dir, Arc::new(KeyringStore::new()))
    }

    grant_and_add_org!(
        "`sfkey add NAME` against the fake server with a fresh grant; returns the secrets."
    );

    /// `sfkey add NAME` with these settings, the secrets typed in.
    fn save_org(&self, name: &str, client_id: &str, secret: Option<&str>, refresh: &str) {
        let url = self.server.url().to_string();
        let out = self.run(
            &["add", name, "--login-url", &url, "--client-id", client_id],
            &format!("{}\n{refresh}\n", secret.unwrap_or("")),
        );
        assert_success(&out);
    }

    /// The real binary with this env's config dir; stdin closed unless given.
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.with_env(Command::new(env!("CARGO_BIN_EXE_sfkey")), args)
    }

    /// `bash -c SCRIPT` with this env, where `"$0"` is the binary and `"$@"` are `args`.
    pub fn shell(&self, script: &str, args: &[&str]) -> Command {
        let mut bash = Command::new("bash");
        bash.args(["-c", script, env!("CARGO_BIN_EXE_sfkey")]);
        self.with_env(bash, args)
    }

    fn with_env(&self, mut cmd: Command, args: &[&str]) -> Command {
        cmd.args(args)
            .env("SFKEY_CONFIG_DIR", &self.dir)
            // The log goes inside the config dir, so the secret scan reads it too; at the
            // most detailed level, so nothing any level logs may hold a secret.
            .env("SFKEY_LOG_DIR", self.dir.join("log"))
            .env("SFKEY_LOG", "trace")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            // The backend is the test's choice, never the caller's.
            .env_remove("SFKEY_KEYRING")
            .env_remove("SFKEY_FILE_PASSPHRASE")
            .stdin(Stdio::null());
        for (name, value) in &self.vars {
            match value {
                Some(value) => cmd.env(name, value),
                None => cmd.env_remove(name),
            };
        }
        cmd
    }

    /// Runs the binary with `stdin` piped in.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        run_with_stdin(self.cmd(args), stdin)
    }

    /// Fails if any secret this test used or the server issued is in a file of the config dir.
    pub fn assert_no_secrets_on_disk(&self) {
        let mut secrets = self.secrets_used.clone();
        secrets.extend(self.server.issued_secrets());
        assert_none_in(&self.dir, &secrets);
    }
}

/// A fresh, marked client secret (if asked for) and refresh token registered with `server`,
/// and noted in `used`.
pub fn grant_on(
    server: &FakeSalesforce,
    used: &mut Vec<String>,
    client_id: &str,
    with_secret: bool,
    grant: impl FnOnce(Grant) -> Grant,
) -> (Option<String>, String) {
    let tag = random_hex(8);
    let secret = with_secret.then(|| format!("cs-TESTSECRET-{tag}"));
    let refresh = format!("5Aep861TESTSECRET{tag}");
    server.add_grant(&refresh, grant(Grant::new(client_id, secret.as_deref())));
    used.extend(secret.clone());
    used.push(refresh.clone());
    (secret, refresh)
}

/// The elapsed time (`1.3s`) at the end of `name`'s row in the org list's `rows`, if it shows
/// one (a refresh in flight).
pub fn elapsed_in_list(rows: Option<Vec<String>>, name: &str) -> Option<f64> {
    let rows = rows?;
    let row = rows.iter().find(|r| {
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

/// Fails if any of `secrets` (there must be some) is in a file under `dir`.
#[track_caller]
pub fn assert_none_in(dir: &Path, secrets: &[String]) {
    assert!(!secrets.is_empty());
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for secret in secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret is on disk in {}",
                entry.display()
            );
        }
    }
}

impl TestEnv {
    /// Fails unless the config dir is missing or holds no file at all (sfkey --demo writes
    /// nothing there).
    pub fn assert_config_dir_empty(&self) {
        let files = walk(&self.dir);
        assert!(files.is_empty(), "sfkey wrote to the config dir: {files:?}");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

pub fn run_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sfkey");
    let written = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    // sfkey may refuse bad arguments and exit before reading stdin at all.
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    child.wait_with_output().expect("wait for sfkey")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "sfkey failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Asserts failure with a one-line error mentioning `needle`; returns stderr.
#[track_caller]
pub fn assert_fails_with(out: &Output, needle: &str) -> String {
    let err = stderr(out);
    assert!(
        !out.status.success(),
        "expected failure, got success:\n{}",
        stdout(out)
    );
    assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    assert!(!err.contains("panicked"), "sfkey panicked:\n{err}");
    err
}
