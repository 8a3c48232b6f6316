//! The TUI's event loop in-process, in the style of slumber's `tests/common.rs`: the loop runs
//! on its own thread over ratatui's `TestBackend`, with a memory keyring, the loopback fake
//! Salesforce and a recording clipboard; the test sends keys and pastes and waits for text on
//! screen (a timeout fails it with the screen). No terminal, no process, no real backoff.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Cell;
use secrecy::{ExposeSecret, SecretString};
use sfkey::clipboard::{ClipboardError, Copied, CopySecret, MemoryClipboard, osc52_sequence};
use sfkey::fake_salesforce::{FakeSalesforce, Grant};
use sfkey::org::Org;
use sfkey::salesforce::HttpSettings;
use sfkey::store::{MemoryStore, NewSecrets, Store};
use sfkey::tui::Setup;
use sfkey::tui::event_loop::{self, Delays, Failpoints, Input, Parts};
use tokio::sync::mpsc;

use super::pty::Copy;
pub use super::screen::Screen;
use super::screen::{Shared, parse_keys};

/// How long a wait lasts before the test fails with the screen it saw.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// One test's world: a config dir, a memory keyring, a fake Salesforce, the secrets handed out.
pub struct World {
    pub dir: PathBuf,
    pub store: Store,
    pub server: FakeSalesforce,
    pub secrets_used: Vec<String>,
}

impl World {
    /// A fresh config dir over a memory keyring, and a fake Salesforce of its own.
    pub fn new(test: &str) -> Self {
        let dir = super::config_dir(test);
        Self {
            store: Store::new(&dir, Arc::new(MemoryStore::new())),
            dir,
            server: FakeSalesforce::start().expect("fake salesforce"),
            secrets_used: Vec::new(),
        }
    }

    grant_and_add_org!(
        "Saves org `name` at the fake server with a fresh grant, as `sfkey add` would; returns \
         the secrets."
    );

    /// Saves the org in the store, as `sfkey add` would.
    fn save_org(&self, name: &str, client_id: &str, secret: Option<&str>, refresh: &str) {
        let org = Org::new(name, self.server.url(), client_id);
        let new = NewSecrets {
            client_secret: secret.map(SecretString::from),
            refresh_token: SecretString::from(refresh),
        };
        self.store.add(org, new).expect("save the org");
    }

    /// The saved org `name`.
    pub fn org(&self, name: &str) -> Org {
        self.store.find(name).expect("the org is saved")
    }

    /// The app on this world's store, `cols` x `rows`.
    pub fn start(&self, cols: u16, rows: u16) -> App {
        App::start(setup(self.store.clone(), None), cols, rows)
    }

    /// Fails if any secret this test used or the server issued is in a file of the config dir.
    pub fn assert_no_secrets_on_disk(&self) {
        let mut secrets = self.secrets_used.clone();
        secrets.extend(self.server.issued_secrets());
        super::assert_none_in(&self.dir, &secrets);
    }
}

/// The app's setup over `store`: default HTTP settings, UTC, and config.toml in the store's
/// dir applied as `sfkey` applies it (a broken file: defaults, its error shown).
pub fn setup(store: Store, login_url: Option<String>) -> Setup {
    let dir = store.dir().to_path_buf();
    Setup {
        store,
        settings: HttpSettings::default(),
        demo: None,
        login_url,
        utc_offset_s: 0,
        idle_days: sfkey::health::DEFAULT_IDLE_DAYS,
        keys: sfkey::tui::KeyMap::default(),
        theme: sfkey::tui::Theme::DARK,
        tui: Default::default(),
        config_error: None,
    }
    .with_preferences_in(&dir)
}

/// `sfkey --demo` in-process: the demo's store and fake Salesforce, its banner.
pub fn demo(cols: u16, rows: u16) -> (sfkey::demo::Demo, App) {
    let demo = sfkey::demo::Demo::start().expect("the demo starts");
    let mut setup = setup(demo.store().clone(), Some(demo.url().to_string()));
    setup.demo = Some(demo.banner());
    let app = App::start(setup, cols, rows);
    (demo, app)
}

