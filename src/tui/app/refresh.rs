//! The refresh of an org through its phases: `r` starts it with its cancel handle in the org's
//! state, the task's news moves the phase on, Esc is decided here, and the answer lands on its
//! own org (with a rotated refresh token the keyring refused kept in the org's state).

use crate::org::OrgId;
use crate::salesforce::SignatureCheck;
use crate::saved_org::refresh::{RefreshError, RefreshEvent};

use super::super::message::{RefreshJob, RefreshOutcome};
use super::super::state::RefreshCancel;
use super::{Action, App, Effect, Phase, Running, Shown, short_code};

impl App {
    pub(super) fn refresh_selected(&mut self) -> Vec<Effect> {
        let Some(org) = self.selected_org().cloned() else {
            let a = self.key_of(Action::Add);
            self.error(format!("no org to refresh: press {a} to add one"));
            return Vec::new();
        };
        let now_ms = self.now_ms;
        let panel = self.panels.entry(org.id.clone()).or_default();
        if panel.running.is_some() {
            // One refresh per org: a second would spend the same refresh token.
            self.info(format!("{} is already refreshing", org.name));
            return Vec::new();
        }
        if let Some(call) = panel.call.as_ref().filter(|c| c.running()) {
            // A refresh would drop the call's answer (and a revocation's wait at quit), and
            // could spend a refresh token being revoked.
            let text = format!(
                "{}: {} is still running; refresh when it is done",
                org.name,
                call.call.title()
            );
            self.info(text);
            return Vec::new();
        }
        let (handle, cancel) = RefreshCancel::new();
        panel.running = Some(Running {
            started_ms: now_ms,
            phase: Phase::Starting(handle),
        });
        vec![Effect::Refresh(Box::new(RefreshJob {
            org,
            cancel,
            unsaved_refresh_token: panel.unsaved_refresh_token.clone(),
        }))]
    }

    /// Esc on the main screen: stops the selected org's refresh if its request is not out yet.
    pub(super) fn cancel_selected(&mut self) -> Vec<Effect> {
        let Some(org) = self.selected_org() else {
            self.clear_message();
            return Vec::new();
        };
        let (id, name) = (org.id.clone(), org.name.clone());
        let Some(running) = self.panels.get_mut(&id).and_then(|p| p.running.as_mut()) else {
            self.clear_message();
            return Vec::new();
        };
        match std::mem::replace(&mut running.phase, Phase::Cancelling) {
            // Dropping the handle stops the refresh.
            Phase::Starting(_) | Phase::WaitingForLock(_) => {}
            Phase::Sent | Phase::SentCancelRefused => {
                running.phase = Phase::SentCancelRefused;
                self.info(format!("{name}: the request is already with Salesforce; waiting for its answer so a rotated refresh token is not lost"));
            }
            Phase::Cancelling => self.view.status = None,
        }
        Vec::new()
    }

    /// Esc with nothing to cancel: clears the message up; with none up, hides a broken
    /// config.toml's (the header keeps its note).
    fn clear_message(&mut self) {
        if self.view.status.take().is_none() {
            self.view.config_error_hidden = true;
        }
    }

    /// Stops every refresh that sent nothing yet (quitting); the others finish saving.
    pub(super) fn cancel_unsent(&mut self) {
        for running in self.panels.values_mut().filter_map(|p| p.running.as_mut()) {
            if running.phase.cancellable() {
                running.phase = Phase::Cancelling;
            }
        }
    }

