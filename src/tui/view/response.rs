//! The response pane: its frame and title, and what it shows for a refresh (the exchange, or
//! why there was no answer). The layout picks between that, a call's answer and the proxy.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::salesforce::TokenError;
use crate::saved_org::refresh::RefreshError;

use super::super::app::{App, Pane, Shown};
use super::style::theme;
use super::text::wrap_words;

/// Lines of the pane for the selected org's last refresh, `width` columns wide.
pub fn refresh_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let shown = app.selected_panel().and_then(|p| p.last.as_ref());
    let exchange = match shown {
        Some(Shown::Token { success, .. }) => Some(&success.exchange),
        Some(Shown::Failure { error, .. }) => error.token_error().and_then(TokenError::exchange),
        None => None,
    };
    match (exchange, shown) {
        (Some(exchange), _) => super::exchange::lines(exchange, width),
        (None, Some(Shown::Failure { error, .. })) => no_answer_lines(error, width),
        (None, _) => vec![Line::styled("No request yet.", theme().dim)],
    }
}

fn no_answer_lines(error: &RefreshError, width: usize) -> Vec<Line<'static>> {
    let text = match error {
        RefreshError::Token(TokenError::Transport(t)) => format!("No answer: {t}"),
        RefreshError::Cancelled => "No request was sent: the refresh was cancelled.".into(),
        // The request went out and Salesforce answered, but with a token the keyring refused.
        RefreshError::RotationNotSaved(_) => "Salesforce answered with a new refresh token, which the keyring refused; the answer is not kept here (it holds that token).".into(),
        _ => "No request was sent.".into(),
    };
    wrap_words(&text, width)
        .into_iter()
        .map(|l| Line::styled(l, theme().error))
        .collect()
}

/// Draws the pane with the `lines` of what it shows now.
pub fn draw(frame: &mut Frame, app: &App, area: Rect, lines: Vec<Line<'static>>) {
    app.hit.response.set(area);
    // Named after what it answers, a refresh as much as a call.
    let panel = app.selected_panel();
    let title = match (
        panel.and_then(|p| p.call.as_ref()),
        panel.and_then(|p| p.last.as_ref()),
    ) {
        _ if let Some(state) = panel.and_then(|p| p.proxy.as_ref()) => {
            super::proxy::title(state).to_string()
        }
        (Some(call), _) => format!(" Response · {} ", call.call.title()),
        (None, Some(_)) => " Response · refresh ".to_string(),
        (None, None) => " Response ".to_string(),
    };
    let scroll = (app.view.response_scroll, &app.hit.response_max);
    super::draw_scrolled(
        frame,
        app,
        area,
        Pane::Response,
        Line::from(title),
        lines,
        scroll,
    );
}
