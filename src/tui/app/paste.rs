//! `update` for key `p`: the paste popup, the import form's save, and "update X?".

use crossterm::event::KeyEvent;

use crate::interop::Step;

use super::super::form::{FormMode, SaveState};
use super::super::keymap::Action;
use super::super::message::{Effect, ImportCheck};
use super::super::paste::{PasteEvent, PendingUpdate};
use super::{App, Popup};

impl App {
    /// Opens the paste popup.
    pub(super) fn open_paste(&mut self) {
        self.view.popup = Some(Popup::PasteUrl(Box::default()));
    }

    /// A key in the paste popup.
    pub(super) fn on_paste_key(&mut self, key: &KeyEvent, action: Option<Action>) -> Vec<Effect> {
        let Some(Popup::PasteUrl(paste)) = &mut self.view.popup else {
            return Vec::new();
        };
        match paste.handle_key(key, action) {
            PasteEvent::Stay => {}
            PasteEvent::Close => self.view.popup = None,
            PasteEvent::Parsed(form) => self.view.popup = Some(Popup::Form(form)),
        }
        Vec::new()
    }

    /// The check came back: save a new org, or ask "update X?" first.
    pub(super) fn on_import_checked(
        &mut self,
        checked: Result<Box<ImportCheck>, String>,
    ) -> Vec<Effect> {
        let ImportCheck {
            imported,
            duplicate,
        } = match checked {
            Ok(checked) => *checked,
            Err(e) => return self.on_saved(Err(e)),
        };
        let Some((existing, why)) = duplicate else {
            return vec![Effect::Import(Box::new(Step::Add(imported)))];
        };
        let form = match self.view.popup.take() {
            // Only the form that asked (still saving) gets the question.
            Some(Popup::Form(form)) if form.mode == FormMode::Import && form.is_saving() => form,
            other => {
                // The form was closed meanwhile: nothing is saved without the answer.
                self.view.popup = other;
                let p = self.key_of(Action::PasteAuthUrl);
                self.error(format!(
                    "not saved: {} is already saved as {} ({}); press {p} again to update it",
                    imported.org.name,
                    existing.name,
                    why.describe()
                ));
                return Vec::new();
            }
        };
        let mut form = form;
        form.save = SaveState::Editing;
        self.view.popup = Some(Popup::ConfirmUpdate(Box::new(PendingUpdate {
            existing,
            why,
            imported,
            form,
        })));
        Vec::new()
    }

    /// Yes updates the saved org; No goes back to the form to pick another name.
    pub(super) fn on_confirm_update(&mut self, action: Option<Action>) -> Vec<Effect> {
        let yes = match action {
            Some(Action::Yes) => true,
            Some(Action::No) => false,
            _ => return Vec::new(),
        };
        let Some(Popup::ConfirmUpdate(pending)) = self.view.popup.take() else {
            return Vec::new();
        };
        let PendingUpdate {
            existing,
            imported,
            mut form,
            ..
        } = *pending;
        if !yes {
            form.save = SaveState::Failed(format!(
                "{} is kept as it is; change the name to add a new org",
                existing.name
            ));
            self.view.popup = Some(Popup::Form(form));
            return Vec::new();
        }
        form.save = SaveState::Saving;
        self.view.popup = Some(Popup::Form(form));
        vec![Effect::Import(Box::new(Step::Update {
            existing: Box::new(existing),
            imported,
        }))]
    }

    /// Pasted text for the paste popup, if it is open.
    pub(super) fn paste_into_popup(&mut self, text: &str) -> bool {
        if let Some(Popup::PasteUrl(paste)) = &mut self.view.popup {
            paste.paste(text);
            return true;
        }
        false
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use secrecy::ExposeSecret;

    use super::super::super::message::{Message, Pasted};
    use super::*;
    use crate::interop::Sameness;
    use crate::tui::fixtures;

    const URL: &str = "force://PlatformCLI::5Aep861SECRETtoken@acme.my.salesforce.com\n";

    fn key(code: KeyCode) -> Message {
        Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn ctrl_s() -> Message {
        Message::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL))
    }

    /// Opens the paste popup with `p`, pastes `url` and presses Enter; returns Enter's effects.
    fn paste_url(app: &mut App, url: &str) -> Vec<Effect> {
        app.update(key(KeyCode::Char('p')));
        assert!(matches!(app.view.popup, Some(Popup::PasteUrl(_))));
        app.update(Message::Paste(Pasted::new(url.into())));
        app.update(key(KeyCode::Enter))
    }

