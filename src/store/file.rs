//! The encrypted file backend (`SFKEY_KEYRING=file`), for machines without a keyring: every
//! secret in one file, `secrets.sfkey` in the config dir (format in [`super::sealed`]), mode
//! 0600, replaced atomically under its own lock, opened with a passphrase asked once per login
//! session ([`super::file_key`]).

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::file_key::{self, KeyCache, PassphraseError};
use super::sealed::{self, FileKey, KdfParams, Lock, SealError};
use super::secrets::{OrgSecrets, SecretError, SecretKind, SecretStore};
use crate::org::OrgId;

/// File name of the encrypted secrets file inside the config dir.
pub const SECRETS_FILE: &str = "secrets.sfkey";
/// Its own lock: `Store::add` already holds the orgs lock while it stores secrets, and a
/// second `flock` on that file from the same process would wait for itself.
const LOCK_FILE: &str = "secrets.lock";

/// Entry name (`<org-id>/<kind>`, as in the OS keyring) to secret.
type Entries = BTreeMap<String, SecretString>;

/// Secrets in an encrypted file in the config dir.
pub struct FileStore {
    dir: PathBuf,
    cache: KeyCache,
    kdf: KdfParams,
    // The key this process derived or took from the cache: one unlock per process at most.
    key: Mutex<Option<FileKey>>,
    // Given by the program instead of the environment or a prompt.
    passphrase: Option<SecretString>,
}

impl FileStore {
    /// The store in `dir`, caching derived keys as `cache` says.
    pub fn new(dir: impl Into<PathBuf>, cache: KeyCache) -> Self {
        Self {
            dir: dir.into(),
            cache,
            kdf: sealed::DEFAULT_KDF,
            key: Mutex::new(None),
            passphrase: None,
        }
    }

    /// Uses this passphrase instead of `SFKEY_FILE_PASSPHRASE` or a prompt.
    pub fn with_passphrase(mut self, passphrase: SecretString) -> Self {
        self.passphrase = Some(passphrase);
        self
    }

    fn passphrase(&self, creating: bool) -> Result<SecretString, SecretError> {
        match &self.passphrase {
            Some(given) => Ok(given.clone()),
            None => file_key::passphrase(&self.path(), creating).map_err(passphrase_error),
        }
    }

