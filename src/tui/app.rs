//! The app's state and `update`: messages in, state changed, effects out. No I/O happens here,
//! so every behaviour is unit-tested without a terminal, a keyring or a network.

use std::cell::Cell;
use std::collections::HashMap;

use crossterm::event::KeyEventKind;

use crate::org::{Org, OrgId};
use crate::remedy::{Advice, Remedy, act, say};
use crate::salesforce::TokenError;
use crate::saved_org::refresh::RefreshError;

use super::calls::Call;
use super::keymap::{Action, KeyMap};
use super::message::{CopyVia, Effect, Message};
use super::org_list::OrgList;
pub use super::state::{
    Environment, HitAreas, Level, LoginPopup, Pane, Panel, Phase, Popup, ProxyState, QuitState,
    Running, RunningProxy, Shown, Status, ViewState,
};

mod confirm;
mod form;
mod help;
mod hints;
mod keys;
mod login;
mod mouse;
mod open;
mod proxy;
mod quit;
mod refresh;

/// How long an info message stays in the status line.
const INFO_MS: u64 = 6_000;

/// Everything on screen.
#[derive(Debug)]
pub struct App {
    /// The saved orgs, the selection and how far loading got.
    pub orgs: OrgList,
    /// First org row drawn; the view keeps the selection visible.
    pub list_offset: Cell<usize>,
    /// Per-org state: the refresh in flight with its handles, the last result, calls, proxy.
    pub panels: HashMap<OrgId, Panel>,
    /// Focus, scrolls, reveal, the popup and the status line.
    pub view: ViewState,
    /// Now, epoch ms (from ticks, so tests control it).
    pub now_ms: u64,
    /// Whether and how sfkey is leaving.
    pub quit: QuitState,
    /// What the app runs with: demo banner, login URL, UTC offset, idle days, keys.
    pub env: Environment,
    /// Select this org once it appears in a reload (after add/edit).
    pending_select: Option<OrgId>,
    /// Set by the view.
    pub hit: HitAreas,
}

impl App {
    /// An empty app; the org list arrives by message.
    pub fn new(now_ms: u64, demo: Option<String>, utc_offset_s: i32) -> Self {
        Self {
            orgs: OrgList::default(),
            list_offset: Cell::new(0),
            panels: HashMap::new(),
            view: ViewState::default(),
            now_ms,
            quit: QuitState::Running,
            env: Environment {
                demo,
                utc_offset_s,
                ..Environment::default()
            },
            pending_select: None,
            hit: HitAreas::default(),
        }
    }

    /// The keys in use.
    pub fn keys(&self) -> &KeyMap {
        &self.env.keys
    }

    /// The pane j/k act on: the focused one, or the list when the focused response pane was
    /// folded away by a shrinking terminal.
    pub fn focused_pane(&self) -> Pane {
        if self.view.focus == Pane::Response && self.hit.response.get().is_empty() {
            Pane::Orgs
        } else {
            self.view.focus
        }
    }