    /// Saves the form with Ctrl-S and answers the duplicate check as the tasks would.
    pub(crate) fn save_and_check(
        app: &mut App,
        duplicate: Option<(crate::org::Org, crate::interop::Sameness)>,
    ) -> Vec<Effect> {
        let effects = app.update(ctrl_s());
        let [Effect::CheckImport(_)] = &effects[..] else {
            panic!("{effects:?}");
        };
        let Some(Effect::CheckImport(imported)) = effects.into_iter().next() else {
            unreachable!();
        };
        app.update(Message::ImportChecked(Ok(Box::new(ImportCheck {
            imported: *imported,
            duplicate,
        }))))
    }

    #[test]
    fn a_pasted_url_fills_the_form_and_saves_a_new_org() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("prod", "https://login.salesforce.com")]);
        paste_url(&mut app, URL);
        let Some(Popup::Form(form)) = &app.view.popup else {
            panic!("no form: {:?}", app.view.popup);
        };
        assert_eq!(form.mode, FormMode::Import);
        assert_eq!(
            form.input(crate::tui::form::Field::Name).unwrap().value(),
            "acme"
        );
        let effects = save_and_check(&mut app, None);
        let [Effect::Import(step)] = &effects[..] else {
            panic!("{effects:?}");
        };
        let Step::Add(imported) = step.as_ref() else {
            panic!("{step:?}");
        };
        let org = &imported.org;
        assert_eq!(org.name, "acme");
        assert_eq!(org.login_url, "https://acme.my.salesforce.com");
        assert_eq!(org.client_id, "PlatformCLI");
        assert!(imported.client_secret.is_none());
        assert_eq!(imported.refresh_token.expose_secret(), "5Aep861SECRETtoken");
    }

    #[test]
    fn a_malformed_url_is_refused_without_showing_it() {
        let mut app = fixtures::app_with(Vec::new());
        assert!(paste_url(&mut app, "force://5Aep861SECRETtoken@x.com").is_empty());
        let Some(Popup::PasteUrl(paste)) = &app.view.popup else {
            panic!("popup closed");
        };
        let error = paste.error.as_deref().unwrap();
        assert!(
            error.contains("three parts") && !error.contains("SECRET"),
            "{error}"
        );
        assert!(!format!("{:?}", app.view.popup).contains("SECRET"));
        app.update(key(KeyCode::Esc));
        assert!(app.view.popup.is_none());
    }

    #[test]
    fn a_taken_name_asks_to_update_that_org() {
        let saved = fixtures::org("acme", "https://acme.my.salesforce.com");
        let mut app = fixtures::app_with(vec![saved.clone()]);
        paste_url(&mut app, URL);
        let duplicate = Some((saved.clone(), Sameness::RefreshToken));
        assert!(save_and_check(&mut app, duplicate.clone()).is_empty());
        let Some(Popup::ConfirmUpdate(pending)) = &app.view.popup else {
            panic!("no question: {:?}", app.view.popup);
        };
        assert_eq!(pending.existing.name, "acme");
        assert_eq!(pending.why, Sameness::RefreshToken);
        // n: back to the form, nothing saved.
        assert!(app.update(key(KeyCode::Char('n'))).is_empty());
        let Some(Popup::Form(form)) = &app.view.popup else {
            panic!("form gone");
        };
        assert!(matches!(&form.save, SaveState::Failed(e) if e.contains("acme is kept")));
        // Again, and y: the saved org is updated in place.
        save_and_check(&mut app, duplicate);
        let effects = app.update(key(KeyCode::Char('y')));
        let [Effect::Import(step)] = &effects[..] else {
            panic!("{effects:?}");
        };
        let Step::Update { existing, imported } = step.as_ref() else {
            panic!("{step:?}");
        };
        assert_eq!(existing.id, saved.id);
        assert_eq!(imported.refresh_token.expose_secret(), "5Aep861SECRETtoken");
        assert!(matches!(&app.view.popup, Some(Popup::Form(f)) if f.is_saving()));
    }

    #[test]
    fn a_duplicate_found_after_the_form_closed_saves_nothing_and_says_so() {
        let saved = fixtures::org("ci", "https://acme.my.salesforce.com");
        let mut app = fixtures::app_with(vec![saved.clone()]);
        paste_url(&mut app, URL);
        let effects = app.update(ctrl_s());
        app.update(key(KeyCode::Esc));
        assert!(app.view.popup.is_none());
        let Some(Effect::CheckImport(imported)) = effects.into_iter().next() else {
            panic!("no check");
        };
        let effects = app.update(Message::ImportChecked(Ok(Box::new(ImportCheck {
            imported: *imported,
            duplicate: Some((saved, Sameness::RefreshToken)),
        }))));
        assert!(effects.is_empty(), "{effects:?}");
        assert!(app.view.popup.is_none());
        let status = format!("{:?}", app.view.status);
        assert!(status.contains("acme is already saved as ci"), "{status}");
        assert!(!status.contains("SECRET"), "{status}");
    }
}
