//! The login popup: where the browser was sent (or the URL to open), and that sfkey waits.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::super::app::LoginPopup;
use super::centered;

/// Draws the popup over `area`. The URL is drawn whole (wrapped), so it can be typed or
/// selected from the screen when no browser could be opened.
pub fn draw(frame: &mut Frame, popup: &LoginPopup, area: Rect) {
    let width = area.width.saturating_sub(4).min(90);
    let dim = Style::new().fg(Color::DarkGray);
    let mut lines = vec![Line::raw(popup.opened.clone()), Line::default()];
    if let Some(url) = &popup.url {
        lines.push(Line::styled(url.clone(), Style::new().fg(Color::Cyan)));
        lines.push(Line::default());
    }
    if let Some(question) = &popup.question {
        lines.push(Line::styled(
            question.clone(),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        lines.push(Line::styled(
            "y store it there   n/Esc discard the login",
            dim,
        ));
    } else {
        lines.push(Line::styled(
            "Waiting for the browser… c copies the URL, Esc cancels.",
            Style::new().add_modifier(Modifier::BOLD),
        ));
        lines.push(Line::styled(
            format!("The org is saved as {} once you allow access.", popup.name),
            dim,
        ));
    }
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" Log in: {} ", popup.name))),
        rect,
    );
}