    /// The secrets file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(SECRETS_FILE)
    }

    /// Whether the file exists yet (it is made by the first secret stored).
    pub fn exists(&self) -> bool {
        self.path().exists()
    }

    /// Opens the file now, or makes it (an empty one, with a new passphrase) when it is
    /// missing: before the TUI takes the terminal, so it never has to ask.
    pub fn unlock(&self) -> Result<(), SecretError> {
        if self.exists() {
            self.read().map(|_| ())
        } else {
            self.change(|_| true)
        }
    }

    /// Forgets the cached key of this file (`sfkey lock`); true when one was cached.
    pub fn forget_key(&self) -> Result<bool, SecretError> {
        let bytes = match fs::read(self.path()) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(self.io("cannot read", e)),
        };
        let lock = sealed::read_lock(&bytes).map_err(|e| self.sealed_error(e))?;
        *self.key_slot() = None;
        Ok(KeyCache::forget(&lock))
    }

    fn key_slot(&self) -> std::sync::MutexGuard<'_, Option<FileKey>> {
        self.key.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The path as shown in messages: through the one escaper, like any text from outside.
    fn shown_path(&self) -> String {
        crate::escape::escape(&self.path().display().to_string()).to_string()
    }

    fn io(&self, action: &str, e: std::io::Error) -> SecretError {
        SecretError::File(format!(
            "{action} the secrets file {}: {e}",
            self.shown_path()
        ))
    }

    fn sealed_error(&self, e: SealError) -> SecretError {
        let path = self.shown_path();
        let keep = "sfkey will not overwrite it; restore it from a backup, or move it away and add the orgs again";
        SecretError::File(match e {
            SealError::NotOurs => format!("{path} is not an sfkey secrets file; {keep}"),
            SealError::Newer(v) => format!(
                "{path} was written by a newer sfkey (file format {v}; this one reads up to {}). Upgrade sfkey; nothing was changed",
                sealed::VERSION
            ),
            SealError::Truncated => format!(
                "{path} is truncated: it is shorter than its header says (a full disk, or an interrupted copy). {keep}"
            ),
            SealError::WrongKey => format!(
                "wrong passphrase for {path}; nothing was changed. Try again{}",
                if std::env::var_os(file_key::PASSPHRASE_ENV).is_some() {
                    format!(" with the right {}", file_key::PASSPHRASE_ENV)
                } else {
                    String::new()
                }
            ),
            SealError::Damaged => format!(
                "{path} fails its integrity check: it was changed or damaged after sfkey wrote it. {keep}"
            ),
            SealError::BadKdf => {
                format!("{path} asks for key derivation settings sfkey cannot use. {keep}")
            }
        })
    }

    /// The key for a file with this lock: this process's, the session cache's, or derived from
    /// the passphrase (then cached).
    fn key_for(&self, lock: &Lock) -> Result<FileKey, SecretError> {
        let mut slot = self.key_slot();
        if let Some(key) = slot.as_ref().filter(|k| sealed::verify(lock, k).is_ok()) {
            return Ok(key.clone());
        }
        if let Some(key) = self
            .cache
            .get(lock)
            .filter(|k| sealed::verify(lock, k).is_ok())
        {
            *slot = Some(key.clone());
            return Ok(key);
        }
        let pass = self.passphrase(false)?;
        let key =
            sealed::derive(&pass, &mut lock.clone(), false).map_err(|e| self.sealed_error(e))?;
        self.cache.put(lock, &key);
        *slot = Some(key.clone());
        Ok(key)
    }

    /// Every entry, with the file's lock and key; a missing file is empty (no lock yet).
    fn read(&self) -> Result<(Entries, Option<(Lock, FileKey)>), SecretError> {
        let bytes = match fs::read(self.path()) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Entries::new(), None));
            }
            Err(e) => return Err(self.io("cannot read", e)),
        };
        let lock = sealed::read_lock(&bytes).map_err(|e| self.sealed_error(e))?;
        let key = self.key_for(&lock)?;
        let plain = sealed::open(&bytes, &key).map_err(|e| self.sealed_error(e))?;
        let entries: BTreeMap<String, String> =
            serde_json::from_slice(&plain).map_err(|_| self.sealed_error(SealError::Damaged))?;
        let entries = entries
            .into_iter()
            .map(|(name, value)| (name, SecretString::from(value)))
            .collect();
        Ok((entries, Some((lock, key))))
    }

    /// Read, change, write back, under the lock; a new file gets a new passphrase (asked twice).
    fn change(&self, edit: impl FnOnce(&mut Entries) -> bool) -> Result<(), SecretError> {
        super::config::ensure_dir(&self.dir).map_err(|e| SecretError::File(e.to_string()))?;
        let _lock = self.lock()?;
        let (mut entries, opened) = self.read()?;
        if !edit(&mut entries) {
            return Ok(());
        }
        let (lock, key) = match opened {
            Some(opened) => opened,
            None => self.create()?,
        };
        let plain: BTreeMap<&str, &str> = entries
            .iter()
            .map(|(name, value)| (name.as_str(), value.expose_secret()))
            .collect();
        let plain = Zeroizing::new(
            serde_json::to_vec(&plain).map_err(|e| SecretError::File(e.to_string()))?,
        );
        let bytes = sealed::seal(&lock, &key, &plain).map_err(|e| self.sealed_error(e))?;
        self.replace(&bytes)
    }

    fn create(&self) -> Result<(Lock, FileKey), SecretError> {
        let pass = self.passphrase(true)?;
        let mut lock = sealed::new_lock(self.kdf).map_err(|e| self.sealed_error(e))?;
        let key = sealed::derive(&pass, &mut lock, true).map_err(|e| self.sealed_error(e))?;
        self.cache.put(&lock, &key);
        *self.key_slot() = Some(key.clone());
        Ok((lock, key))
    }

    /// A 0600 temp file beside the real one, fsynced, renamed over it, and the dir fsynced:
    /// a crash leaves the old file or the new one, never a mix.
    fn replace(&self, bytes: &[u8]) -> Result<(), SecretError> {
        let mut tmp = tempfile::Builder::new()
            .prefix(".secrets.sfkey.")
            .suffix(".tmp")
            .tempfile_in(&self.dir)
            .map_err(|e| self.io("cannot create a temp file beside", e))?;
        tmp.write_all(bytes)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.io("cannot write", e))?;
        tmp.persist(self.path())
            .map_err(|e| self.io("cannot replace", e.error))?;
        #[cfg(unix)]
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    fn lock(&self) -> Result<File, SecretError> {
        let path = self.dir.join(LOCK_FILE);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(&path)
            .map_err(|e| self.io("cannot open the lock of", e))?;
        file.lock().map_err(|e| self.io("cannot lock", e))?;
        Ok(file)
    }
}

fn passphrase_error(e: PassphraseError) -> SecretError {
    SecretError::File(e.to_string())
}

fn entry_name(org: &OrgId, kind: SecretKind) -> String {
    format!("{org}/{}", kind.as_str())
}

impl SecretStore for FileStore {
    fn place(&self) -> &'static str {
        "the encrypted secrets file"
    }

    fn get(&self, org: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, SecretError> {
        let (mut entries, _) = self.read()?;
        Ok(entries.remove(&entry_name(org, kind)))
    }

    fn set(&self, org: &OrgId, kind: SecretKind, value: &SecretString) -> Result<(), SecretError> {
        let name = entry_name(org, kind);
        self.change(|entries| {
            entries.insert(name, value.clone());
            true
        })
    }

    fn delete(&self, org: &OrgId, kind: SecretKind) -> Result<(), SecretError> {
        let name = entry_name(org, kind);
        self.change(|entries| entries.remove(&name).is_some())
    }

    fn get_all(&self, org: &OrgId) -> Result<OrgSecrets, SecretError> {
        let (mut entries, _) = self.read()?;
        let mut all = OrgSecrets::default();
        for kind in SecretKind::ALL {
            all.set(kind, entries.remove(&entry_name(org, kind)));
        }
        Ok(all)
    }
}
