//! Key `p`: the popup that takes a pasted SFDX auth URL, and the question asked when the org it
//! would add is already saved. Parsing is pure, so this stays out of the tasks.

use crossterm::event::KeyEvent;

use crate::interop::{Imported, Sameness, sfdx_url};
use crate::org::Org;

use super::form::OrgForm;
use super::input::TextInput;
use super::keymap::Action;

/// The paste popup: one masked field for the auth URL.
#[derive(Debug)]
pub struct PasteUrl {
    /// The pasted (or typed) URL, drawn as dots: it holds the refresh token.
    pub input: TextInput,
    /// Why the last Enter was refused (names the part, never its value).
    pub error: Option<String>,
}

/// What a key did in the paste popup.
#[derive(Debug)]
pub enum PasteEvent {
    /// Keep the popup.
    Stay,
    /// Close it.
    Close,
    /// The URL parsed: continue in this form.
    Parsed(Box<OrgForm>),
}

impl Default for PasteUrl {
    fn default() -> Self {
        Self {
            input: TextInput::secret(),
            error: None,
        }
    }
}

impl PasteUrl {
    /// Pasted text goes into the field.
    pub fn paste(&mut self, text: &str) {
        self.input.insert(text);
        self.error = None;
    }

    /// Submit reads the URL; Cancel closes; other keys edit the field. `action` is what the
    /// key table says the key asks for here.
    pub fn handle_key(&mut self, key: &KeyEvent, action: Option<Action>) -> PasteEvent {
        match action {
            Some(Action::Cancel) => PasteEvent::Close,
            Some(Action::Submit) => match sfdx_url::parse(self.input.value()) {
                Ok(url) => PasteEvent::Parsed(Box::new(OrgForm::from_auth_url(&url))),
                Err(e) => {
                    self.error = Some(e.to_string());
                    PasteEvent::Stay
                }
            },
            _ => {
                self.input.handle_key(key);
                self.error = None;
                PasteEvent::Stay
            }
        }
    }
}

/// "Update X?": the import form's org matches a saved one.
#[derive(Debug)]
pub struct PendingUpdate {
    /// The saved org it matches.
    pub existing: Org,
    /// Which rule matched.
    pub why: Sameness,
    /// What would replace it.
    pub imported: Imported,
    /// The form, to return to on "no".
    pub form: Box<OrgForm>,
}
