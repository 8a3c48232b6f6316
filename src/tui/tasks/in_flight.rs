//! The refreshes running now, seen from outside the UI loop: when the loop panics, what a
//! refresh whose request is out brings back (maybe the org's only working refresh token) is
//! still saved before the process ends, as quitting waits for it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::org::OrgId;
use crate::refresh::Cancel;

/// A handle on the running refreshes (each until its result is saved).
#[derive(Clone)]
pub struct InFlight(Arc<Mutex<HashMap<OrgId, Cancel>>>);

impl InFlight {
    /// Over the map the tasks keep of their running refreshes.
    pub(super) fn new(cancels: Arc<Mutex<HashMap<OrgId, Cancel>>>) -> Self {
        Self(cancels)
    }

    /// How many refreshes are running.
    pub fn count(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Cancels the refreshes whose request has not gone out (nothing is lost), then waits up
    /// to `grace` for the others to save their answer. Returns how many are still running.
    pub async fn settle(&self, grace: Duration) -> usize {
        for cancel in self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            if !cancel.request_sent() {
                cancel.cancel();
            }
        }
        let deadline = tokio::time::Instant::now() + grace;
        while self.count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.count()
    }
}
