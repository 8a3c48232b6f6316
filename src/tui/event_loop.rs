//! The event loop, apart from the terminal: generic over the ratatui backend and fed by a
//! channel of inputs, so the real terminal ([`super::terminal`]) and in-process tests (on
//! ratatui's `TestBackend`) run the same loop.

use std::io;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crossterm::event::Event;
use ratatui::Terminal;
use ratatui::backend::Backend;
use secrecy::ExposeSecret;
use tokio::sync::mpsc;

use crate::clipboard::CopySecret;
use crate::humanize::now_ms;

use super::message::{Effect, Message, Pasted};
use super::tasks::{self, InFlight, Outcome, Tasks};
use super::{App, Setup, view};

/// How long quitting waits, beyond the HTTP timeout, for refreshes to finish saving.
const QUIT_GRACE: Duration = Duration::from_secs(10);

/// How long quitting may wait for the refreshes still out, with these settings.
pub fn quit_grace(setup: &Setup) -> Duration {
    // Long enough for a request that is out to time out and its answer to be saved.
    setup.settings.total_timeout + QUIT_GRACE
}

/// What reaches the loop from outside.
#[derive(Debug)]
pub enum Input {
    /// A terminal event: a key, the mouse, a paste, a resize, focus.
    Event(Event),
    /// A signal (SIGTERM, SIGHUP) asked sfkey to stop: like `q`, without the warning.
    Stop,
    /// The terminal is gone (hang-up, read error): leave as if asked, drawing nothing more.
    Lost,
}

/// Writes bytes straight to the terminal between frames (an OSC 52 copy).
pub type RawOut = Box<dyn FnMut(&[u8]) -> io::Result<()> + Send>;

/// What the loop runs with besides the setup: the parts a test swaps out.
pub struct Parts {
    /// Where copies go; why there is no clipboard otherwise.
    pub clipboard: Result<Arc<dyn CopySecret>, String>,
    /// Bytes for the terminal itself, outside a frame.
    pub raw_out: RawOut,
    /// Waits the app would otherwise take from the library's defaults.
    pub delays: Delays,
    /// Failpoints for the end-to-end tests of the panic paths (set only in debug builds).
    pub failpoints: Failpoints,
}

/// Waits a test may shorten, so no test waits on a real backoff.
#[derive(Debug, Clone, Copy, Default)]
pub struct Delays {
    /// Before the one retry after `token request already being processed`; the library's
    /// [`crate::saved_org::refresh::BUSY_BACKOFF`] if `None`.
    pub busy_backoff: Option<Duration>,
}

/// Panics on purpose, for the tests of what a panic leaves behind.
#[derive(Debug, Clone, Copy, Default)]
pub struct Failpoints {
    /// Panic right after the first frame.
    pub panic_after_first_frame: bool,
    /// Panic when this key is pressed.
    pub panic_on_key: Option<char>,
}

