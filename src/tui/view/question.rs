//! The yes/no questions' shape (delete an org, update a saved org) and the frame every small
//! popup shares: the question in bold, a dimmed note, then the keys (from the key table) and
//! what they do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::keymap::{Action, Context, KeyMap};
use super::style::theme;
use super::text::wrap_words;

/// A yes/no question: what its yes and no keys do are `yes` and `no`.
pub struct Question<'a> {
    /// The keys in use.
    pub keys: &'a KeyMap,
    /// Whose yes and no keys answer it.
    pub context: Context,
    /// The popup's title.
    pub title: &'a str,
    /// The question, in bold.
    pub question: &'a str,
    /// What answering yes costs, dimmed.
    pub note: &'a str,
    /// What yes does.
    pub yes: &'a str,
    /// What no does.
    pub no: &'a str,
}

/// Draws `question` centred in `area`, at most 64 columns wide, its text wrapped to fit.
pub fn draw(frame: &mut Frame, question: &Question, area: Rect) {
    let width = area.width.min(64);
    let inner = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    for piece in wrap_words(question.question, inner) {
        lines.push(Line::styled(
            piece,
            Style::new().add_modifier(Modifier::BOLD),
        ));
    }
    for piece in wrap_words(question.note, inner) {
        lines.push(Line::styled(piece, theme().dim));
    }
    lines.push(Line::default());
    let label = |action| question.keys.label(question.context, action);
    lines.push(Line::from(vec![
        Span::styled(label(Action::Yes), theme().alarm),
        Span::raw(format!(" {}   ", question.yes)),
        Span::styled(label(Action::No), theme().accent),
        Span::raw(format!(" {}", question.no)),
    ]));
    framed(frame, area, width, question.title, lines);
}

/// Draws `lines` in a bordered popup titled `title`, `width` wide, centred in `area`.
pub fn framed(frame: &mut Frame, area: Rect, width: u16, title: &str, lines: Vec<Line>) {
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(" {title} "))),
        popup,
    );
}
