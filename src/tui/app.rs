//! The app's state and `update`: messages in, state changed, effects out. No I/O happens here,
//! so every behaviour is unit-tested without a terminal, a keyring or a network.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Position;

use crate::org::{Org, OrgId};
use crate::refresh::RefreshError;
use crate::salesforce::{SignatureCheck, TokenError};

use super::calls::Call;
use super::form::OrgForm;
use super::keymap::{self, Action};
use super::message::{CopyVia, Effect, Message, RefreshOutcome};
pub use super::state::{
    HitAreas, Level, LoginPopup, Pane, Panel, Popup, ProxyState, Running, RunningProxy, Shown,
    Status,
};

mod form;
mod login;
mod open;
mod proxy;

/// How long an info message stays in the status line.
const INFO_MS: u64 = 6_000;

/// Everything on screen.
#[derive(Debug)]
pub struct App {
    /// The saved orgs, in the order they were saved (as the store and `sfkey list` give them).
    pub orgs: Vec<Org>,
    /// The orgs file could not be read: why.
    pub load_error: Option<String>,
    /// The first load has answered.
    pub loaded: bool,
    /// Index into `orgs`.
    pub selected: usize,
    /// First org row drawn; the view keeps the selection visible.
    pub list_offset: Cell<usize>,
    /// Per-org refresh state and last result.
    pub panels: HashMap<OrgId, Panel>,
    /// Secrets shown whole in the token pane.
    pub reveal: bool,
    /// The pane j/k act on.
    pub focus: Pane,
    /// Scroll of the token pane, in lines.
    pub token_scroll: usize,
    /// Scroll of the response pane, in lines.
    pub response_scroll: usize,
    /// The popup, if any.
    pub popup: Option<Popup>,
    /// The status-line message.
    pub status: Option<Status>,
    /// Now, epoch ms (from ticks, so tests control it).
    pub now_ms: u64,
    /// Set in demo mode: what the banner says.
    pub demo: Option<String>,
    /// Where `l` logs in by default (the demo's fake Salesforce); production when `None`.
    pub login_url: Option<String>,
    /// Leaving: waiting for in-flight refreshes to finish saving.
    pub quitting: bool,
    /// Quit asked twice: leave even if a refresh is still out.
    pub forced: bool,
    /// Quitting was asked once and warned that a refresh token only in memory would be lost.
    pub quit_warned: bool,
    /// Select this org once it appears in a reload (after add/edit).
    pending_select: Option<OrgId>,
    /// Set by the view.
    pub hit: HitAreas,
    /// The local UTC offset in seconds, for `issued_at`.
    pub utc_offset_s: i32,
    /// Days unused after which an org's refresh token is flagged idle.
    pub idle_days: u64,
}

impl App {
    /// An empty app; the org list arrives by message.
    pub fn new(now_ms: u64, demo: Option<String>, utc_offset_s: i32) -> Self {
        Self {
            orgs: Vec::new(),
            load_error: None,
            loaded: false,
            selected: 0,
            list_offset: Cell::new(0),
            panels: HashMap::new(),
            reveal: false,
            focus: Pane::Orgs,
            token_scroll: 0,
            response_scroll: 0,
            popup: None,
            status: None,
            now_ms,
            demo,
            login_url: None,
            quitting: false,
            forced: false,
            quit_warned: false,
            pending_select: None,
            hit: HitAreas::default(),
            utc_offset_s,
            idle_days: crate::health::DEFAULT_IDLE_DAYS,
        }
    }

    /// The pane j/k act on: the focused one, or the list when the focused response pane was
    /// folded away by a shrinking terminal.
    pub fn focused_pane(&self) -> Pane {
        if self.focus == Pane::Response && self.hit.response.get().is_empty() {
            Pane::Orgs
        } else {
            self.focus
        }
    }

    /// The selected org, if there is one.
    pub fn selected_org(&self) -> Option<&Org> {
        self.orgs.get(self.selected)
    }

