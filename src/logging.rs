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

/// What `main` learns before any thread starts, for the TUI and the CLI alike.
#[derive(Debug, Clone)]
pub struct Startup {
    /// The local offset from UTC in seconds (`None` when it cannot be known); it can only be
    /// read safely while the process has one thread.
    pub local_offset_s: Option<i32>,
    /// Whether core dumps were turned off, to log once the log file is open.
    pub core_dumps: Result<(), String>,
}

impl Startup {
    /// Starts the log file; a `SFKEY_LOG` that is not a level is said on stderr, as a bad
    /// `SFKEY_CLIPBOARD` is, and core dumps left on are logged.
    pub fn start_logging(&self) {
        if let Some(warning) = init() {
            eprintln!("sfkey: warning: {warning}");
        }
        if let Err(e) = &self.core_dumps {
            tracing::warn!(error = %e, "could not turn core dumps off");
        }
    }
}

/// Where the log file goes: `$SFKEY_LOG_DIR`, else `~/.local/share/sfkey` on Linux.
pub fn log_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(LOG_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "sfkey").map(|d| d.data_local_dir().to_path_buf())
}

/// The level `SFKEY_LOG` asks for (info when unset), or a warning naming the levels when it
/// holds something else (logging then stays at info).
fn level(raw: Option<&str>) -> Result<LevelFilter, String> {
    Ok(
        match raw.map(|r| r.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "info") => LevelFilter::INFO,
            Some("off") => LevelFilter::OFF,
            Some("error") => LevelFilter::ERROR,
            Some("warn") => LevelFilter::WARN,
            Some("debug") => LevelFilter::DEBUG,
            Some("trace") => LevelFilter::TRACE,
            Some(_) => {
                return Err(format!(
                    "{LOG_LEVEL_ENV}=\"{}\" is not a level; use error, warn, info, debug, trace or off (logging at info)",
                    crate::escape::escape(raw.unwrap_or_default())
                ));
            }
        },
    )
}

/// Starts logging to the file; if the file cannot be opened, sfkey runs without a log rather
/// than failing the command. Returns a warning for the user when `SFKEY_LOG` is not a level.
pub fn init() -> Option<String> {
    let raw = std::env::var_os(LOG_LEVEL_ENV).map(|v| v.to_string_lossy().into_owned());
    let (level, warning) = match level(raw.as_deref()) {
        Ok(level) => (level, None),
        Err(warning) => (LevelFilter::INFO, Some(warning)),
    };
    start(level);
    warning
}

fn start(level: LevelFilter) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_that_is_not_one_is_named_in_a_warning() {
        assert_eq!(level(None), Ok(LevelFilter::INFO));
        assert_eq!(level(Some(" Debug ")), Ok(LevelFilter::DEBUG));
        assert_eq!(level(Some("off")), Ok(LevelFilter::OFF));
        let warning = level(Some("verbose")).expect_err("not a level");
        assert!(
            warning.contains("SFKEY_LOG=\"verbose\" is not a level"),
            "{warning}"
        );
        assert!(warning.contains("debug"), "{warning}");
    }
}
