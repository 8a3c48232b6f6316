//! The login popup's part of `update`: a submitted login form becomes the waiting popup, which
//! owns the login's cancel handle and its question's reply; cancelling drops the popup (and so
//! ends the login), and its end adds the org to the list or says why not.

use tokio::sync::oneshot;

use super::super::keymap::Action;
use super::super::state::LoginQuestion;
use super::{App, LoginPopup, Popup};
use crate::org::Org;
use crate::tui::message::{CopyVia, Effect, LoginJob};

impl App {
    /// Opens the waiting popup for `job` and starts it.
    pub(super) fn start_login(&mut self, job: LoginJob) -> Vec<Effect> {
        self.view.popup = Some(Popup::Login(Box::new(LoginPopup {
            name: job.name.clone(),
            url: None,
            opened: if job.device {
                "asking Salesforce for a code…".into()
            } else {
                "starting the login…".into()
            },
            question: None,
            cancel: None,
            job: Some(Box::new(job.clone())),
        })));
        vec![Effect::StartLogin(Box::new(job))]
    }

    /// Logs in again into the selected org with the browser (the CLI's `login NAME --update`).
    pub(super) fn login_again(&mut self) -> Vec<Effect> {
        let Some(org) = self.selected_org() else {
            self.no_org();
            return Vec::new();
        };
        if org.kind != crate::org::OrgKind::RefreshToken {
            let text = format!(
                "{} is a {} org: it has no browser login to repeat",
                org.name,
                org.kind.label()
            );
            self.error(text);
            return Vec::new();
        }
        if self
            .panels
            .get(&org.id)
            .is_some_and(|p| p.running.is_some())
        {
            let text = format!("{} is refreshing; log in again when it is done", org.name);
            self.info(text);
            return Vec::new();
        }
        let job = LoginJob::again(org, false);
        self.start_login(job)
    }

    /// The login asks before it saves: the popup shows the question; with the popup gone (the
    /// login was cancelled meanwhile) the answer is no.
    pub(super) fn on_login_ask(&mut self, question: LoginQuestion) -> Vec<Effect> {
        if let Some(Popup::Login(popup)) = &mut self.view.popup {
            popup.question = Some(question);
            return Vec::new();
        }
        self.error("login not saved: the user is already saved under another name");
        vec![Effect::AnswerLogin(question.reply, false)]
    }

    /// An action while the login waits: copy the URL, or cancel (Ctrl-C is handled before);
    /// on a question, yes or no.
    pub(super) fn on_login_action(&mut self, action: Option<Action>) -> Vec<Effect> {
        let Some(Popup::Login(popup)) = &mut self.view.popup else {
            return Vec::new();
        };
        if popup.question.is_some() {
            let yes = match action {
                Some(Action::Yes) => true,
                Some(Action::No) => false,
                _ => return Vec::new(),
            };
            let Some(question) = popup.question.take() else {
                return Vec::new();
            };
            if yes {
                popup.opened = "saving…".into();
            } else {
                self.view.popup = None;
                self.info("login not saved");
            }
            return vec![Effect::AnswerLogin(question.reply, yes)];
        }
        match action {
            // The browser login's URL is shown: run it again with a device code instead.
            Some(Action::DeviceLogin) => match popup.job.as_deref() {
                Some(job) if !job.device && popup.url.is_some() => {
                    let mut job = job.clone();
                    job.device = true;
                    // The browser login ends as its cancel handle drops with the old popup.
                    self.start_login(job)
                }
                _ => Vec::new(),
            },
            Some(Action::CopyUrl) => popup
                .url
                .clone()
                .map(Effect::CopyLoginUrl)
                .into_iter()
                .collect(),
            Some(Action::Cancel) => {
                // Dropping the popup drops the login's cancel handle, which ends it. A code
                // already received is still exchanged and saved; its result shows then.
                self.view.popup = None;
                self.info("login cancelled");
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn on_login_waiting(
        &mut self,
        url: String,
        opened: String,
        cancel: oneshot::Sender<()>,
    ) -> Vec<Effect> {
        // With the popup gone (cancelled meanwhile), dropping `cancel` ends the login.
        if let Some(Popup::Login(popup)) = &mut self.view.popup {
            popup.url = Some(url);
            popup.opened = opened;
            popup.cancel = Some(cancel);
        }
        Vec::new()
    }

    pub(super) fn on_login_url_copied(&mut self, result: Result<CopyVia, String>) -> Vec<Effect> {
        match result {
            Ok(CopyVia::System) => self.info("copied the login URL (system clipboard)"),
            Ok(CopyVia::Terminal) => self.info("sent the login URL via OSC 52"),
            Err(why) => self.error(why),
        }
        Vec::new()
    }

    pub(super) fn on_login_done(&mut self, result: Result<(Org, String), String>) -> Vec<Effect> {
        if matches!(self.view.popup, Some(Popup::Login(_))) {
            self.view.popup = None;
        }
        match result {
            Ok((org, summary)) => {
                self.info(summary);
                self.pending_select = Some(org.id);
                vec![Effect::LoadOrgs]
            }
            Err(why) => {
                self.error(format!("login failed: {why}"));
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests;
