//! The org list: name, environment badge, age of the last refresh (or what needs the user: a
//! dead or idle refresh token, a dead access token); a spinner while refreshing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::humanize;
use crate::org::Org;
use crate::salesforce::SignatureCheck;

use super::super::app::{App, Pane, Panel, Shown};
use super::super::keymap::Action;
use super::style::theme;
use super::text::spinner;

/// Width of the badge column.
const BADGE: usize = 7;
/// Width of the age column (`✗ 59m ago`). The few longer ages (`✗ just now`) take a column
/// from the name of their row rather than be cut.
const AGE: usize = 9;

/// The age column: `2m ago`, `never`, or the refresh in flight.
fn age(org: &Org, panel: Option<&Panel>, now_ms: u64, idle_days: u64) -> (String, Style) {
    if let Some(running) = panel.and_then(|p| p.running.as_ref()) {
        return (
            format!(
                "{} {}",
                spinner(now_ms),
                super::text::elapsed(running.started_ms, now_ms)
            ),
            theme().key,
        );
    }
    if panel.is_some_and(|p| p.unsaved_refresh_token.is_some()) {
        // The only working refresh token is in memory: the most urgent thing in the list.
        return ("⚠ unsaved".into(), theme().alarm);
    }
    if let Some(Shown::Token {
        signature: SignatureCheck::Mismatch,
        ..
    }) = panel.and_then(|p| p.last.as_ref())
    {
        // As loud as in the token pane, so it shows while another org is selected.
        return ("✗ MISMATCH".into(), theme().alarm);
    }
    // A dead refresh token outranks a dead access token: only logging in again helps.
    let mark = super::health::list_mark(org, now_ms, idle_days);
    if let Some(mark) = mark.clone().filter(|(text, _)| text.starts_with('✗')) {
        return mark;
    }
    if org.dead_access_token().is_some() {
        return ("⚠ expired".into(), theme().warning);
    }
    if let Some(mark) = mark {
        return mark;
    }
    match &org.last_refresh {
        None => ("never".into(), theme().dim),
        Some(last) if last.is_ok() => (humanize::ago(last.at_ms, now_ms), Style::new()),
        Some(last) => (
            format!("✗ {}", humanize::ago(last.at_ms, now_ms)),
            theme().error,
        ),
    }
}

/// Draws the list, keeping the selection in view.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let title = Line::from(format!(" Orgs ({}) ", app.orgs.count()));
    let block = super::pane_block(title, app, Pane::Orgs);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    app.hit.orgs.set(inner);
    if let Some(error) = app.orgs.load_error() {
        let text = format!(
            "Cannot read the orgs file.\n\n{}",
            crate::escape::escape_lines(error)
        );
        frame.render_widget(
            Paragraph::new(text)
                .style(theme().error)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    if app.orgs.is_empty() {
        let key = |action| app.keys().main_key(action);
        let text = if !app.orgs.loading() {
            format!(
                "No orgs yet.\n\nPress {} to log in with the browser, {} to paste an SFDX auth URL, or {} to type one in; or run `sfkey import` (see `sfkey --help`).",
                key(Action::Login),
                key(Action::PasteAuthUrl),
                key(Action::Add)
            )
        } else {
            "Loading…".to_string()
        };
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    let rows = usize::from(inner.height);
    // Scroll only as far as needed to keep the selection visible.
    // No empty rows below the last org while orgs above are hidden (the list grew taller).
    let mut offset = app
        .list_offset
        .get()
        .min(app.orgs.len().saturating_sub(rows.max(1)));
    if app.orgs.selected < offset {
        offset = app.orgs.selected;
    } else if rows > 0 && app.orgs.selected >= offset + rows {
        offset = app.orgs.selected + 1 - rows;
    }
    app.list_offset.set(offset);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = app
        .orgs
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, org)| {
            let env = org.environment();
            let (age, age_style) = age(org, app.panels.get(&org.id), app.now_ms, app.env.idle_days);
            // Columns: marker, name (what is left), badge (7), age (9, right-aligned). The
            // badge names the environment, or the kind when it is not a refresh-token org.
            let label = match org.kind {
                crate::org::OrgKind::RefreshToken => env.short_label(),
                kind => kind.short_label(),
            };
            let (badge_width, age_width) = (label.chars().count(), age.chars().count());
            let gap = (BADGE + 1 + AGE)
                .saturating_sub(badge_width + age_width)
                .max(1);
            let room = width.saturating_sub(1 + 1 + badge_width + gap + age_width);
            let mut name: String = org.name.chars().take(room).collect();
            if org.name.chars().count() > room && room > 0 {
                name.pop();
                name.push('…');
            }
            let name = format!("{name:<room$} ");
            let badge = format!("{label}{}", " ".repeat(gap));
            let selected = i == app.orgs.selected;
            let base = if selected {
                theme().selected
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(if selected { "▸" } else { " " }, base),
                Span::styled(name, base),
                Span::styled(badge, base.patch(theme().badge(env))),
                Span::styled(age, base.patch(age_style)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
