//! The response pane: `HTTP <status>`, the latency, then every header in the order received;
//! or the org's proxy while one runs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::refresh::RefreshError;
use crate::salesforce::{HttpExchange, TokenError};

use super::super::app::{App, Pane, Shown};
use super::style::theme;
use super::text::{header_case, wrap, wrap_words};

/// Lines of the pane for the selected org.
pub fn lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.saturating_sub(2)).max(10);
    // The org's proxy takes the pane while it runs.
    if let Some(state) = app.selected_panel().and_then(|p| p.proxy.as_ref()) {
        return super::proxy::lines(state, width);
    }
    // The last userinfo/introspect/revoke call, when it is newer than the refresh shown.
    if let Some(org) = app.selected_org()
        && let Some(call) = app.selected_panel().and_then(|p| p.call.as_ref())
    {
        return super::call::lines(call, org, app, width);
    }
    let shown = app.selected_panel().and_then(|p| p.last.as_ref());
    let exchange = match shown {
        Some(Shown::Token { success, .. }) => Some(&success.exchange),
        Some(Shown::Failure { error, .. }) => error.token_error().and_then(TokenError::exchange),
        None => None,
    };
    match (exchange, shown) {
        (Some(exchange), _) => exchange_lines(exchange, width),
        (None, Some(Shown::Failure { error, .. })) => no_answer_lines(error, width),
        (None, _) => vec![Line::styled("No request yet.", theme().dim)],
    }
}

pub(super) fn exchange_lines(exchange: &HttpExchange, width: usize) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(vec![
        Span::styled(
            format!(
                "HTTP {} {}",
                exchange.status,
                crate::escape::escape(&exchange.reason)
            ),
            theme()
                .status_code(exchange.status)
                .add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!("  {}", crate::humanize::millis(exchange.latency))),
    ])];
    for (name, value) in &exchange.headers {
        let name = header_case(&crate::escape::escape(name));
        let first = width.saturating_sub(name.chars().count() + 2).max(8);
        let mut pieces = wrap(value, first).into_iter();
        out.push(Line::from(vec![
            Span::styled(format!("{name}: "), theme().key),
            Span::raw(pieces.next().unwrap_or_default()),
        ]));
        let rest: String = pieces.collect();
        for piece in wrap(&rest, width.saturating_sub(2).max(8))
            .into_iter()
            .filter(|p| !p.is_empty())
        {
            out.push(Line::raw(format!("  {piece}")));
        }
    }
    out
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

/// Draws the pane.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
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
    let block = super::pane_block(Line::from(title), app, Pane::Response);
    let lines = lines(app, area.width);
    let (shown, note) = super::scrolled(
        lines,
        app.view.response_scroll,
        area.height,
        &app.hit.response_max,
        super::is_focused(app, Pane::Response),
    );
    let block = super::with_note(block, note);
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
