//! The token pane: every field of the last answer in the order received, secrets masked until
//! revealed; or the failure, with what to do about it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use serde_json::Value;

use crate::humanize;
use crate::org::Org;
use crate::redact;
use crate::refresh::RefreshError;
use crate::salesforce::{TokenError, TokenSuccess};

use super::super::app::{App, Pane, Panel, Shown};
use super::text::{elapsed, local_time, spinner, wrap, wrap_words};

const KEY: Style = Style::new().fg(Color::Cyan);
const DIM: Style = Style::new().fg(Color::DarkGray);

/// Lines of the pane for the selected org, wrapped to `width` columns.
pub fn lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.saturating_sub(2)).max(10);
    let Some(org) = app.selected_org() else {
        return vec![Line::from("No org selected. Press a to add one.")];
    };
    let panel = app.panels.get(&org.id);
    let mut out = super::call::dead_notice(org, app, width);
    out.extend(match panel.and_then(|p| p.last.as_ref()) {
        Some(Shown::Token {
            success, rotated, ..
        }) => token_lines(success, *rotated, app, width),
        Some(Shown::Failure { error, .. }) => failure_lines(error, org, width),
        None => never_lines(org, panel, app, width),
    });
    out
}

/// `key  value` rows; long values continue under the value column.
fn field(
    out: &mut Vec<Line<'static>>,
    key: &str,
    value: &str,
    key_width: usize,
    width: usize,
    style: Style,
) {
    let value_width = width.saturating_sub(key_width + 1).max(8);
    for (i, piece) in wrap(value, value_width).into_iter().enumerate() {
        let label = if i == 0 {
            key.to_string()
        } else {
            String::new()
        };
        out.push(Line::from(vec![
            Span::styled(format!("{label:<key_width$} "), KEY),
            Span::styled(piece, style),
        ]));
    }
}

fn prose(out: &mut Vec<Line<'static>>, text: &str, width: usize, style: Style) {
    for line in wrap_words(text, width) {
        out.push(Line::styled(line, style));
    }
}

/// `00D…` and `005…` from `https://login.salesforce.com/id/00D…/005…`.
fn ids_from_id_url(url: &str) -> Option<(&str, &str)> {
    let path = url.split("/id/").nth(1)?;
    let mut parts = path.split('/');
    let org = parts.next().filter(|s| !s.is_empty())?;
    let user = parts.next().filter(|s| !s.is_empty())?;
    Some((org, user))
}

fn token_lines(
    success: &TokenSuccess,
    rotated: bool,
    app: &App,
    width: usize,
) -> Vec<Line<'static>> {
    let fields = success.token.fields();
    let key_width = fields
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 20);
    let mut out = Vec::new();
    if rotated {
        prose(
            &mut out,
            "Salesforce rotated the refresh token; the new one is saved in the keyring.",
            width,
            Style::new().fg(Color::Yellow),
        );
    }
    for (key, value) in fields {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let secret = redact::is_secret_field(key);
        if secret && !app.reveal {
            field(&mut out, key, &redact::mask(&text), key_width, width, DIM);
            continue;
        }
        let style = if secret {
            Style::new().fg(Color::Yellow)
        } else {
            Style::new()
        };
        field(&mut out, key, &text, key_width, width, style);
        if key == "issued_at"
            && let Some(ms) = crate::org::issued_at_ms(&text)
        {
            {
                let when = local_time(ms, app.utc_offset_s).unwrap_or_default();
                let line = format!("↳ {when} · {}", humanize::ago(ms, app.now_ms));
                field(&mut out, "", &line, key_width, width, DIM);
            }
        }
        if key == "id"
            && let Some((org_id, user_id)) = ids_from_id_url(&text)
        {
            let ids = format!("↳ org {org_id} · user {user_id}");
            field(&mut out, "", &ids, key_width, width, DIM);
        }
    }
    out
}

