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
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;

    use super::super::Message;
    use super::*;
    use crate::org::DeadToken;
    use crate::salesforce::{HttpExchange, Introspection, UserInfo};
    use crate::saved_org::calls::{IntrospectDone, RevokeDone, UserinfoDone};
    use crate::store::SecretKind;
    use crate::tui::fixtures::{self, NOW_MS};

    fn key(code: KeyCode) -> Message {
        Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// Two refreshed orgs (an instance URL each), so `u` asks at once.
    fn two() -> App {
        let mut orgs = vec![
            fixtures::org("alpha", "https://login.salesforce.com"),
            fixtures::org("beta", "https://test.salesforce.com"),
        ];
        for org in &mut orgs {
            org.instance_url = Some("https://acme.my.salesforce.com".into());
        }
        fixtures::app_with(orgs)
    }

    fn done(
        app: &App,
        index: usize,
        call: Call,
        outcome: Result<CallAnswer, CallError>,
    ) -> Message {
        Message::CallDone {
            id: app.orgs[index].id.clone(),
            call,
            outcome: Box::new(outcome),
        }
    }

    fn ok() -> HttpExchange {
        fixtures::exchange(200, "OK")
    }

    #[test]
    fn u_and_i_send_one_call_at_a_time_and_not_during_a_refresh() {
        let mut app = two();
        let effects = app.update(key(KeyCode::Char('u')));
        assert!(matches!(&effects[..], [Effect::Call(org, Call::Userinfo)] if org.name == "alpha"));
        assert!(
            app.update(key(KeyCode::Char('i'))).is_empty(),
            "one call at a time"
        );
        assert!(
            app.view
                .status
                .as_ref()
                .unwrap()
                .text
                .contains("still running")
        );

        let info = UserInfo {
            username: Some("admin@acme.com".into()),
            org_id: None,
            user_id: None,
            fields: json!({"preferred_username": "admin@acme.com"})
                .as_object()
                .unwrap()
                .clone(),
        };
        let answer = CallAnswer::Userinfo(UserinfoDone {
            exchange: ok(),
            info,
            username_filled: true,
        });
        let effects = app.update(done(&app, 0, Call::Userinfo, Ok(answer)));
        assert!(
            matches!(&effects[..], [Effect::LoadOrgs]),
            "the username was saved"
        );
        let status = &app.view.status.as_ref().unwrap().text;
        assert!(
            status.contains("alpha: userinfo: admin@acme.com (saved"),
            "{status}"
        );
        let state = app.selected_panel().unwrap().call.as_ref().unwrap();
        assert!(!state.running());

        let effects = app.update(key(KeyCode::Char('i')));
        assert!(matches!(&effects[..], [Effect::Call(_, Call::Introspect)]));

        // During a refresh nothing else starts on that org.
        app.update(key(KeyCode::Char('j')));
        app.update(key(KeyCode::Char('r')));
        assert!(app.update(key(KeyCode::Char('u'))).is_empty());
        assert!(
            app.view
                .status
                .as_ref()
                .unwrap()
                .text
                .contains("is refreshing")
        );
    }

    #[test]
    fn introspect_answers_say_active_with_expiry_or_expired() {
        let mut app = two();
        app.update(key(KeyCode::Char('i')));
        let exp_s = (NOW_MS + 6_720_000) / 1000;
        let active = Introspection {
            active: true,
            exp: Some(exp_s),
            iat: None,
            username: None,
            fields: json!({"active": true, "exp": exp_s})
                .as_object()
                .unwrap()
                .clone(),
        };
        let answer = CallAnswer::Introspect(IntrospectDone {
            exchange: ok(),
            info: active,
        });
        app.update(done(&app, 0, Call::Introspect, Ok(answer)));
        let status = &app.view.status.as_ref().unwrap().text;
        assert_eq!(status, "alpha: access token active, expires in 1h 52m");

        app.update(key(KeyCode::Char('i')));
        let inactive = Introspection {
            active: false,
            exp: None,
            iat: None,
            username: None,
            fields: json!({"active": false}).as_object().unwrap().clone(),
        };
        let answer = CallAnswer::Introspect(IntrospectDone {
            exchange: ok(),
            info: inactive,
        });
        app.update(done(&app, 0, Call::Introspect, Ok(answer)));
        assert!(
            app.view
                .status
                .as_ref()
                .unwrap()
                .text
                .contains("not active (marked expired)")
        );
    }

    #[test]
    fn a_401_is_an_error_with_press_r_and_a_refresh_clears_the_answer() {
        let mut app = two();
        app.update(key(KeyCode::Char('u')));
        let err = CallError::Api(ApiError::SessionExpired {
            exchange: fixtures::exchange(401, "Unauthorized"),
        });
        assert_eq!(
            call_hint(&err, "alpha", &KeyMap::default()).as_deref(),
            Some("the stored access token is now marked expired; refresh for a new one (press r)")
        );
        app.update(done(&app, 0, Call::Userinfo, Err(err)));
        let status = app.view.status.as_ref().unwrap();
        assert_eq!(status.level, super::super::Level::Error);
        assert!(
            status.text.contains("expired (now marked so): press r"),
            "{}",
            status.text
        );
        assert!(app.selected_panel().unwrap().call.is_some());

        let alpha = app.orgs[0].clone();
        app.update(fixtures::success(&alpha));
        assert!(app.selected_panel().unwrap().call.is_none());
    }

    #[test]
    fn x_asks_which_token_and_esc_sends_nothing() {
        let mut app = two();
        assert!(app.update(key(KeyCode::Char('x'))).is_empty());
        assert!(matches!(app.view.popup, Some(Popup::ConfirmRevoke(_))));
        assert!(
            app.update(key(KeyCode::Char('z'))).is_empty(),
            "other keys wait"
        );
        assert!(app.view.popup.is_some());
        assert!(app.update(key(KeyCode::Esc)).is_empty());
        assert!(app.view.popup.is_none());

        app.update(key(KeyCode::Char('x')));
        let effects = app.update(key(KeyCode::Char('r')));
        assert!(matches!(
            &effects[..],
            [Effect::Call(org, Call::Revoke(TokenKind::RefreshToken))] if org.name == "alpha"
        ));
        let answer = CallAnswer::Revoke(RevokeDone {
            exchange: ok(),
            kind: TokenKind::RefreshToken,
            cleared: vec![SecretKind::RefreshToken, SecretKind::AccessToken],
        });
        app.update(done(
            &app,
            0,
            Call::Revoke(TokenKind::RefreshToken),
            Ok(answer),
        ));
        assert!(
            app.view
                .status
                .as_ref()
                .unwrap()
                .text
                .contains("or store a new refresh token (press e)")
        );

        app.update(key(KeyCode::Char('x')));
        let effects = app.update(key(KeyCode::Char('a')));
        assert!(matches!(
            &effects[..],
            [Effect::Call(_, Call::Revoke(TokenKind::AccessToken))]
        ));
    }

    #[test]
    fn quitting_does_not_wait_for_userinfo_or_introspect() {
        for call in ['u', 'i'] {
            let mut app = two();
            app.update(key(KeyCode::Char(call)));
            assert!(app.any_running());
            app.update(key(KeyCode::Char('q')));
            assert!(
                app.should_exit(),
                "{call}: nothing to save, nothing to wait for"
            );
        }
    }

    #[test]
    fn quitting_waits_for_a_revocation_to_finish() {
        let mut app = two();
        app.update(key(KeyCode::Char('x')));
        app.update(key(KeyCode::Char('r')));
        app.update(key(KeyCode::Char('q')));
        assert!(
            app.quitting() && !app.should_exit(),
            "the keyring is not cleaned up yet"
        );
        let status = &app.view.status.as_ref().unwrap().text;
        assert!(
            status.contains("alpha: revoke refresh token") && status.contains("q again"),
            "quitting says what it waits for: {status}"
        );
        let answer = CallAnswer::Revoke(RevokeDone {
            exchange: ok(),
            kind: TokenKind::RefreshToken,
            cleared: vec![SecretKind::RefreshToken, SecretKind::AccessToken],
        });
        app.update(done(
            &app,
            0,
            Call::Revoke(TokenKind::RefreshToken),
            Ok(answer),
        ));
        assert!(app.should_exit());
    }

    #[test]
    fn a_dead_token_is_not_copied() {
        let mut alpha = fixtures::org("alpha", "https://login.salesforce.com");
        alpha.access_token_dead = Some(DeadToken {
            at_ms: NOW_MS,
            reason: "expired".into(),
            issued_at: Some(NOW_MS.to_string()),
        });
        // A token is stored (the list would offer c for it if it were alive).
        alpha.last_refresh = Some(crate::org::LastRefresh {
            at_ms: NOW_MS,
            status: "ok".into(),
            http_status: Some(200),
            latency_ms: 80,
            issued_at: Some(NOW_MS.to_string()),
        });
        let mut app = fixtures::app_with(vec![alpha]);
        assert!(
            !app.hint_actions()
                .contains(&crate::tui::keymap::Action::Copy),
            "no c hint for a key that refuses"
        );
        assert!(app.update(key(KeyCode::Char('c'))).is_empty());
        assert!(
            app.view
                .status
                .as_ref()
                .unwrap()
                .text
                .contains("expired: press r")
        );
    }

    #[test]
    fn u_without_a_live_token_refreshes_first_then_asks() {
        // Never refreshed: no instance URL, so userinfo refreshes first, as the CLI does.
        let mut app =
            fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
        let effects = app.update(key(KeyCode::Char('u')));
        assert!(
            matches!(effects.as_slice(), [Effect::Refresh(_)]),
            "{effects:?}"
        );
        assert!(
            app.view
                .status
                .as_ref()
                .unwrap()
                .text
                .contains("refreshing first")
        );
        // i finds no stored token: the same, once.
        let mut app = two();
        app.update(key(KeyCode::Char('i')));
        let none = Err(CallError::NoAccessToken("alpha".into()));
        let effects = app.update(done(&app, 0, Call::Introspect, none));
        assert!(
            matches!(effects.as_slice(), [Effect::Refresh(_)]),
            "{effects:?}"
        );
        assert_eq!(
            app.panels[&app.orgs[0].id].then_call,
            Some(Call::Introspect)
        );
    }

    #[test]
    fn x_with_nothing_left_to_revoke_says_so_instead_of_asking() {
        let mut app = two();
        app.orgs[0].access_token_dead = Some(DeadToken {
            at_ms: NOW_MS - 1_000,
            reason: crate::org::REFRESH_TOKEN_REVOKED.into(),
            issued_at: None,
        });
        app.update(key(KeyCode::Char('x')));
        assert!(app.view.popup.is_none());
        let status = &app.view.status.as_ref().unwrap().text;
        assert!(status.contains("nothing to revoke"), "{status}");
        assert!(status.contains("(press e)"), "{status}");
        // A refresh token stored since: there is something to revoke again.
        app.orgs[0].refresh_token_since_ms = Some(NOW_MS);
        app.update(key(KeyCode::Char('x')));
        assert!(app.view.popup.is_some());
    }
}
