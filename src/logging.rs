//! A log file for when something needs explaining later: `sfkey.log` in the data dir (or
//! `$SFKEY_LOG_DIR`), never the terminal. Only names, codes and timings are logged, never a
//! secret.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Overrides the folder of the log file.
pub const LOG_DIR_ENV: &str = "SFKEY_LOG_DIR";
/// The level: `error`, `warn`, `info` (default), `debug`, `trace` or `off`, then optionally
/// other crates to log at that level or their own (`debug,h2,zbus=trace`).
pub const LOG_LEVEL_ENV: &str = "SFKEY_LOG";

/// The most other crates log unless `SFKEY_LOG` names them: at debug, h2 writes a line per
/// HTTP/2 frame and zbus one per D-Bus message, which buries sfkey's own lines and slows it.
const OTHER_CRATES_MAX: LevelFilter = LevelFilter::WARN;

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

/// What `SFKEY_LOG` asks for: sfkey's own level first, then any other crate named, alone (at
/// sfkey's level) or as `crate=level`. Crates not named log at most warnings.
fn filter(raw: Option<&str>) -> Result<Targets, String> {
    let mut items = raw.unwrap_or_default().split(',');
    let own = level(items.next())?;
    let mut targets = Targets::new()
        .with_default(own.min(OTHER_CRATES_MAX))
        .with_target(env!("CARGO_CRATE_NAME"), own);
    for item in items.map(str::trim).filter(|i| !i.is_empty()) {
        let (name, crate_level) = match item.split_once('=') {
            Some((name, crate_level)) => (name.trim(), level(Some(crate_level))?),
            None => (item, own),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_:-".contains(c))
        {
            return Err(format!(
                "{LOG_LEVEL_ENV}: \"{}\" is not a crate name (logging at info)",
                crate::escape::escape(name)
            ));
        }
        // Crate names with `-` are module paths with `_`.
        targets = targets.with_target(name.replace('-', "_"), crate_level);
    }
    Ok(targets)
}

/// Starts logging to the file; if the file cannot be opened, sfkey runs without a log rather
/// than failing the command. Returns a warning for the user when `SFKEY_LOG` is not a level.
pub fn init() -> Option<String> {
    let raw = std::env::var_os(LOG_LEVEL_ENV).map(|v| v.to_string_lossy().into_owned());
    let (targets, warning) = match filter(raw.as_deref()) {
        Ok(targets) => (targets, None),
        Err(warning) => (
            Targets::new()
                .with_default(OTHER_CRATES_MAX)
                .with_target(env!("CARGO_CRATE_NAME"), LevelFilter::INFO),
            Some(warning),
        ),
    };
    start(targets);
    warning
}

fn start(targets: Targets) {
    // Nothing at all to log: no file is opened or created.
    if targets.iter().all(|(_, level)| level == LevelFilter::OFF)
        && targets
            .default_level()
            .is_none_or(|l| l == LevelFilter::OFF)
    {
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
    let _ = subscriber(Mutex::new(file), targets).try_init();
}

/// The log's lines, written to `writer`, for the events `targets` lets through.
fn subscriber<W>(writer: W, targets: Targets) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false)
        .with_target(false)
        // A full disk must not print on the terminal the TUI draws on.
        .log_internal_errors(false)
        .with_filter(targets);
    tracing_subscriber::registry().with(layer)
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

    fn enabled(raw: &str, target: &str, level: tracing::Level) -> bool {
        filter(Some(raw))
            .expect("a filter")
            .would_enable(target, &level)
    }

    #[test]
    fn other_crates_log_at_most_warnings_unless_named() {
        use tracing::Level;
        assert!(enabled(
            "debug",
            "sfkey::store::secret_service",
            Level::DEBUG
        ));
        assert!(!enabled("debug", "h2::codec::framed_write", Level::DEBUG));
        assert!(!enabled("trace", "zbus::connection", Level::INFO));
        assert!(enabled("trace", "hyper_util::client", Level::WARN));
        // Never more than sfkey's own level.
        assert!(!enabled("error", "rustls::conn", Level::WARN));
        // Named alone: sfkey's level; with `=`: its own.
        assert!(enabled("debug,h2", "h2::codec", Level::DEBUG));
        assert!(!enabled("debug,h2", "h2::codec", Level::TRACE));
        assert!(enabled(
            "info, zbus=trace",
            "zbus::connection",
            Level::TRACE
        ));
        assert!(!enabled("info, zbus=trace", "sfkey::store", Level::DEBUG));
        assert!(enabled(
            "warn,hyper-util=debug",
            "hyper_util::client",
            Level::DEBUG
        ));
        assert!(enabled("", "sfkey::cli", Level::INFO));
        assert!(!enabled("", "sfkey::cli", Level::DEBUG));
    }

    #[test]
    fn a_crate_that_is_not_a_name_or_a_level_that_is_not_one_is_a_warning() {
        let warning = filter(Some("debug,h2=loud")).expect_err("not a level");
        assert!(warning.contains("\"loud\" is not a level"), "{warning}");
        let warning = filter(Some("debug,=trace")).expect_err("no name");
        assert!(warning.contains("is not a crate name"), "{warning}");
    }

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Buffer(std::sync::Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn at_debug_the_log_holds_sfkeys_lines_and_not_h2s_frames() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let targets = filter(Some("debug")).expect("a filter");
        tracing::subscriber::with_default(subscriber(move || writer.clone(), targets), || {
            tracing::debug!("sfkey's own line");
            tracing::debug!(target: "h2::codec::framed_read", "received frame");
            tracing::warn!(target: "h2::proto", "a warning from h2");
        });
        let log = String::from_utf8(buffer.0.lock().expect("not poisoned").clone()).expect("utf-8");
        assert!(log.contains("sfkey's own line"), "{log}");
        assert!(log.contains("a warning from h2"), "{log}");
        assert!(!log.contains("received frame"), "{log}");
    }
}