    /// The selected org's panel, if it has one.
    pub fn selected_panel(&self) -> Option<&Panel> {
        self.selected_org().and_then(|o| self.panels.get(&o.id))
    }

    /// Whether any refresh or call (userinfo, introspect, revoke) is in flight: spinners need
    /// redrawing.
    pub fn any_running(&self) -> bool {
        self.panels.values().any(|p| {
            p.running.is_some()
                || p.call
                    .as_ref()
                    .is_some_and(super::calls::CallState::running)
        })
    }

    /// The names of orgs whose refresh is still in flight.
    pub fn running_names(&self) -> Vec<String> {
        self.orgs
            .iter()
            .filter(|o| self.panels.get(&o.id).is_some_and(|p| p.running.is_some()))
            .map(|o| o.name.clone())
            .collect()
    }

    /// What quitting waits for: refreshes in flight (a rotated token may be on its way) and
    /// revocations (their keyring entries still go); userinfo and introspect save nothing that
    /// matters, so they are dropped. As `org: what` for the status line.
    pub fn must_finish(&self) -> Vec<String> {
        self.orgs
            .iter()
            .filter_map(|o| {
                let panel = self.panels.get(&o.id)?;
                if panel.running.is_some() {
                    return Some(format!("{}: refresh", o.name));
                }
                // A proxy may be renewing the org's session: a rotated token must be saved.
                if panel.proxy.is_some() {
                    return Some(format!("{}: proxy", o.name));
                }
                match &panel.call {
                    Some(state) if state.running() && matches!(state.call, Call::Revoke(_)) => {
                        Some(format!("{}: {}", o.name, state.call.title()))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// Whether the app is done: quit asked and nothing left to save (or quit asked twice).
    pub fn should_exit(&self) -> bool {
        self.quitting && (self.forced || self.must_finish().is_empty())
    }

    /// The main-screen actions worth a hint right now, in table order.
    pub fn hint_actions(&self) -> Vec<Action> {
        if self.quitting {
            // Every other key only repeats that sfkey is waiting (the message fades, this stays).
            return vec![Action::Quit];
        }
        let panel = self.selected_panel();
        let has_org = self.selected_org().is_some();
        let running = panel.is_some_and(|p| p.running.is_some());
        let has_token = matches!(
            panel.and_then(|p| p.last.as_ref()),
            Some(Shown::Token { .. })
        );
        let stored_token = self
            .selected_org()
            .and_then(|o| o.last_refresh.as_ref())
            .is_some_and(|l| l.issued_at.is_some());
        let mut out = Vec::new();
        let call_running = panel
            .and_then(|p| p.call.as_ref())
            .is_some_and(super::calls::CallState::running);
        // Esc while a refresh can still be stopped: not once asked, nor once its request is out.
        let cancellable = panel
            .and_then(|p| p.running.as_ref())
            .is_some_and(|r| !r.cancelling && !r.too_late);
        if cancellable {
            out.push(Action::Cancel);
        } else if has_org && !running && !call_running {
            out.push(Action::Refresh);
        }
        // c refuses a token Salesforce called dead: r is the key then.
        let dead = self
            .selected_org()
            .is_some_and(|o| o.dead_access_token().is_some());
        if (has_token || stored_token) && !dead {
            out.push(Action::Copy);
        }
        if has_token {
            out.push(Action::Reveal);
        }
        if self.selected_proxy_running() {
            out.push(Action::CopyProxyToken);
        }
        out.push(Action::Add);
        if has_org && !running {
            // Both refuse during a refresh (they would wait for its lock).
            out.extend([Action::Edit, Action::Delete]);
        } else if !has_org {
            // The one-step ways in, while there is nothing else to do.
            out.extend([Action::Login, Action::PasteAuthUrl]);
        }
        out.extend([Action::Help, Action::Quit]);
        out
    }

    fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level: Level::Info,
            at_ms: self.now_ms,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            level: Level::Error,
            at_ms: self.now_ms,
        });
    }

    fn name_of(&self, id: &OrgId) -> Option<String> {
        self.orgs
            .iter()
            .find(|o| o.id == *id)
            .map(|o| o.name.clone())
    }

    /// Handles one message; returns the I/O to do.
    pub fn update(&mut self, message: Message) -> Vec<Effect> {
        match message {
            Message::Key(key) if key.kind != KeyEventKind::Release => self.on_key(&key),
            Message::Key(_) | Message::Resize => Vec::new(),
            Message::Mouse(mouse) => {
                self.on_mouse(&mouse);
                Vec::new()
            }
            // A signal: no second chance to ask, so no warning either.
            Message::Quit => {
                self.quit_warned = true;
                self.quit()
            }
            Message::FocusGained => vec![Effect::LoadOrgs],
            Message::Paste(text) => {
                if self.paste_into_popup(&text.0) {
                    return Vec::new();
                }
                self.paste_into_form(&text.0);
                Vec::new()
            }
            Message::Tick { now_ms } => {
                self.now_ms = now_ms;
                if let Some(s) = &self.status
                    && s.level == Level::Info
                    && now_ms.saturating_sub(s.at_ms) > INFO_MS
                {
                    self.status = None;
                }
                Vec::new()
            }
            Message::OrgsLoaded(result) => {
                self.on_loaded(result);
                Vec::new()
            }
            Message::RefreshWaiting(id) => {
                if let Some(running) = self.panels.get_mut(&id).and_then(|p| p.running.as_mut()) {
                    running.waiting_for_lock = true;
                }
                Vec::new()
            }
            Message::CancelTooLate(id) => {
                if let Some(running) = self.panels.get_mut(&id).and_then(|p| p.running.as_mut()) {
                    running.too_late = true;
                }
                if let Some(name) = self.name_of(&id) {
                    // Short when quitting: the way out must fit in the status line.
                    self.info(if self.quitting {
                        format!("q again to leave now; else quitting once the answer to {name}'s request is saved")
                    } else {
                        format!("{name}: the request is already with Salesforce; waiting for its answer so a rotated refresh token is not lost")
                    });
                }
                Vec::new()
            }
            Message::RefreshDone { id, outcome } => self.on_refreshed(id, *outcome),
            Message::RefreshProgress { id, event } => {
                self.on_progress(&id, &event);
                Vec::new()
            }
            Message::Copied { org, via } => {
                self.info(match via {
                    CopyVia::System => format!("copied access token of {org} (system clipboard)"),
                    // Sent, not copied: the terminal may ignore OSC 52 and cannot say so.
                    CopyVia::Terminal => format!("sent access token of {org} via OSC 52"),
                });
                Vec::new()
            }
            Message::CopyFailed(why) => {
                self.error(why);
                Vec::new()
            }
            Message::Saved(result) => self.on_saved(result),
            Message::ImportChecked(checked) => self.on_import_checked(checked),
            Message::CallDone { id, call, outcome } => self.on_call_done(id, call, *outcome),
            Message::LoginWaiting { url, opened } => self.on_login_waiting(url, opened),
            Message::LoginAsk(question) => self.on_login_ask(question),
            Message::LoginDone(result) => self.on_login_done(result),
            Message::LoginUrlCopied(result) => self.on_login_url_copied(result),
            Message::Opened { org, result } => self.on_opened(&org, result),
            Message::ProxyStarted { id, result } => self.on_proxy_started(&id, result),
            Message::ProxySeen { id, seen } => self.on_proxy_seen(&id, seen),
            Message::ProxyStopped(id) => {
                self.on_proxy_stopped(&id);
                Vec::new()
            }
            Message::ProxyTokenCopied(result) => {
                match result {
                    Ok(CopyVia::System) => self.info("copied the proxy token (system clipboard)"),
                    Ok(CopyVia::Terminal) => self.info("sent the proxy token via OSC 52"),
                    Err(why) => self.error(why),
                }
                Vec::new()
            }
            Message::Deleted(result) => {
                match result {
                    Ok(org) => {
                        self.panels.remove(&org.id);
                        self.info(format!("deleted {} and its keyring entries", org.name));
                    }
                    Err(e) => self.error(e),
                }
                vec![Effect::LoadOrgs]
            }
        }
    }

    fn on_loaded(&mut self, result: Result<Vec<Org>, String>) {
        self.loaded = true;
        let before = self.selected_org().map(|o| o.id.clone());
        match result {
            Ok(orgs) => {
                let keep = self.pending_select.take().or_else(|| before.clone());
                self.orgs = orgs;
                self.load_error = None;
                let found = keep.and_then(|id| self.orgs.iter().position(|o| o.id == id));
                self.selected = match found {
                    Some(i) => i,
                    None => self.selected.min(self.orgs.len().saturating_sub(1)),
                };
                // Forget results of orgs that are gone (removed by another process); a proxy
                // of theirs stops as its handle drops.
                let ids: HashSet<&OrgId> = self.orgs.iter().map(|o| &o.id).collect();
                self.panels
                    .retain(|id, panel| ids.contains(id) || panel.running.is_some());
            }
            Err(e) => {
                // Acting on orgs nobody can see would be worse than showing none.
                self.orgs.clear();
                self.load_error = Some(e);
            }
        }
        if self.selected_org().map(|o| &o.id) != before.as_ref() {
            self.selection_changed();
        }
    }

    fn on_refreshed(&mut self, id: OrgId, outcome: RefreshOutcome) -> Vec<Effect> {
        if let Some(panel) = self.panels.get_mut(&id) {
            panel.running = None;
            // A userinfo/introspect/revoke answer was about the token before this refresh.
            if !matches!(outcome, RefreshOutcome::Failure(RefreshError::Cancelled)) {
                panel.call = None;
            }
        }
        let Some(name) = self.name_of(&id) else {
            // Deleted meanwhile: nothing to show it on.
            self.panels.remove(&id);
            return Vec::new();
        };
        let selected = self.selected_org().map(|o| &o.id) == Some(&id);
        if let RefreshOutcome::Success(_) = &outcome
            && let Some(panel) = self.panels.get_mut(&id)
        {
            panel.unsaved_refresh_token = false;
        }
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
                    self.token_scroll = 0;
                    self.response_scroll = 0;
                }
                Vec::new()
            }
            RefreshOutcome::Failure(RefreshError::Cancelled) => {
                // Nothing was sent: the last real result stays on screen.
                self.info(format!("{name}: cancelled before anything was sent"));
                Vec::new()
            }
            RefreshOutcome::Failure(error) => {
                if error.unsaved_refresh_token().is_some() {
                    self.panels
                        .entry(id.clone())
                        .or_default()
                        .unsaved_refresh_token = true;
                }
                self.error(format!("{name}: refresh failed: {}", short_code(&error)));
                self.panels.entry(id).or_default().last = Some(Shown::Failure {
                    error: Box::new(error),
                    at_ms: self.now_ms,
                });
                // The store recorded the failure in the org's last refresh: show its age.
                vec![Effect::LoadOrgs]
            }
        }
    }

    fn on_saved(&mut self, result: Result<Org, String>) -> Vec<Effect> {
        match result {
            Ok(org) => {
                if matches!(self.popup, Some(Popup::Form(_))) {
                    self.popup = None;
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
                match &mut self.popup {
                    Some(Popup::Form(form)) => form.failed(e),
                    _ => self.error(format!("not saved: {e}")),
                }
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        // Ctrl-C quits from anywhere, popups included; a half-filled form asks first.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            if !self.form_allows_quit() {
                return Vec::new();
            }
            return self.quit();
        }
        match &mut self.popup {
            Some(Popup::Form(_)) => return self.on_form_key(key),
            Some(Popup::PasteUrl(_)) => return self.on_paste_key(key),
            Some(Popup::ConfirmUpdate(_)) => return self.on_confirm_update_key(key),
            Some(Popup::ConfirmDelete(_)) if keymap::is_modified(key) => return Vec::new(),
            Some(Popup::ConfirmDelete(org)) => {
                let effect = match key.code {
                    KeyCode::Char('y' | 'Y') => Some(Effect::Delete((**org).clone())),
                    KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => None,
                    _ => return Vec::new(),
                };
                self.popup = None;
                return effect.into_iter().collect();
            }
            Some(Popup::ConfirmRevoke(_)) => return self.on_revoke_key(key),
            Some(Popup::Login(_)) => return self.on_login_key(key),
            Some(Popup::Help(_)) => {
                match keymap::action_for(key) {
                    Some(Action::Down) => self.scroll_help(1),
                    Some(Action::Up) => self.scroll_help(-1),
                    Some(Action::First) => self.scroll_help(i32::MIN),
                    Some(Action::Last) => self.scroll_help(i32::MAX),
                    Some(Action::Help | Action::Cancel | Action::Quit) => self.popup = None,
                    _ => {}
                }
                return Vec::new();
            }
            None => {}
        }
        match keymap::action_for(key) {
            Some(action) => self.on_action(action),
            None => Vec::new(),
        }
    }

    /// Scrolls the help overlay by `delta` lines, within what the view last drew, so k moves
    /// at once after j past the end.
    fn scroll_help(&mut self, delta: i32) {
        let max = i32::from(self.hit.help_max.get());
        if let Some(Popup::Help(scroll)) = &mut self.popup {
            let next = i32::from(*scroll).saturating_add(delta).clamp(0, max);
            *scroll = u16::try_from(next).unwrap_or(0);
        }
    }

    /// Another org is selected: revealed secrets and scrolls belong to the old one.
    fn selection_changed(&mut self) {
        self.reveal = false;
        self.token_scroll = 0;
        self.response_scroll = 0;
    }

    fn select(&mut self, index: usize) {
        let index = index.min(self.orgs.len().saturating_sub(1));
        if index != self.selected {
            self.selected = index;
            self.selection_changed();
        }
    }

    /// Scrolls the pane `pane` by `delta` lines, within what the view last drew.
    fn scroll(&mut self, pane: Pane, delta: isize) {
        let (scroll, max) = match pane {
            Pane::Token => (&mut self.token_scroll, self.hit.token_max.get()),
            Pane::Response => (&mut self.response_scroll, self.hit.response_max.get()),
            Pane::Orgs => {
                let next = self.selected.saturating_add_signed(delta);
                return self.select(next);
            }
        };
        // From where the view shows it: the pane may have shrunk since (v, a resize).
        *scroll = (*scroll).min(max).saturating_add_signed(delta).min(max);
    }

    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        if self.quitting && !matches!(action, Action::Quit | Action::Help) {
            let waiting = self.must_finish().join(", ");
            self.info(format!(
                "quitting once this finishes saving: {waiting} (q again to leave now)"
            ));
            return Vec::new();
        }
        match action {
            Action::Down => self.scroll(self.focused_pane(), 1),
            Action::Up => self.scroll(self.focused_pane(), -1),
            Action::First => self.scroll(self.focused_pane(), isize::MIN),
            Action::Last => self.scroll(self.focused_pane(), isize::MAX),
            Action::NextPane => {
                // A short terminal folds the response pane away: Tab skips it there.
                let response_shown = !self.hit.response.get().is_empty();
                self.focus = match self.focused_pane() {
                    Pane::Orgs => Pane::Token,
                    Pane::Token if response_shown => Pane::Response,
                    Pane::Token | Pane::Response => Pane::Orgs,
                };
            }
            Action::Refresh => return self.refresh_selected(),
            Action::Copy => match self.selected_org() {
                // As `sfkey token` refreshes instead: a dead token is no use to anyone.
                Some(org) if org.dead_access_token().is_some() => {
                    let text = format!("{}: access token expired: press r for a new one", org.name);
                    self.error(text);
                }
                Some(org) => return vec![Effect::Copy(org.clone())],
                None => self.error("no org selected: press a to add one"),
            },
            Action::Reveal => {
                if matches!(
                    self.selected_panel().and_then(|p| p.last.as_ref()),
                    Some(Shown::Token { .. })
                ) {
                    self.reveal = !self.reveal;
                } else {
                    self.info("nothing to reveal yet: press r to refresh");
                }
            }
            Action::Add => self.popup = Some(Popup::Form(Box::new(OrgForm::add()))),
            Action::PasteAuthUrl => self.open_paste(),
            Action::Edit | Action::Delete => self.edit_or_delete(action),
            Action::Login => {
                let form = OrgForm::log_in(self.login_url.as_deref());
                self.popup = Some(Popup::Form(Box::new(form)));
            }
            Action::Help => self.popup = Some(Popup::Help(0)),
            Action::Cancel => return self.cancel_selected(),
            Action::Quit => return self.quit(),
            Action::Userinfo => return self.start_call(Call::Userinfo),
            Action::Introspect => return self.start_call(Call::Introspect),
            Action::Revoke => self.ask_revoke(),
            Action::Open => return self.open_selected(),
            Action::Proxy => return self.toggle_proxy(),
            Action::CopyProxyToken => return self.copy_proxy_token(),
        }
        Vec::new()
    }

    fn edit_or_delete(&mut self, action: Action) {
        let Some(org) = self.selected_org() else {
            return self.error("no org selected: press a to add one");
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
            return self.error(format!(
                "{} is refreshing; {what} it when the refresh is done (Esc cancels it)",
                org.name
            ));
        }
        self.popup = Some(if action == Action::Edit {
            Popup::Form(Box::new(OrgForm::edit(org)))
        } else {
            Popup::ConfirmDelete(Box::new(org.clone()))
        });
    }

    fn refresh_selected(&mut self) -> Vec<Effect> {
        let Some(org) = self.selected_org().cloned() else {
            self.error("no org to refresh: press a to add one");
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
        panel.running = Some(Running {
            started_ms: now_ms,
            waiting_for_lock: false,
            cancelling: false,
            too_late: false,
        });
        vec![Effect::Refresh(org)]
    }

    fn cancel_selected(&mut self) -> Vec<Effect> {
        let Some(org) = self.selected_org() else {
            return Vec::new();
        };
        let id = org.id.clone();
        match self.panels.get_mut(&id).and_then(|p| p.running.as_mut()) {
            Some(running) if !running.cancelling => {
                running.cancelling = true;
                vec![Effect::CancelRefresh(id)]
            }
            _ => {
                self.status = None;
                Vec::new()
            }
        }
    }

    fn quit(&mut self) -> Vec<Effect> {
        if !self.quitting && self.warn_before_losing_tokens() {
            return Vec::new();
        }
        if self.quitting {
            // Asked twice: the user accepts that a refresh still out may be lost.
            self.forced = true;
            return Vec::new();
        }
        self.quitting = true;
        self.popup = None;
        let mut effects = Vec::new();
        for (id, panel) in &mut self.panels {
            if let Some(running) = &mut panel.running {
                // Stops refreshes that sent nothing yet; the others finish saving first.
                running.cancelling = true;
                effects.push(Effect::CancelRefresh(id.clone()));
            }
        }
        effects.extend(self.stop_proxies());
        let waiting = self.must_finish();
        if !waiting.is_empty() {
            self.info(format!(
                "quitting once this finishes saving: {} (q again to leave now)",
                waiting.join(", ")
            ));
        }
        effects
    }

    fn on_mouse(&mut self, mouse: &MouseEvent) {
        if matches!(self.popup, Some(Popup::Help(_))) {
            // The wheel scrolls the help as j/k do.
            match mouse.kind {
                MouseEventKind::ScrollDown => self.scroll_help(3),
                MouseEventKind::ScrollUp => self.scroll_help(-3),
                _ => {}
            }
            return;
        }
        if self.popup.is_some() {
            return;
        }
        let at = Position::new(mouse.column, mouse.row);
        let pane_at = |hit: &HitAreas| {
            [
                (hit.orgs.get(), Pane::Orgs),
                (hit.token.get(), Pane::Token),
                (hit.response.get(), Pane::Response),
            ]
            .into_iter()
            .find(|(area, _)| area.contains(at))
        };
        let Some((area, pane)) = pane_at(&self.hit) else {
            return;
        };
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = pane;
                if pane == Pane::Orgs {
                    let index = self.list_offset.get() + usize::from(mouse.row - area.y);
                    if index < self.orgs.len() {
                        self.select(index);
                    }
                }
            }
            MouseEventKind::ScrollDown => self.scroll(pane, if pane == Pane::Orgs { 1 } else { 3 }),
            MouseEventKind::ScrollUp => self.scroll(pane, if pane == Pane::Orgs { -1 } else { -3 }),
            _ => {}
        }
    }
}

