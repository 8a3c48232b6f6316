//! The help overlay, drawn from the key table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::super::keymap::{self, Context};

/// Draws the overlay over `area`.
pub fn draw(frame: &mut Frame, area: Rect, scroll: u16) {
    let mut lines = Vec::new();
    for (context, title) in [
        (Context::Main, "Main screen"),
        (Context::Form, "Add / edit form"),
        (Context::Confirm, "Delete confirmation"),
    ] {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::styled(
            title,
            Style::new().add_modifier(Modifier::BOLD),
        ));
        for binding in keymap::bindings(context) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<7}", binding.label),
                    Style::new().fg(Color::Cyan),
                ),
                Span::raw(binding.help),
            ]));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        "The mouse selects orgs and focuses panes; the wheel scrolls.",
        Style::new().fg(Color::DarkGray),
    ));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::centered(area, 76, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(height.saturating_sub(popup.height)), 0))
            .block(Block::bordered().title(" Keys (j/k scroll, Esc or ? close) ")),
        popup,
    );
}
