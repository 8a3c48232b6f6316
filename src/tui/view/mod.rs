//! Drawing: one function per pane or popup, each taking state and an area. Views decide
//! nothing; they only record where things landed so the mouse can hit them.

mod call;
mod confirm;
mod exchange;
mod form;
mod health;
mod help;
mod login;
mod orgs;
mod paste;
mod proxy;
mod question;
mod response;
mod revoke;
mod status;
pub mod style;
mod text;
mod token;
mod token_stored;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::app::{App, Pane, Popup};
use super::keymap::Action;
use style::theme;

/// The smallest terminal anything useful fits in.
pub const MIN_SIZE: (u16, u16) = (40, 12);
/// From this size on, the org list and the panes sit side by side.
pub const WIDE: (u16, u16) = (80, 24);

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let _theme = style::Scope::enter(app.env.theme);
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let text = format!(
            "Terminal too small ({}x{}): sfkey needs at least {}x{}. Enlarge it, or press {} to quit.",
            area.width,
            area.height,
            MIN_SIZE.0,
            MIN_SIZE.1,
            app.keys().main_key(Action::Quit)
        );
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    // A long status message takes rows from the body rather than be cut.
    let status_lines = status::lines(app, area.width);
    let status_rows = u16::try_from(status_lines.len()).unwrap_or(1);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(status_rows),
    ])
    .areas(area);
    draw_header(frame, app, header);
    let wide = area.width >= WIDE.0 && area.height >= WIDE.1;
    // The token pane's lines are built once: the wide layout sizes the pane by them.
    let (list, token, response, token_lines) = if wide {
        let list_width = app.env.tui.org_column(area.width);
        let [list, right] =
            Layout::horizontal([Constraint::Length(list_width), Constraint::Min(0)]).areas(body);
        let (lines, head) = token::lines(app, right.width);
        let rows = |n: usize| u16::try_from(n + 2).unwrap_or(u16::MAX);
        // The token's fields first, then the response's headers, then the token's long
        // sections (scopes, the decoded id_token) get what is left.
        let left_by_response = right
            .height
            .saturating_sub(rows(response_lines(app, right.width).len()));
        let token_height = rows(lines.len())
            .min(rows(head).max(left_by_response))
            .min(right.height.saturating_sub(6));
        let [token, response] =
            Layout::vertical([Constraint::Length(token_height.max(5)), Constraint::Min(0)])
                .areas(right);
        (list, token, Some(response), lines)
    } else {
        // Stacked: the list on top, then the panes; the response pane collapses first.
        let list_height = u16::try_from(app.orgs.len().saturating_add(2))
            .unwrap_or(u16::MAX)
            .clamp(3, (body.height / 3).max(3));
        let show_response = body.height >= 18;
        let [list, rest] =
            Layout::vertical([Constraint::Length(list_height), Constraint::Min(0)]).areas(body);
        let (lines, _) = token::lines(app, rest.width);
        if show_response {
            let [token, response] =
                Layout::vertical([Constraint::Percentage(55), Constraint::Min(0)]).areas(rest);
            (list, token, Some(response), lines)
        } else {
            (list, rest, None, lines)
        }
    };
    // Before any pane is drawn: whether the response pane is shown decides which one has focus.
    app.hit.response.set(response.unwrap_or_default());
    orgs::draw(frame, app, list);
    token::draw(frame, app, token, token_lines);
    if let Some(response) = response {
        response::draw(frame, app, response, response_lines(app, response.width));
    }
    status::draw(frame, status_lines, footer);
    match &app.view.popup {
        // Between the header and the status line, which says how to scroll and close it.
        Some(Popup::Help(scroll)) => {
            help::draw(frame, app.keys(), body, *scroll, &app.hit.help_max)
        }
        Some(Popup::Form(form)) => {
            let warned = app.quit == super::state::QuitState::Warned;
            form::draw(frame, form, app.keys(), warned, app.env.secrets_place, area);
        }
        Some(Popup::ConfirmDelete(org)) => confirm::draw(frame, org, app.keys(), area),
        Some(Popup::ConfirmRevoke(org)) => revoke::draw(frame, org, app.keys(), area),
        Some(Popup::Login(popup)) => login::draw(frame, popup, app.keys(), area),
        Some(Popup::PasteUrl(paste)) => {
            paste::draw(frame, paste, app.keys(), app.env.secrets_place, area)
        }
        Some(Popup::ConfirmUpdate(pending)) => {
            paste::draw_confirm_update(frame, pending, app.keys(), area);
        }
        None => {}
    }
}

