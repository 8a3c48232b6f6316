//! The help overlay, drawn from the key table.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::keymap::{Action, Context, KeyMap};
use super::style::theme;
use super::text::wrap_words;

/// Width of the key column, indent included (`  d/Del  `); a longer label (`Shift-Tab/↑`)
/// gets a line of its own above its text.
const KEY_COLUMN: usize = 10;

/// The overlay's lines, wrapped to `width` columns here (not by the paragraph), so the line
/// count is the row count and scrolling can reach the last line; wrapped help text continues
/// under the help column.
fn lines(keys: &KeyMap, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let key_style = theme().key;
    for context in Context::ALL {
        let title = context.title();
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::styled(
            title,
            Style::new().add_modifier(Modifier::BOLD),
        ));
        for row in keys.rows(context) {
            let label = format!("  {}", row.label());
            let mut key = if label.chars().count() < KEY_COLUMN {
                label
            } else {
                lines.push(Line::styled(label, key_style));
                String::new()
            };
            for piece in wrap_words(row.binding.help, width.saturating_sub(KEY_COLUMN).max(10)) {
                lines.push(Line::from(vec![
                    Span::styled(format!("{key:<KEY_COLUMN$}"), key_style),
                    Span::raw(piece),
                ]));
                key.clear();
            }
        }
    }
    lines.push(Line::default());
    for piece in wrap_words(
        "The mouse selects orgs and focuses panes; the wheel scrolls.",
        width,
    ) {
        lines.push(Line::styled(piece, theme().dim));
    }
    lines
}

/// Draws the overlay over `area`, scrolled by `scroll` lines; records in `max` how far it
/// can scroll, so j past the end does not pile up scroll that k must undo first.
pub fn draw(frame: &mut Frame, keys: &KeyMap, area: Rect, scroll: u16, max: &Cell<u16>) {
    let width = area.width.min(76);
    let lines = lines(keys, usize::from(width.saturating_sub(2)));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::centered(area, width, height);
    let limit = height.saturating_sub(popup.height);
    max.set(limit);
    let close = keys.key(Context::Main, Action::Cancel);
    let title = if limit > 0 {
        let (down, up) = (
            keys.key(Context::Main, Action::Down),
            keys.key(Context::Main, Action::Up),
        );
        format!(" Keys ({down}/{up} scroll, {close} close) ")
    } else {
        format!(" Keys ({close} close) ")
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll.min(limit), 0))
            .block(Block::bordered().title(title)),
        popup,
    );
}
