//! Setting the TUI up before its loop: the demo, or the real store (its backend opened, the
//! secrets file unlocked while the terminal is still ours) and the HTTP settings.

use std::process::ExitCode;

use crate::demo::Demo;
use crate::logging::Startup;
use crate::salesforce::HttpSettings;
use crate::store::backend;

use super::{Setup, run};

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
    run(Setup {
        store: opened.store,
        settings,
        demo: None,
        login_url: None,
        utc_offset_s,
        idle_days: idle_days.unwrap_or(crate::health::DEFAULT_IDLE_DAYS),
        keys: super::KeyMap::with(&opened.selection.preferences.keys),
    })
}
