//! The add/edit/log-in form popup: its keys, and what its save came to.

use crossterm::event::KeyEvent;

use super::super::form::FormEvent;
use super::{App, Effect, Org, Popup};

impl App {
    /// A key while the form is open: the form handles it and says what came of it.
    pub(super) fn on_form_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if let Some(Popup::Form(form)) = &mut self.view.popup {
            let names: Vec<&str> = self.orgs.iter().map(|o| o.name.as_str()).collect();
            return match form.handle_key(key, &names) {
                FormEvent::Stay => Vec::new(),
                FormEvent::Close => {
                    if form.saving {
                        self.info("the save goes on; its result will show here");
                    }
                    self.view.popup = None;
                    Vec::new()
                }
                FormEvent::Submit(effect) if form.importing => self.on_import_submit(*effect),
                FormEvent::Submit(effect) => self.submitted(*effect),
            };
        }
        Vec::new()
    }

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
}
