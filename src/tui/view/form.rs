//! The add/edit/login form and the delete confirmation. The form's fields scroll so the
//! focused one is always on screen; its footer (help, or why the save failed) stays below.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::escape::is_unsafe;

use super::super::form::{Field, FormMode, KINDS, LoginChoice, OrgForm, SaveState, kind_help};
use super::super::input::TextInput;
use super::super::keymap::{Action, Context, KeyMap};
use super::style::theme;
use super::text::wrap_words;

const LABEL_WIDTH: usize = 14;

/// The fields' lines, the rows of the focused field, and the cursor (column, row) in them.
struct Body {
    lines: Vec<Line<'static>>,
    focus: Range<usize>,
    cursor: Option<(usize, usize)>,
}

/// Draws the form over `area`, with the cursor in the focused field; `warned` when quitting
/// now would drop what was typed (the next Ctrl-C quits).
pub fn draw(
    frame: &mut Frame,
    form: &OrgForm,
    keys: &KeyMap,
    warned: bool,
    secrets_place: &str,
    area: Rect,
) {
    let width = area.width.min(84);
    let inner_width = usize::from(width.saturating_sub(2));
    let value_width = inner_width.saturating_sub(LABEL_WIDTH + 1).max(10);
    let body = body(form, keys, value_width);
    let mut footer = footer(form, keys, warned, secrets_place, inner_width);
    let room = usize::from(area.height.saturating_sub(2));
    // The footer gets at most a third of the room; the fields scroll in the rest.
    footer.truncate(footer.len().min((room / 3).max(1)));
    let field_room = room.saturating_sub(footer.len()).max(1);
    let offset = scroll_offset(&body.focus, body.lines.len(), field_room);
    let shown = body.lines.len().min(field_room);
    let mut lines: Vec<Line> = body.lines[offset..offset + shown].to_vec();
    if lines.len() + footer.len() < room {
        lines.push(Line::default());
    }
    lines.extend(footer);
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::centered(area, width, height);
    let mut title = form.title();
    if offset > 0 {
        title.push_str("↑ ");
    }
    if offset + shown < body.lines.len() {
        title.push_str("↓ ");
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        popup,
    );
    if let Some((x, y)) = body.cursor
        && (offset..offset + shown).contains(&y)
    {
        let x = u16::try_from(x).unwrap_or(u16::MAX);
        let y = u16::try_from(y - offset).unwrap_or(u16::MAX);
        let position = Position::new(popup.x + 1 + x, popup.y + 1 + y);
        if popup.contains(position) {
            frame.set_cursor_position(position);
        }
    }
}

/// The first line to show so the focused field's rows (`focus`, its errors included) are in
/// the `room` rows shown of `total`: the top while it fits, else the field at the bottom.
pub fn scroll_offset(focus: &Range<usize>, total: usize, room: usize) -> usize {
    let last_start = total.saturating_sub(room);
    focus
        .end
        .saturating_sub(room)
        .min(focus.start)
        .min(last_start)
}

fn body(form: &OrgForm, keys: &KeyMap, value_width: usize) -> Body {
    let mut body = Body {
        lines: Vec::new(),
        focus: 0..0,
        cursor: None,
    };
    for field in form.visible_fields() {
        let focused = field == form.focus;
        let start = body.lines.len();
        let label_style = match focused {
            true => theme().accent,
            false => Style::new(),
        };
        let label = Span::styled(format!("{:<LABEL_WIDTH$} ", form.label(field)), label_style);
        let value = match form.input(field) {
            None => choice(form, keys, field, value_width),
            Some(input) => {
                let (spans, cursor) = text_value(form, field, input, value_width);
                if focused {
                    body.cursor = Some((LABEL_WIDTH + 1 + cursor, start));
                }
                spans
            }
        };
        body.lines.push(Line::from([vec![label], value].concat()));
        if focused && field == Field::Kind {
            for piece in wrap_words(kind_help(form.kind), value_width) {
                body.lines.push(Line::from(vec![
                    Span::raw(" ".repeat(LABEL_WIDTH + 1)),
                    Span::styled(piece, theme().dim),
                ]));
            }
        }
        if let Some(error) = form.error(field) {
            for piece in wrap_words(error, value_width) {
                body.lines.push(Line::from(vec![
                    Span::raw(" ".repeat(LABEL_WIDTH + 1)),
                    Span::styled(piece, theme().error),
                ]));
            }
        }
        if focused {
            body.focus = start..body.lines.len();
        }
    }
    body
}

