//! A keyring of a script's own (started by `.ci/with-keyring` inside the script) that a test
//! locks, stops and starts again while sfkey runs over it.

#![allow(clippy::unwrap_used)]

use std::process::Stdio;
use std::time::Duration;

use super::{assert_success, stdout};

/// The nested keyring of a script run under `.ci/with-keyring`: its bus, data and runtime dirs.
pub struct NestedKeyring {
    vars: Vec<(&'static str, String)>,
}

impl NestedKeyring {
    /// Reads what the script wrote to `file` (three lines).
    pub fn read(file: &std::path::Path) -> Self {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            if let [bus, data, run] = lines[..] {
                return Self {
                    vars: vec![
                        ("DBUS_SESSION_BUS_ADDRESS", bus.to_string()),
                        ("XDG_DATA_HOME", data.to_string()),
                        ("XDG_RUNTIME_DIR", run.to_string()),
                    ],
                };
            }
            assert!(std::time::Instant::now() < deadline, "no keyring env");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn cmd(&self, program: &str, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.args(args).envs(self.vars.iter().map(|(k, v)| (k, v)));
        cmd
    }

    fn dbus(&self, method: &str, args: &[&str]) -> std::process::Output {
        let mut all = vec![
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            method,
        ];
        all.extend_from_slice(args);
        self.cmd("dbus-send", &all).output().unwrap()
    }

    /// The keyring daemon's pid, if one owns the Secret Service name.
    pub fn daemon_pid(&self) -> Option<String> {
        let out = self
            .cmd(
                "dbus-send",
                &[
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/",
                    "org.freedesktop.DBus.GetConnectionUnixProcessID",
                    "string:org.freedesktop.secrets",
                ],
            )
            .output()
            .unwrap();
        let text = stdout(&out);
        text.split_whitespace()
            .skip_while(|w| *w != "uint32")
            .nth(1)
            .map(str::to_string)
    }

    pub fn lock(&self) {
        let out = self.dbus(
            "org.freedesktop.Secret.Service.Lock",
            &["array:objpath:/org/freedesktop/secrets/collection/login"],
        );
        assert_success(&out);
    }

    /// Stops the daemon (if one runs) and waits until its name is gone from the bus.
    pub fn stop(&self) {
        let Some(pid) = self.daemon_pid() else {
            return;
        };
        assert_success(&self.cmd("kill", &[&pid]).output().unwrap());
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while self.daemon_pid().is_some() {
            assert!(
                std::time::Instant::now() < deadline,
                "the keyring did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the daemon again, unlocked, and waits until its default collection is there.
    pub fn start_unlocked(&self) {
        let mut child = self
            .cmd(
                "gnome-keyring-daemon",
                &["--unlock", "--components=secrets"],
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"sfkey-test-password")
            .unwrap();
        child.wait().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let out = self.dbus(
                "org.freedesktop.Secret.Service.ReadAlias",
                &["string:default"],
            );
            if stdout(&out).contains("collection/") {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the keyring did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for NestedKeyring {
    fn drop(&mut self) {
        // `.ci/with-keyring` stops the daemon it started, not the one a test started again.
        if let Some(pid) = self.daemon_pid() {
            let _ = self.cmd("kill", &[&pid]).status();
        }
    }
}
