//! What the app says while a refresh retries, and how it guards a refresh token that only
//! lives in memory because the keyring refused it.

use super::App;
use crate::org::OrgId;
use crate::refresh::RefreshEvent;

impl App {
    /// News from a refresh in flight.
    pub(super) fn on_progress(&mut self, id: &OrgId, event: &RefreshEvent) {
        let Some(name) = self.name_of(id) else {
            return;
        };
        match event {
            RefreshEvent::RetryingBusy { after } => self.info(format!(
                "{name}: Salesforce says a refresh of this token is already being processed; retrying once in {} s",
                after.as_secs()
            )),
            RefreshEvent::RefreshTokenSaved => {
                if let Some(panel) = self.panels.get_mut(id) {
                    panel.unsaved_refresh_token = false;
                }
            }
            RefreshEvent::WaitingForLock => {}
        }
    }

    /// The names of orgs whose live refresh token is only in memory.
    pub fn unsaved_names(&self) -> Vec<String> {
        self.orgs
            .iter()
            .filter(|o| {
                self.panels
                    .get(&o.id)
                    .is_some_and(|p| p.unsaved_refresh_token)
            })
            .map(|o| o.name.clone())
            .collect()
    }

    /// On the first quit while a refresh token is only in memory: says what quitting loses,
    /// and returns true (the quit waits for a second `q`).
    pub(super) fn warn_before_losing_tokens(&mut self) -> bool {
        let names = self.unsaved_names();
        if names.is_empty() || self.quit_warned {
            return false;
        }
        self.quit_warned = true;
        self.error(format!(
            "the new refresh token of {} is only in memory (the keyring refused it): fix the keyring and press r to save it, or q again to quit and lose it",
            names.join(", ")
        ));
        true
    }
}
