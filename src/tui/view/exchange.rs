//! An HTTP exchange as the response pane shows it, for a refresh and for a call alike.

use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use crate::salesforce::HttpExchange;

use super::style::theme;
use super::text::{header_case, wrap};

/// The exchange's lines: `HTTP <status> <reason>` and the latency, then every header in the
/// order received, long values wrapped under their name.
pub fn lines(exchange: &HttpExchange, width: usize) -> Vec<Line<'static>> {
    let status_style = theme().status_code(exchange.status);
    let mut out = vec![Line::from(vec![
        Span::styled(
            format!(
                "HTTP {} {}",
                exchange.status,
                crate::escape::escape(&exchange.reason)
            ),
            status_style.add_modifier(Modifier::BOLD),
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
