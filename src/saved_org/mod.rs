//! What sfkey does with a saved org: refresh it (the grant of its kind, waiting for the org's
//! lock), keep a rotated refresh token before anything else, and the calls about its stored
//! tokens (userinfo, introspect, revoke). The CLI, the TUI and the proxy share these.

pub mod calls;
mod cancel;
mod grant;
pub mod refresh;
pub mod rotation;

pub use cancel::Cancel;

use crate::store::{Store, StoreError};

/// Runs a store operation (keyring, orgs file) on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    store: &Store,
    op: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || op(&store)).await {
        Ok(result) => result,
        Err(e) => Err(StoreError::Secret(crate::store::SecretError::Other(
            format!("the keyring task failed: {e}"),
        ))),
    }
}
