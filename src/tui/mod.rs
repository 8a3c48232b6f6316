//! The terminal app: terminal set-up and restore (also on panic and signals) and the event loop.
//! Keys become messages, `App::update` decides, tasks do the I/O, the view draws.

mod app;
mod calls;
#[cfg(test)]
mod fixtures;
mod form;
mod input;
mod keymap;
mod login;
mod message;
mod paste;
mod remedy;
mod start;
mod state;
mod tasks;
mod view;

use std::io::{self, Write};
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, Event,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use secrecy::ExposeSecret;
use tokio::sync::mpsc;

use crate::clipboard::Clipboard;
use crate::humanize::now_ms;
use crate::salesforce::HttpSettings;
use crate::signals::{Signals, Stop};
use crate::store::Store;

pub use app::{App, Pane, Popup, Shown};
pub use keymap::{KeyMap, KeyOverrides, effective_keys_toml};
pub use message::{Effect, Message, RefreshOutcome};
pub use start::start;
pub use view::draw;

/// How long quitting waits, beyond the HTTP timeout, for refreshes to finish saving.
const QUIT_GRACE: Duration = Duration::from_secs(10);

/// What the TUI runs on.
pub struct Setup {
    /// Orgs and secrets.
    pub store: Store,
    /// HTTP timeouts.
    pub settings: HttpSettings,
    /// The demo banner, in demo mode.
    pub demo: Option<String>,
    /// The login URL a new login starts from (the demo's fake Salesforce); production if none.
    pub login_url: Option<String>,
    /// The local UTC offset in seconds (read before any thread starts).
    pub utc_offset_s: i32,
    /// Days unused after which the org list flags a refresh token (`idle_warning_days`).
    pub idle_days: u64,
    /// The keys: the built-in table with config.toml's `[keys]` applied.
    pub keys: KeyMap,
}

/// Restores the terminal: raw mode off, main screen back, mouse and paste modes off.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableFocusChange,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Restores the terminal when dropped, whatever the way out.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn enter() -> io::Result<TerminalGuard> {
    // Restore before the panic message prints, so it lands on the normal screen, readable.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    enable_raw_mode()?;
    let guard = TerminalGuard;
    // Cleared by hand: ratatui's clear() asks the terminal for the cursor position, and a
    // terminal that never answers would stall the start for two seconds.
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        EnableMouseCapture,
        EnableBracketedPaste,
        EnableFocusChange
    )?;
    Ok(guard)
}

/// Runs the TUI until the user quits.
pub fn run(setup: Setup) -> ExitCode {
    use std::io::IsTerminal;
    if !io::stdin().is_terminal() || !io::stdout().is_terminal() {
        eprintln!(
            "sfkey: the interactive app needs a terminal; in scripts use a subcommand such as `sfkey token NAME` (see `sfkey --help`)"
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sfkey: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Long enough for a request that is out to time out and its answer to be saved.
    let grace = setup.settings.total_timeout + QUIT_GRACE;
    let in_flight = OnceLock::new();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(event_loop(setup, &in_flight))
    }));
    let result = match result {
        Ok(result) => result,
        Err(panic) => {
            // The hook restored the terminal and printed the panic. Another org's refresh may
            // be out with a rotating refresh token: let it save its answer, as quitting does.
            if let Some(in_flight) = in_flight.get() {
                save_what_is_in_flight(&runtime, in_flight, grace);
            }
            runtime.shutdown_timeout(Duration::from_millis(100));
            std::panic::resume_unwind(panic);
        }
    };
    // Blocking tasks (a hung keyring call) must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(abandoned) if abandoned.is_empty() => ExitCode::SUCCESS,
        Ok(abandoned) => {
            // The terminal is restored by now, so this is readable.
            for name in &abandoned {
                tracing::warn!(org = %name, "refresh abandoned at quit");
                eprintln!(
                    "sfkey: left while the refresh of {name} was still out; if Salesforce rotated its refresh token, the stored one may no longer work (check with `sfkey refresh {name}`)"
                );
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("sfkey: {e}");
            ExitCode::FAILURE
        }
    }
}

/// After a panic of the UI loop: waits, up to `grace`, for the refreshes whose request is out
/// to save what they got; the others are cancelled.
fn save_what_is_in_flight(
    runtime: &tokio::runtime::Runtime,
    in_flight: &tasks::InFlight,
    grace: Duration,
) {
    let running = in_flight.count();
    if running == 0 {
        return;
    }
    eprintln!(
        "sfkey: waiting up to {} s for {running} refresh{} in flight to save its answer…",
        grace.as_secs(),
        if running == 1 { "" } else { "es" }
    );
    let left = runtime.block_on(in_flight.settle(grace));
    tracing::error!(
        running,
        left,
        "the UI panicked; waited for the refreshes in flight"
    );
    if left > 0 {
        eprintln!(
            "sfkey: {left} refresh{} still out; if Salesforce rotated a refresh token, the stored one may no longer work (check with `sfkey refresh NAME`)",
            if left == 1 { " is" } else { "es are" }
        );
    }
}

