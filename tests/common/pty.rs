//! The real binary in a pseudo-terminal: portable-pty runs it, vt100 keeps its screen, and
//! OSC 52 copies are recorded as the terminal would receive them.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, ExitStatus, PtySize, native_pty_system};

use super::TestEnv;

/// How long a wait lasts before the test fails with the screen it saw.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// An OSC 52 copy: the selection (`c`, ...) and the base64 payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub selection: String,
    pub base64: String,
}

/// The terminal's side of escape sequences that do not draw.
#[derive(Debug, Default)]
pub struct Events {
    pub copies: Vec<Copy>,
    /// Answers owed to the program (cursor position reports), sent by the reader thread.
    replies: Vec<u8>,
}

impl vt100::Callbacks for Events {
    // Answers "where is the cursor?" (DSR 6) as a real terminal does: ratatui asks when it
    // clears the screen, and gives up with an error when no answer comes.
    fn unhandled_csi(
        &mut self,
        screen: &mut vt100::Screen,
        i1: Option<u8>,
        _i2: Option<u8>,
        params: &[&[u16]],
        c: char,
    ) {
        if c == 'n' && i1.is_none() && params == [&[6][..]] {
            let (row, col) = screen.cursor_position();
            self.replies
                .extend_from_slice(format!("\x1b[{};{}R", row + 1, col + 1).as_bytes());
        }
    }

    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, ty: &[u8], data: &[u8]) {
        self.copies.push(Copy {
            selection: String::from_utf8_lossy(ty).into_owned(),
            base64: String::from_utf8_lossy(data).into_owned(),
        });
    }
}

type Parser = vt100::Parser<Events>;

/// The program `env` runs in a terminal: its config and log dirs, `TERM=xterm-256color`, no
/// proxy, no display (copies go through OSC 52), the rest of the environment (the private
/// keyring's bus) inherited.
pub fn command(env: &TestEnv, args: &[&str]) -> CommandBuilder {
    program(env, env!("CARGO_BIN_EXE_sfkey"), args)
}

/// Any `program` with the environment [`command`] gives sfkey (a script that starts sfkey).
pub fn program(env: &TestEnv, program: &str, args: &[&str]) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(program);
    cmd.args(args);
    cmd.env("SFKEY_CONFIG_DIR", &env.dir);
    cmd.env("SFKEY_LOG_DIR", env.dir.join("log"));
    // As in `TestEnv::cmd`: the secret scan reads the most detailed log there is.
    cmd.env("SFKEY_LOG", "trace");
    cmd.env("TERM", "xterm-256color");
    cmd.env("SFKEY_CLIPBOARD", "osc52");
    for var in [
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    if let Ok(cwd) = std::env::current_dir() {
        cmd.cwd(cwd);
    }
    cmd
}

/// The screen of a program running in a pseudo-terminal, fed by a reader thread.
pub struct Terminal {
    parser: Arc<Mutex<Parser>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    reader: Option<JoinHandle<()>>,
    // Closing the master would hang up the terminal under the program.
    master: Box<dyn portable_pty::MasterPty + Send>,
}

fn size(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("a terminal size is not zero")
}

fn pty_size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

