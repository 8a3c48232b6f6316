//! The real terminal around the event loop: raw mode and the alternate screen on the way in,
//! restored on every way out (a panic and a signal included), and the terminal's events and
//! the OS's stop signals fed to the loop as input.

use std::io::{self, Write};
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crossterm::event::{
    self, DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::clipboard::{Clipboard, CopySecret};
use crate::signals::{Signals, Stop};

use super::Setup;
use super::event_loop::{self, Delays, Failpoints, Input, Parts};
use super::tasks::InFlight;

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

/// Runs the TUI on the real terminal until the user quits.
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
    let grace = event_loop::quit_grace(&setup);
    let in_flight = OnceLock::new();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(on_terminal(setup, &in_flight))
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
    in_flight: &InFlight,
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

/// The loop on the real terminal, its input from crossterm and the OS's signals.
async fn on_terminal(setup: Setup, in_flight: &OnceLock<InFlight>) -> io::Result<Vec<String>> {
    let clipboard = Clipboard::from_env()
        .map(|c| Arc::new(c) as Arc<dyn CopySecret>)
        .map_err(|e| e.to_string());
    let (tx, rx) = mpsc::unbounded_channel();
    // SIGTERM and SIGHUP (on Windows: a closed console, logoff, shutdown) end sfkey as `q`
    // does; Ctrl-C is a key in raw mode.
    let mut signals = Signals::new(&[Stop::Terminate, Stop::Hangup])?;
    let stop = tx.clone();
    tokio::spawn(async move {
        loop {
            signals.recv().await;
            if stop.send(Input::Stop).is_err() {
                break;
            }
        }
    });
    let parts = Parts {
        clipboard,
        // Frames are flushed whole, so a write between them cannot tear one.
        raw_out: Box::new(|bytes| {
            let mut out = io::stdout();
            out.write_all(bytes).and_then(|()| out.flush())
        }),
        delays: Delays::default(),
        failpoints: failpoints(),
    };
    let _guard = enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    spawn_input(tx);
    event_loop::run(setup, parts, &mut terminal, rx, in_flight).await
}

/// The failpoints the end-to-end tests of a panic set; debug builds only.
fn failpoints() -> Failpoints {
    if !cfg!(debug_assertions) {
        return Failpoints::default();
    }
    Failpoints {
        panic_after_first_frame: std::env::var_os("SFKEY_DEBUG_PANIC").is_some(),
        panic_on_key: std::env::var("SFKEY_DEBUG_PANIC_KEY")
            .ok()
            .and_then(|k| k.chars().next()),
    }
}

/// Reads terminal events on their own thread (crossterm's read blocks).
fn spawn_input(tx: mpsc::UnboundedSender<Input>) {
    let spawned = std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                let input = match event::read() {
                    Ok(event) => Input::Event(event),
                    // The terminal is gone (hang-up): leave as if asked.
                    Err(_) => Input::Lost,
                };
                let lost = matches!(input, Input::Lost);
                if tx.send(input).is_err() || lost {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot read the terminal: {e}");
    }
}
