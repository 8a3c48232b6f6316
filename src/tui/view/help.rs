//! The help overlay, drawn from the key table.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::keymap::{self, Context};
use super::text::wrap_words;

/// Width of the key column, indent included (`  d/Del  `).
const KEY_COLUMN: usize = 9;

/// The overlay's lines, wrapped to `width` columns here (not by the paragraph), so the line
/// count is the row count and scrolling can reach the last line; wrapped help text continues
/// under the help column.
fn lines(width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (context, title) in Context::ALL {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::styled(
            title,
            Style::new().add_modifier(Modifier::BOLD),
        ));
        for binding in keymap::bindings(context) {
            let label = format!("  {:<width$}", binding.label, width = KEY_COLUMN - 3);
            let pieces = wrap_words(binding.help, width.saturating_sub(KEY_COLUMN).max(10));
            for (i, piece) in pieces.into_iter().enumerate() {
                let key = if i == 0 { label.clone() } else { String::new() };
                lines.push(Line::from(vec![
                    Span::styled(format!("{key:<KEY_COLUMN$}"), Style::new().fg(Color::Cyan)),
                    Span::raw(piece),
                ]));
            }
        }
    }
    lines.push(Line::default());
    for piece in wrap_words(
        "The mouse selects orgs and focuses panes; the wheel scrolls.",
        width,
    ) {
        lines.push(Line::styled(piece, Style::new().fg(Color::DarkGray)));
    }
    lines
}

/// Draws the overlay over `area`, scrolled by `scroll` lines; records in `max` how far it
/// can scroll, so j past the end does not pile up scroll that k must undo first.
pub fn draw(frame: &mut Frame, area: Rect, scroll: u16, max: &Cell<u16>) {
    let width = area.width.min(76);
    let lines = lines(usize::from(width.saturating_sub(2)));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::centered(area, width, height);
    let limit = height.saturating_sub(popup.height);
    max.set(limit);
    let title = if limit > 0 {
        " Keys (j/k scroll, Esc close) "
    } else {
        " Keys (Esc close) "
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll.min(limit), 0))
            .block(Block::bordered().title(title)),
        popup,
    );
}