/// Reads terminal events on their own thread (crossterm's read blocks).
fn spawn_input(tx: mpsc::UnboundedSender<tasks::Outcome>) {
    let spawned = std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                let message = match event::read() {
                    Ok(Event::Key(key)) => Message::Key(key),
                    Ok(Event::Mouse(mouse)) => Message::Mouse(mouse),
                    Ok(Event::Paste(text)) => Message::Paste(message::Pasted::new(text)),
                    Ok(Event::Resize(..)) => Message::Resize,
                    Ok(Event::FocusGained) => Message::FocusGained,
                    Ok(_) => continue,
                    // The terminal is gone (hang-up): leave as if asked.
                    Err(_) => Message::Quit,
                };
                let quit = matches!(message, Message::Quit);
                if tx.send(tasks::Outcome::Message(message)).is_err() || quit {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot read the terminal: {e}");
    }
}

/// Runs until the user quits; returns the orgs whose refresh was abandoned on the way out.
/// `in_flight` is set to the running refreshes, for [`save_what_is_in_flight`] after a panic.
async fn event_loop(
    setup: Setup,
    in_flight: &OnceLock<tasks::InFlight>,
) -> io::Result<Vec<String>> {
    // Long enough for a request that is out to time out and its answer to be saved.
    let grace = setup.settings.total_timeout + QUIT_GRACE;
    let clipboard = Clipboard::from_env().map_err(|e| e.to_string());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tasks = tasks::Tasks::new(setup.store, setup.settings, clipboard, tx.clone());
    let _ = in_flight.set(tasks.in_flight());
    let mut app = App::new(now_ms(), setup.demo, setup.utc_offset_s);
    app.env.idle_days = setup.idle_days;
    app.env.login_url = setup.login_url;
    app.env.keys = setup.keys;
    // SIGTERM and SIGHUP (on Windows: a closed console, logoff, shutdown) end sfkey as `q`
    // does; Ctrl-C is a key in raw mode.
    let mut signals = Signals::new(&[Stop::Terminate, Stop::Hangup])?;

    let _guard = enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    spawn_input(tx);
    tasks.run(Effect::LoadOrgs);
    terminal.draw(|frame| view::draw(frame, &app))?;
    // Failpoint for the end-to-end test of the panic hook; debug builds only.
    #[cfg(debug_assertions)]
    if std::env::var_os("SFKEY_DEBUG_PANIC").is_some() {
        panic!("SFKEY_DEBUG_PANIC is set: panicking on purpose");
    }

    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_second = now_ms() / 1000;
    let mut quit_since: Option<Instant> = None;
    // After the terminal is gone (a hang-up), keep running without drawing until the
    // refreshes in flight have saved what they got.
    let mut terminal_ok = true;
    loop {
        let mut redraw = tokio::select! {
            outcome = rx.recv() => match outcome {
                Some(outcome) => handle(outcome, &mut app, &tasks, &mut terminal, &mut terminal_ok),
                None => break,
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
            _ = signals.recv() => {
                for effect in app.update(Message::Quit) {
                    tasks.run(effect);
                }
                true
            },
        };
        // Handle everything already queued before drawing once.
        while let Ok(outcome) = rx.try_recv() {
            redraw |= handle(outcome, &mut app, &tasks, &mut terminal, &mut terminal_ok);
        }
        if app.quitting() {
            let since = *quit_since.get_or_insert_with(Instant::now);
            if app.should_exit() || since.elapsed() > grace {
                break;
            }
        }
        if redraw && terminal_ok && terminal.draw(|frame| view::draw(frame, &app)).is_err() {
            terminal_ok = false;
            for effect in app.update(Message::Quit) {
                tasks.run(effect);
            }
        }
    }
    Ok(app.running_names())
}

type Term = Terminal<CrosstermBackend<io::Stdout>>;

/// Applies one outcome; returns whether the screen needs a redraw.
fn handle(
    outcome: tasks::Outcome,
    app: &mut App,
    tasks: &tasks::Tasks,
    terminal: &mut Term,
    terminal_ok: &mut bool,
) -> bool {
    let message = match outcome {
        tasks::Outcome::Message(message) => message,
        tasks::Outcome::Terminal(tasks::TerminalWrite::Osc52 { sequence, then }) => {
            // Only this loop writes to the terminal, so the sequence cannot interleave a frame.
            let out = terminal.backend_mut();
            let written = out
                .write_all(sequence.expose_secret().as_bytes())
                .and_then(|()| out.flush());
            match written {
                Ok(()) => then,
                Err(e) => {
                    *terminal_ok = false;
                    Message::CopyFailed(format!("writing to the terminal failed: {e}"))
                }
            }
        }
    };
    #[cfg(debug_assertions)]
    panic_on_key(&message);
    for effect in app.update(message) {
        tasks.run(effect);
    }
    true
}

/// Failpoint for the end-to-end test of a panic while a refresh is out: panics on the key
/// `SFKEY_DEBUG_PANIC_KEY` names. Debug builds only.
#[cfg(debug_assertions)]
fn panic_on_key(message: &Message) {
    let Message::Key(key) = message else { return };
    let wanted = std::env::var("SFKEY_DEBUG_PANIC_KEY").ok();
    if wanted.is_some_and(|w| {
        key.code == crossterm::event::KeyCode::Char(w.chars().next().unwrap_or('\0'))
    }) {
        panic!("SFKEY_DEBUG_PANIC_KEY was pressed: panicking on purpose");
    }
}
