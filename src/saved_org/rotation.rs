//! Keeping a rotated refresh token: once Salesforce rotates, the old token is dead and the answer
//! carries the only working one. Saving it is retried; if the keyring still refuses, the caller
//! gets the token back (masked in `Debug`, never in a message) to keep in memory and retry.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::org::Org;
use crate::store::{SecretError, SecretKind, Store, StoreError};

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

/// Saves `token` as the org's refresh token, trying up to three times. A write that timed out
/// may still be applied by the keyring later, so before writing again the keyring is read back:
/// if it holds the token already, it is saved (and a second write cannot race the late one).
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
                .unwrap_or_else(|e| Err(task_failed(e)));
        let error = match saved {
            Ok(()) => return saved_now(),
            Err(error) => error,
        };
        let timed_out = matches!(error, StoreError::Secret(SecretError::Timeout(_)));
        match SAVE_BACKOFF.get(attempts - 1) {
            Some(wait) => {
                tracing::warn!(org = %org.name, %error, attempts, "saving the rotated refresh token failed; retrying");
                tokio::time::sleep(*wait).await;
                if timed_out && holds(store, org, token).await {
                    tracing::info!(org = %org.name, "the timed-out write reached the keyring after all");
                    return saved_now();
                }
            }
            None if timed_out && holds(store, org, token).await => return saved_now(),
            None => {
                tracing::error!(org = %org.name, %error, attempts, "the rotated refresh token was not saved");
                return Err(NotSaved {
                    error,
                    attempts,
                    refresh_token: token.clone(),
                });
            }
        }
    }
}

fn saved_now() -> Result<(), NotSaved> {
    abort_if_asked();
    Ok(())
}

fn task_failed(e: tokio::task::JoinError) -> StoreError {
    StoreError::Secret(SecretError::Other(format!("the keyring task failed: {e}")))
}

/// Whether the keyring holds `token` as the org's refresh token now (a failed read: no).
async fn holds(store: &Store, org: &Org, token: &SecretString) -> bool {
    let (s, id) = (store.clone(), org.id.clone());
    let read = tokio::task::spawn_blocking(move || s.secret(&id, SecretKind::RefreshToken))
        .await
        .unwrap_or_else(|e| Err(task_failed(e)));
    matches!(read, Ok(Some(stored)) if stored.expose_secret() == token.expose_secret())
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

    use super::*;
    use crate::org::OrgId;
    use crate::store::{MemoryStore, NewSecrets, SecretStore};

    /// Refuses the first `failures` writes of a refresh token; with `late`, each refused
    /// write is applied all the same and reported as timed out.
    struct Flaky {
        inner: MemoryStore,
        failures: AtomicUsize,
        late: bool,
        writes: AtomicUsize,
    }

    impl SecretStore for Flaky {
        fn get(&self, org: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, SecretError> {
            self.inner.get(org, kind)
        }
        fn set(&self, org: &OrgId, kind: SecretKind, v: &SecretString) -> Result<(), SecretError> {
            if kind == SecretKind::RefreshToken {
                self.writes.fetch_add(1, Ordering::SeqCst);
            }
            if kind == SecretKind::RefreshToken
                && self
                    .failures
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
            {
                if self.late {
                    self.inner.set(org, kind, v)?;
                    return Err(SecretError::Timeout(3));
                }
                return Err(SecretError::Locked("prompt dismissed".into()));
            }
            self.inner.set(org, kind, v)
        }
        fn delete(&self, org: &OrgId, kind: SecretKind) -> Result<(), SecretError> {
            self.inner.delete(org, kind)
        }
    }

    fn setup(failures: usize) -> (tempfile::TempDir, Store, Org) {
        let (tmp, store, org, _) = setup_with(failures, false);
        (tmp, store, org)
    }

    fn setup_with(failures: usize, late: bool) -> (tempfile::TempDir, Store, Org, Arc<Flaky>) {
        let tmp = tempfile::tempdir().unwrap();
        let flaky = Arc::new(Flaky {
            inner: MemoryStore::new(),
            failures: AtomicUsize::new(0),
            late,
            writes: AtomicUsize::new(0),
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
        flaky.writes.store(0, Ordering::SeqCst);
        (tmp, store, org, flaky)
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

    #[test]
    fn a_timed_out_write_that_landed_is_read_back_not_written_again() {
        let (_tmp, store, org, flaky) = setup_with(usize::MAX, true);
        save(&store, &org, "new-SECRET").unwrap();
        assert_eq!(stored(&store, &org), "new-SECRET");
        assert_eq!(flaky.writes.load(Ordering::SeqCst), 1);
    }
}
