//! Where secrets live: the [`SecretStore`] trait, the OS keyring behind it, and an in-memory store.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

pub use super::org_secrets::OrgSecrets;
use crate::org::OrgId;
use crate::remedy::{Advice, Remedy, act};

/// The keyring service name every sfkey entry is filed under.
pub const KEYRING_SERVICE: &str = "sfkey";

/// How long one keyring call may take before we give up (gh uses the same 3 s).
pub const DEFAULT_KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// The secrets an org can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// The connected app's consumer secret (absent for apps like PlatformCLI).
    ClientSecret,
    /// The long-lived refresh token.
    RefreshToken,
    /// The access token from the last successful refresh.
    AccessToken,
    /// A JWT bearer org's private key (PEM), which signs its assertions.
    PrivateKey,
}

impl SecretKind {
    /// Every kind, for removing an org.
    pub const ALL: [SecretKind; 4] = [
        Self::ClientSecret,
        Self::RefreshToken,
        Self::AccessToken,
        Self::PrivateKey,
    ];

    /// The name used in keyring entries and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecret => "client_secret",
            Self::RefreshToken => "refresh_token",
            Self::AccessToken => "access_token",
            Self::PrivateKey => "private_key",
        }
    }

    /// For people: `client secret`, `refresh token`, `access token`.
    pub fn words(self) -> &'static str {
        match self {
            Self::ClientSecret => "client secret",
            Self::RefreshToken => "refresh token",
            Self::AccessToken => "access token",
            Self::PrivateKey => "private key",
        }
    }
}

/// A keyring failure. Messages never contain secret values.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SecretError {
    /// No keyring could be reached at all.
    #[error("the OS keyring is not available ({0}). {hint}", hint = super::native::unavailable_hint())]
    Unavailable(String),
    /// The keyring is there but locked, or access was refused.
    #[error(
        "the OS keyring is locked or refused access ({0}). Unlock it (log in to your desktop session, or `gnome-keyring-daemon --unlock`) and try again"
    )]
    Locked(String),
    /// The keyring did not answer in time, typically because it waits for an unlock prompt.
    #[error(
        "the OS keyring did not answer within {0} s; it may be waiting for an unlock prompt. Unlock it and try again"
    )]
    Timeout(u64),
    /// The stored value is not text or the entry is ambiguous.
    #[error("the keyring entry for the {0} is damaged ({1})")]
    Damaged(&'static str, String),
    /// Anything else the keyring reported.
    #[error("the OS keyring failed: {0}")]
    Other(String),
    /// The keyring daemon restarted (or stopped) under this process, and the call failed even
    /// after reconnecting: the new daemon's keyring is locked, or it is not back.
    #[error("the keyring restarted (or stopped) while sfkey was running; {0}")]
    Restarted(Box<SecretError>),
    /// The encrypted secrets file (`SFKEY_KEYRING=file`): the whole message, path included.
    #[error("{0}")]
    File(String),
}

impl SecretError {
    /// What to do about it, when sfkey knows.
    pub fn advice(&self) -> Option<Advice> {
        const LOOK: Advice = Advice(&[act("see what sfkey sees here", Remedy::Doctor)]);
        const STORE_AGAIN: Advice = Advice(&[act("store it again", Remedy::EditSecrets)]);
        match self {
            Self::Unavailable(_) | Self::Locked(_) | Self::Timeout(_) => Some(LOOK),
            Self::Damaged(..) => Some(STORE_AGAIN),
            Self::Restarted(inner) => inner.advice(),
            Self::Other(_) | Self::File(_) => None,
        }
    }
}

/// The one interface to secret storage; the keyring in real use, memory in unit tests and the demo.
pub trait SecretStore: Send + Sync {
    /// Reads a secret; `Ok(None)` when the org has none of that kind.
    fn get(&self, org: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, SecretError>;
    /// Stores (or replaces) a secret.
    fn set(&self, org: &OrgId, kind: SecretKind, value: &SecretString) -> Result<(), SecretError>;
    /// Removes a secret; removing one that is not there is fine.
    fn delete(&self, org: &OrgId, kind: SecretKind) -> Result<(), SecretError>;
    /// Where the secrets are, for messages: "the OS keyring" unless the store says otherwise.
    fn place(&self) -> &'static str {
        "the OS keyring"
    }
    /// Every secret of one org; stores that can read them in one round trip override this.
    fn get_all(&self, org: &OrgId) -> Result<OrgSecrets, SecretError> {
        let mut all = OrgSecrets::default();
        for kind in SecretKind::ALL {
            all.set(kind, self.get(org, kind)?);
        }
        Ok(all)
    }
}

