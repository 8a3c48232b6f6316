//! The token pane: every field of the last answer in the order received, secrets masked until
//! revealed; or the failure, with what to do about it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::humanize;
use crate::org::Org;
use crate::redact;
use crate::salesforce::{SignatureCheck, TokenError, TokenSuccess};
use crate::saved_org::refresh::RefreshError;
use crate::token_details::{Clock, Detail, Tone, field_details, signature_details};

use super::super::app::{App, Pane, Shown};
use super::super::keymap::Action;
use super::style::theme;
use super::text::{elapsed, spinner, wrap, wrap_hanging, wrap_words};

/// Lines of the pane for the selected org, wrapped to `width` columns; and how many of them
/// come first (a token's fields, before its long scope and id_token sections), which the layout
/// keeps in view before it gives the rest room.
pub fn lines(app: &App, width: u16) -> (Vec<Line<'static>>, usize) {
    let width = usize::from(width.saturating_sub(2)).max(10);
    let Some(org) = app.selected_org() else {
        let key = |action| app.keys().main_key(action);
        let text = format!(
            "No org selected. Press {} to log in, {} to paste an auth URL, or {} to add one.",
            key(Action::Login),
            key(Action::PasteAuthUrl),
            key(Action::Add)
        );
        return all_first(
            wrap_words(&text, width)
                .into_iter()
                .map(Line::from)
                .collect(),
        );
    };
    let panel = app.panels.get(&org.id);
    let mut out = super::call::dead_notice(org, app, width);
    let notice = out.len();
    let (lines, head) = match panel.and_then(|p| p.last.as_ref()) {
        Some(Shown::Token {
            success,
            rotated,
            signature,
            ..
        }) => token_lines(success, *rotated, *signature, app, width),
        Some(Shown::Failure { error, .. }) => {
            all_first(failure_lines(error, org, width, app.keys()))
        }
        None => all_first(super::token_stored::lines(org, panel, app, width)),
    };
    // Health right after the fields (the head), before the long scope and id_token sections.
    // It is not part of the head: the response pane keeps its rows, and health takes the room
    // left over (all of it at 100x30 with a token), else it is one `j` away.
    let health = super::health::lines(org, app.now_ms, app.env.idle_days, width);
    let mut lines = lines;
    let rest = lines.split_off(head.min(lines.len()));
    out.extend(lines);
    out.extend(health);
    out.extend(rest);
    (out, notice + head)
}

/// Lines that all belong to the head (no long sections).
fn all_first(lines: Vec<Line<'static>>) -> (Vec<Line<'static>>, usize) {
    let head = lines.len();
    (lines, head)
}

/// `key  value` rows; long values continue under the value column.
pub(super) fn field(
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
            Span::styled(format!("{label:<key_width$} "), theme().key),
            Span::styled(piece, style),
        ]));
    }
}

pub(super) fn prose(out: &mut Vec<Line<'static>>, text: &str, width: usize, style: Style) {
    for line in wrap_words(text, width) {
        out.push(Line::styled(line, style));
    }
}

fn tone_style(tone: Tone) -> Style {
    match tone {
        Tone::Plain => theme().dim,
        Tone::Good => theme().ok,
        Tone::Warn => theme().warning,
        Tone::Loud => theme().alarm,
    }
}

/// A field's details in the value column: under its value with `↳ ` before the first line, or
/// beside `label` when there is one.
fn detail_lines(
    out: &mut Vec<Line<'static>>,
    label: &str,
    details: &[Detail],
    key_width: usize,
    width: usize,
) {
    // Under a value: `↳ ` before the first line, the rest indented past it. Beside a label:
    // no marker, no indent.
    let (first_lead, indent) = if label.is_empty() {
        ("↳ ", "  ")
    } else {
        ("", "")
    };
    let value_width = width.saturating_sub(key_width + 1 + indent.len()).max(8);
    for (i, detail) in details.iter().enumerate() {
        let style = tone_style(detail.tone);
        for (j, piece) in wrap_hanging(&detail.text, value_width)
            .into_iter()
            .enumerate()
        {
            let (key, lead) = match (i, j) {
                (0, 0) => (label, first_lead),
                _ => ("", indent),
            };
            out.push(Line::from(vec![
                Span::styled(format!("{key:<key_width$} "), theme().key),
                Span::styled(format!("{lead}{piece}"), style),
            ]));
        }
    }
}

