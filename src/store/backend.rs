//! Which store keeps the secrets: `SFKEY_KEYRING`, else `keyring =` in config.toml, else the
//! OS's own keyring. The one place the CLI and the TUI open their store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::file::FileStore;
use super::file_key::KeyCache;
use super::{KeyringStore, SecretStore, Store, config};
use crate::preferences::{self, KeyringChoice, Preferences, PreferencesError};

/// The environment variable that picks the backend for one command or shell.
pub const KEYRING_ENV: &str = "SFKEY_KEYRING";

/// Why no store could be opened. Nothing has been read or changed yet.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The config dir.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// config.toml.
    #[error(transparent)]
    Preferences(#[from] PreferencesError),
    /// `SFKEY_KEYRING` holds no known value.
    #[error("{KEYRING_ENV}: {0}")]
    Env(String),
    /// The chosen keyring belongs to another OS.
    #[error(
        "{choice} ({what}) is {os}'s keyring, and this sfkey runs on {here}; use `auto` (the OS's own keyring, {native}) or `file` (set by {origin})"
    )]
    OtherOs {
        /// The value given.
        choice: &'static str,
        /// What it names.
        what: &'static str,
        /// The OS it belongs to.
        os: &'static str,
        /// This OS.
        here: &'static str,
        /// The value `auto` means here.
        native: &'static str,
        /// Where the value came from.
        origin: String,
    },
}

/// The backend in use and why.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The backend, `auto` resolved to the OS's own keyring.
    pub choice: KeyringChoice,
    /// Where the choice came from, for `sfkey doctor`.
    pub reason: String,
    /// The preferences it was read with.
    pub preferences: Preferences,
}

/// The OS's own keyring: what `auto` means here.
pub fn native() -> KeyringChoice {
    if cfg!(target_os = "macos") {
        KeyringChoice::Keychain
    } else if cfg!(windows) {
        KeyringChoice::Windows
    } else {
        KeyringChoice::SecretService
    }
}

/// This OS, in words.
pub fn os_name() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "macOS",
        "windows" => "Windows",
        other => other,
    }
}

/// Reads `SFKEY_KEYRING` and config.toml in `dir` and says which backend to use.
pub fn select(dir: &Path) -> Result<Selection, BackendError> {
    select_with(dir, preferences::load(dir)?)
}

/// [`select`] with config.toml already read.
fn select_with(dir: &Path, preferences: Preferences) -> Result<Selection, BackendError> {
    let env = std::env::var(KEYRING_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    let (requested, source) = match (&env, preferences.keyring) {
        (Some(value), _) => (
            KeyringChoice::parse(value).map_err(BackendError::Env)?,
            format!("{KEYRING_ENV}={}", value.trim()),
        ),
        (None, Some(choice)) => (
            choice,
            format!(
                "keyring = \"{}\" in {}",
                choice.as_str(),
                dir.join(preferences::PREFERENCES_FILE).display()
            ),
        ),
        (None, None) => (KeyringChoice::Auto, "the default (auto)".to_string()),
    };
    let choice = match requested {
        KeyringChoice::Auto => native(),
        other => other,
    };
    if choice != KeyringChoice::File && choice != native() {
        let (what, os) = match choice {
            KeyringChoice::Keychain => ("the login Keychain", "macOS"),
            KeyringChoice::Windows => ("the Credential Manager", "Windows"),
            _ => ("a freedesktop Secret Service", "Linux"),
        };
        return Err(BackendError::OtherOs {
            choice: choice.as_str(),
            what,
            os,
            here: os_name(),
            native: native().as_str(),
            origin: source,
        });
    }
    let reason = if requested == KeyringChoice::Auto {
        format!("{source}: the OS's own keyring")
    } else {
        source
    };
    Ok(Selection {
        choice,
        reason,
        preferences,
    })
}

/// A store opened on a backend, with the file store kept apart for `unlock` and `lock`.
#[derive(Clone)]
pub struct Opened {
    /// Orgs file plus the chosen secret store.
    pub store: Store,
    /// The chosen secret store alone (for `sfkey doctor`'s probe).
    pub secrets: Arc<dyn SecretStore>,
    /// Which backend and why.
    pub selection: Selection,
    /// The file store, when that is the backend.
    pub file: Option<Arc<FileStore>>,
}

/// Opens the store the user chose for the config dir (`$SFKEY_CONFIG_DIR` or the platform's).
/// Nothing is read from the backend yet: listing orgs needs no keyring and no passphrase.
pub fn open() -> Result<Opened, BackendError> {
    let dir = config::config_dir()?;
    open_in(&dir)
}

/// [`open`] for a given config dir.
pub fn open_in(dir: &Path) -> Result<Opened, BackendError> {
    Ok(opened(dir, select(dir)?))
}

/// The store of the backend `selection` chose, over the orgs file in `dir`.
fn opened(dir: &Path, selection: Selection) -> Opened {
    let (secrets, file) = secret_store(dir, selection.choice, &selection.preferences);
    Opened {
        store: Store::new(dir, secrets.clone()),
        secrets,
        selection,
        file,
    }
}

/// [`open`] for the terminal app, which opens on defaults when config.toml is broken and
/// shows the error (returned here) rather than stop: a user should not be locked out by a typo.
/// The keyring is the exception: when the broken file may name one and `SFKEY_KEYRING` does
/// not, guessing could show an empty keyring (or create secrets in the wrong one), so this stops.
pub fn open_for_tui() -> Result<(Opened, Option<PreferencesError>), BackendError> {
    let dir = config::config_dir()?;
    let (preferences, broken) = match preferences::load(&dir) {
        Ok(preferences) => (preferences, None),
        Err(e) => {
            let env_says = std::env::var(KEYRING_ENV).is_ok_and(|v| !v.trim().is_empty());
            // An unreadable file (not a parse error) may name a keyring as well.
            let may_name_keyring =
                std::fs::read_to_string(&e.path).map_or(true, |text| mentions_keyring(&text));
            if may_name_keyring && !env_says {
                return Err(e.into());
            }
            (Preferences::default(), Some(e))
        }
    };
    Ok((opened(&dir, select_with(&dir, preferences)?), broken))
}

/// Whether a line of `text` starts with a `keyring` key (bare or quoted), in any table: the
/// file might choose a backend that a parse error hides.
fn mentions_keyring(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start().trim_start_matches(['"', '\'']);
        line.starts_with("keyring")
    })
}

