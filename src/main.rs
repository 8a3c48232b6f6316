//! The sfkey binary: no subcommand opens the TUI, a subcommand runs the CLI.

use std::process::ExitCode;

use clap::Parser;
use sfkey::cli::{self, Cli};
use sfkey::demo::Demo;
use sfkey::store::backend;
use sfkey::tui;

fn main() -> ExitCode {
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
            sfkey::logging::init();
            cli::run(command, local_offset_s)
        }
        (None, true) => match Demo::start() {
            Ok(demo) => tui::run(tui::Setup {
                store: demo.store().clone(),
                settings: Default::default(),
                demo: Some(demo.banner()),
                login_url: Some(demo.url().to_string()),
                utc_offset_s,
            }),
            Err(e) => {
                eprintln!("sfkey: cannot start the demo: {e:#}");
                ExitCode::FAILURE
            }
        },
        (None, false) => {
            sfkey::logging::init();
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
            tui::run(tui::Setup {
                store: opened.store,
                settings,
                demo: None,
                login_url: None,
                utc_offset_s,
            })
        }
    }
}
