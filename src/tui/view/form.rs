//! The add/edit form and the delete confirmation.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use crate::escape::is_unsafe;

use super::super::form::{LoginChoice, OrgForm};
use super::text::wrap_words;

const LABEL_WIDTH: usize = 14;

/// Draws the form over `area`, with the cursor in the focused field.
pub fn draw(frame: &mut Frame, form: &OrgForm, area: Rect) {
    let width = area.width.min(84);
    let inner_width = usize::from(width.saturating_sub(2));
    let value_width = inner_width.saturating_sub(LABEL_WIDTH + 1).max(10);
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor: Option<(u16, u16)> = None;
    for field in form.visible_fields() {
        let focused = field == form.focus;
        let label_style = if focused {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        let label = Span::styled(format!("{:<LABEL_WIDTH$} ", field.label()), label_style);
        match form.input(field) {
            None => {
                let mut spans = vec![label];
                for choice in LoginChoice::ALL {
                    let style = if choice == form.login {
                        Style::new().add_modifier(Modifier::REVERSED)
                    } else {
                        Style::new().fg(Color::DarkGray)
                    };
                    spans.push(Span::styled(format!(" {} ", choice.label()), style));
                    spans.push(Span::raw(" "));
                }
                if focused {
                    spans.push(Span::styled("←/→", Style::new().fg(Color::DarkGray)));
                }
                lines.push(Line::from(spans));
            }
            Some(input) => {
                let shown = input.shown();
                // Keep the cursor in view: show the tail of long values.
                let skip = input.cursor().saturating_sub(value_width.saturating_sub(1));
                // A value read from the orgs file may hold controls: each shows as one `�`, so
                // the cursor stays over the character it edits.
                let visible: String = shown
                    .chars()
                    .skip(skip)
                    .take(value_width)
                    .map(|c| if is_unsafe(c) { '\u{fffd}' } else { c })
                    .collect();
                let value = if input.is_empty() {
                    // Cut to one row: a wrapped hint would push the form's last lines out.
                    let hint = form.placeholder(field);
                    let mut shown: String = hint.chars().take(value_width).collect();
                    if hint.chars().count() > value_width {
                        shown.pop();
                        shown.push('…');
                    }
                    Span::styled(shown, Style::new().fg(Color::DarkGray))
                } else {
                    Span::raw(visible)
                };
                if focused {
                    let column = LABEL_WIDTH + 1 + input.cursor() - skip;
                    cursor = Some((
                        u16::try_from(column).unwrap_or(0),
                        u16::try_from(lines.len()).unwrap_or(0),
                    ));
                }
                lines.push(Line::from(vec![label, value]));
            }
        }
        if let Some(error) = form.error(field) {
            for piece in wrap_words(error, value_width) {
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(LABEL_WIDTH + 1)),
                    Span::styled(piece, Style::new().fg(Color::Red)),
                ]));
            }
        }
    }
    lines.push(Line::default());
    if let Some(error) = &form.save_error {
        for piece in wrap_words(&format!("Not saved: {error}"), inner_width) {
            lines.push(Line::styled(piece, Style::new().fg(Color::Red)));
        }
    } else if form.saving {
        lines.push(Line::styled("Saving…", Style::new().fg(Color::Cyan)));
    } else {
        let help = if form.for_login {
            "Ctrl-S (or Enter on the last field) opens the browser to log in; the org is saved after. Esc cancels."
        } else {
            "Secrets go to the OS keyring only. Ctrl-S saves from any field; Esc cancels."
        };
        // Wrapped here: the popup's height counts these lines, so none is cut off.
        for piece in wrap_words(help, inner_width) {
            lines.push(Line::styled(piece, Style::new().fg(Color::DarkGray)));
        }
    }
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(form.title())),
        popup,
    );
    if let Some((x, y)) = cursor {
        let position = Position::new(popup.x + 1 + x, popup.y + 1 + y);
        if popup.contains(position) {
            frame.set_cursor_position(position);
        }
    }
}
