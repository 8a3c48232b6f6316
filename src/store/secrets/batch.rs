//! Reading several secrets at once: without zbus where the Secret Service allows
//! (`secret_service/wire.rs`), else in one batch through the keyring-core store.

use std::time::Duration;

use zeroize::Zeroizing;

use super::{CoreStore, SecretError};

/// Entries without a worker thread or zbus (the Secret Service's unlocked
/// items, see `secret_service/wire.rs`); `None`: the store's own path decides.
#[cfg(target_os = "linux")]
pub(super) fn fast_get(
    service: &str,
    users: &[String],
    timeout: Duration,
) -> Result<Option<Values>, SecretError> {
    use crate::store::secret_service::{GiveUp, get_many_fast};
    match get_many_fast(service, users, timeout) {
        Ok(values) => {
            tracing::trace!(items = users.len(), "keyring read without zbus");
            Ok(Some(values))
        }
        Err(GiveUp::Fallback) => {
            tracing::debug!("keyring read: the fast path gave up; through zbus");
            Ok(None)
        }
        Err(GiveUp::TimedOut) => {
            let err = SecretError::Timeout(timeout.as_secs().max(1));
            tracing::warn!(error = %err, "keyring call failed");
            Err(err)
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn fast_get(_: &str, _: &[String], _: Duration) -> Result<Option<Values>, SecretError> {
    Ok(None)
}

/// Per user, the secret's bytes (`None`: no such item).
pub(super) type Values = Vec<Option<Zeroizing<Vec<u8>>>>;

/// Several entries in one go where the store can (the Secret Service); `None` otherwise.
#[cfg(target_os = "linux")]
pub(super) fn batch_get(
    store: &CoreStore,
    service: &str,
    users: &[String],
) -> keyring_core::Result<Option<Vec<Option<Vec<u8>>>>> {
    match store
        .as_any()
        .downcast_ref::<crate::store::secret_service::PlainSecretService>()
    {
        Some(ss) => ss.get_many(service, users),
        None => Ok(None),
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn batch_get(
    _store: &CoreStore,
    _service: &str,
    _users: &[String],
) -> keyring_core::Result<Option<Vec<Option<Vec<u8>>>>> {
    Ok(None)
}
