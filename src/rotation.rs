//! Keeping a rotated refresh token: once Salesforce rotates, the old token is dead and the answer
//! carries the only working one. Saving it is retried; if the keyring still refuses, the caller
//! gets the token back (masked in `Debug`, never in a message) to keep in memory and retry.

use std::time::Duration;

use secrecy::SecretString;

use crate::org::Org;
use crate::store::{SecretKind, Store, StoreError};

/// Waits between attempts to save a rotated refresh token: three tries in about a second.
const SAVE_BACKOFF: [Duration; 2] = [Duration::from_millis(200), Duration::from_millis(800)];

/// Debug builds only: abort right after a rotated refresh token is saved, to test that nothing
/// after that point is needed for the next run to work.
pub const ABORT_AFTER_SAVE_ENV: &str = "SFKEY_DEBUG_ABORT_AFTER_ROTATION_SAVED";

/// A live refresh token the keyring refused to store; the caller must keep it.
#[derive(Debug, thiserror::Error)]
#[error(
    "Salesforce issued a new refresh token but the keyring refused it {attempts} times ({error}); the stored refresh token no longer works"
)]
pub struct NotSaved {
    /// The last keyring error.
    pub error: StoreError,
    /// How many times saving was tried.
    pub attempts: usize,
    /// The only working refresh token.
    pub refresh_token: SecretString,
}

/// Saves `token` as the org's refresh token, trying up to three times.
pub async fn save_refresh_token(
    store: &Store,
    org: &Org,
    token: &SecretString,
) -> Result<(), NotSaved> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (s, id, t) = (store.clone(), org.id.clone(), token.clone());
        let saved =
            tokio::task::spawn_blocking(move || s.set_secret(&id, SecretKind::RefreshToken, &t))
                .await
                .unwrap_or_else(|e| {
                    Err(StoreError::Secret(crate::store::SecretError::Other(
                        format!("the keyring task failed: {e}"),
                    )))
                });
        match saved {
            Ok(()) => {
                abort_if_asked();
                return Ok(());
            }
            Err(error) => match SAVE_BACKOFF.get(attempts - 1) {
                Some(wait) => {
                    tracing::warn!(org = %org.name, %error, attempts, "saving the rotated refresh token failed; retrying");
                    tokio::time::sleep(*wait).await;
                }
                None => {
                    tracing::error!(org = %org.name, %error, attempts, "the rotated refresh token was not saved");
                    return Err(NotSaved {
                        error,
                        attempts,
                        refresh_token: token.clone(),
                    });
                }
            },
        }
    }
}

fn abort_if_asked() {
    #[cfg(debug_assertions)]
    if std::env::var_os(ABORT_AFTER_SAVE_ENV).is_some() {
        eprintln!("sfkey: {ABORT_AFTER_SAVE_ENV} is set: aborting right after saving");
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use secrecy::ExposeSecret;

    use super::*;
    use crate::org::OrgId;
    use crate::store::{MemoryStore, NewSecrets, SecretError, SecretStore};

    /// Refuses the first `failures` writes of a refresh token.
    struct Flaky {
        inner: MemoryStore,
        failures: AtomicUsize,
    }

    impl SecretStore for Flaky {
        fn get(&self, org: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, SecretError> {
            self.inner.get(org, kind)
        }
        fn set(&self, org: &OrgId, kind: SecretKind, v: &SecretString) -> Result<(), SecretError> {
            if kind == SecretKind::RefreshToken
                && self
                    .failures
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
            {
                return Err(SecretError::Locked("prompt dismissed".into()));
            }
            self.inner.set(org, kind, v)
        }
        fn delete(&self, org: &OrgId, kind: SecretKind) -> Result<(), SecretError> {
            self.inner.delete(org, kind)
        }
    }

    fn setup(failures: usize) -> (tempfile::TempDir, Store, Org) {
        let tmp = tempfile::tempdir().unwrap();
        let flaky = Arc::new(Flaky {
            inner: MemoryStore::new(),
            failures: AtomicUsize::new(0),
        });
        let store = Store::new(tmp.path(), flaky.clone());
        let org = store
            .add(
                Org::new("rot", "https://login.salesforce.com", "cid"),
                NewSecrets {
                    client_secret: None,
                    refresh_token: SecretString::from("old"),
                },
            )
            .unwrap();
        flaky.failures.store(failures, Ordering::SeqCst);
        (tmp, store, org)
    }

    fn save(store: &Store, org: &Org, token: &str) -> Result<(), NotSaved> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(save_refresh_token(store, org, &SecretString::from(token)))
    }

    fn stored(store: &Store, org: &Org) -> String {
        let token = store.secret(&org.id, SecretKind::RefreshToken).unwrap();
        token.unwrap().expose_secret().to_string()
    }

    #[test]
    fn a_keyring_that_refuses_twice_still_gets_the_token() {
        let (_tmp, store, org) = setup(2);
        save(&store, &org, "new-SECRET").unwrap();
        assert_eq!(stored(&store, &org), "new-SECRET");
    }

    #[test]
    fn a_keyring_that_keeps_refusing_hands_the_token_back_masked() {
        let (_tmp, store, org) = setup(usize::MAX);
        let err = save(&store, &org, "new-SECRET").unwrap_err();
        assert_eq!(err.attempts, 3);
        assert_eq!(err.refresh_token.expose_secret(), "new-SECRET");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("new-SECRET"), "{shown}");
        assert!(shown.contains("refused it 3 times"), "{shown}");
        assert_eq!(stored(&store, &org), "old");
    }
}
