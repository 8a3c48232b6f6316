//! Leaving: what quitting waits for, what it would lose (asked about first), and the quit
//! state's steps.

use super::super::calls::Call;
use super::super::keymap::Action;
use super::{App, Effect, Popup, QuitState};

impl App {
    /// Whether quitting was asked (and sfkey waits for what must be saved).
    pub fn quitting(&self) -> bool {
        matches!(self.quit, QuitState::Leaving | QuitState::LeavingNow)
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
        match self.quit {
            QuitState::LeavingNow => true,
            QuitState::Leaving => self.must_finish().is_empty(),
            QuitState::Running | QuitState::Warned => false,
        }
    }

    /// What quitting now would lose, as the status line says it, if anything.
    pub(super) fn would_lose(&self) -> Option<String> {
        let q = self.key_of(Action::Quit);
        let names = self.unsaved_names();
        if !names.is_empty() {
            let r = self.key_of(Action::Refresh);
            // What q does now first: the status line cuts long messages from the right.
            return Some(format!(
                "{q} again quits and loses the new refresh token of {} (only in memory: the keyring refused it); fix the keyring, then {r} saves it",
                names.join(", ")
            ));
        }
        match &self.view.popup {
            Some(Popup::Form(form)) if form.is_saving() => None,
            Some(Popup::Form(form)) if form.is_dirty() => Some(format!(
                // In the form q types a q: only Ctrl-C quits from there.
                "Ctrl-C again quits and drops the form; {} closes it",
                self.env
                    .keys
                    .key(super::super::keymap::Context::Form, Action::Cancel)
            )),
            _ => None,
        }
    }

    /// `q` or Ctrl-C: the first press warns when something would be lost; then leaving waits
    /// for what must be saved; a second press leaves at once.
    pub(super) fn quit(&mut self) -> Vec<Effect> {
        match self.quit {
            QuitState::Running => {
                if let Some(warning) = self.would_lose() {
                    self.quit = QuitState::Warned;
                    self.error(warning);
                    return Vec::new();
                }
                self.leave()
            }
            QuitState::Warned => self.leave(),
            QuitState::Leaving | QuitState::LeavingNow => {
                // Asked twice: the user accepts that a refresh still out may be lost.
                self.quit = QuitState::LeavingNow;
                Vec::new()
            }
        }
    }

    /// A signal: no second chance to ask, so no warning either.
    pub(super) fn quit_now(&mut self) -> Vec<Effect> {
        match self.quit {
            QuitState::Running | QuitState::Warned => self.leave(),
            QuitState::Leaving | QuitState::LeavingNow => {
                self.quit = QuitState::LeavingNow;
                Vec::new()
            }
        }
    }

    fn leave(&mut self) -> Vec<Effect> {
        self.quit = QuitState::Leaving;
        self.view.popup = None;
        // Stops refreshes that sent nothing yet; the others finish saving first.
        self.cancel_unsent();
        let effects = self.stop_proxies();
        let waiting = self.must_finish();
        if !waiting.is_empty() {
            let q = self.key_of(Action::Quit);
            self.info(format!(
                "quitting once this finishes saving: {} ({q} again to leave now)",
                waiting.join(", ")
            ));
        }
        effects
    }
}
