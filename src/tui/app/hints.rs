//! Which main-screen keys the status line offers now.

use super::super::keymap::Action;
use super::{App, Shown};

impl App {
    /// The main-screen actions worth a hint right now, in table order.
    pub fn hint_actions(&self) -> Vec<Action> {
        if self.quitting() {
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
        // An access-token-only org holds its token from the start, and no refresh renews it.
        let token_only = self
            .selected_org()
            .is_some_and(|o| o.kind == crate::org::OrgKind::AccessToken);
        let stored_token = token_only
            || self
                .selected_org()
                .and_then(|o| o.last_refresh.as_ref())
                .is_some_and(|l| l.issued_at.is_some());
        let mut out = Vec::new();
        let call_running = panel
            .and_then(|p| p.call.as_ref())
            .is_some_and(crate::tui::calls::CallState::running);
        // Esc while a refresh can still be stopped: not once asked, nor once its request is out.
        let cancellable = panel
            .and_then(|p| p.running.as_ref())
            .is_some_and(|r| r.phase.cancellable());
        if cancellable {
            out.push(Action::Cancel);
        } else if has_org && !running && !call_running && !token_only {
            out.push(Action::Refresh);
        }
        // After a failure, logging in again is often the way out (an expired refresh token).
        let failed = matches!(
            panel.and_then(|p| p.last.as_ref()),
            Some(Shown::Failure { .. })
        );
        let logs_in = self
            .selected_org()
            .is_some_and(|o| o.kind == crate::org::OrgKind::RefreshToken);
        if failed && logs_in && !running {
            out.push(Action::LoginAgain);
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
}
