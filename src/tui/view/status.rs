//! The status line: the message of the moment, then the keys that apply now.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::{App, Level, Pane, Popup, Status};
use super::super::form::FormMode;
use super::super::keymap::{Action, Context};
use super::style::theme;
use super::text::wrap_words;

/// The most rows a message wraps to; the panes above give them up.
const MAX_ROWS: usize = 3;

fn key_span(label: &str) -> Span<'static> {
    Span::styled(label.to_string(), theme().accent)
}

/// How many hints the status line has room for beside its message.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Room {
    /// Every hint.
    All,
    /// Without add, edit and delete.
    Compact,
    /// Help and quit alone: on a narrow terminal they must never be cut off.
    Least,
}

/// The key hints for what is on screen now, as many as `room` allows.
fn hint_spans(app: &App, room: Room) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut push = |label: &str, hint: &str| {
        spans.push(Span::raw(" "));
        spans.push(key_span(label));
        spans.push(Span::raw(format!(" {hint}")));
    };
    let keys = app.keys();
    let context = match &app.view.popup {
        Some(Popup::Form(form)) => {
            let label = |action| keys.label(Context::Form, action);
            let first = |action| keys.key(Context::Form, action);
            push(&label(Action::NextField), "next field");
            let choose = format!(
                "{}/{}",
                first(Action::ChoosePrev),
                first(Action::ChooseNext)
            );
            push(&choose, "choose");
            // The log-in form's Enter opens the browser; the org is saved after.
            push(
                &label(Action::Submit),
                if form.mode == FormMode::Login {
                    "log in"
                } else {
                    "save"
                },
            );
            push(&label(Action::Cancel), "cancel");
            None
        }
        Some(Popup::ConfirmDelete(_)) => Some(Context::Confirm),
        Some(Popup::ConfirmRevoke(_)) => Some(Context::Revoke),
        Some(Popup::Login(popup)) if popup.question.is_some() => Some(Context::LoginAsk),
        Some(Popup::Login(_)) => Some(Context::Login),
        Some(Popup::PasteUrl(_)) => Some(Context::Paste),
        Some(Popup::ConfirmUpdate(_)) => Some(Context::Update),
        Some(Popup::Help(_)) => {
            let scroll = format!(
                "{}/{}",
                keys.key(Context::Main, Action::Down),
                keys.key(Context::Main, Action::Up)
            );
            push(&scroll, "scroll");
            push(&keys.key(Context::Main, Action::Cancel), "close help");
            None
        }
        None => {
            let optional = [
                Action::Add,
                Action::Edit,
                Action::Delete,
                Action::LoginAgain,
            ];
            // j/k scroll a focused pane: say so, first, as the keys now do something else.
            if app.focused_pane() != Pane::Orgs && room != Room::Least {
                let scroll = format!(
                    "{}/{}",
                    keys.key(Context::Main, Action::Down),
                    keys.key(Context::Main, Action::Up)
                );
                push(&scroll, "scroll");
            }
            for action in app.hint_actions() {
                if (room >= Room::Compact && optional.contains(&action))
                    || (room == Room::Least && !matches!(action, Action::Help | Action::Quit))
                {
                    continue;
                }
                if let Some(row) = keys.row(Context::Main, action) {
                    let hint = match action {
                        Action::Reveal if app.view.reveal => "hide",
                        Action::Quit if app.quitting() => "leave now (a refresh is still out)",
                        _ => row.binding.hint,
                    };
                    // The first key is enough here; help lists the others.
                    push(&row.first_label(), hint);
                }
            }
            None
        }
    };
    for row in context.into_iter().flat_map(|c| keys.rows(c)) {
        push(&row.label(), row.binding.hint);
    }
    spans
}

/// How many columns `spans` take.
fn width_of(spans: &[Span]) -> usize {
    spans.iter().map(|s| s.content.chars().count()).sum()
}

/// A broken config.toml's message, while no other message is up and Esc has not hidden it.
fn config_error(app: &App) -> Option<Status> {
    let text = app.env.config_error.as_ref()?;
    (!app.view.config_error_hidden).then(|| Status {
        text: format!(
            "{text} ({} hides this)",
            app.keys().main_key(Action::Cancel)
        ),
        level: Level::Error,
        at_ms: app.now_ms,
    })
}

/// The status line's rows at `width` columns: the message and the keys on one row when they
/// fit (the rarer keys give way first), else the message alone, wrapped to at most
/// [`MAX_ROWS`] rows, with help and quit after it when there is room. A message matters more
/// than keys that ? lists anyway; its end usually says what to do, so it is never cut off.
pub fn lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let config = config_error(app);
    let Some(status) = app.view.status.as_ref().or(config.as_ref()) else {
        let hints = [Room::All, Room::Compact]
            .into_iter()
            .map(|room| hint_spans(app, room))
            .find(|hints| width_of(hints) <= width)
            .unwrap_or_else(|| hint_spans(app, Room::Least));
        return vec![Line::from(hints)];
    };
    let style = match status.level {
        Level::Info => theme().ok,
        Level::Error => theme().alarm,
    };
    let separator = || Span::styled("│", theme().dim);
    // Messages quote servers and files.
    let text = crate::escape::escape(&status.text);
    // ` text │` before the keys.
    let message_width = text.chars().count() + 3;
    for room in [Room::All, Room::Compact, Room::Least] {
        let hints = hint_spans(app, room);
        if message_width + width_of(&hints) <= width {
            let mut spans = vec![Span::styled(format!(" {text} "), style), separator()];
            spans.extend(hints);
            return vec![Line::from(spans)];
        }
    }
    let hints = hint_spans(app, Room::Least);
    let hints_width = width_of(&hints);
    // Help and quit go after the last row (` │` before them), else on a row of their own: the
    // message gives up its middle for them rather than fill the last row. Hints wider than the
    // screen cannot be kept anyway.
    let keep_hints = hints_width + 3 <= width;
    let beside = |row: &str| row.chars().count() + 3 + hints_width <= width;
    let rows = wrapped(&text, width.saturating_sub(2), |rows| {
        rows.len() < MAX_ROWS || !keep_hints || rows.last().is_some_and(|r| beside(r))
    });
    let hints_beside = rows.last().is_some_and(|r| beside(r));
    let mut lines: Vec<Line<'static>> = rows
        .into_iter()
        .map(|row| Line::from(Span::styled(format!(" {row}"), style)))
        .collect();
    if hints_beside {
        if let Some(last) = lines.last_mut() {
            last.spans.push(Span::raw(" "));
            last.spans.push(separator());
            last.spans.extend(hints);
        }
    } else if lines.len() < MAX_ROWS {
        lines.push(Line::from(hints));
    }
    lines
}

/// `text` word-wrapped to `width` columns in at most [`MAX_ROWS`] rows that `fit`; a longer
/// text loses its middle, so its start (what happened) and its end (what to do) both stay.
fn wrapped(text: &str, width: usize, fit: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut budget = (width * MAX_ROWS).min(text.chars().count());
    loop {
        let rows = wrap_words(&crate::columns::cut_middle(text, budget), width);
        // Word wrapping leaves ends of rows empty: cut a little more until the rows fit.
        if (rows.len() <= MAX_ROWS && fit(&rows)) || budget == 0 {
            return rows;
        }
        budget = budget.saturating_sub(width / 4 + 1);
    }
}

/// Draws the rows of [`lines`] (the layout gave the footer as many).
pub fn draw(frame: &mut Frame, lines: Vec<Line<'static>>, area: Rect) {
    frame.render_widget(Paragraph::new(lines), area);
}
