//! Cancelling a refresh before its request goes out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

use super::refresh::RefreshError;

/// Stops a refresh that has not sent its request yet (waiting for the org's lock or the
/// keyring). Once the request is out it always runs to the end: Salesforce may rotate the
/// refresh token, and dropping its answer would lose the only working one.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<CancelInner>);

#[derive(Debug, Default)]
struct CancelInner {
    cancelled: AtomicBool,
    sent: AtomicBool,
    notify: Notify,
}

impl Cancel {
    /// Asks the refresh to stop.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Whether the request has gone out, so cancelling no longer stops anything.
    pub fn request_sent(&self) -> bool {
        self.0.sent.load(Ordering::SeqCst)
    }

    /// Marks the request as out: from now on cancelling stops nothing.
    pub(super) fn mark_sent(&self) {
        self.0.sent.store(true, Ordering::SeqCst);
    }

    async fn cancelled(&self) {
        let notified = self.0.notify.notified();
        if self.is_cancelled() {
            return;
        }
        notified.await;
    }

    /// Runs `step` unless cancelled first.
    pub(super) async fn or_cancel<T>(
        &self,
        step: impl Future<Output = Result<T, RefreshError>>,
    ) -> Result<T, RefreshError> {
        tokio::select! {
            biased;
            () = self.cancelled() => Err(RefreshError::Cancelled),
            result = step => result,
        }
    }
}