/// The secret store of one backend (for `keyring move`, which opens two).
pub fn secret_store(
    dir: &Path,
    choice: KeyringChoice,
    preferences: &Preferences,
) -> (Arc<dyn SecretStore>, Option<Arc<FileStore>>) {
    match choice {
        KeyringChoice::File => {
            let file = Arc::new(FileStore::new(
                dir,
                KeyCache::new(preferences.file_key_timeout()),
            ));
            (file.clone(), Some(file))
        }
        _ => (Arc::new(KeyringStore::new()), None),
    }
}

/// Where the encrypted file backend keeps its file.
pub fn file_path(dir: &Path) -> PathBuf {
    dir.join(super::file::SECRETS_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyring_line_is_found_in_a_broken_file() {
        assert!(mentions_keyring("x = 1\n  keyring = file\n"));
        assert!(mentions_keyring("\"keyring\" = \"file\""));
        assert!(!mentions_keyring(
            "[theme]\nkey = \"cyaan\"\n# the keyring is auto\n"
        ));
    }

    #[test]
    fn config_picks_the_backend_and_another_os_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        // Tests must not depend on the caller's SFKEY_KEYRING: only run the config path
        // when it is unset.
        if std::env::var_os(KEYRING_ENV).is_some() {
            return;
        }
        let s = select(tmp.path()).unwrap();
        assert_eq!(s.choice, native());
        assert!(s.reason.contains("default"), "{}", s.reason);
        std::fs::write(tmp.path().join("config.toml"), "keyring = \"file\"\n").unwrap();
        let s = select(tmp.path()).unwrap();
        assert_eq!(s.choice, KeyringChoice::File);
        assert!(s.reason.contains("config.toml"), "{}", s.reason);
        let foreign = if cfg!(target_os = "macos") {
            "windows"
        } else {
            "keychain"
        };
        std::fs::write(
            tmp.path().join("config.toml"),
            format!("keyring = \"{foreign}\"\n"),
        )
        .unwrap();
        let err = select(tmp.path()).unwrap_err().to_string();
        assert!(err.contains(os_name()) && err.contains("file"), "{err}");
        std::fs::write(tmp.path().join("config.toml"), "keyring = 3\n").unwrap();
        let err = select(tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains("line 1") && err.contains("never rewrites"),
            "{err}"
        );
    }
}
