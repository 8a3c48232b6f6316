//! The login popup: where the browser was sent (or the URL to open), and that sfkey waits.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::app::LoginPopup;
use super::super::keymap::{Action, Context, KeyMap};
use super::centered;
use super::style::theme;
use super::text::{wrap, wrap_words};

/// Draws the popup over `area`: what to press first, then where the browser was sent, then the
/// URL. The URL is drawn whole (wrapped) when it fits, so it can be typed or selected from the
/// screen when no browser could be opened; on a small terminal it is cut short instead of the
/// keys, and `c` copies it whole.
pub fn draw(frame: &mut Frame, popup: &LoginPopup, keys: &KeyMap, area: Rect) {
    let width = area.width.saturating_sub(4).min(90);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let dim = theme().dim;
    let mut lines: Vec<Line> = Vec::new();
    let mut prose = |text: &str, style: Style| {
        for piece in wrap_words(text, inner) {
            lines.push(Line::styled(piece, style));
        }
    };
    let copy = keys.key(Context::Login, Action::CopyUrl);
    if let Some(question) = &popup.question {
        // The login worked and its user is already saved under another name.
        prose(&question.text, Style::new().add_modifier(Modifier::BOLD));
        let (yes, no) = (
            keys.label(Context::LoginAsk, Action::Yes),
            keys.label(Context::LoginAsk, Action::No),
        );
        prose(
            &format!("{yes} store it there   {no} discard the login"),
            dim,
        );
    } else {
        let cancel = keys.key(Context::Login, Action::Cancel);
        prose(
            &format!("Waiting for the browser… {copy} copies the URL, {cancel} cancels."),
            Style::new().add_modifier(Modifier::BOLD),
        );
        prose(
            &format!("The org is saved as {} once you allow access.", popup.name),
            dim,
        );
    }
    lines.push(Line::default());
    for piece in wrap_words(&popup.opened, inner) {
        lines.push(Line::raw(piece));
    }
    if let Some(url) = &popup.url {
        lines.push(Line::default());
        let room = usize::from(area.height.saturating_sub(2)).saturating_sub(lines.len());
        let mut pieces = wrap(url, inner);
        if pieces.len() > room {
            pieces.truncate(room.saturating_sub(1));
            lines.extend(pieces.into_iter().map(|p| Line::styled(p, theme().key)));
            lines.push(Line::styled(
                format!("… ({copy} copies the whole URL)"),
                dim,
            ));
        } else {
            lines.extend(pieces.into_iter().map(|p| Line::styled(p, theme().key)));
        }
    }
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(" Log in: {} ", popup.name))),
        rect,
    );
}