impl Terminal {
    /// Starts `cmd` in a `cols` x `rows` terminal.
    pub fn spawn(cmd: CommandBuilder, cols: u16, rows: u16) -> Self {
        let pair = native_pty_system()
            .openpty(pty_size(cols, rows))
            .expect("open a pty");
        let child = pair.slave.spawn_command(cmd).expect("spawn in the pty");
        // Only the child keeps the slave open, so its exit ends the reader.
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(Parser::new_with_callbacks(
            size(rows),
            size(cols),
            0,
            Events::default(),
        )));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = Arc::new(Mutex::new(pair.master.take_writer().expect("pty writer")));
        let feed = Arc::clone(&parser);
        let answer = Arc::clone(&writer);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let replies = {
                    let mut parser = feed.lock().unwrap_or_else(PoisonError::into_inner);
                    parser.process(&buf[..n]);
                    std::mem::take(&mut parser.callbacks_mut().replies)
                };
                if !replies.is_empty() {
                    let mut out = answer.lock().unwrap_or_else(PoisonError::into_inner);
                    let _ = out.write_all(&replies).and_then(|()| out.flush());
                }
            }
        });
        Self {
            parser,
            writer,
            child,
            reader: Some(reader),
            master: pair.master,
        }
    }

    fn parser(&self) -> MutexGuard<'_, Parser> {
        self.parser.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the screen as it is now.
    pub fn with_screen<R>(&self, f: impl FnOnce(&vt100::Screen) -> R) -> R {
        f(self.parser().screen())
    }

    /// The text on screen now.
    pub fn contents(&self) -> String {
        self.with_screen(vt100::Screen::contents)
    }

    /// The screen as rows of text, one char per cell (empty cells are spaces).
    pub fn rows(&self) -> Vec<String> {
        self.with_screen(screen_rows)
    }

    /// Whether the program is on the alternate screen.
    pub fn alternate_screen(&self) -> bool {
        self.with_screen(vt100::Screen::alternate_screen)
    }

    /// Whether the program hid the cursor.
    pub fn cursor_hidden(&self) -> bool {
        self.with_screen(vt100::Screen::hide_cursor)
    }

    /// The OSC 52 copies received so far.
    pub fn copies(&self) -> Vec<Copy> {
        self.parser().callbacks().copies.clone()
    }

    /// Types `bytes` as if at the keyboard.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        writer.write_all(bytes.as_ref()).expect("write to pty");
        writer.flush().expect("flush pty");
    }

    /// Types `text`, then Enter.
    pub fn type_line(&mut self, text: &str) {
        self.send(text);
        self.send("\r");
    }

    /// Pastes `text` as a terminal does in bracketed-paste mode.
    pub fn paste(&mut self, text: &str) {
        self.send(format!("\x1b[200~{text}\x1b[201~"));
    }

    /// Waits until `check` holds for the screen; returns its text, or panics with it after
    /// [`TIMEOUT`], saying what was awaited.
    #[track_caller]
    pub fn wait_until(&self, what: &str, check: impl Fn(&vt100::Screen) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let (ok, screen) = self.with_screen(|s| (check(s), s.contents()));
            if ok {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until every one of `texts` is on screen.
    #[track_caller]
    pub fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_until(&format!("{texts:?}"), |s| {
            let screen = s.contents();
            texts.iter().all(|t| screen.contains(t))
        })
    }

    /// Waits until `text` is on screen.
    #[track_caller]
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the child has a pid")
    }

    /// Sends a signal (`TERM`, `HUP`, ...) to the program with kill(1).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Tells the program that its terminal is now `cols` x `rows`.
    pub fn resize(&self, cols: u16, rows: u16) {
        // The screen first, so nothing drawn at the new size lands on the old one.
        self.parser().screen_mut().set_size(size(rows), size(cols));
        self.master
            .resize(pty_size(cols, rows))
            .expect("resize the pty");
    }

    /// The terminal device (`/dev/pts/N`) the program runs on.
    pub fn tty_name(&self) -> PathBuf {
        self.master.tty_name().expect("the pty has a name")
    }

    /// Waits for the program to exit, then for its last output to reach the screen.
    #[track_caller]
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "sfkey did not exit; the screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader ends when the slave closes, after everything written was read.
        if let Some(reader) = self.reader.take() {
            while !reader.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if reader.is_finished() {
                reader.join().expect("the reader thread");
            }
        }
        status
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        // A failed test must not leave sfkey running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The screen as rows of text, one char per cell.
pub fn screen_rows(screen: &vt100::Screen) -> Vec<String> {
    let (rows, cols) = screen.size();
    (0..rows.get())
        .map(|r| {
            (0..cols.get())
                .map(|c| match screen.cell(r, c).map(vt100::Cell::contents) {
                    Some(s) if !s.is_empty() => s.to_string(),
                    _ => " ".to_string(),
                })
                .collect()
        })
        .collect()
}

const CORNERS_TOP: [char; 3] = ['╭', '┏', '┌'];
const CORNERS_BOTTOM: [char; 3] = ['╰', '┗', '└'];
const SIDES: [char; 2] = ['│', '┃'];

/// The rows inside the bordered pane whose title starts with `title` (` Token `), trimmed;
/// `None` when no such pane is on screen.
pub fn pane_lines(screen: &vt100::Screen, title: &str) -> Option<Vec<String>> {
    pane_lines_in(&screen_rows(screen), title)
}

/// [`pane_lines`] on the screen's rows.
pub fn pane_lines_in(rows: &[String], title: &str) -> Option<Vec<String>> {
    let rows: Vec<Vec<char>> = rows.iter().map(|r| r.chars().collect()).collect();
    let title: Vec<char> = title.chars().collect();
    let (top, left) = rows.iter().enumerate().find_map(|(r, row)| {
        (1..row.len())
            .find(|&c| CORNERS_TOP.contains(&row[c - 1]) && row[c..].starts_with(&title))
            .map(|c| (r, c - 1))
    })?;
    let mut lines = Vec::new();
    for row in &rows[top + 1..] {
        if CORNERS_BOTTOM.contains(&row[left]) {
            return Some(lines);
        }
        let right = (left + 1..row.len()).find(|&c| SIDES.contains(&row[c]))?;
        let inner: String = row[left + 1..right].iter().collect();
        lines.push(inner.trim().to_string());
    }
    None
}
