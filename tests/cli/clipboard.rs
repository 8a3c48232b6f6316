//! The native clipboard for real: the sfkey binary's `clipboard-hold` under Xvfb, read back with
//! xclip, and the library's `Clipboard` spawning it. The tests without a display run anywhere.

use crate::common;

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use sfkey::clipboard::{Clipboard, Copied, osc52_sequence};

const SFKEY: &str = env!("CARGO_BIN_EXE_sfkey");

/// A marked, random token, so parallel tests never read each other's.
fn token() -> String {
    format!("00D!ARTESTSECRET.{}", common::random_hex(12))
}

/// Reads one line from `source` in a thread, giving up after `timeout`.
fn read_line_within(source: impl Read + Send + 'static, timeout: Duration) -> Option<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(source).read_line(&mut line);
        let _ = tx.send(line);
    });
    rx.recv_timeout(timeout).ok()
}

/// An Xvfb of this test's own, killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    /// `-displayfd 1` lets Xvfb pick a free display itself and print it once it accepts
    /// connections: no guessed number can collide with a parallel test or a desktop.
    fn start() -> Self {
        common::require_x11();
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb (apt-get install xvfb)");
        let stdout = child.stdout.take().expect("Xvfb stdout");
        let number = read_line_within(stdout, Duration::from_secs(10)).unwrap_or_default();
        let number = number.trim();
        if number.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Xvfb did not report its display");
        }
        Self {
            display: format!(":{number}"),
            child,
        }
    }

    /// The clipboard's text as xclip reads it, or `None` when nobody holds it.
    fn clipboard(&self) -> Option<String> {
        let mut child = Command::new("xclip")
            .args(["-selection", "clipboard", "-o"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run xclip (apt-get install xclip)");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = child.try_wait().expect("xclip status") {
                let mut out = String::new();
                child
                    .stdout
                    .take()
                    .expect("xclip stdout")
                    .read_to_string(&mut out)
                    .expect("xclip output");
                return status.success().then_some(out);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("xclip hung: the clipboard owner does not answer");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A file of a process in /proc.
fn proc_file(pid: u32, file: &str) -> PathBuf {
    Path::new("/proc").join(pid.to_string()).join(file)
}

/// The fields of /proc/PID/stat after "(comm)", which may hold spaces: state first.
fn stat_fields(pid: u32) -> Vec<String> {
    let stat = std::fs::read_to_string(proc_file(pid, "stat")).unwrap_or_default();
    let after_comm = stat.rsplit(')').next().unwrap_or("");
    after_comm.split_whitespace().map(str::to_string).collect()
}

/// Running: neither gone nor a zombie waiting for its parent.
fn is_running(pid: u32) -> bool {
    let fields = stat_fields(pid);
    !matches!(
        fields.first().map(String::as_str),
        None | Some("Z") | Some("X")
    )
}

/// A holder process this test started, by pid, killed on drop (its `Child` handle is gone).
struct HolderPid(u32);

impl HolderPid {
    fn process_group(&self) -> u32 {
        stat_fields(self.0)[2].parse().expect("pgrp")
    }

    fn wait_until_gone(&self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while is_running(self.0) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        !is_running(self.0)
    }
}

impl Drop for HolderPid {
    fn drop(&mut self) {
        if is_running(self.0) {
            let _ = Command::new("kill").arg(self.0.to_string()).status();
        }
    }
}

/// The running holders of `display` started from this test's sfkey binary, found in /proc.
fn holders_on(display: &str) -> Vec<HolderPid> {
    let wanted_env = format!("DISPLAY={display}");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let cmdline = std::fs::read(proc_file(pid, "cmdline")).unwrap_or_default();
        let mut args = cmdline.split(|b| *b == 0);
        let is_holder = args.next() == Some(SFKEY.as_bytes())
            && args.next() == Some(b"clipboard-hold".as_slice());
        let environ = std::fs::read(proc_file(pid, "environ")).unwrap_or_default();
        let on_display = environ
            .split(|b| *b == 0)
            .any(|var| var == wanted_env.as_bytes());
        if is_holder && on_display && is_running(pid) {
            found.push(HolderPid(pid));
        }
    }
    found
}

/// The holder binary started directly, with the text on stdin; returns it and its first line.
fn start_holder(display: &str, text: &str, clear_after: u64) -> (Child, String) {
    let mut child = Command::new(SFKEY)
        .args(["clipboard-hold", "--clear-after", &clear_after.to_string()])
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env("SFKEY_LOG", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sfkey clipboard-hold");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(text.as_bytes()).expect("write the text");
    drop(stdin);
    let stdout = child.stdout.take().expect("stdout");
    let line = read_line_within(stdout, Duration::from_secs(5)).unwrap_or_default();
    (child, line)
}

fn native_clipboard(display: &str, mode: &str) -> Clipboard {
    let vars = [
        ("DISPLAY", display.to_string()),
        ("SFKEY_CLIPBOARD", mode.to_string()),
    ];
    Clipboard::from_lookup(move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| OsString::from(v))
    })
    .expect("valid mode")
    .with_holder_program(SFKEY)
    // A safety net: a holder this test fails to kill gives up soon.
    .with_clear_after(Duration::from_secs(60))
}

#[test]
fn holder_keeps_the_clipboard_after_its_parent_lets_go_and_clears_it_in_time() {
    let x = Xvfb::start();
    let secret = token();
    let (child, line) = start_holder(&x.display, &secret, 2);
    let pid = HolderPid(child.id());
    assert_eq!(line, "ok\n");
    assert_eq!(x.clipboard().as_deref(), Some(secret.as_str()));

    // The parent lets go of the handle; the holder goes on serving.
    drop(child);
    std::thread::sleep(Duration::from_millis(300));
    assert!(is_running(pid.0), "the holder exited with its handle");
    assert_eq!(x.clipboard().as_deref(), Some(secret.as_str()));

    // --clear-after 2: the holder gives the clipboard up, and nobody holds the token any more.
    assert!(
        pid.wait_until_gone(Duration::from_secs(5)),
        "holder still running"
    );
    assert_eq!(x.clipboard(), None);
}

#[test]
fn library_copy_holds_the_clipboard_in_its_own_process_group_until_the_next_copy() {
    let x = Xvfb::start();
    let first = token();
    let clipboard = native_clipboard(&x.display, "native");
    let copied = clipboard
        .copy(&SecretString::from(first.clone()))
        .expect("native copy");
    assert_eq!(copied, Copied::Native);
    drop(clipboard); // as when sfkey exits: the holder must stay
    assert_eq!(x.clipboard().as_deref(), Some(first.as_str()));

    let holders = holders_on(&x.display);
    assert_eq!(holders.len(), 1, "one holder");
    let holder = &holders[0];
    assert_eq!(holder.process_group(), holder.0, "own process group");
    for file in ["cmdline", "environ"] {
        let bytes = std::fs::read(proc_file(holder.0, file)).expect("read /proc");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&first),
            "the token is in the holder's {file}"
        );
    }

    // A second copy replaces the text; the first holder loses the clipboard and exits.
    let second = token();
    let clipboard = native_clipboard(&x.display, "auto");
    let copied = clipboard
        .copy(&SecretString::from(second.clone()))
        .expect("native copy");
    assert_eq!(copied, Copied::Native);
    assert_eq!(x.clipboard().as_deref(), Some(second.as_str()));
    assert!(
        holder.wait_until_gone(Duration::from_secs(5)),
        "the first holder kept running after losing the clipboard"
    );
    assert_eq!(
        holders_on(&x.display).len(),
        1,
        "only the second holder is left"
    );
}

