//! Setting the TUI up before its loop: the demo, or the real store (its backend opened, the
//! secrets file unlocked while the terminal is still ours), the HTTP settings and the look.

use std::process::ExitCode;

use crate::demo::Demo;
use crate::logging::Startup;
use crate::preferences::Preferences;
use crate::salesforce::HttpSettings;
use crate::store::backend;

use super::{Setup, Theme, run};

/// Whether `NO_COLOR` asks for no colours (set and not empty: https://no-color.org).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The theme config.toml's `[theme]` and `[tui]` ask for, with `NO_COLOR` honoured.
pub fn theme(preferences: &Preferences) -> Theme {
    Theme::from_prefs(&preferences.theme, preferences.tui.mask_char(), no_color())
}

/// Opens the TUI: on demo orgs with `demo`, else on the saved orgs.
pub fn start(demo: bool, startup: &Startup) -> ExitCode {
    let utc_offset_s = startup.local_offset_s.unwrap_or(0);
    if demo {
        return match Demo::start() {
            Ok(demo) => run(Setup {
                store: demo.store().clone(),
                settings: Default::default(),
                demo: Some(demo.banner()),
                login_url: Some(demo.url().to_string()),
                utc_offset_s,
                idle_days: crate::health::DEFAULT_IDLE_DAYS,
                keys: super::KeyMap::default(),
                theme: theme(&Preferences::default()),
                tui: Default::default(),
                config_error: None,
            }),
            Err(e) => {
                eprintln!("sfkey: cannot start the demo: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    startup.start_logging();
    let settings = match HttpSettings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("sfkey: {e:#}");
            return ExitCode::from(2);
        }
    };
    // A broken config.toml opens on defaults with its error shown (unless it may name the
    // keyring); the CLI stops on it instead.
    let (opened, broken) = match backend::open_for_tui() {
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
    let setup = Setup {
        store: opened.store,
        settings,
        demo: None,
        login_url: None,
        utc_offset_s,
        idle_days: crate::health::DEFAULT_IDLE_DAYS,
        keys: super::KeyMap::default(),
        theme: Theme::DARK,
        tui: Default::default(),
        config_error: None,
    };
    run(setup.with_preferences(&opened.selection.preferences, broken.as_ref()))
}
