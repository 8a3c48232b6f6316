//! `u`, `i`, `x`: calls about the selected org's stored token, and what their answers change.

use crate::humanize;
use crate::org::Org;
use crate::salesforce::{ApiError, TokenKind};
use crate::saved_org::calls::{self, CallError};

use super::super::calls::{Call, CallAnswer, CallState};
use super::super::keymap::{Action, KeyMap};
use super::{App, Effect, OrgId, Popup};

impl App {
    /// Why no call may start for `org` now, if so.
    fn call_blocked(&self, org: &Org) -> Option<String> {
        let panel = self.panels.get(&org.id)?;
        if panel.running.is_some() {
            return Some(format!(
                "{} is refreshing; try again when the refresh is done",
                org.name
            ));
        }
        match &panel.call {
            Some(state) if state.running() => Some(format!(
                "{}: {} is still running",
                org.name,
                state.call.title()
            )),
            _ => None,
        }
    }

    /// `u` and `i`: starts the call for the selected org.
    pub(super) fn start_call(&mut self, call: Call) -> Vec<Effect> {
        match self.selected_org().cloned() {
            Some(org) => self.start_call_for(org, call),
            None => {
                self.no_org();
                Vec::new()
            }
        }
    }

    fn start_call_for(&mut self, org: Org, call: Call) -> Vec<Effect> {
        if let Some(why) = self.call_blocked(&org) {
            self.info(why);
            return Vec::new();
        }
        // The CLI's rule: nothing is sent that can only be refused (nor refreshed for it).
        if call == Call::Introspect
            && let Some(refused) = calls::introspect_refused(&org)
        {
            let text = format!(
                "{}: {} failed: {}",
                org.name,
                call.title(),
                short_error(&refused, &self.env.keys)
            );
            self.error(text);
            return Vec::new();
        }
        // Whether a token is stored only the call finds out (`on_call_done`); a dead one or a
        // missing instance URL shows here.
        if call == Call::Userinfo && calls::refreshes_first(&org, true, true) {
            return self.refresh_then(&org, call);
        }
        let now_ms = self.now_ms;
        self.panels.entry(org.id.clone()).or_default().call = Some(CallState {
            call,
            started_ms: now_ms,
            outcome: None,
        });
        if self.selected_org().map(|o| &o.id) == Some(&org.id) {
            self.view.response_scroll = 0;
        }
        vec![Effect::Call(org, call)]
    }

    /// `u`/`i` without a live stored access token: refreshes the selected org first, then the
    /// call, as the CLI does ([`calls::refreshes_first`]).
    fn refresh_then(&mut self, org: &Org, call: Call) -> Vec<Effect> {
        if self.selected_org().map(|o| &o.id) != Some(&org.id) {
            return Vec::new();
        }
        let effects = self.refresh_selected();
        if !effects.is_empty() {
            self.panels.entry(org.id.clone()).or_default().then_call = Some(call);
            let text = format!(
                "No live access token stored for {}: refreshing first",
                org.name
            );
            self.info(text);
        }
        effects
    }

    /// A refresh ended: a call waiting for it starts when it worked.
    pub(super) fn on_refreshed_then_call(
        &mut self,
        id: OrgId,
        outcome: crate::tui::RefreshOutcome,
    ) -> Vec<Effect> {
        let then = self.panels.get_mut(&id).and_then(|p| p.then_call.take());
        let worked = matches!(outcome, crate::tui::RefreshOutcome::Success(_));
        let mut effects = self.on_refreshed(id.clone(), outcome);
        if let (Some(call), true) = (then, worked)
            && let Some(org) = self.orgs.iter().find(|o| o.id == id).cloned()
        {
            effects.extend(self.start_call_for(org, call));
        }
        effects
    }

    /// `x`: asks which token to revoke.
    pub(super) fn ask_revoke(&mut self) {
        let Some(org) = self.selected_org().cloned() else {
            return self.no_org();
        };
        if calls::nothing_to_revoke(&org) {
            let text = format!(
                "{}: nothing to revoke (the refresh token was revoked, and none is stored since); {}",
                org.name,
                crate::tui::remedy::advice_text(
                    &crate::saved_org::refresh::NO_REFRESH_TOKEN,
                    &org,
                    &self.env.keys
                )
            );
            return self.info(text);
        }
        match self.call_blocked(&org) {
            Some(why) => self.info(why),
            None => self.view.popup = Some(Popup::ConfirmRevoke(Box::new(org))),
        }
    }

    /// An action in the revoke popup: the access token, the refresh token, or neither.
    pub(super) fn on_revoke(&mut self, action: Option<Action>) -> Vec<Effect> {
        let kind = match action {
            Some(Action::RevokeAccess) => Some(TokenKind::AccessToken),
            Some(Action::RevokeRefresh) => Some(TokenKind::RefreshToken),
            Some(Action::No) => None,
            _ => return Vec::new(),
        };
        let Some(Popup::ConfirmRevoke(org)) = self.view.popup.take() else {
            return Vec::new();
        };
        match kind {
            Some(kind) => self.start_call_for(*org, Call::Revoke(kind)),
            None => Vec::new(),
        }
    }

