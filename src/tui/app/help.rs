//! The help overlay: it scrolls and closes with the main screen's keys and the wheel.

use super::super::keymap::Action;
use super::{App, Popup};

impl App {
    /// An action while help is open.
    pub(super) fn on_help_action(&mut self, action: Option<Action>) {
        match action {
            Some(Action::Down) => self.scroll_help(1),
            Some(Action::Up) => self.scroll_help(-1),
            Some(Action::First) => self.scroll_help(i32::MIN),
            Some(Action::Last) => self.scroll_help(i32::MAX),
            Some(Action::Help | Action::Cancel | Action::Quit) => self.view.popup = None,
            _ => {}
        }
    }

    /// Scrolls the help overlay by `delta` lines, within what the view last drew, so k moves
    /// at once after j past the end.
    pub(super) fn scroll_help(&mut self, delta: i32) {
        let max = i32::from(self.hit.help_max.get());
        if let Some(Popup::Help(scroll)) = &mut self.view.popup {
            let next = i32::from(*scroll).saturating_add(delta).clamp(0, max);
            *scroll = u16::try_from(next).unwrap_or(0);
        }
    }
}