/// Secrets in a `HashMap`: for unit tests (and a future demo mode), never for real orgs.
#[derive(Default)]
pub struct MemoryStore {
    values: Mutex<HashMap<(OrgId, SecretKind), SecretString>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn values(&self) -> std::sync::MutexGuard<'_, HashMap<(OrgId, SecretKind), SecretString>> {
        // A poisoned map is still a valid map: a panic elsewhere must not lose secrets.
        self.values.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, org: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, SecretError> {
        Ok(self.values().get(&(org.clone(), kind)).cloned())
    }

    fn set(&self, org: &OrgId, kind: SecretKind, value: &SecretString) -> Result<(), SecretError> {
        self.values().insert((org.clone(), kind), value.clone());
        Ok(())
    }

    fn delete(&self, org: &OrgId, kind: SecretKind) -> Result<(), SecretError> {
        self.values().remove(&(org.clone(), kind));
        Ok(())
    }
}

use super::native::{self, CoreStore};
use batch::{batch_get, fast_get};

/// The OS keyring (`store/native.rs` picks the one of each OS). Every call runs on a worker
/// thread with a timeout, because a locked keyring with a display can wait forever on an unlock
/// prompt.
pub struct KeyringStore {
    service: String,
    timeout: Duration,
    // Connected lazily, on the first call: listing orgs never touches the keyring.
    core: Arc<Mutex<Option<CoreStore>>>,
    // Set after a call timed out: its thread still holds the connection, so later calls
    // would only wait out the same timeout again.
    hung: Arc<AtomicBool>,
    // How often the daemon was found restarted (and reconnected to).
    restarts: Arc<AtomicU64>,
}

impl KeyringStore {
    /// A store under [`KEYRING_SERVICE`] with the default timeout.
    pub fn new() -> Self {
        Self::with_options(KEYRING_SERVICE, DEFAULT_KEYRING_TIMEOUT)
    }

    /// A store under another service name or timeout.
    pub fn with_options(service: &str, timeout: Duration) -> Self {
        Self {
            service: service.to_string(),
            timeout,
            core: Arc::new(Mutex::new(None)),
            hung: Arc::new(AtomicBool::new(false)),
            restarts: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many times this store found the keyring daemon restarted and reconnected.
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::SeqCst)
    }