/// A recording clipboard: answers as a terminal-only clipboard does (an OSC 52 sequence the
/// loop writes to the terminal), so the loop's own path for copies runs; the texts are kept.
#[derive(Default)]
pub struct RecordingClipboard {
    copies: MemoryClipboard,
}

impl CopySecret for RecordingClipboard {
    fn copy(&self, text: &SecretString) -> Result<Copied, ClipboardError> {
        self.copies.copy(text)?;
        Ok(Copied::Osc52(osc52_sequence(text.expose_secret())))
    }
}

/// The app's event loop running in-process.
pub struct App {
    backend: Shared,
    input: mpsc::UnboundedSender<Input>,
    thread: Option<JoinHandle<io::Result<Vec<String>>>>,
    clipboard: Arc<RecordingClipboard>,
    written: Arc<Mutex<Vec<u8>>>,
}

impl App {
    /// Starts the loop on `setup` in a `cols` x `rows` `TestBackend`; backoffs take no time.
    pub fn start(setup: Setup, cols: u16, rows: u16) -> Self {
        let backend = Shared(Arc::new(Mutex::new(TestBackend::new(cols, rows))));
        let clipboard = Arc::new(RecordingClipboard::default());
        let written = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&written);
        let parts = Parts {
            clipboard: Ok(Arc::clone(&clipboard) as Arc<dyn CopySecret>),
            raw_out: Box::new(move |bytes| {
                let mut written = record.lock().unwrap_or_else(PoisonError::into_inner);
                written.extend_from_slice(bytes);
                Ok(())
            }),
            delays: Delays {
                busy_backoff: Some(Duration::ZERO),
            },
            failpoints: Failpoints::default(),
        };
        let (input, rx) = mpsc::unbounded_channel();
        let drawn = backend.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let mut terminal = Terminal::new(drawn).map_err(|e| io::Error::other(e.to_string()))?;
            let in_flight = OnceLock::new();
            let result =
                runtime.block_on(event_loop::run(setup, parts, &mut terminal, rx, &in_flight));
            runtime.shutdown_timeout(Duration::from_millis(100));
            result
        });
        Self {
            backend,
            input,
            thread: Some(thread),
            clipboard,
            written,
        }
    }

    fn event(&self, event: Event) {
        // A loop that ended has dropped its receiver; `wait_exit` says how it ended.
        let _ = self.input.send(Input::Event(event));
    }

    /// Presses `code` with `modifiers`.
    pub fn press(&self, code: KeyCode, modifiers: KeyModifiers) {
        self.event(Event::Key(KeyEvent::new(code, modifiers)));
    }

    /// Types `keys` as a terminal would read them: `\r` Enter, `\t` Tab, `\x1b` Esc,
    /// `\x1b[A`..`\x1b[D` the arrows, `\x01`..`\x1a` Ctrl with a letter, the rest as chars.
    pub fn send(&self, keys: impl AsRef<str>) {
        for (code, modifiers) in parse_keys(keys.as_ref()) {
            self.press(code, modifiers);
        }
    }

    /// Pastes `text` (a bracketed paste).
    pub fn paste(&self, text: &str) {
        self.event(Event::Paste(text.to_string()));
    }

    /// The terminal window got focus again.
    pub fn focus_gained(&self) {
        self.event(Event::FocusGained);
    }

    /// The terminal is now `cols` x `rows`.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.backend.lock().resize(cols, rows);
        self.event(Event::Resize(cols, rows));
    }

    /// A signal asks the app to stop (SIGTERM, SIGHUP).
    pub fn stop(&self) {
        let _ = self.input.send(Input::Stop);
    }

    /// The screen as it is now.
    pub fn screen(&self) -> Screen {
        let backend = self.backend.lock();
        let buffer = backend.buffer();
        let area = buffer.area;
        let rows = (area.top()..area.bottom())
            .map(|y| {
                (area.left()..area.right())
                    .map(|x| buffer.cell((x, y)).map_or(" ", Cell::symbol))
                    .collect()
            })
            .collect();
        Screen { rows }
    }

    /// The text on screen now.
    pub fn contents(&self) -> String {
        self.screen().contents()
    }

    /// The foreground colour and boldness of the first cell where `text` starts on screen.
    pub fn style_at(&self, text: &str) -> Option<(ratatui::style::Color, bool)> {
        let screen = self.screen();
        let (row, line) = screen
            .rows()
            .iter()
            .enumerate()
            .find(|(_, r)| r.contains(text))?;
        let col = line[..line.find(text)?].chars().count();
        let backend = self.backend.lock();
        let cell = backend
            .buffer()
            .cell((u16::try_from(col).ok()?, u16::try_from(row).ok()?))?;
        let bold = cell.modifier.contains(ratatui::style::Modifier::BOLD);
        Some((cell.fg, bold))
    }

    /// Waits until `check` holds for the screen; returns its text, or panics with it after
    /// [`TIMEOUT`], saying what was awaited.
    #[track_caller]
    pub fn wait_until(&self, what: &str, check: impl Fn(&Screen) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen.contents();
            }
            let finished = self.thread.as_ref().is_none_or(JoinHandle::is_finished);
            assert!(
                Instant::now() < deadline && !finished,
                "{} waiting for {what}; the screen:\n{}",
                if finished {
                    "the app ended"
                } else {
                    "timed out"
                },
                screen.contents()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until every one of `texts` is on screen.
    #[track_caller]
    pub fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_until(&format!("{texts:?}"), |s| s.has(texts))
    }

    /// Waits until `text` is on screen.
    #[track_caller]
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    /// Waits until the pane titled `title` holds every one of `texts` (and the status line's
    /// last hint, so the frame is whole); returns its prose.
    #[track_caller]
    pub fn wait_pane(&self, title: &str, texts: &[&str]) -> String {
        self.wait_until(&format!("{title:?} with {texts:?}"), |s| {
            let pane = s.pane_prose(title);
            texts.iter().all(|t| pane.contains(t))
        });
        self.screen().pane_prose(title)
    }

    /// The texts copied so far, oldest first.
    pub fn copied(&self) -> Vec<String> {
        let copies = self.clipboard.copies.copies();
        copies
            .iter()
            .map(|c| c.expose_secret().to_string())
            .collect()
    }

    /// The OSC 52 copies the loop wrote to the terminal, as the terminal would read them.
    pub fn copies(&self) -> Vec<Copy> {
        let written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        let text = String::from_utf8_lossy(&written);
        text.split("\x1b]52;")
            .skip(1)
            .filter_map(|s| {
                let (selection, rest) = s.split_once(';')?;
                let base64 = rest.split('\x07').next()?;
                Some(Copy {
                    selection: selection.to_string(),
                    base64: base64.to_string(),
                })
            })
            .collect()
    }

    /// The last copy, decoded.
    pub fn last_copy(&self) -> Option<String> {
        let copy = self.copies().pop()?;
        let bytes = STANDARD.decode(copy.base64).ok()?;
        String::from_utf8(bytes).ok()
    }

    /// Waits for the loop to end; returns the orgs whose refresh was abandoned.
    #[track_caller]
    pub fn wait_exit(&mut self) -> Vec<String> {
        let deadline = Instant::now() + TIMEOUT;
        let thread = self.thread.take().expect("the app runs");
        while !thread.is_finished() {
            assert!(
                Instant::now() < deadline,
                "the app did not end; the screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        match thread.join() {
            Ok(result) => result.expect("the loop ends without an I/O error"),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// Whether the loop is still running.
    pub fn running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // A failed test must not leave the loop waiting: as if the terminal were gone.
        let _ = self.input.send(Input::Lost);
    }
}
