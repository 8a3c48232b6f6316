//! The app's state and `update`: messages in, state changed, effects out. No I/O happens here,
//! so every behaviour is unit-tested without a terminal, a keyring or a network.

use std::cell::Cell;
use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use crate::org::{Org, OrgId};
use crate::refresh::RefreshError;
use crate::salesforce::TokenSuccess;

use super::form::{FormEvent, OrgForm};
use super::keymap::{self, Action};
use super::message::{Effect, Message, RefreshOutcome};

/// How long an info message stays in the status line.
const INFO_MS: u64 = 6_000;

/// The pane that j/k act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The org list (j/k move the selection).
    Orgs,
    /// The token pane (j/k scroll).
    Token,
    /// The response pane (j/k scroll).
    Response,
}

/// A refresh in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    /// When it started, epoch ms.
    pub started_ms: u64,
    /// Another process holds the org's lock.
    pub waiting_for_lock: bool,
    /// Esc was pressed; the task has been told.
    pub cancelling: bool,
}

/// The last refresh result of an org, as shown in its panes.
#[derive(Debug)]
pub enum Shown {
    /// A token.
    Token {
        /// What Salesforce answered.
        success: Box<TokenSuccess>,
        /// The refresh token was rotated and the new one saved.
        rotated: bool,
        /// When it arrived, epoch ms.
        at_ms: u64,
    },
    /// No token.
    Failure {
        /// Why.
        error: Box<RefreshError>,
        /// When, epoch ms.
        at_ms: u64,
    },
}

/// Per-org state that outlives switching between orgs.
#[derive(Debug, Default)]
pub struct Panel {
    /// The refresh in flight, if any.
    pub running: Option<Running>,
    /// The last result.
    pub last: Option<Shown>,
}

/// A popup over the main screen.
#[derive(Debug)]
pub enum Popup {
    /// The key list.
    Help,
    /// Add or edit an org.
    Form(Box<OrgForm>),
    /// Delete this org?
    ConfirmDelete(Box<Org>),
}

/// Info or error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fades after a few seconds.
    Info,
    /// Stays until the next message.
    Error,
}

/// A message in the status line.
#[derive(Debug, Clone)]
pub struct Status {
    /// The text.
    pub text: String,
    /// Info or error.
    pub level: Level,
    /// When it was set, epoch ms.
    pub at_ms: u64,
}

