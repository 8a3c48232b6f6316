//! The status line: the message of the moment, then the keys that apply now.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::{App, Level, Pane, Popup};
use super::super::form::FormMode;
use super::super::keymap::{Action, Context};
use super::style::theme;

/// The fewest columns a message gets in the status line.
const MESSAGE_ROOM: usize = 20;

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

/// Draws the line: the message first, cut short if the hints would not fit.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let width_of = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| s.content.chars().count())
            .sum::<usize>()
    };
    let message_width = app
        .view
        .status
        .as_ref()
        .map_or(0, |s| crate::escape::escape(&s.text).chars().count() + 3);
    // A message matters more than the rarer keys; ? lists them all. The message gets at least
    // MESSAGE_ROOM columns, which on a narrow terminal leaves room for ? and q alone.
    let fits = |hints: &[Span]| {
        message_width.min(MESSAGE_ROOM + 3) + width_of(hints) <= usize::from(area.width)
    };
    let mut hints = hint_spans(app, Room::All);
    if message_width + width_of(&hints) > usize::from(area.width) {
        hints = hint_spans(app, Room::Compact);
    }
    if !fits(&hints) {
        hints = hint_spans(app, Room::Least);
    }
    let hints_width = width_of(&hints);
    let mut spans = Vec::new();
    if let Some(status) = &app.view.status {
        let style = match status.level {
            Level::Info => theme().ok,
            Level::Error => theme().alarm,
        };
        let room = usize::from(area.width)
            .saturating_sub(hints_width + 3)
            .max(MESSAGE_ROOM);
        // Messages quote servers and files.
        let text = crate::columns::cut(&crate::escape::escape(&status.text), room);
        spans.push(Span::styled(format!(" {text} "), style));
        spans.push(Span::styled("│", theme().dim));
    }
    spans.extend(hints);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
