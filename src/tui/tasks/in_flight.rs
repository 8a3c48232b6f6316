//! The refreshes running now, seen from outside the UI loop: when the loop panics, what a
//! refresh whose request is out brings back (maybe the org's only working refresh token) is
//! still saved before the process ends, as quitting waits for it. The app's state held their
//! cancel handles; unwinding drops them, which stops the refreshes that sent nothing yet.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A count of the running refreshes (each until its result is saved).
#[derive(Clone, Default)]
pub struct InFlight(Arc<AtomicUsize>);

/// Counts one refresh while it lives.
pub(super) struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl InFlight {
    /// Counts a refresh until the returned guard drops.
    pub(super) fn start(&self) -> Counted {
        self.0.fetch_add(1, Ordering::SeqCst);
        Counted(self.0.clone())
    }

    /// How many refreshes are running.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Waits up to `grace` for the refreshes to end (those that sent nothing were stopped when
    /// the app's state dropped their handles). Returns how many are still running.
    pub async fn settle(&self, grace: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + grace;
        while self.count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.count()
    }
}