    /// A call ended: keep its answer for the response pane, say what it means, and reload
    /// the orgs (a username filled in, a token marked dead).
    pub(super) fn on_call_done(
        &mut self,
        id: OrgId,
        call: Call,
        outcome: Result<CallAnswer, CallError>,
    ) -> Vec<Effect> {
        let Some(name) = self.name_of(&id) else {
            self.panels.remove(&id);
            return Vec::new();
        };
        // No access token stored: refresh first, once (a refresh that worked stores one).
        let org = self.orgs.iter().find(|o| o.id == id).cloned();
        if let (Some(org), Err(CallError::NoAccessToken(_) | CallError::NoInstanceUrl(_))) =
            (org, &outcome)
            && matches!(call, Call::Userinfo | Call::Introspect)
            && self.selected_org().map(|o| &o.id) == Some(&id)
            && (!org.last_refresh.as_ref().is_some_and(|l| l.is_ok())
                || org.dead_access_token().is_some())
        {
            if let Some(panel) = self.panels.get_mut(&id) {
                panel.call = None;
            }
            let effects = self.refresh_then(&org, call);
            if !effects.is_empty() {
                return effects;
            }
        }
        match &outcome {
            Ok(answer) => {
                let text = answer_summary(&name, answer, self.now_ms, &self.env.keys);
                self.info(text);
            }
            Err(e) => {
                let why = short_error(e, &self.env.keys);
                let text = format!("{name}: {} failed: {why}", call.title());
                self.error(text);
            }
        }
        if let Some(state) = self.panels.get_mut(&id).and_then(|p| p.call.as_mut())
            && state.call == call
        {
            state.outcome = Some(outcome);
        }
        vec![Effect::LoadOrgs]
    }
}

/// The status-line summary of an answer.
fn answer_summary(name: &str, answer: &CallAnswer, now_ms: u64, keys: &KeyMap) -> String {
    let r = keys.main_key(Action::Refresh);
    match answer {
        CallAnswer::Userinfo(done) => {
            let user = done
                .info
                .username
                .as_deref()
                .unwrap_or("no username in the answer");
            let saved = if done.username_filled {
                " (saved as the org's username)"
            } else {
                ""
            };
            format!("{name}: userinfo: {user}{saved}")
        }
        CallAnswer::Introspect(done) if done.info.active => match done.info.exp {
            Some(exp) => format!(
                "{name}: access token active, {}",
                humanize::expiry(exp.saturating_mul(1000), now_ms)
            ),
            None => format!("{name}: access token active"),
        },
        CallAnswer::Introspect(_) => {
            format!(
                "{name}: the access token is not active (marked expired): press {r} for a new one"
            )
        }
        CallAnswer::Revoke(done) if done.kind == TokenKind::RefreshToken => format!(
            "{name}: revoked the refresh token and removed it and the access token from the keyring; {}",
            crate::tui::remedy::advice_text(
                &crate::saved_org::refresh::NO_REFRESH_TOKEN,
                name,
                keys
            )
        ),
        CallAnswer::Revoke(_) => {
            format!("{name}: revoked the access token and removed it from the keyring")
        }
    }
}

/// The short form of a failed call for the status line.
fn short_error(error: &CallError, keys: &KeyMap) -> String {
    let r = keys.main_key(Action::Refresh);
    match error {
        CallError::NoAccessToken(_) | CallError::NoInstanceUrl(_) => {
            format!("no access token stored: press {r} to refresh first")
        }
        CallError::NoRefreshToken(_) => "no refresh token stored".into(),
        CallError::NoClient(_) => format!(
            "it holds an access token only, and introspect needs the app's client; {}",
            call_hint(error, "", keys).unwrap_or_default()
        ),
        CallError::Api(ApiError::SessionExpired { .. }) => {
            format!("the access token is expired (now marked so): press {r}")
        }
        CallError::Api(ApiError::Refused { code, .. }) => code.clone(),
        CallError::Api(ApiError::Http(e)) => e.code_words(),
        CallError::Api(ApiError::Unexpected { exchange, .. }) => {
            format!("unexpected answer (HTTP {})", exchange.status)
        }
        CallError::Store(_) | CallError::NotCleared(..) => "keyring or orgs file".into(),
    }
}

/// What to do about a failed call, worded for the TUI (keys, not commands).
pub fn call_hint(error: &CallError, org: &str, keys: &KeyMap) -> Option<String> {
    error
        .advice()
        .map(|a| crate::tui::remedy::advice_text(&a, org, keys))
}

#[cfg(test)]
#[path = "calls_tests.rs"]
mod tests;
