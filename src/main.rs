//! The sfkey binary: no subcommand opens the TUI, a subcommand runs the CLI.

use std::process::ExitCode;

use clap::Parser;
use sfkey::cli::{self, Cli};
use sfkey::demo::Demo;
use sfkey::store::backend;
use sfkey::tui;

/// Starts the log file; a `SFKEY_LOG` that is not a level is said on stderr, as a bad
/// `SFKEY_CLIPBOARD` is.
fn warn_about_logging() {
    if let Some(warning) = sfkey::logging::init() {
        eprintln!("sfkey: warning: {warning}");
    }
}

fn main() -> ExitCode {
    // First of all: no secret this process will hold may end up in a core file.
    let core_dumps = sfkey::core_dumps::disable();
    let log_init = || {
        warn_about_logging();
        if let Err(e) = &core_dumps {
            tracing::warn!(error = %e, "could not turn core dumps off");
        }
    };
    // A shell asking for completions gets them and nothing else happens.
    cli::answer_shell_if_asked();
    // The local offset can only be read safely while the process has one thread.
    // Read once here, for the TUI and the CLI alike; `None` when it cannot be known.
    let local_offset_s = time::UtcOffset::current_local_offset()
        .ok()
        .map(|o| o.whole_seconds());
    let utc_offset_s = local_offset_s.unwrap_or(0);
    let args = Cli::parse();
    match (args.command, args.demo) {
        (Some(_), true) => {
            eprintln!("sfkey: --demo opens the TUI and takes no subcommand");
            ExitCode::from(2)
        }
        (Some(command), false) => {
            log_init();
            cli::run(command, local_offset_s)
        }
        (None, true) => match Demo::start() {
            Ok(demo) => tui::run(tui::Setup {
                store: demo.store().clone(),
                settings: Default::default(),
                demo: Some(demo.banner()),
                login_url: Some(demo.url().to_string()),
                utc_offset_s,
                idle_days: sfkey::health::DEFAULT_IDLE_DAYS,
                keys: tui::KeyMap::default(),
            }),
            Err(e) => {
                eprintln!("sfkey: cannot start the demo: {e:#}");
                ExitCode::FAILURE
            }
        },
        (None, false) => {
            log_init();
            let settings = match cli::http_settings() {
                Ok(settings) => settings,
                Err(e) => {
                    eprintln!("sfkey: {e:#}");
                    return ExitCode::from(2);
                }
            };
            let opened = match backend::open() {
                Ok(opened) => opened,
                Err(e) => {
                    eprintln!("sfkey: {e}");
                    return ExitCode::FAILURE;
                }
            };
            // The passphrase prompt needs the terminal before the TUI takes it.
            if let Some(file) = &opened.file
                && let Err(e) = file.unlock()
            {
                eprintln!("sfkey: {e}");
                return ExitCode::FAILURE;
            }
            let idle_days = opened.selection.preferences.idle_warning_days;
            let keys = tui::KeyMap::with(&opened.selection.preferences.keys);
            tui::run(tui::Setup {
                store: opened.store,
                settings,
                demo: None,
                login_url: None,
                utc_offset_s,
                idle_days: idle_days.unwrap_or(sfkey::health::DEFAULT_IDLE_DAYS),
                keys,
            })
        }
    }
}