/// A field's value, then its details: the first one beside a value it fits after (the
/// signature's verdict), the rest under it.
fn value_and_details(
    out: &mut Vec<Line<'static>>,
    key: &str,
    (value, style): (&str, Style),
    details: &[Detail],
    key_width: usize,
    width: usize,
) {
    let value_width = width.saturating_sub(key_width + 1).max(8);
    let beside = details.first().filter(|first| {
        key == "signature" && value.chars().count() + 2 + first.text.chars().count() <= value_width
    });
    match beside {
        Some(first) => {
            out.push(Line::from(vec![
                Span::styled(format!("{key:<key_width$} "), theme().key),
                Span::styled(value.to_string(), style),
                Span::raw("  "),
                Span::styled(first.text.clone(), tone_style(first.tone)),
            ]));
            detail_lines(out, "", &details[1..], key_width, width);
        }
        None => {
            field(out, key, value, key_width, width, style);
            detail_lines(out, "", details, key_width, width);
        }
    }
}

fn token_lines(
    success: &TokenSuccess,
    rotated: bool,
    signature: SignatureCheck,
    app: &App,
    width: usize,
) -> (Vec<Line<'static>>, usize) {
    let fields = success.token.fields();
    let key_width = fields
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(9, 20);
    let clock = Clock {
        now_ms: app.now_ms,
        utc_offset_s: app.env.utc_offset_s,
    };
    let mut out = Vec::new();
    if rotated {
        prose(
            &mut out,
            &format!(
                "Salesforce rotated the refresh token; the new one is saved in {}.",
                app.env.secrets_place
            ),
            width,
            theme().warning,
        );
    }
    if success.token.str_field("signature").is_none() {
        // No field to show the verdict beside: it goes first.
        let details = signature_details(signature);
        value_and_details(
            &mut out,
            "signature",
            ("(none)", theme().dim),
            &details,
            key_width,
            width,
        );
    }
    let mut at_the_end = Vec::new();
    for (key, value) in fields {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let secret = redact::is_secret_field(key);
        let (shown, style) = match (secret, app.view.reveal) {
            (true, false) => (theme().mask(&redact::mask(&text)), theme().masked),
            (true, true) => (text, theme().warning),
            (false, _) => (text, Style::new()),
        };
        // Details never repeat a secret: the id_token's header and claims are not one.
        let details = field_details(key, value, signature, clock);
        // The name is the server's too.
        let label = crate::escape::escape(key);
        if matches!(key.as_str(), "scope" | "id_token") && !details.is_empty() {
            // Long: after the fields, so the short ones stay together at the top.
            field(&mut out, &label, &shown, key_width, width, style);
            at_the_end.push((label, details));
        } else {
            value_and_details(
                &mut out,
                &label,
                (&shown, style),
                &details,
                key_width,
                width,
            );
        }
    }
    let head = out.len();
    for (key, details) in at_the_end {
        out.push(Line::default());
        detail_lines(&mut out, &key, &details, key_width, width);
    }
    (out, head)
}

fn failure_lines(
    error: &RefreshError,
    org: &Org,
    width: usize,
    keys: &crate::tui::keymap::KeyMap,
) -> Vec<Line<'static>> {
    let red = theme().alarm;
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
    if let Some(x) = error.explanation(org.kind) {
        out.push(Line::default());
        prose(
            &mut out,
            &format!("means: {}", x.meaning),
            width,
            Style::new(),
        );
    }
    let hint = super::super::app::failure_hint(error, org, keys);
    if let Some(hint) = hint {
        out.push(Line::default());
        prose(&mut out, &format!("hint: {hint}"), width, theme().warning);
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
        // Before the age: a narrow pane cuts its title from the right.
        if let Some(Shown::Token {
            signature: SignatureCheck::Mismatch,
            ..
        }) = panel.and_then(|p| p.last.as_ref())
        {
            title.push(Span::styled(
                "· SIGNATURE MISMATCH ",
                tone_style(Tone::Loud),
            ));
        }
        if let Some(running) = panel.and_then(|p| p.running.as_ref()) {
            title.push(Span::styled(
                format!(
                    "{} {} ",
                    spinner(app.now_ms),
                    elapsed(running.started_ms, app.now_ms)
                ),
                theme().key,
            ));
        } else if let Some(Shown::Token { at_ms, .. } | Shown::Failure { at_ms, .. }) =
            panel.and_then(|p| p.last.as_ref())
        {
            title.push(Span::styled(
                format!("· {} ", humanize::ago(*at_ms, app.now_ms)),
                theme().dim,
            ));
        }
        if app.view.reveal {
            title.push(Span::styled("· REVEALED ", theme().warning));
        }
    }
    let scroll = (app.view.token_scroll, &app.hit.token_max);
    super::draw_scrolled(
        frame,
        app,
        area,
        Pane::Token,
        Line::from(title),
        lines,
        scroll,
    );
}