/// Runs until the user quits; returns the orgs whose refresh was abandoned on the way out.
/// `in_flight` is set to the running refreshes, for the caller to wait on after a panic.
pub async fn run<B: Backend>(
    setup: Setup,
    parts: Parts,
    terminal: &mut Terminal<B>,
    mut input: mpsc::UnboundedReceiver<Input>,
    in_flight: &OnceLock<InFlight>,
) -> io::Result<Vec<String>> {
    let grace = quit_grace(&setup);
    // The demo's store is a memory one standing in for the OS keyring: say what it is.
    let secrets_place = if setup.demo.is_some() {
        "the demo's in-memory keyring"
    } else {
        setup.store.secrets_place()
    };
    let Parts {
        clipboard,
        mut raw_out,
        delays,
        failpoints,
    } = parts;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tasks = Tasks::new(setup.store, setup.settings, clipboard, tx).with_delays(delays);
    let _ = in_flight.set(tasks.in_flight());
    let mut app = App::new(now_ms(), setup.demo, setup.utc_offset_s);
    app.env.idle_days = setup.idle_days;
    app.env.login_url = setup.login_url;
    app.env.keys = setup.keys;
    app.env.theme = setup.theme;
    app.env.tui = setup.tui;
    app.env.secrets_place = secrets_place;
    app.show_config_error(setup.config_error);

    tasks.run(Effect::LoadOrgs);
    draw(terminal, &app)?;
    if failpoints.panic_after_first_frame {
        panic!("SFKEY_DEBUG_PANIC is set: panicking on purpose");
    }

    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_second = now_ms() / 1000;
    let mut quit_since: Option<Instant> = None;
    let mut input_open = true;
    // After the terminal is gone (a hang-up), keep running without drawing until the
    // refreshes in flight have saved what they got.
    let mut terminal_ok = true;
    let mut out = Out {
        raw_out: &mut raw_out,
        terminal_ok: &mut terminal_ok,
        panic_on_key: failpoints.panic_on_key,
    };
    loop {
        let mut redraw = tokio::select! {
            outcome = rx.recv() => match outcome {
                Some(outcome) => out.handle(outcome, &mut app, &tasks),
                None => break,
            },
            event = input.recv(), if input_open => match event {
                Some(event) => out.input(event, &mut app, &tasks),
                // Nobody sends input any more: as if the terminal were gone.
                None => {
                    input_open = false;
                    out.input(Input::Lost, &mut app, &tasks)
                }
            },
            _ = ticker.tick() => {
                let now = now_ms();
                app.update(Message::Tick { now_ms: now });
                // Spinners move every tick; ages only change by the second.
                let second = now / 1000;
                let changed = second != last_second;
                last_second = second;
                changed || app.any_running()
            },
        };
        // Handle everything already queued before drawing once.
        while let Ok(event) = input.try_recv() {
            redraw |= out.input(event, &mut app, &tasks);
        }
        while let Ok(outcome) = rx.try_recv() {
            redraw |= out.handle(outcome, &mut app, &tasks);
        }
        if app.quitting() {
            let since = *quit_since.get_or_insert_with(Instant::now);
            if app.should_exit() || since.elapsed() > grace {
                break;
            }
        }
        if redraw && *out.terminal_ok && draw(terminal, &app).is_err() {
            *out.terminal_ok = false;
            run_all(&tasks, app.update(Message::Quit));
        }
    }
    Ok(app.running_names())
}

fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &App) -> io::Result<()> {
    terminal
        .draw(|frame| view::draw(frame, app))
        .map(drop)
        .map_err(|e| io::Error::other(e.to_string()))
}

fn run_all(tasks: &Tasks, effects: Vec<Effect>) {
    for effect in effects {
        tasks.run(effect);
    }
}

/// The loop's way out to the terminal, besides frames.
struct Out<'a> {
    raw_out: &'a mut RawOut,
    terminal_ok: &'a mut bool,
    panic_on_key: Option<char>,
}

impl Out<'_> {
    /// Applies one input; returns whether the screen needs a redraw.
    fn input(&mut self, input: Input, app: &mut App, tasks: &Tasks) -> bool {
        let message = match input {
            Input::Event(Event::Key(key)) => {
                if let Some(wanted) = self.panic_on_key
                    && key.code == crossterm::event::KeyCode::Char(wanted)
                {
                    panic!("SFKEY_DEBUG_PANIC_KEY was pressed: panicking on purpose");
                }
                Message::Key(key)
            }
            Input::Event(Event::Mouse(mouse)) => Message::Mouse(mouse),
            Input::Event(Event::Paste(text)) => Message::Paste(Pasted::new(text)),
            Input::Event(Event::Resize(..)) => Message::Resize,
            Input::Event(Event::FocusGained) => Message::FocusGained,
            Input::Event(_) => return false,
            Input::Stop => Message::Quit,
            Input::Lost => {
                *self.terminal_ok = false;
                Message::Quit
            }
        };
        run_all(tasks, app.update(message));
        true
    }

    /// Applies one task outcome; returns whether the screen needs a redraw.
    fn handle(&mut self, outcome: Outcome, app: &mut App, tasks: &Tasks) -> bool {
        let message = match outcome {
            Outcome::Message(message) => message,
            Outcome::Terminal(tasks::TerminalWrite::Osc52 { sequence, then }) => {
                // Only this loop writes to the terminal, and frames are flushed whole, so the
                // sequence cannot interleave a frame.
                match (self.raw_out)(sequence.expose_secret().as_bytes()) {
                    Ok(()) => then,
                    Err(e) => {
                        *self.terminal_ok = false;
                        Message::CopyFailed(format!("writing to the terminal failed: {e}"))
                    }
                }
            }
        };
        run_all(tasks, app.update(message));
        true
    }
}
