//! The form's part of `update`: a key goes to the form, and what the form returns (cancel, or
//! the typed org) becomes the effect of its mode: add, edit, import, or log in.

use crossterm::event::KeyEvent;

use super::{App, Org, Popup};
use crate::interop::Imported;
use crate::store::SecretKind;
use crate::tui::form::{FormMode, FormOutcome, OrgDraft};
use crate::tui::message::{Effect, LoginJob, LoginRequest, OrgEdit};

impl App {
    /// A key while the form is open.
    pub(super) fn on_form_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let names: Vec<&str> = self.orgs.iter().map(|o| o.name.as_str()).collect();
        let Some(Popup::Form(form)) = &mut self.view.popup else {
            return Vec::new();
        };
        match form.on_key(key, &self.env.keys, &names) {
            FormOutcome::Continue => Vec::new(),
            FormOutcome::Cancel => {
                if form.is_saving() {
                    self.info("the save goes on; its result will show here");
                }
                self.view.popup = None;
                Vec::new()
            }
            FormOutcome::Submit(draft) => {
                let mode = form.mode.clone();
                self.form_submitted(mode, *draft)
            }
        }
    }

    /// Pasted text for the form, if it is open.
    pub(super) fn paste_into_form(&mut self, text: &str) {
        let names: Vec<&str> = self.orgs.iter().map(|o| o.name.as_str()).collect();
        if let Some(Popup::Form(form)) = &mut self.view.popup {
            form.paste(text, &names);
        }
    }

    /// A save's result: the form closes, or shows why not.
    pub(super) fn on_saved(&mut self, result: Result<Org, String>) -> Vec<Effect> {
        match result {
            Ok(org) => {
                if matches!(self.view.popup, Some(Popup::Form(_))) {
                    self.view.popup = None;
                }
                // A host outside Salesforce's domains gets the CLI's warning (in punycode).
                match crate::org::check_login_host(&org.login_url, true) {
                    Ok(Some(warning)) => self.error(format!("saved {}; {warning}", org.name)),
                    _ => self.info(format!("saved {}", org.name)),
                }
                self.pending_select = Some(org.id);
                vec![Effect::LoadOrgs]
            }
            Err(e) => {
                match &mut self.view.popup {
                    Some(Popup::Form(form)) => form.failed(e),
                    _ => self.error(format!("not saved: {e}")),
                }
                Vec::new()
            }
        }
    }

    /// The form was valid: the effect its mode asks for.
    fn form_submitted(&mut self, mode: FormMode, mut draft: OrgDraft) -> Vec<Effect> {
        let client_secret = draft.take_secret(SecretKind::ClientSecret);
        match mode {
            FormMode::Login => {
                let OrgDraft { org, .. } = draft;
                let target = crate::login::LoginTarget {
                    login_url: org.login_url,
                    site: org.site,
                    client_id: org.client_id,
                    client_secret,
                };
                let name = org.name;
                self.start_login(LoginJob::new_org(LoginRequest { name, target }))
            }
            // The tasks look for a saved org it duplicates first (by every rule `sfkey import`
            // uses; the same refresh token needs the keyring).
            FormMode::Import => {
                let refresh_token = draft.take_secret(SecretKind::RefreshToken);
                vec![Effect::CheckImport(Box::new(Imported {
                    org: draft.org,
                    client_secret,
                    refresh_token: refresh_token.unwrap_or_default(),
                }))]
            }
            FormMode::Add => {
                let mut secrets: Vec<_> = draft
                    .secrets
                    .into_iter()
                    .map(|(k, s)| (k, Some(s)))
                    .collect();
                if let Some(secret) = client_secret {
                    secrets.push((SecretKind::ClientSecret, Some(secret)));
                }
                vec![Effect::Add(draft.org, secrets)]
            }
            FormMode::Edit(before) => {
                let refresh_token = draft.take_secret(SecretKind::RefreshToken);
                // The one secret of another kind (key, access token) replaces the stored one.
                let other_secret = draft.secrets.pop();
                vec![Effect::Edit(Box::new(OrgEdit {
                    name: before.name.clone(),
                    org: draft.org,
                    secrets: crate::store::SecretChanges {
                        client_secret,
                        remove_client_secret: false,
                        refresh_token,
                    },
                    other_secret,
                }))]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use secrecy::ExposeSecret;

    use super::*;
    use crate::org::{Org, OrgKind};
    use crate::tui::fixtures;
    use crate::tui::form::OrgForm;
    use crate::tui::message::{Message, Pasted};
    use crate::tui::state::QuitState;

    fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
        app.update(Message::Key(KeyEvent::new(code, modifiers)))
    }

    fn paste(app: &mut App, text: &str) {
        app.update(Message::Paste(Pasted::new(text.into())));
    }

    #[test]
    fn ctrl_c_in_a_half_filled_form_asks_first() {
        let mut app = fixtures::app_with(vec![]);
        press(&mut app, KeyCode::Char('a'), KeyModifiers::NONE);
        paste(&mut app, "half");
        press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(!app.quitting(), "quit without asking");
        // The second Ctrl-C quits.
        press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(app.quitting());
    }

    #[test]
    fn a_quit_warning_ends_with_the_form_a_new_form_asks_again() {
        let mut app = fixtures::app_with(vec![]);
        press(&mut app, KeyCode::Char('a'), KeyModifiers::NONE);
        paste(&mut app, "half");
        press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(app.quit, QuitState::Warned);
        press(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        assert!(app.view.popup.is_none());
        assert_eq!(app.quit, QuitState::Running);
        assert!(app.view.status.is_none(), "the warning no longer applies");
        // A form filled later asks again rather than quitting on the first Ctrl-C.
        press(&mut app, KeyCode::Char('a'), KeyModifiers::NONE);
        paste(&mut app, "other");
        press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(!app.quitting(), "quit without asking");
        assert!(matches!(app.view.popup, Some(Popup::Form(_))));
    }

    #[test]
    fn an_added_org_of_another_kind_saves_its_secret_of_that_kind() {
        let mut app = fixtures::app_with(vec![]);
        press(&mut app, KeyCode::Char('a'), KeyModifiers::NONE);
        press(&mut app, KeyCode::Up, KeyModifiers::NONE);
        for _ in 0..3 {
            press(&mut app, KeyCode::Right, KeyModifiers::NONE);
        }
        press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
        paste(&mut app, "scratch");
        press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
        paste(&mut app, "https://acme.my.salesforce.com");
        press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
        paste(&mut app, "00D000000000001!AQ4AQ.TESTSECRET");
        let effects = press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        let [Effect::Add(org, secrets)] = &effects[..] else {
            panic!("{effects:?}");
        };
        assert_eq!(org.kind, OrgKind::AccessToken);
        let [(SecretKind::AccessToken, Some(token))] = &secrets[..] else {
            panic!("{secrets:?}");
        };
        assert!(token.expose_secret().ends_with("TESTSECRET"));
    }

    #[test]
    fn an_edit_carries_a_new_secret_of_the_kind_apart() {
        let mut org = Org::new("scratch", "https://acme.my.salesforce.com", "");
        org.kind = OrgKind::AccessToken;
        let mut app = fixtures::app_with(vec![org.clone()]);
        app.view.popup = Some(Popup::Form(Box::new(OrgForm::edit(&org))));
        press(&mut app, KeyCode::Up, KeyModifiers::NONE);
        paste(&mut app, "00D000000000001!AQ4AQ.TESTSECRET");
        let effects = press(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        let [Effect::Edit(edit)] = &effects[..] else {
            panic!("{effects:?}");
        };
        assert_eq!(edit.name, "scratch");
        assert!(edit.secrets.refresh_token.is_none() && edit.secrets.client_secret.is_none());
        assert!(matches!(
            edit.other_secret,
            Some((SecretKind::AccessToken, _))
        ));
    }
}