/// Where the view drew what the mouse can hit (set while drawing).
#[derive(Debug, Default)]
pub struct HitAreas {
    /// The org list's inner area.
    pub orgs: Cell<Rect>,
    /// The token pane.
    pub token: Cell<Rect>,
    /// The response pane.
    pub response: Cell<Rect>,
}

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
    /// Leaving: waiting for in-flight refreshes to finish saving.
    pub quitting: bool,
    /// Select this org once it appears in a reload (after add/edit).
    pending_select: Option<OrgId>,
    /// Set by the view.
    pub hit: HitAreas,
    /// The local UTC offset in seconds, for `issued_at`.
    pub utc_offset_s: i32,
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
            quitting: false,
            pending_select: None,
            hit: HitAreas::default(),
            utc_offset_s,
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

    /// Whether any refresh is in flight.
    pub fn any_running(&self) -> bool {
        self.panels.values().any(|p| p.running.is_some())
    }

    /// Whether the app is done: quit asked and nothing left to save.
    pub fn should_exit(&self) -> bool {
        self.quitting && !self.any_running()
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

    /// Handles one message; returns the I/O to do.
    pub fn update(&mut self, message: Message) -> Vec<Effect> {
        match message {
            Message::Key(key) if key.kind != KeyEventKind::Release => self.on_key(&key),
            Message::Key(_) => Vec::new(),
            Message::Mouse(mouse) => {
                self.on_mouse(&mouse);
                Vec::new()
            }
            Message::Quit => self.quit(),
            Message::Resize => Vec::new(),
            Message::FocusGained => vec![Effect::LoadOrgs],
            Message::Paste(text) => {
                if let Some(Popup::Form(form)) = &mut self.popup {
                    form.paste(&text.0);
                }
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
            Message::RefreshDone { id, outcome } => self.on_refreshed(id, *outcome),
            Message::Copied { org, how } => {
                self.info(format!("copied access token of {org} ({how})"));
                Vec::new()
            }
            Message::CopyFailed(why) => {
                self.error(why);
                Vec::new()
            }
            Message::Saved(result) => self.on_saved(result),
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
        match result {
            Ok(orgs) => {
                let keep = self
                    .pending_select
                    .take()
                    .or_else(|| self.selected_org().map(|o| o.id.clone()));
                self.orgs = orgs;
                self.load_error = None;
                let found = keep.and_then(|id| self.orgs.iter().position(|o| o.id == id));
                match found {
                    Some(i) => self.selected = i,
                    None => self.selected = self.selected.min(self.orgs.len().saturating_sub(1)),
                }
                // Forget results of orgs that are gone (removed by another process).
                let ids: std::collections::HashSet<&OrgId> =
                    self.orgs.iter().map(|o| &o.id).collect();
                self.panels
                    .retain(|id, panel| ids.contains(id) || panel.running.is_some());
            }
            Err(e) => self.load_error = Some(e),
        }
    }

    fn on_refreshed(&mut self, id: OrgId, outcome: RefreshOutcome) -> Vec<Effect> {
        let panel = self.panels.entry(id.clone()).or_default();
        panel.running = None;
        let name = self
            .orgs
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| "the org".to_string(), |o| o.name.clone());
        let selected = self.selected_org().map(|o| &o.id) == Some(&id);
        match outcome {
            RefreshOutcome::Success(done) => {
                let done = *done;
                let summary = format!(
                    "{name}: HTTP {} in {} ms{}",
                    done.success.exchange.status,
                    done.success.exchange.latency.as_millis(),
                    if done.rotated {
                        "; the rotated refresh token is saved"
                    } else {
                        ""
                    }
                );
                if let Some(org) = self.orgs.iter_mut().find(|o| o.id == id) {
                    *org = done.org;
                }
                let panel = self.panels.entry(id).or_default();
                panel.last = Some(Shown::Token {
                    success: Box::new(done.success),
                    rotated: done.rotated,
                    at_ms: self.now_ms,
                });
                self.info(summary);
                if selected {
                    self.token_scroll = 0;
                    self.response_scroll = 0;
                }
                Vec::new()
            }
            RefreshOutcome::Failure(error) => {
                let text = match &error {
                    RefreshError::Cancelled { .. } => format!("{name}: {error}"),
                    _ => format!("{name}: refresh failed: {}", short_code(&error)),
                };
                let cancelled = matches!(error, RefreshError::Cancelled { .. });
                let panel = self.panels.entry(id).or_default();
                // A cancel keeps the last real result on screen.
                if !cancelled || panel.last.is_none() {
                    panel.last = Some(Shown::Failure {
                        error: Box::new(error),
                        at_ms: self.now_ms,
                    });
                }
                if cancelled {
                    self.info(text);
                } else {
                    self.error(text);
                }
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
                self.info(format!("saved {}", org.name));
                self.pending_select = Some(org.id);
                vec![Effect::LoadOrgs]
            }
            Err(e) => {
                match &mut self.popup {
                    Some(Popup::Form(form)) => form.failed(e),
                    _ => self.error(e),
                }
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        match &mut self.popup {
            Some(Popup::Form(form)) => {
                let names: Vec<&str> = self.orgs.iter().map(|o| o.name.as_str()).collect();
                return match form.handle_key(key, &names) {
                    FormEvent::Stay => Vec::new(),
                    FormEvent::Close => {
                        self.popup = None;
                        Vec::new()
                    }
                    FormEvent::Submit(effect) => vec![*effect],
                };
            }
            Some(Popup::ConfirmDelete(org)) => {
                let effect = match key.code {
                    KeyCode::Char('y' | 'Y') => Some(Effect::Delete((**org).clone())),
                    KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc => None,
                    _ => return Vec::new(),
                };
                self.popup = None;
                return effect.into_iter().collect();
            }
            Some(Popup::Help) => {
                let close = matches!(
                    keymap::action_for(key),
                    Some(Action::Help | Action::Cancel | Action::Quit)
                );
                if close {
                    self.popup = None;
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

    fn select(&mut self, index: usize) {
        let index = index.min(self.orgs.len().saturating_sub(1));
        if index != self.selected {
            self.selected = index;
            // Secrets are revealed for one org at a time; scrolls belong to the old org.
            self.reveal = false;
            self.token_scroll = 0;
            self.response_scroll = 0;
        }
    }

    fn scroll(&mut self, down: bool, amount: usize) {
        let scroll = match self.focus {
            Pane::Token => &mut self.token_scroll,
            Pane::Response => &mut self.response_scroll,
            Pane::Orgs => return,
        };
        *scroll = if down {
            scroll.saturating_add(amount)
        } else {
            scroll.saturating_sub(amount)
        };
    }

    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Down if self.focus == Pane::Orgs => self.select(self.selected + 1),
            Action::Up if self.focus == Pane::Orgs => self.select(self.selected.saturating_sub(1)),
            Action::First if self.focus == Pane::Orgs => self.select(0),
            Action::Last if self.focus == Pane::Orgs => self.select(usize::MAX),
            Action::Down => self.scroll(true, 1),
            Action::Up => self.scroll(false, 1),
            Action::First => self.scroll(false, usize::MAX),
            // The view clamps the scroll to the content.
            Action::Last => self.scroll(true, usize::MAX / 2),
            Action::NextPane => {
                self.focus = match self.focus {
                    Pane::Orgs => Pane::Token,
                    Pane::Token => Pane::Response,
                    Pane::Response => Pane::Orgs,
                };
            }
            Action::Refresh => return self.refresh_selected(),
            Action::Copy => match self.selected_org() {
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
            Action::Edit => {
                if let Some(org) = self.selected_org() {
                    self.popup = Some(Popup::Form(Box::new(OrgForm::edit(org))));
                }
            }
            Action::Delete => {
                if let Some(org) = self.selected_org() {
                    if self
                        .panels
                        .get(&org.id)
                        .is_some_and(|p| p.running.is_some())
                    {
                        self.error(format!(
                            "{} is refreshing; wait or press Esc first",
                            org.name
                        ));
                    } else {
                        self.popup = Some(Popup::ConfirmDelete(Box::new(org.clone())));
                    }
                }
            }
            Action::Help => self.popup = Some(Popup::Help),
            Action::Cancel => return self.cancel_selected(),
            Action::Quit => return self.quit(),
        }
        Vec::new()
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
        panel.running = Some(Running {
            started_ms: now_ms,
            waiting_for_lock: false,
            cancelling: false,
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
        self.quitting = true;
        let mut effects = Vec::new();
        for (id, panel) in &mut self.panels {
            if let Some(running) = &mut panel.running {
                // Safe to stop before the answer; after it, the task finishes saving first.
                running.cancelling = true;
                effects.push(Effect::CancelRefresh(id.clone()));
            }
        }
        if !effects.is_empty() {
            self.info("finishing in-flight refreshes before quitting…");
        }
        effects
    }

    fn on_mouse(&mut self, mouse: &MouseEvent) {
        if self.popup.is_some() {
            return;
        }
        let at = Position::new(mouse.column, mouse.row);
        let orgs = self.hit.orgs.get();
        let in_pane = |area: Rect| area.contains(at);
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) if in_pane(orgs) => {
                let row = usize::from(mouse.row - orgs.y);
                let index = self.list_offset.get() + row;
                if index < self.orgs.len() {
                    self.select(index);
                    self.focus = Pane::Orgs;
                }
            }
            MouseEventKind::Down(MouseButton::Left) if in_pane(self.hit.token.get()) => {
                self.focus = Pane::Token;
            }
            MouseEventKind::Down(MouseButton::Left) if in_pane(self.hit.response.get()) => {
                self.focus = Pane::Response;
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = mouse.kind == MouseEventKind::ScrollDown;
                if in_pane(orgs) {
                    let next = if down {
                        self.selected + 1
                    } else {
                        self.selected.saturating_sub(1)
                    };
                    self.select(next);
                } else if in_pane(self.hit.token.get()) {
                    self.token_scroll = step(self.token_scroll, down);
                } else if in_pane(self.hit.response.get()) {
                    self.response_scroll = step(self.response_scroll, down);
                }
            }
            _ => {}
        }
    }
}

fn step(value: usize, down: bool) -> usize {
    if down {
        value.saturating_add(3)
    } else {
        value.saturating_sub(3)
    }
}

/// The short name of a failure for the status line.
fn short_code(error: &RefreshError) -> String {
    match error {
        RefreshError::Token(e) => e.code(),
        RefreshError::NoRefreshToken(_) => "no refresh token stored".into(),
        RefreshError::RotationNotSaved(_) => "the rotated refresh token was not saved".into(),
        RefreshError::Store(_) | RefreshError::SaveFailed(_) => "keyring or orgs file".into(),
        RefreshError::Cancelled { .. } => "cancelled".into(),
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

    use super::*;
    use crate::tui::fixtures::{self, NOW_MS};

    fn key(c: char) -> Message {
        Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn code(code: KeyCode) -> Message {
        Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn three() -> App {
        fixtures::app_with(vec![
            fixtures::org("alpha", "https://login.salesforce.com"),
            fixtures::org("beta", "https://test.salesforce.com"),
            fixtures::org("gamma", "https://acme.my.salesforce.com"),
        ])
    }

    #[test]
    fn keys_move_the_selection_within_bounds_and_hide_revealed_secrets() {
        let mut app = three();
        app.update(key('k'));
        assert_eq!(app.selected, 0);
        app.update(key('j'));
        app.update(code(KeyCode::Down));
        app.update(key('j'));
        assert_eq!(app.selected, 2);
        app.update(key('g'));
        assert_eq!(app.selected, 0);
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Char('G'),
            KeyModifiers::SHIFT,
        )));
        assert_eq!(app.selected, 2);

        let gamma = app.orgs[2].clone();
        app.update(fixtures::success(&gamma));
        app.update(key('v'));
        assert!(app.reveal);
        app.update(key('k'));
        assert!(
            !app.reveal,
            "revealed secrets must not follow the selection"
        );
    }

    #[test]
    fn refresh_sends_one_effect_per_org_until_it_ends() {
        let mut app = three();
        let effects = app.update(key('r'));
        assert!(matches!(&effects[..], [Effect::Refresh(org)] if org.name == "alpha"));
        assert!(
            app.update(key('r')).is_empty(),
            "a second r must send nothing"
        );
        assert!(app.selected_panel().unwrap().running.is_some());
        // Another org can be refreshed meanwhile.
        app.update(key('j'));
        assert!(matches!(&app.update(key('r'))[..], [Effect::Refresh(org)] if org.name == "beta"));

        let alpha = app.orgs[0].clone();
        app.update(fixtures::success(&alpha));
        assert!(app.panels[&alpha.id].running.is_none());
        app.update(key('k'));
        assert_eq!(app.update(key('r')).len(), 1, "done: r works again");
    }

    #[test]
    fn a_result_lands_on_its_own_org_not_the_selected_one() {
        let mut app = three();
        app.update(key('r'));
        app.update(key('j'));
        let (alpha, beta) = (app.orgs[0].clone(), app.orgs[1].clone());
        app.update(fixtures::expired(&alpha));
        assert_eq!(app.selected_org().unwrap().name, "beta");
        assert!(app.panels.get(&beta.id).is_none_or(|p| p.last.is_none()));
        assert!(matches!(
            app.panels[&alpha.id].last,
            Some(Shown::Failure { .. })
        ));
        assert!(app.status.as_ref().unwrap().text.contains("alpha"));
        // Switching back shows it at once: no new effect is needed.
        assert!(app.update(key('k')).is_empty());
        assert!(matches!(
            app.selected_panel().unwrap().last,
            Some(Shown::Failure { .. })
        ));
    }

    #[test]
    fn esc_cancels_the_selected_refresh_once_and_closes_popups_first() {
        let mut app = three();
        app.update(key('r'));
        app.update(key('?'));
        assert!(app.update(code(KeyCode::Esc)).is_empty());
        assert!(app.popup.is_none());
        let id = app.orgs[0].id.clone();
        assert!(
            matches!(&app.update(code(KeyCode::Esc))[..], [Effect::CancelRefresh(i)] if *i == id)
        );
        assert!(
            app.update(code(KeyCode::Esc)).is_empty(),
            "already cancelling"
        );
        app.update(Message::RefreshDone {
            id: id.clone(),
            outcome: Box::new(RefreshOutcome::Failure(RefreshError::Cancelled {
                request_sent: false,
            })),
        });
        assert!(app.panels[&id].running.is_none());
        assert!(app.status.as_ref().unwrap().text.contains("cancelled"));
    }

    #[test]
    fn quitting_waits_for_refreshes_in_flight() {
        let mut app = three();
        assert!(app.update(key('q')).is_empty());
        assert!(app.should_exit());

        let mut app = three();
        app.update(key('r'));
        let effects = app.update(Message::Quit);
        assert!(matches!(&effects[..], [Effect::CancelRefresh(_)]));
        assert!(
            !app.should_exit(),
            "a rotated token may still be on its way to the keyring"
        );
        let alpha = app.orgs[0].clone();
        app.update(fixtures::success(&alpha));
        assert!(app.should_exit());
    }

    #[test]
    fn delete_asks_first() {
        let mut app = three();
        app.update(key('d'));
        assert!(matches!(app.popup, Some(Popup::ConfirmDelete(_))));
        assert!(app.update(key('n')).is_empty());
        assert!(app.popup.is_none());
        app.update(key('d'));
        assert!(matches!(&app.update(key('y'))[..], [Effect::Delete(org)] if org.name == "alpha"));
    }

    #[test]
    fn a_click_selects_the_org_under_the_mouse() {
        let mut app = three();
        app.hit.orgs.set(Rect::new(1, 2, 30, 10));
        app.update(Message::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row: 4,
            modifiers: KeyModifiers::NONE,
        }));
        assert_eq!(app.selected, 2);
        // Below the last org: nothing changes.
        app.update(Message::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row: 9,
            modifiers: KeyModifiers::NONE,
        }));
        assert_eq!(app.selected, 2);
    }

    #[test]
    fn a_reload_keeps_the_selected_org_and_drops_removed_ones() {
        let mut app = three();
        app.update(key('j'));
        let beta = app.orgs[1].clone();
        let gamma = app.orgs[2].clone();
        app.update(fixtures::success(&gamma));
        app.update(Message::OrgsLoaded(Ok(vec![beta.clone()])));
        assert_eq!(app.selected_org().unwrap().id, beta.id);
        assert!(!app.panels.contains_key(&gamma.id));
    }

    #[test]
    fn focus_regained_reloads_the_orgs() {
        let mut app = three();
        assert!(matches!(
            &app.update(Message::FocusGained)[..],
            [Effect::LoadOrgs]
        ));
    }

    #[test]
    fn infos_fade_errors_stay() {
        let mut app = three();
        app.update(key('v'));
        assert!(app.status.is_some());
        app.update(Message::Tick {
            now_ms: NOW_MS + INFO_MS + 1,
        });
        assert!(app.status.is_none());
        app.update(Message::CopyFailed("no access token".into()));
        app.update(Message::Tick {
            now_ms: NOW_MS + 10 * INFO_MS,
        });
        assert!(app.status.is_some());
    }
}

#[cfg(test)]
mod review_tests {
    use crossterm::event::KeyModifiers;

    use super::*;
    use crate::tui::fixtures;

    fn key(c: char) -> Message {
        Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn two() -> App {
        fixtures::app_with(vec![
            fixtures::org("alpha", "https://login.salesforce.com"),
            fixtures::org("beta", "https://test.salesforce.com"),
        ])
    }

    /// Review: while quitting waits for a refresh, r still starts new ones, which the 5 s grace
    /// then kills mid-flight.
    #[test]
    fn no_new_refresh_starts_while_quitting() {
        let mut app = two();
        app.update(key('r'));
        app.update(key('q'));
        assert!(app.quitting);
        app.update(key('j'));
        assert!(
            app.update(key('r')).is_empty(),
            "a refresh started after q"
        );
    }

    /// Review: Ctrl-C quits everywhere (issue 3: "q and Ctrl-C quit"); in the form it is
    /// swallowed silently.
    #[test]
    fn ctrl_c_quits_from_the_form() {
        let mut app = two();
        app.update(key('a'));
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )));
        assert!(app.quitting || app.popup.is_none(), "Ctrl-C did nothing");
    }

    /// Review: a refresh result for an org deleted meanwhile re-creates its panel (a leak, and
    /// a status line naming "the org").
    #[test]
    fn a_late_result_for_a_deleted_org_leaves_no_panel() {
        let mut app = two();
        let alpha = app.orgs[0].clone();
        app.update(Message::OrgsLoaded(Ok(vec![app.orgs[1].clone()])));
        app.update(fixtures::expired(&alpha));
        assert!(!app.panels.contains_key(&alpha.id));
    }
}

