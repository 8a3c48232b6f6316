//! The revoke question (key x): which token?

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::org::Org;

use super::super::keymap::{Action, Context, KeyMap};
use super::style::theme;
use super::text::wrap_words;

/// The revoke popup: which token?
pub fn draw(frame: &mut Frame, org: &Org, keys: &KeyMap, area: Rect) {
    let width = area.width.min(66);
    let inner = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    for piece in wrap_words(
        &format!("Revoke a token of {} at Salesforce?", org.name),
        inner,
    ) {
        lines.push(Line::styled(piece, bold));
    }
    lines.push(Line::default());
    // Each choice wrapped under its text, so a narrow popup cuts none of it.
    let mut choice = |action: Action, color: Style, text: &str, more: Option<&str>| {
        let k = keys.label(Context::Revoke, action);
        let key = Span::styled(k.clone(), color.add_modifier(Modifier::BOLD));
        let room = inner.saturating_sub(k.chars().count() + 1);
        let pieces = wrap_words(text, room)
            .into_iter()
            .map(|p| (p, Style::new()));
        let more = more
            .map(|m| wrap_words(m, room))
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p, theme().dim));
        for (i, (piece, style)) in pieces.chain(more).enumerate() {
            let head = if i == 0 {
                vec![key.clone(), Span::raw(" ")]
            } else {
                vec![Span::raw(" ".repeat(k.chars().count() + 1))]
            };
            lines.push(Line::from(
                [head, vec![Span::styled(piece, style)]].concat(),
            ));
        }
    };
    choice(
        Action::RevokeAccess,
        theme().warning,
        "the access token (the refresh token stays)",
        None,
    );
    choice(
        Action::RevokeRefresh,
        theme().error,
        "the refresh token, and with it every access token",
        Some("issued from it; you would need to log in again"),
    );
    choice(Action::No, theme().key, "neither", None);
    super::question::framed(frame, area, width, "Revoke", lines);
}
