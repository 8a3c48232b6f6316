//! The help overlay, drawn from the key table.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::keymap::{Action, Context, KeyMap};
use super::text::wrap_words;

/// The widest key column, indent included: longer labels push their text right.
const KEY_COLUMN_MAX: usize = 16;

/// The overlay's lines, wrapped to `width` columns here (not by the paragraph), so the line
/// count is the row count and scrolling can reach the last line; wrapped help text continues
/// under the help column.
fn lines(keys: &KeyMap, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    // As wide as the longest label (`  d/Del  `), within KEY_COLUMN_MAX.
    let widest = Context::ALL
        .iter()
        .flat_map(|c| keys.rows(*c))
        .map(|r| r.label().chars().count())
        .max()
        .unwrap_or(0);
    let key_column = (widest + 4).min(KEY_COLUMN_MAX);
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
            let label = format!("  {:<width$}", row.label(), width = key_column - 3);
            let pieces = wrap_words(row.binding.help, width.saturating_sub(key_column).max(10));
            for (i, piece) in pieces.into_iter().enumerate() {
                let key = if i == 0 { label.clone() } else { String::new() };
                lines.push(Line::from(vec![
                    Span::styled(format!("{key:<key_column$}"), Style::new().fg(Color::Cyan)),
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