fn failure_lines(error: &RefreshError, org: &Org, width: usize) -> Vec<Line<'static>> {
    let red = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    let mut out = Vec::new();
    prose(&mut out, &format!("✗ {error}"), width, red);
    let token_error = error.token_error();
    if let Some(TokenError::Salesforce {
        error, description, ..
    }) = token_error
    {
        out.push(Line::default());
        let key_width = 17;
        field(&mut out, "error", error, key_width, width, Style::new());
        if let Some(d) = description {
            field(
                &mut out,
                "error_description",
                d,
                key_width,
                width,
                Style::new(),
            );
        }
    }
    if let Some(x) = token_error.and_then(TokenError::explanation) {
        out.push(Line::default());
        prose(
            &mut out,
            &format!("means: {}", x.meaning),
            width,
            Style::new(),
        );
    }
    let hint = super::super::app::failure_hint(error, &org.name);
    if let Some(hint) = hint {
        out.push(Line::default());
        prose(
            &mut out,
            &format!("hint: {hint}"),
            width,
            Style::new().fg(Color::Yellow),
        );
    }
    out
}

fn never_lines(org: &Org, panel: Option<&Panel>, app: &App, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    match panel.and_then(|p| p.running.as_ref()) {
        Some(running) => out.push(Line::styled(
            format!(
                "{} {} {}",
                spinner(app.now_ms),
                if running.waiting_for_lock {
                    "waiting for another sfkey that is refreshing this org…"
                } else if running.cancelling {
                    "cancelling…"
                } else {
                    "refreshing…"
                },
                elapsed(running.started_ms, app.now_ms)
            ),
            Style::new().fg(Color::Cyan),
        )),
        None => out.push(Line::from(vec![
            Span::raw("No token on screen yet. Press "),
            Span::styled("r", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(" to refresh."),
        ])),
    }
    out.push(Line::default());
    let key_width = 12;
    field(
        &mut out,
        "login URL",
        &org.login_url,
        key_width,
        width,
        Style::new(),
    );
    if let Some(site) = &org.site {
        field(&mut out, "site", site, key_width, width, Style::new());
    }
    field(
        &mut out,
        "client id",
        &org.client_id,
        key_width,
        width,
        Style::new(),
    );
    if let Some(instance) = &org.instance_url {
        field(
            &mut out,
            "instance URL",
            instance,
            key_width,
            width,
            Style::new(),
        );
    }
    if let Some(last) = &org.last_refresh {
        let mut text = format!("{} {}", last.status, humanize::ago(last.at_ms, app.now_ms));
        if let Some(status) = last.http_status {
            text.push_str(&format!(" (HTTP {status}, {} ms)", last.latency_ms));
        }
        field(
            &mut out,
            "last refresh",
            &text,
            key_width,
            width,
            Style::new(),
        );
        if last.is_ok() {
            prose(
                &mut out,
                "Its access token is in the keyring: c copies it.",
                width,
                DIM,
            );
        }
    }
    out
}

/// Draws the pane with its `lines` (from [`lines`] at the pane's width).
pub fn draw(frame: &mut Frame, app: &App, area: Rect, lines: Vec<Line<'static>>) {
    app.hit.token.set(area);
    let mut title = vec![Span::raw(" Token ")];
    if let Some(org) = app.selected_org() {
        title.push(Span::styled(
            format!("· {} ", org.name),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        let panel = app.panels.get(&org.id);
        if let Some(running) = panel.and_then(|p| p.running.as_ref()) {
            title.push(Span::styled(
                format!(
                    "{} {} ",
                    spinner(app.now_ms),
                    elapsed(running.started_ms, app.now_ms)
                ),
                Style::new().fg(Color::Cyan),
            ));
        } else if let Some(Shown::Token { at_ms, .. } | Shown::Failure { at_ms, .. }) =
            panel.and_then(|p| p.last.as_ref())
        {
            title.push(Span::styled(
                format!("· {} ", humanize::ago(*at_ms, app.now_ms)),
                DIM,
            ));
        }
        if app.reveal {
            title.push(Span::styled("· REVEALED ", Style::new().fg(Color::Yellow)));
        }
    }
    let block = super::pane_block(Line::from(title), app, Pane::Token);
    let shown = super::scrolled(lines, app.token_scroll, area.height, &app.hit.token_max);
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_and_user_ids_come_from_the_id_url() {
        assert_eq!(
            ids_from_id_url("https://login.salesforce.com/id/00D5g000004ABCD/0055g000001XYZ"),
            Some(("00D5g000004ABCD", "0055g000001XYZ"))
        );
        assert_eq!(ids_from_id_url("https://example.com/nothing"), None);
    }
}
