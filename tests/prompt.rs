//! `sfkey add` on a real terminal: secrets are asked for without echo and never shown.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// The screen of a program running in a pseudo-terminal, fed by a reader thread.
struct Terminal {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    // Closing the master would hang up the terminal under the program.
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Terminal {
    fn spawn(cmd: CommandBuilder) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let size = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(size(24), size(100), 0)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let feed = Arc::clone(&parser);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Self {
            parser,
            writer,
            child,
            _master: pair.master,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{text:?} never appeared:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn type_line(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
        self.writer.write_all(b"\r").unwrap();
        self.writer.flush().unwrap();
    }
}

#[test]
fn add_on_a_terminal_prompts_without_echo() {
    let mut env = common::TestEnv::new("prompt-add");
    let (secret, refresh) = env.grant("3MVG9tty", true, |g| g);
    let secret = secret.unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_sfkey"));
    let url = env.server.url().to_string();
    cmd.args(["add", "tty", "--login-url", &url, "--client-id", "3MVG9tty"]);
    cmd.env("SFKEY_CONFIG_DIR", &env.dir);
    cmd.env("SFKEY_LOG_DIR", env.dir.join("log"));
    cmd.env("TERM", "xterm-256color");
    for var in [
        "DBUS_SESSION_BUS_ADDRESS",
        "XDG_DATA_HOME",
        "XDG_RUNTIME_DIR",
    ] {
        if let Some(value) = std::env::var_os(var) {
            cmd.env(var, value);
        }
    }
    let mut term = Terminal::spawn(cmd);
    term.wait_for("Client secret (leave empty if the app has none):");
    term.type_line(&secret);
    term.wait_for("Refresh token:");
    term.type_line(&refresh);
    let screen = term.wait_for("Added org tty");
    assert!(
        !screen.contains("TESTSECRET"),
        "a secret was echoed:\n{screen}"
    );
    assert!(term.child.wait().unwrap().success());

    // What was typed is what got stored: the refresh works with it.
    let out = env.run(&["refresh", "tty"], "");
    common::assert_success(&out);
    let sent = env.server.requests().pop().unwrap();
    assert_eq!(sent.field("client_secret"), Some(secret.as_str()));
    assert_eq!(sent.field("refresh_token"), Some(refresh.as_str()));
    env.assert_no_secrets_on_disk();
}
