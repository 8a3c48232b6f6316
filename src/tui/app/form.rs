//! The form's part of `update`: a key goes to the form, and what the form returns (cancel, or
//! the typed org) becomes the effect of its mode: add, edit, import, or log in.

use crossterm::event::KeyEvent;

use super::{App, LoginPopup, Popup};
use crate::interop::Imported;
use crate::store::SecretKind;
use crate::tui::form::{FormMode, FormOutcome, OrgDraft};
use crate::tui::message::{Effect, LoginRequest, OrgEdit};

impl App {
    /// A key while the form is open.
    pub(super) fn on_form_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let names: Vec<&str> = self.orgs.iter().map(|o| o.name.as_str()).collect();
        let Some(Popup::Form(form)) = &mut self.popup else {
            return Vec::new();
        };
        match form.on_key(key, &names) {
            FormOutcome::Continue => Vec::new(),
            FormOutcome::Cancel => {
                if form.is_saving() {
                    self.info("the save goes on; its result will show here");
                }
                self.popup = None;
                Vec::new()
            }
            FormOutcome::Submit(draft) => {
                let mode = form.mode.clone();
                self.form_submitted(mode, draft)
            }
        }
    }

    /// Pasted text for the form, if it is open.
    pub(super) fn paste_into_form(&mut self, text: &str) {
        let names: Vec<&str> = self.orgs.iter().map(|o| o.name.as_str()).collect();
        if let Some(Popup::Form(form)) = &mut self.popup {
            form.paste(text, &names);
        }
    }

    /// Ctrl-C: `false` while an unsaved form asks first (the next Ctrl-C quits).
    pub(super) fn form_allows_quit(&mut self) -> bool {
        match &mut self.popup {
            Some(Popup::Form(form)) => form.allow_quit(),
            _ => true,
        }
    }

    /// The form was valid: the effect its mode asks for.
    fn form_submitted(&mut self, mode: FormMode, mut draft: OrgDraft) -> Vec<Effect> {
        let client_secret = draft.take_secret(SecretKind::ClientSecret);
        match mode {
            FormMode::Login => {
                let OrgDraft { org, .. } = draft;
                self.popup = Some(Popup::Login(Box::new(LoginPopup {
                    name: org.name.clone(),
                    url: None,
                    opened: "starting the login…".into(),
                    question: None,
                })));
                let target = crate::login::LoginTarget {
                    login_url: org.login_url,
                    site: org.site,
                    client_id: org.client_id,
                    client_secret,
                };
                let name = org.name;
                vec![Effect::Login(Box::new(LoginRequest { name, target }))]
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
                let mut secrets: Vec<_> = draft.secrets.into_iter().map(|(k, s)| (k, Some(s))).collect();
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
