//! A log file for when something needs explaining later: `sfkey.log` in the data dir (or
//! `$SFKEY_LOG_DIR`), never the terminal. Only names, codes and timings are logged, never a
//! secret.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing::level_filters::LevelFilter;

/// Overrides the folder of the log file.
pub const LOG_DIR_ENV: &str = "SFKEY_LOG_DIR";
/// The level: `error`, `warn`, `info` (default), `debug`, `trace` or `off`.
pub const LOG_LEVEL_ENV: &str = "SFKEY_LOG";

/// Where the log file goes: `$SFKEY_LOG_DIR`, else `~/.local/share/sfkey` on Linux.
pub fn log_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(LOG_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "sfkey").map(|d| d.data_local_dir().to_path_buf())
}

fn level() -> LevelFilter {
    match std::env::var(LOG_LEVEL_ENV).as_deref().map(str::trim) {
        Ok("off") => LevelFilter::OFF,
        Ok("error") => LevelFilter::ERROR,
        Ok("warn") => LevelFilter::WARN,
        Ok("debug") => LevelFilter::DEBUG,
        Ok("trace") => LevelFilter::TRACE,
        _ => LevelFilter::INFO,
    }
}

/// Starts logging to the file; if the file cannot be opened, sfkey runs without a log rather
/// than failing the command.
pub fn init() {
    let level = level();
    if level == LevelFilter::OFF {
        return;
    }
    let Some(dir) = log_dir() else { return };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let Ok(file) = options.open(dir.join("sfkey.log")) else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_max_level(level)
        .with_target(false)
        // A full disk must not print on the terminal the TUI draws on.
        .log_internal_errors(false)
        .try_init();
}