    /// The selected org, if there is one.
    pub fn selected_org(&self) -> Option<&Org> {
        self.orgs.selected_org()
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

    /// Records a broken config.toml: the header keeps a short note, the status line the whole
    /// message whenever no other message is up, until Esc hides it.
    pub fn show_config_error(&mut self, error: Option<String>) {
        self.env.config_error = error;
    }

    fn info(&mut self, text: impl Into<String>) {
        self.view.status = Some(Status {
            text: text.into(),
            level: Level::Info,
            at_ms: self.now_ms,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.view.status = Some(Status {
            text: text.into(),
            level: Level::Error,
            at_ms: self.now_ms,
        });
    }

    /// The first key of a main-screen action, for what the status line says.
    fn key_of(&self, action: Action) -> String {
        self.env.keys.main_key(action)
    }

    /// Says that no org is selected, and how to add one.
    fn no_org(&mut self) {
        let a = self.key_of(Action::Add);
        self.error(format!("no org selected: press {a} to add one"));
    }

    fn name_of(&self, id: &OrgId) -> Option<String> {
        self.orgs.name_of(id)
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
            Message::Quit => self.quit_now(),
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
                if let Some(s) = &self.view.status
                    && s.level == Level::Info
                    && now_ms.saturating_sub(s.at_ms) > INFO_MS
                {
                    self.view.status = None;
                }
                Vec::new()
            }
            Message::OrgsLoaded(result) => {
                self.on_loaded(result);
                Vec::new()
            }
            Message::FirstOrgs(orgs) => {
                self.orgs.first_rows(orgs);
                Vec::new()
            }
            Message::Refreshing { id, event } => {
                self.on_refreshing(&id, event);
                Vec::new()
            }
            Message::RefreshDone { id, outcome } => self.on_refreshed_then_call(id, *outcome),
            Message::RefreshTokenStored(id) => {
                if let Some(panel) = self.panels.get_mut(&id) {
                    panel.unsaved_refresh_token = None;
                }
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
            Message::NothingToCopy(org) => {
                let r = self.key_of(Action::Refresh);
                self.error(format!(
                    "no access token stored for {org} yet: press {r} to refresh"
                ));
                Vec::new()
            }
            Message::CopyFailed(why) => {
                self.error(why);
                Vec::new()
            }
            Message::Saved(result) => self.on_saved(result),
            Message::ImportChecked(checked) => self.on_import_checked(checked),
            Message::CallDone { id, call, outcome } => self.on_call_done(id, call, *outcome),
            Message::LoginWaiting {
                url,
                opened,
                cancel,
            } => self.on_login_waiting(url, opened, cancel),
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
        let before = self.selected_org().map(|o| o.id.clone());
        // Forget results of orgs that are gone (removed by another process); a proxy of theirs
        // stops as its handle drops.
        if let Some(ids) = self.orgs.loaded(result, self.pending_select.take()) {
            self.panels
                .retain(|id, panel| ids.contains(id) || panel.running.is_some());
        }
        if self.selected_org().map(|o| &o.id) != before.as_ref() {
            self.selection_changed();
        }
    }
}

/// Whether `action` needs the whole org list read (a new name is checked against every saved
/// org; an edit or delete rewrites the whole file).
pub(super) fn needs_whole_list(action: Action) -> bool {
    matches!(
        action,
        Action::Add
            | Action::Login
            | Action::LoginAgain
            | Action::PasteAuthUrl
            | Action::Edit
            | Action::Delete
    )
}

/// The short name of a failure for the status line.
fn short_code(error: &RefreshError) -> String {
    match error {
        RefreshError::Token(e) => e.code_words(),
        RefreshError::NoClientSecret(e) => e.code_words(),
        RefreshError::NoRefreshToken(_) => "no refresh token stored".into(),
        RefreshError::MissingSecret(_, kind) => format!("no {} stored", kind.words()),
        RefreshError::CannotRefresh(_) => "access token only: cannot refresh".into(),
        RefreshError::PrivateKey(_) => "the private key cannot sign".into(),
        RefreshError::RotationNotSaved(_) => "the rotated refresh token was not saved".into(),
        RefreshError::Store(_) | RefreshError::SaveFailed(_) => "keyring or orgs file".into(),
        RefreshError::Cancelled => "cancelled".into(),
    }
}

/// What to do about a failed refresh, worded for the TUI: keys, not commands.
pub fn failure_hint(error: &RefreshError, org: &Org, keys: &KeyMap) -> Option<String> {
    const KEPT_IN_MEMORY: Advice = Advice(&[
        say(
            "sfkey keeps the new refresh token in memory (never shown): unlock or fix the keyring, then ",
        ),
        act("", Remedy::Refresh),
        say(" to save it and refresh with it. Quitting before that loses it"),
    ]);
    const MAYBE_SENT: Advice = Advice(&[
        say("the request may have reached Salesforce; "),
        act("", Remedy::Refresh),
        say(" to try again"),
    ]);
    const NOT_SENT: Advice = Advice(&[
        act(
            "nothing reached Salesforce; check the login URL",
            Remedy::EditLoginUrl,
        ),
        say(" and your network, then "),
        act("", Remedy::Refresh),
    ]);
    let advice = match error {
        RefreshError::RotationNotSaved(_) => Some(KEPT_IN_MEMORY),
        RefreshError::Token(TokenError::Transport(t)) if t.outcome_unknown => Some(MAYBE_SENT),
        RefreshError::Token(TokenError::Transport(_)) => Some(NOT_SENT),
        _ => error.advice(org.kind),
    };
    advice.map(|a| super::remedy::advice_text(&a, org, keys))
}

mod calls;
pub use calls::call_hint;

mod paste;
#[cfg(test)]
pub(crate) use paste::tests as paste_tests;
mod rotation;

#[cfg(test)]
mod tests;