/// The short name of a failure for the status line.
fn short_code(error: &RefreshError) -> String {
    match error {
        RefreshError::Token(e) => e.code(),
        RefreshError::NoClientSecret(e) => e.code(),
        RefreshError::NoRefreshToken(_) => "no refresh token stored".into(),
        RefreshError::MissingSecret(_, kind) => format!("no {} stored", kind.words()),
        RefreshError::CannotRefresh(_) => "access token only: cannot refresh".into(),
        RefreshError::PrivateKey(_) => "the private key cannot sign".into(),
        RefreshError::RotationNotSaved(_) => "the rotated refresh token was not saved".into(),
        RefreshError::Store(_) | RefreshError::SaveFailed(_) => "keyring or orgs file".into(),
        RefreshError::Cancelled => "cancelled".into(),
    }
}

/// What to do about a failed refresh, worded for the TUI (keys, not commands; logging in to an
/// org that exists has no key, so that stays a command).
pub fn failure_hint(error: &RefreshError, org: &Org) -> Option<String> {
    let token_error = error.token_error();
    // Salesforce's own errors: the view shows what it means; this is what to do.
    let action = error.explanation(org.kind).map(|x| x.action_for(org));
    if let Some(hint) = action.or_else(|| token_error.and_then(|e| e.hint_for(&org.name))) {
        return Some(hint.replace(
            &format!("(sfkey edit {} --secrets)", org.name),
            "(press e and paste it)",
        ));
    }
    match error {
        RefreshError::NoRefreshToken(_) => Some("press e and type the refresh token".into()),
        RefreshError::RotationNotSaved(_) => Some(
            "sfkey keeps the new refresh token in memory (never shown): unlock or fix the keyring, then press r to save it and refresh with it. Quitting before that loses it"
                .into(),
        ),
        RefreshError::Token(TokenError::Transport(t)) if t.outcome_unknown => {
            Some("the request may have reached Salesforce; press r to try again".into())
        }
        RefreshError::Token(TokenError::Transport(_)) => Some(
            "nothing reached Salesforce; check the login URL (e) and your network, then press r"
                .into(),
        ),
        _ => None,
    }
}

mod calls;
pub use calls::call_hint;

mod paste;
#[cfg(test)]
pub(crate) use paste::tests as paste_tests;
mod rotation;

#[cfg(test)]
mod tests;
