//! The org list: name, environment badge, age of the last refresh (or what needs the user: a
//! dead or idle refresh token, a dead access token); a spinner while refreshing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::humanize;
use crate::org::{Environment, Org};
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
    let rows: Vec<Row> = app
        .orgs
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, org)| {
            let env = org.environment();
            let (age, age_style) = age(org, app.panels.get(&org.id), app.now_ms, app.env.idle_days);
            // Other kinds than refresh-token orgs are named beside the environment.
            let kind = match org.kind {
                crate::org::OrgKind::RefreshToken => None,
                kind => Some(kind.short_label()),
            };
            Row {
                name: &org.name,
                env_label: env.short_label(),
                kind,
                env,
                age,
                age_style,
                selected: i == app.orgs.selected,
            }
        })
        .collect();
    let columns = Columns::fitting(&rows, width);
    let lines: Vec<Line> = rows.iter().map(|row| columns.line(row, width)).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

impl Row<'_> {
    /// The badge's coloured environment and the kind after it, when there is room for both.
    fn badge(&self, both: bool) -> (&'static str, &'static str) {
        match (self.kind, both) {
            (Some(kind), true) => (self.env_label, kind),
            // One of them only: the kind says more, as it decides how tokens come.
            (Some(kind), false) => (kind, ""),
            (None, _) => (self.env_label, ""),
        }
    }

    /// The badge's width in characters.
    fn badge_width(&self, both: bool) -> usize {
        match self.badge(both) {
            (label, "") => label.chars().count(),
            (label, kind) => label.chars().count() + 1 + kind.chars().count(),
        }
    }
}

/// One org's row before it is laid out.
struct Row<'a> {
    name: &'a str,
    /// The environment's badge (`prod`, `sandbox`).
    env_label: &'static str,
    /// The kind, for orgs that are not refresh-token orgs (`jwt`, `client`, `token`).
    kind: Option<&'static str>,
    env: Environment,
    age: String,
    age_style: Style,
    selected: bool,
}

/// What the list shows beside the names. Names get the room first: the other columns shrink
/// to what is on screen, then the kind of an org beside its environment makes way for the kind
/// alone, then the badge drops, then the age keeps only its mark (`✗`, `⚠`, the
/// spinner), and only then is a name cut, in its middle.
struct Columns {
    /// The badge column's width, or no badge.
    badge: Option<usize>,
    /// The badge holds both the environment and the kind, where an org has a kind.
    both: bool,
    /// The age column's width.
    age: usize,
    /// The age column holds only the age's mark.
    marks_only: bool,
}

impl Columns {
    /// The roomiest columns that leave every name on screen whole, else the narrowest.
    fn fitting(rows: &[Row], width: usize) -> Columns {
        let widest = |of: &dyn Fn(&Row) -> usize| rows.iter().map(of).max().unwrap_or(0);
        let marks = widest(&|r| mark(&r.age).chars().count());
        let ages = widest(&|r| r.age.chars().count());
        let both = widest(&|r| r.badge_width(true));
        let one = widest(&|r| r.badge_width(false));
        let with = |badge, both, age| Columns {
            badge,
            both,
            age,
            marks_only: false,
        };
        let candidates = [
            // Every age of the usual kind fits; the few longer ones take from their own row.
            with(Some(BADGE.max(both)), true, AGE),
            with(Some(both), true, ages),
            with(Some(BADGE), false, AGE),
            with(Some(one), false, ages),
            with(None, false, ages),
        ];
        candidates
            .into_iter()
            .find(|c| {
                rows.iter()
                    .all(|r| r.name.chars().count() <= c.split(r, width).0)
            })
            .unwrap_or(Columns {
                badge: None,
                both: false,
                age: marks,
                marks_only: true,
            })
    }

    /// The room for the row's name, the badge (its coloured part and the kind after it), the
    /// spaces after it, and the age shown.
    fn split<'r>(&self, row: &'r Row, width: usize) -> (usize, [&'static str; 2], usize, &'r str) {
        let age = if self.marks_only {
            mark(&row.age)
        } else {
            row.age.as_str()
        };
        let (label, badge_width) = match self.badge {
            Some(_) => (row.badge(self.both), row.badge_width(self.both)),
            None => (("", ""), 0),
        };
        let used = badge_width + age.chars().count();
        let gap = match self.badge {
            Some(badge) => (badge + 1 + self.age).saturating_sub(used).max(1),
            None => self.age.saturating_sub(used),
        };
        // The marker column before the name and a space after it.
        let room = width.saturating_sub(2 + used + gap);
        (room, [label.0, label.1], gap, age)
    }

    /// The row drawn: marker, name, badge, age (right-aligned).
    fn line(&self, row: &Row, width: usize) -> Line<'static> {
        let (room, [label, kind], gap, age) = self.split(row, width);
        let name = crate::columns::cut_middle(row.name, room);
        let name = format!("{name:<room$} ");
        let gap = " ".repeat(gap);
        let base = if row.selected {
            theme().selected
        } else {
            Style::new()
        };
        // Without a badge the spaces keep the row's style: a colour would show as a block.
        // With a kind, only the environment is in its colour, the kind after it in the row's.
        let (badge, after) = match (label, kind) {
            ("", _) => (Span::styled(gap, base), Span::raw("")),
            (label, "") => (
                Span::styled(format!("{label}{gap}"), base.patch(theme().badge(row.env))),
                Span::raw(""),
            ),
            (label, kind) => (
                Span::styled(label, base.patch(theme().badge(row.env))),
                Span::styled(format!(" {kind}{gap}"), base),
            ),
        };
        Line::from(vec![
            Span::styled(if row.selected { "▸" } else { " " }, base),
            Span::styled(name, base),
            badge,
            after,
            Span::styled(age.to_string(), base.patch(row.age_style)),
        ])
    }
}

/// The age's leading mark (`✗`, `⚠`, the spinner), or nothing for a plain age (`2m ago`).
fn mark(age: &str) -> &str {
    match age.chars().next() {
        Some(first) if !first.is_alphanumeric() => &age[..first.len_utf8()],
        _ => "",
    }
}