    fn run<T: Send + 'static>(
        &self,
        op: impl Fn(&CoreStore) -> keyring_core::Result<T> + Send + 'static,
    ) -> Result<T, SecretError> {
        if self.hung.load(Ordering::SeqCst) {
            return Err(SecretError::Timeout(self.timeout.as_secs().max(1)));
        }
        let core = Arc::clone(&self.core);
        let hung = Arc::clone(&self.hung);
        let restarts = Arc::clone(&self.restarts);
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("sfkey-keyring".into())
            .spawn(move || {
                let result = call_reconnecting(&core, &op, &restarts);
                let _ = tx.send(result);
                // A late answer means the keyring is back (e.g. unlocked): stop failing fast.
                hung.store(false, Ordering::SeqCst);
            })
            .map_err(|e| SecretError::Other(format!("could not start a keyring thread: {e}")))?;
        let result = match rx.recv_timeout(self.timeout) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.hung.store(true, Ordering::SeqCst);
                Err(SecretError::Timeout(self.timeout.as_secs().max(1)))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(SecretError::Other(
                "the keyring thread stopped unexpectedly".into(),
            )),
        };
        if let Err(e) = &result {
            tracing::warn!(error = %e, "keyring call failed");
        }
        result
    }

    fn user(org: &OrgId, kind: SecretKind) -> String {
        format!("{org}/{}", kind.as_str())
    }

    /// The entries through the fast path (`batch::fast_get`), unless an earlier call hung;
    /// `None`: the store's own path decides.
    fn fast(&self, service: &str, users: &[String]) -> Result<Option<batch::Values>, SecretError> {
        if self.hung.load(Ordering::SeqCst) {
            return Ok(None);
        }
        fast_get(service, users, self.timeout)
    }

    /// One secret through the keyring-core store (which unlocks), never the fast path.
    fn get_from_core(
        &self,
        org: &OrgId,
        kind: SecretKind,
    ) -> Result<Option<SecretString>, SecretError> {
        let (service, user) = (self.service.clone(), Self::user(org, kind));
        let found = self.run(
            move |store| match entry(store, &service, &user)?.get_password() {
                Ok(value) => Ok(Some(SecretString::from(value))),
                Err(keyring_core::Error::NoEntry) => Ok(None),
                Err(e) => Err(e),
            },
        );
        found.map_err(|e| match e {
            SecretError::Damaged(_, why) => SecretError::Damaged(kind.as_str(), why),
            other => other,
        })
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

fn connect(slot: &Mutex<Option<CoreStore>>) -> Result<CoreStore, SecretError> {
    let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(store) = guard.as_ref() {
        return Ok(Arc::clone(store));
    }
    let store = native::connect().map_err(map_error)?;
    *guard = Some(Arc::clone(&store));
    Ok(store)
}

/// Runs `op`; when it fails because the daemon restarted (its session died with it), connects
/// again and runs it once more, on the same thread, so within the same timeout.
fn call_reconnecting<T>(
    slot: &Mutex<Option<CoreStore>>,
    op: &impl Fn(&CoreStore) -> keyring_core::Result<T>,
    restarts: &AtomicU64,
) -> Result<T, SecretError> {
    let store = connect(slot)?;
    let err = match op(&store) {
        Ok(value) => return Ok(value),
        // Answers, not failures.
        Err(e @ (keyring_core::Error::NoEntry | keyring_core::Error::BadEncoding(_))) => {
            return Err(map_error(e));
        }
        Err(e) => e,
    };
    if !native::restarted(&store) {
        return Err(map_error(err));
    }
    restarts.fetch_add(1, Ordering::SeqCst);
    tracing::warn!("the keyring restarted; reconnecting to it");
    *slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
    let again = connect(slot).and_then(|fresh| op(&fresh).map_err(map_error));
    again.map_err(|e| SecretError::Restarted(Box::new(e)))
}

/// Maps keyring errors to ours without ever formatting stored bytes (BadEncoding carries them).
fn map_error(err: keyring_core::Error) -> SecretError {
    use keyring_core::Error as E;
    match err {
        E::NoStorageAccess(e) => SecretError::Locked(e.to_string()),
        E::PlatformFailure(e) => SecretError::Unavailable(e.to_string()),
        E::NoDefaultStore => SecretError::Unavailable("no credential store".into()),
        E::BadEncoding(_) | E::BadDataFormat(..) => {
            SecretError::Damaged("a secret", "not valid text".into())
        }
        E::Ambiguous(entries) => {
            SecretError::Damaged("a secret", format!("{} matching entries", entries.len()))
        }
        E::NoEntry => SecretError::Other("no entry".into()),
        // The Credential Manager takes at most 2,560 bytes (1,280 UTF-16 characters).
        E::TooLong(what, max) => SecretError::Other(format!(
            "the {what} is too long for this keyring (at most {max} bytes); nothing was stored"
        )),
        other => SecretError::Other(other.to_string()),
    }
}

fn entry(
    store: &CoreStore,
    service: &str,
    user: &str,
) -> keyring_core::Result<keyring_core::Entry> {
    let label = format!("sfkey {user}");
    store.build(service, user, native::modifiers(&label).as_ref())
}

impl SecretStore for KeyringStore {
    fn get(&self, org: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, SecretError> {
        let (service, user) = (self.service.clone(), Self::user(org, kind));
        if let Some(mut values) = self.fast(&service, std::slice::from_ref(&user))? {
            return values.pop().flatten().map(|v| text(kind, &v)).transpose();
        }
        self.get_from_core(org, kind)
    }

    fn set(&self, org: &OrgId, kind: SecretKind, value: &SecretString) -> Result<(), SecretError> {
        let (service, user) = (self.service.clone(), Self::user(org, kind));
        let value = value.clone();
        self.run(move |store| entry(store, &service, &user)?.set_password(value.expose_secret()))
    }

    fn delete(&self, org: &OrgId, kind: SecretKind) -> Result<(), SecretError> {
        let (service, user) = (self.service.clone(), Self::user(org, kind));
        self.run(
            move |store| match entry(store, &service, &user)?.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                Err(e) => Err(e),
            },
        )
    }

    fn get_all(&self, org: &OrgId) -> Result<OrgSecrets, SecretError> {
        let service = self.service.clone();
        let users: Vec<String> = SecretKind::ALL
            .iter()
            .map(|k| Self::user(org, *k))
            .collect();
        let mut all = OrgSecrets::default();
        let values = match self.fast(&service, &users)? {
            Some(values) => Some(values),
            None => self
                .run(move |store| batch_get(store, &service, &users))?
                .map(|values| values.into_iter().map(|v| v.map(Zeroizing::new)).collect()),
        };
        let Some(values) = values else {
            // No batched read here, or an item is locked: one by one (which unlocks).
            for kind in SecretKind::ALL {
                all.set(kind, self.get_from_core(org, kind)?);
            }
            return Ok(all);
        };
        for (kind, value) in SecretKind::ALL.into_iter().zip(values) {
            if let Some(bytes) = value {
                all.set(kind, Some(text(kind, &bytes)?));
            }
        }
        Ok(all)
    }
}

/// A secret's bytes as text; never echoed when they are not.
fn text(kind: SecretKind, bytes: &[u8]) -> Result<SecretString, SecretError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| SecretError::Damaged(kind.as_str(), "not valid text".into()))?;
    Ok(SecretString::from(text.to_string()))
}

mod batch;
#[cfg(test)]
mod tests;