    /// News from a refresh in flight.
    pub(super) fn on_refreshing(&mut self, id: &OrgId, event: RefreshEvent) {
        let Some(name) = self.name_of(id) else {
            return;
        };
        if let RefreshEvent::RetryingBusy { after } = event {
            return self.info(format!(
                "{name}: token request already being processed; retrying once in {} s",
                after.as_secs()
            ));
        }
        let Some(panel) = self.panels.get_mut(id) else {
            return;
        };
        match event {
            RefreshEvent::WaitingForLock => {
                if let Some(running) = &mut panel.running {
                    running.phase = match std::mem::replace(&mut running.phase, Phase::Cancelling) {
                        Phase::Starting(handle) => Phase::WaitingForLock(handle),
                        other => other,
                    };
                }
            }
            RefreshEvent::RequestSent => {
                if let Some(running) = &mut panel.running {
                    let too_late = matches!(running.phase, Phase::Cancelling);
                    running.phase = if too_late {
                        Phase::SentCancelRefused
                    } else {
                        Phase::Sent
                    };
                    if too_late {
                        // Short when quitting: the way out must fit in the status line.
                        let q = self.key_of(Action::Quit);
                        self.info(if self.quitting() {
                            format!("{q} again to leave now; else quitting once the answer to {name}'s request is saved")
                        } else {
                            format!("{name}: the request is already with Salesforce; waiting for its answer so a rotated refresh token is not lost")
                        });
                    }
                }
            }
            RefreshEvent::RetryingBusy { .. } => {}
            RefreshEvent::RefreshTokenSaved => panel.unsaved_refresh_token = None,
        }
    }

    pub(super) fn on_refreshed(&mut self, id: OrgId, outcome: RefreshOutcome) -> Vec<Effect> {
        if let Some(panel) = self.panels.get_mut(&id) {
            panel.running = None;
            // A userinfo/introspect/revoke answer was about the token before this refresh.
            if !matches!(outcome, RefreshOutcome::Failure(RefreshError::Cancelled)) {
                panel.call = None;
            }
            if let RefreshOutcome::Success(_) = &outcome {
                panel.unsaved_refresh_token = None;
            }
        }
        let Some(name) = self.name_of(&id) else {
            // Deleted meanwhile: nothing to show it on.
            self.panels.remove(&id);
            return Vec::new();
        };
        let selected = self.selected_org().map(|o| &o.id) == Some(&id);
        match outcome {
            RefreshOutcome::Success(done) => {
                let done = *done;
                let mismatch = done.signature == SignatureCheck::Mismatch;
                let summary = format!(
                    "{name}: HTTP {} in {} ms{}{}",
                    done.success.exchange.status,
                    done.success.exchange.latency.as_millis(),
                    if done.rotated {
                        "; the rotated refresh token is saved"
                    } else {
                        ""
                    },
                    if mismatch { "; SIGNATURE MISMATCH" } else { "" }
                );
                if let Some(org) = self.orgs.iter_mut().find(|o| o.id == id) {
                    *org = done.org;
                }
                self.panels.entry(id).or_default().last = Some(Shown::Token {
                    success: Box::new(done.success),
                    rotated: done.rotated,
                    signature: done.signature,
                    at_ms: self.now_ms,
                });
                if mismatch {
                    self.error(summary);
                } else {
                    self.info(summary);
                }
                if selected {
                    self.view.token_scroll = 0;
                    self.view.response_scroll = 0;
                }
                Vec::new()
            }
            RefreshOutcome::Failure(RefreshError::Cancelled) => {
                // Nothing was sent: the last real result stays on screen.
                self.info(format!("{name}: cancelled before anything was sent"));
                Vec::new()
            }
            RefreshOutcome::Failure(error) => {
                let panel = self.panels.entry(id).or_default();
                if let Some(token) = error.unsaved_refresh_token() {
                    // The only working refresh token: kept for the next refresh, never shown.
                    panel.unsaved_refresh_token = Some(token.clone());
                }
                let text = format!("{name}: refresh failed: {}", short_code(&error));
                panel.last = Some(Shown::Failure {
                    error: Box::new(error),
                    at_ms: self.now_ms,
                });
                self.error(text);
                // The store recorded the failure in the org's last refresh: show its age.
                vec![Effect::LoadOrgs]
            }
        }
    }
}