/// The response pane's lines at `width` (its borders included): the org's proxy while it runs,
/// else its last call when that is newer than the refresh shown, else that refresh. Chosen here
/// so that the call and the refresh views need not know each other.
fn response_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.saturating_sub(2)).max(10);
    let panel = app.selected_panel();
    if let Some(state) = panel.and_then(|p| p.proxy.as_ref()) {
        return proxy::lines(state, width);
    }
    if let Some(org) = app.selected_org()
        && let Some(call) = panel.and_then(|p| p.call.as_ref())
    {
        return call::lines(call, org, app, width);
    }
    response::refresh_lines(app, width)
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let mut spans = vec![Span::styled(" sfkey ", theme().title)];
    if let Some(demo) = &app.env.demo {
        spans.push(Span::styled(" DEMO ", theme().banner));
        spans.push(Span::raw(format!(" {demo}")));
    } else if let Some(error) = &app.env.config_error {
        // Stays while sfkey runs, as the status line's whole message may be replaced: the
        // place (`config.toml line 3, column 7`) and that defaults are in use.
        let place = error.split(':').next().unwrap_or_default();
        spans.push(Span::styled(
            format!("⚠ {place}: broken, running on defaults (never rewritten)"),
            theme().alarm,
        ));
    } else {
        spans.push(Span::styled(
            format!(
                "· {} orgs · secrets in {}",
                app.orgs.count(),
                app.env.secrets_place
            ),
            theme().dim,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Whether j/k act on `pane` now (no popup takes the keys).
fn is_focused(app: &App, pane: Pane) -> bool {
    app.focused_pane() == pane && app.view.popup.is_none()
}

/// A bordered block; the focused pane's border is highlighted.
fn pane_block<'a>(title: Line<'a>, app: &App, pane: Pane) -> Block<'a> {
    let focused = is_focused(app, pane);
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(if focused {
            theme().focused_border
        } else {
            theme().border
        })
        .title(title)
}

/// The lines that fit a bordered pane of `height` rows from `scroll` on, and when some are
/// cut off, a note saying so for the bottom border (no row of content is given up to it): how
/// many lines are above and below, and the keys that scroll, from `keys` (the focus key first
/// when `focused` is not).
fn scrolled(
    lines: Vec<Line<'static>>,
    scroll: usize,
    height: u16,
    max: &std::cell::Cell<usize>,
    focused: bool,
    keys: &super::keymap::KeyMap,
) -> (Vec<Line<'static>>, Option<Line<'static>>) {
    let rows = usize::from(height.saturating_sub(2));
    max.set(lines.len().saturating_sub(rows));
    let scroll = scroll.min(lines.len().saturating_sub(rows));
    let more = lines.len().saturating_sub(scroll + rows);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).take(rows).collect();
    let mut parts = Vec::new();
    if scroll > 0 {
        parts.push(format!("↑ {scroll} above"));
    }
    if more > 0 {
        parts.push(format!(
            "… {more} more {}",
            if more == 1 { "line" } else { "lines" }
        ));
    }
    let note = (!parts.is_empty()).then(|| {
        let key = |action| keys.main_key(action);
        let keys = if focused {
            format!("{}/{}", key(Action::Down), key(Action::Up))
        } else {
            format!(
                "{} to this pane, then {}",
                key(Action::NextPane),
                key(Action::Down)
            )
        };
        Line::styled(format!(" {} ({keys}) ", parts.join(" · ")), theme().dim)
    });
    (shown, note)
}

/// Draws `pane` in `area`: its bordered block with `title`, its `lines` from `scroll`'s offset
/// on, and the note of [`scrolled`]; `scroll`'s cell learns how far the pane can scroll.
fn draw_scrolled(
    frame: &mut Frame,
    app: &App,
    area: Rect,
    pane: Pane,
    title: Line<'static>,
    lines: Vec<Line<'static>>,
    (scroll, max): (usize, &std::cell::Cell<usize>),
) {
    let block = pane_block(title, app, pane);
    let focused = is_focused(app, pane);
    let (shown, note) = scrolled(lines, scroll, area.height, max, focused, app.keys());
    frame.render_widget(Paragraph::new(shown).block(with_note(block, note)), area);
}

/// `block` with the note of [`scrolled`] in its bottom border, if any.
fn with_note(block: Block<'static>, note: Option<Line<'static>>) -> Block<'static> {
    match note {
        Some(note) => block.title_bottom(note),
        None => block,
    }
}

/// A centered popup area.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod kind_tests;
#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod popup_tests;
#[cfg(test)]
mod style_tests;
#[cfg(test)]
mod tests;
