//! Keys to actions: every key is looked up in the key table of the context on screen (the main
//! screen or the popup), then the action is done here or in the popup's own file.

use crossterm::event::KeyEvent;

use super::super::form::OrgForm;
use super::super::keymap::{Action, Context, is_hard_quit};
use super::{App, Effect, Pane, Popup, QuitState, Shown};

impl App {
    pub(super) fn on_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        // Ctrl-C quits from anywhere, popups included (asking first if it would lose something).
        if is_hard_quit(key) {
            return self.quit();
        }
        let context = self.view.popup.as_ref().map_or(Context::Main, context_of);
        let action = self.env.keys.action(context, key);
        if self.quit == QuitState::Warned && action != Some(Action::Quit) {
            // Any other key takes the quit back: the warning was for what was on screen then,
            // and a form opened later must ask again. Its message goes too, unless replaced.
            self.quit = QuitState::Running;
            if let Some(warning) = self.would_lose()
                && self.view.status.as_ref().is_some_and(|s| s.text == warning)
            {
                self.view.status = None;
            }
        }
        if matches!(self.view.popup, Some(Popup::Form(_))) {
            return self.on_form_key(key);
        }
        match &self.view.popup {
            None => action.map_or_else(Vec::new, |action| self.on_action(action)),
            Some(Popup::PasteUrl(_)) => self.on_paste_key(key, action),
            Some(Popup::ConfirmUpdate(_)) => self.on_confirm_update(action),
            Some(Popup::ConfirmDelete(_)) => self.on_confirm_delete(action),
            Some(Popup::ConfirmRevoke(_)) => self.on_revoke(action),
            Some(Popup::Login(_)) => self.on_login_action(action),
            Some(Popup::Help(_)) => {
                self.on_help_action(action);
                Vec::new()
            }
            Some(Popup::Form(_)) => Vec::new(),
        }
    }

    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        if self.quitting() && !matches!(action, Action::Quit | Action::Help) {
            let waiting = self.must_finish().join(", ");
            let q = self.key_of(Action::Quit);
            self.info(format!(
                "quitting once this finishes saving: {waiting} ({q} again to leave now)"
            ));
            return Vec::new();
        }
        if self.orgs.loading() && super::needs_whole_list(action) {
            // Names are checked against every saved org, and edits act on the whole file.
            self.info("still reading the orgs file; try again in a moment");
            return Vec::new();
        }
        match action {
            Action::Down => self.scroll(self.focused_pane(), 1),
            Action::Up => self.scroll(self.focused_pane(), -1),
            Action::First => self.scroll(self.focused_pane(), isize::MIN),
            Action::Last => self.scroll(self.focused_pane(), isize::MAX),
            Action::NextPane => self.next_pane(),
            Action::Refresh => return self.refresh_selected(),
            Action::Copy => return self.copy_selected(),
            Action::Reveal => {
                if matches!(
                    self.selected_panel().and_then(|p| p.last.as_ref()),
                    Some(Shown::Token { .. })
                ) {
                    self.view.reveal = !self.view.reveal;
                    // The revealed token is longer: start it from its top.
                    self.view.token_scroll = 0;
                } else {
                    let r = self.key_of(Action::Refresh);
                    self.info(format!("nothing to reveal yet: press {r} to refresh"));
                }
            }
            Action::Add => self.view.popup = Some(Popup::Form(Box::new(OrgForm::add()))),
            Action::PasteAuthUrl => self.open_paste(),
            Action::Edit | Action::Delete => self.edit_or_delete(action),
            Action::Login => {
                let form = OrgForm::log_in(self.env.login_url.as_deref());
                self.view.popup = Some(Popup::Form(Box::new(form)));
            }
            Action::LoginAgain => return self.login_again(),
            Action::Help => self.view.popup = Some(Popup::Help(0)),
            Action::Cancel => return self.cancel_selected(),
            Action::Quit => return self.quit(),
            Action::Userinfo => return self.start_call(super::Call::Userinfo),
            Action::Introspect => return self.start_call(super::Call::Introspect),
            Action::Revoke => self.ask_revoke(),
            Action::Open => return self.open_selected(),
            Action::Proxy => return self.toggle_proxy(),
            Action::CopyProxyToken => return self.copy_proxy_token(),
            // Popup actions: not bound on the main screen.
            Action::Yes
            | Action::No
            | Action::RevokeAccess
            | Action::RevokeRefresh
            | Action::CopyUrl
            | Action::DeviceLogin
            | Action::Submit
            | Action::Save
            | Action::RevealSecrets
            | Action::NextField
            | Action::PrevField
            | Action::ChooseNext
            | Action::ChoosePrev => {}
        }
        Vec::new()
    }

    fn next_pane(&mut self) {
        // A short terminal folds the response pane away: Tab skips it there.
        let response_shown = !self.hit.response.get().is_empty();
        self.view.focus = match self.focused_pane() {
            Pane::Orgs => Pane::Token,
            Pane::Token if response_shown => Pane::Response,
            Pane::Token | Pane::Response => Pane::Orgs,
        };
    }

    fn copy_selected(&mut self) -> Vec<Effect> {
        let r = self.key_of(Action::Refresh);
        match self.selected_org() {
            // As `sfkey token` refreshes instead: a dead token is no use to anyone.
            Some(org) if org.dead_access_token().is_some() => {
                let text = format!(
                    "{}: access token expired: press {r} for a new one",
                    org.name
                );
                self.error(text);
            }
            Some(org) => return vec![Effect::Copy(org.clone())],
            None => self.no_org(),
        }
        Vec::new()
    }

    fn edit_or_delete(&mut self, action: Action) {
        let Some(org) = self.selected_org() else {
            return self.no_org();
        };
        if self
            .panels
            .get(&org.id)
            .is_some_and(|p| p.running.is_some())
        {
            // Both would wait for the refresh's lock; say so rather than look frozen.
            let what = if action == Action::Edit {
                "edit"
            } else {
                "delete"
            };
            let esc = self.key_of(Action::Cancel);
            return self.error(format!(
                "{} is refreshing; {what} it when the refresh is done ({esc} cancels it)",
                org.name
            ));
        }
        self.view.popup = Some(if action == Action::Edit {
            Popup::Form(Box::new(OrgForm::edit(org)))
        } else {
            Popup::ConfirmDelete(Box::new(org.clone()))
        });
    }
}

/// The key table's context of a popup.
fn context_of(popup: &Popup) -> Context {
    match popup {
        // Help scrolls and closes with the main screen's keys.
        Popup::Help(_) => Context::Main,
        Popup::Form(_) => Context::Form,
        Popup::ConfirmDelete(_) => Context::Confirm,
        Popup::PasteUrl(_) => Context::Paste,
        Popup::ConfirmUpdate(_) => Context::Update,
        Popup::ConfirmRevoke(_) => Context::Revoke,
        Popup::Login(popup) if popup.question.is_some() => Context::LoginAsk,
        Popup::Login(_) => Context::Login,
    }
}