#[test]
fn holder_without_an_x_server_reports_an_error_without_the_text() {
    let secret = token();
    // A display no X server uses; "unix:" so that no TCP port is tried either.
    let (mut child, line) = start_holder("unix:999", &secret, 60);
    let status = child.wait().expect("holder exits");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    assert!(!status.success());
    assert!(
        line.starts_with("error: cannot open the X11 clipboard"),
        "{line:?}"
    );
    assert!(!line.contains(&secret) && !stderr.contains(&secret));
}

#[test]
fn auto_falls_back_to_osc52_when_the_native_clipboard_fails() {
    let secret = token();
    let clipboard = native_clipboard("unix:999", "auto");
    let copied = clipboard
        .copy(&SecretString::from(secret.clone()))
        .expect("copied");
    assert_eq!(copied, Copied::Osc52(osc52_sequence(&secret)));

    let clipboard = native_clipboard("unix:999", "native");
    let err = clipboard
        .copy(&SecretString::from(secret.clone()))
        .expect_err("native only");
    let message = err.to_string();
    assert!(
        message.starts_with("the native clipboard failed: cannot open the X11 clipboard"),
        "{message}"
    );
    assert!(
        message.ends_with("set SFKEY_CLIPBOARD=osc52 to copy through the terminal"),
        "{message}"
    );
    assert!(!message.contains(&secret) && !format!("{err:?}").contains(&secret));
}
