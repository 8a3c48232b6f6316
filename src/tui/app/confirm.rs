//! The delete question: yes deletes the org and its keyring entries, no keeps it.

use super::super::keymap::Action;
use super::{App, Effect, Popup};

impl App {
    /// An action in the delete question.
    pub(super) fn on_confirm_delete(&mut self, action: Option<Action>) -> Vec<Effect> {
        let yes = match action {
            Some(Action::Yes) => true,
            Some(Action::No) => false,
            _ => return Vec::new(),
        };
        match self.view.popup.take() {
            Some(Popup::ConfirmDelete(org)) if yes => vec![Effect::Delete(*org)],
            _ => Vec::new(),
        }
    }
}