#[cfg(test)]
mod review_reveal_tests {
    use crossterm::event::KeyModifiers;

    use super::*;
    use crate::tui::fixtures;

    fn key(c: char) -> Message {
        Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    /// Review: deleting the revealed org (or another process removing it) moves the selection
    /// to a neighbour without going through `select`, so `reveal` stays on and the neighbour's
    /// tokens appear unmasked without anyone pressing v.
    #[test]
    fn deleting_a_revealed_org_does_not_reveal_the_next_one() {
        let mut app = fixtures::app_with(vec![
            fixtures::org("alpha", "https://login.salesforce.com"),
            fixtures::org("beta", "https://test.salesforce.com"),
        ]);
        let (alpha, beta) = (app.orgs[0].clone(), app.orgs[1].clone());
        app.update(fixtures::success(&alpha));
        app.update(fixtures::success(&beta));
        app.update(key('v'));
        assert!(app.reveal);
        app.update(key('d'));
        let effects = app.update(key('y'));
        assert!(matches!(&effects[..], [Effect::Delete(_)]));
        app.update(Message::Deleted(Ok(alpha.clone())));
        app.update(Message::OrgsLoaded(Ok(vec![beta.clone()])));
        assert_eq!(app.selected_org().unwrap().id, beta.id);
        assert!(!app.reveal, "beta's tokens are on screen unmasked");
    }
}
