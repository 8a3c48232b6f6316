//! The file backend's key, asked for once per login session: the passphrase comes from
//! `SFKEY_FILE_PASSPHRASE` or a terminal prompt, and on Linux the key derived from it waits in
//! the kernel's session keyring (memory only, with a timeout) for the next sfkey command.
//! Other OSes have no such cache here: there the passphrase is asked by every command.

use std::path::Path;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::sealed::{FileKey, Lock};

/// The environment variable scripts set to give the file backend's passphrase.
pub const PASSPHRASE_ENV: &str = "SFKEY_FILE_PASSPHRASE";

/// How long a derived key stays cached when config.toml does not say.
pub const DEFAULT_KEY_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Why no passphrase could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassphraseError {
    /// No terminal to ask at and no environment variable.
    #[error(
        "{path} needs its passphrase, and there is no terminal to ask at: set {PASSPHRASE_ENV} for scripts"
    )]
    NoTerminal {
        /// The secrets file.
        path: String,
    },
    /// The two entries of a new passphrase differ.
    #[error("the two passphrases differ; nothing was saved. Run the command again")]
    Mismatch,
    /// An empty passphrase.
    #[error("an empty passphrase protects nothing; choose one (or set {PASSPHRASE_ENV})")]
    Empty,
}

/// The passphrase: from [`PASSPHRASE_ENV`], else asked at the terminal (twice for a new file).
pub fn passphrase(path: &Path, creating: bool) -> Result<SecretString, PassphraseError> {
    if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
        let value = SecretString::from(value.to_string_lossy().into_owned());
        if value.expose_secret().is_empty() {
            return Err(PassphraseError::Empty);
        }
        return Ok(value);
    }
    let shown = crate::escape::escape(&path.display().to_string());
    let no_terminal = || PassphraseError::NoTerminal {
        path: shown.clone(),
    };
    let prompt = if creating {
        format!("New passphrase for the sfkey secrets file {shown}: ")
    } else {
        format!("Passphrase for {shown}: ")
    };
    let first = SecretString::from(rpassword::prompt_password(prompt).map_err(|_| no_terminal())?);
    if first.expose_secret().is_empty() {
        return Err(PassphraseError::Empty);
    }
    if creating {
        let again =
            rpassword::prompt_password("The same passphrase again: ").map_err(|_| no_terminal())?;
        if again != first.expose_secret() {
            return Err(PassphraseError::Mismatch);
        }
    }
    Ok(first)
}

/// Derived keys kept between commands; a zero timeout turns the cache off.
#[derive(Debug, Clone, Copy)]
pub struct KeyCache {
    timeout: Duration,
}

impl KeyCache {
    /// A cache whose entries expire after `timeout` (zero: never cache).
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }

    /// Whether keys are cached at all on this OS with these settings.
    pub fn enabled(&self) -> bool {
        cfg!(target_os = "linux") && !self.timeout.is_zero()
    }

    /// Whether the kernel lets this process use a session keyring (containers may forbid it).
    pub fn available() -> bool {
        platform::available()
    }

    /// How long a cached key lives.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The cached key of the file with this lock, if any.
    pub fn get(&self, lock: &Lock) -> Option<FileKey> {
        if !self.enabled() {
            return None;
        }
        platform::get(&description(lock))
    }

    /// Caches the key of the file with this lock; a failure only means asking again next time.
    pub fn put(&self, lock: &Lock, key: &FileKey) {
        if self.enabled() {
            platform::put(&description(lock), key, self.timeout);
        }
    }

    /// Forgets the cached key of the file with this lock; true when one was there.
    pub fn forget(lock: &Lock) -> bool {
        platform::forget(&description(lock))
    }
}

/// The salt names the file (and changes when a file is made anew), never the key.
fn description(lock: &Lock) -> String {
    let hex: String = lock.salt.iter().map(|b| format!("{b:02x}")).collect();
    format!("sfkey:file-key:{hex}")
}

#[cfg(target_os = "linux")]
mod platform {
    use std::time::Duration;

    use linux_keyutils::{KeyRing, KeyRingIdentifier};

    use super::FileKey;

    /// The session keyring; `create: false` falls back to the user-session keyring for a
    /// process without one (creating would give each process its own, caching nothing).
    fn session() -> Option<KeyRing> {
        KeyRing::from_special_id(KeyRingIdentifier::Session, false).ok()
    }

    pub fn available() -> bool {
        session().is_some()
    }

    pub fn get(description: &str) -> Option<FileKey> {
        let key = session()?.search(description).ok()?;
        let bytes = zeroize::Zeroizing::new(key.read_to_vec().ok()?);
        FileKey::from_bytes(&bytes)
    }

    pub fn put(description: &str, key: &FileKey, timeout: Duration) {
        let Some(ring) = session() else {
            tracing::info!("no session keyring: the file key is not cached");
            return;
        };
        match ring.add_key(description, key.bytes()) {
            Ok(entry) => {
                let secs = usize::try_from(timeout.as_secs().max(1)).unwrap_or(usize::MAX);
                if entry.set_timeout(secs).is_err() {
                    // A key without its timeout must not stay: drop it at once.
                    let _ = entry.invalidate();
                }
            }
            Err(e) => tracing::info!(error = ?e, "cannot cache the file key"),
        }
    }

    pub fn forget(description: &str) -> bool {
        let Some(ring) = session() else { return false };
        let mut found = false;
        // There may be several (one per keyring a process saw); remove them all.
        while let Ok(key) = ring.search(description) {
            if key.invalidate().is_err() {
                break;
            }
            found = true;
        }
        found
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use std::time::Duration;

    use super::FileKey;

    pub fn available() -> bool {
        false
    }

    pub fn get(_description: &str) -> Option<FileKey> {
        None
    }

    pub fn put(_description: &str, _key: &FileKey, _timeout: Duration) {}

    pub fn forget(_description: &str) -> bool {
        false
    }
}
