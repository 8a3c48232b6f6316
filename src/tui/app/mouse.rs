//! Selection, scrolling and the mouse: clicks select orgs and focus panes, the wheel scrolls.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::{App, HitAreas, Level, Pane, Popup};

impl App {
    /// Another org is selected: revealed secrets, scrolls and the old org's failure belong to
    /// the old one.
    pub(super) fn selection_changed(&mut self) {
        self.view.reveal = false;
        self.view.token_scroll = 0;
        self.view.response_scroll = 0;
        if self
            .view
            .status
            .as_ref()
            .is_some_and(|s| s.level == Level::Error)
        {
            self.view.status = None;
        }
    }

    /// Selects row `index`; `to_end` asks for the last org (once loaded, if loading).
    pub(super) fn select(&mut self, index: usize, to_end: bool) {
        if self.orgs.select(index, to_end) {
            self.selection_changed();
        }
    }

    /// Scrolls the pane `pane` by `delta` lines, within what the view last drew.
    pub(super) fn scroll(&mut self, pane: Pane, delta: isize) {
        let (scroll, max) = match pane {
            Pane::Token => (&mut self.view.token_scroll, self.hit.token_max.get()),
            Pane::Response => (&mut self.view.response_scroll, self.hit.response_max.get()),
            Pane::Orgs => {
                let next = self.orgs.selected.saturating_add_signed(delta);
                return self.select(next, delta == isize::MAX);
            }
        };
        // From where the view shows it: the pane may have shrunk since (v, a resize).
        *scroll = (*scroll).min(max).saturating_add_signed(delta).min(max);
    }

    pub(super) fn on_mouse(&mut self, mouse: &MouseEvent) {
        if matches!(self.view.popup, Some(Popup::Help(_))) {
            // The wheel scrolls the help as j/k do.
            match mouse.kind {
                MouseEventKind::ScrollDown => self.scroll_help(3),
                MouseEventKind::ScrollUp => self.scroll_help(-3),
                _ => {}
            }
            return;
        }
        if self.view.popup.is_some() {
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
                self.view.focus = pane;
                if pane == Pane::Orgs {
                    let index = self.list_offset.get() + usize::from(mouse.row - area.y);
                    if index < self.orgs.len() {
                        self.select(index, false);
                    }
                }
            }
            MouseEventKind::ScrollDown => self.scroll(pane, if pane == Pane::Orgs { 1 } else { 3 }),
            MouseEventKind::ScrollUp => self.scroll(pane, if pane == Pane::Orgs { -1 } else { -3 }),
            _ => {}
        }
    }
}