/// A choice: every option with the chosen one highlighted, or only the chosen one between
/// arrows when they do not all fit.
fn choice(form: &OrgForm, keys: &KeyMap, field: Field, width: usize) -> Vec<Span<'static>> {
    let (labels, chosen): (Vec<&str>, usize) = match field {
        Field::Kind => (
            KINDS.iter().map(|k| k.label()).collect(),
            KINDS.iter().position(|k| *k == form.kind).unwrap_or(0),
        ),
        _ => (
            LoginChoice::ALL.iter().map(|c| c.label()).collect(),
            LoginChoice::ALL
                .iter()
                .position(|c| *c == form.login)
                .unwrap_or(0),
        ),
    };
    let dim = theme().dim;
    let key = |action| keys.short_key(Context::Form, action);
    let hint = match (field == form.focus, field) {
        (true, _) => format!(" {}/{}", key(Action::ChoosePrev), key(Action::ChooseNext)),
        // The cursor starts below, on the name: say how to get here.
        (false, Field::Kind) => format!(" {} to change", key(Action::PrevField)),
        (false, _) => String::new(),
    };
    let all_width: usize = labels.iter().map(|l| l.chars().count() + 3).sum();
    if all_width + hint.chars().count() > width {
        let picked = format!("‹ {} ›", labels[chosen]);
        let fits = picked.chars().count() + hint.chars().count() <= width;
        return vec![
            Span::styled(picked, Style::new().add_modifier(Modifier::BOLD)),
            Span::styled(if fits { hint } else { String::new() }, dim),
        ];
    }
    let mut spans = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let style = match i == chosen {
            true => Style::new().add_modifier(Modifier::REVERSED),
            false => dim,
        };
        spans.push(Span::styled(format!(" {label} "), style));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(hint.trim_start().to_string(), dim));
    spans
}

/// A text field's value and the cursor's column in it: a dim, italic hint when empty; the
/// head of a long value (cut with …), or around the cursor when focused; secrets as dots.
fn text_value(
    form: &OrgForm,
    field: Field,
    input: &TextInput,
    width: usize,
) -> (Vec<Span<'static>>, usize) {
    if input.is_empty() {
        let hint = cut(form.placeholder(field), width);
        let style = theme().dim.add_modifier(Modifier::ITALIC);
        return (vec![Span::styled(hint, style)], 0);
    }
    if field == Field::PrivateKey && !form.reveal {
        let summary = format!("PEM key, {} lines (hidden)", input.line_count());
        let summary = cut(&summary, width);
        let at = summary.chars().count();
        return (vec![Span::raw(summary)], at);
    }
    let reveal = form.reveal && field.is_secret();
    let shown = input.shown(reveal);
    let shown = if field.is_secret() && !reveal {
        theme().mask(&shown)
    } else {
        shown
    };
    // A value read from the orgs file may hold controls: each shows as one `�`, so the cursor
    // stays over the character it edits.
    let shown: String = shown
        .chars()
        .map(|c| if is_unsafe(c) { '\u{fffd}' } else { c })
        .collect();
    if field != form.focus {
        return (vec![Span::raw(cut(&shown, width))], 0);
    }
    // Keep the cursor in view: the tail of a long value while typing at its end.
    let skip = input.cursor().saturating_sub(width.saturating_sub(1));
    let visible: String = shown.chars().skip(skip).take(width).collect();
    (vec![Span::raw(visible)], input.cursor() - skip)
}

/// `text` in at most `width` characters, its end replaced by `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut shown: String = text.chars().take(width.saturating_sub(1)).collect();
    shown.push('…');
    shown
}

/// Under the fields: the quit question, why the save failed, "Saving…", or the help, with
/// the keys of the user's table.
fn footer(
    form: &OrgForm,
    keys: &KeyMap,
    warned: bool,
    secrets_place: &str,
    width: usize,
) -> Vec<Line<'static>> {
    let key = |action| keys.key(Context::Form, action);
    let (save, submit, cancel) = (key(Action::Save), key(Action::Submit), key(Action::Cancel));
    let (text, style) = if warned {
        (
            // Ctrl-C is not in the table: it quits whatever `[keys]` says.
            "Unsaved input: Ctrl-C again quits and loses it; any other key goes back to the form."
                .to_string(),
            theme().warning,
        )
    } else {
        match &form.save {
            SaveState::Failed(error) => (format!("Not saved: {error}"), theme().error),
            SaveState::Saving => ("Saving…".into(), theme().key),
            SaveState::Editing if form.mode == FormMode::Login => (
                format!(
                    "{save} (or {submit} on the last field) opens the browser to log in; the org is saved after. {cancel} cancels."
                ),
                theme().dim,
            ),
            SaveState::Editing => (
                format!(
                    "Secrets go to {secrets_place} only. {save} saves from any field; {} shows the secrets; {cancel} cancels.",
                    key(Action::RevealSecrets)
                ),
                theme().dim,
            ),
        }
    };
    wrap_words(&text, width)
        .into_iter()
        .map(|piece| Line::styled(piece, style))
        .collect()
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
