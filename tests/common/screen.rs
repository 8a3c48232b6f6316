//! The in-process app's screen: ratatui's `TestBackend` shared between the loop's thread and
//! the test, the screen as rows of text, and keys as a terminal would read them.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

use super::pty::pane_lines_in;

/// ratatui's `TestBackend`, shared between the loop's thread and the test.
#[derive(Clone)]
pub struct Shared(pub Arc<Mutex<TestBackend>>);

impl Shared {
    /// The backend, locked.
    pub fn lock(&self) -> MutexGuard<'_, TestBackend> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type Never = <TestBackend as Backend>::Error;

impl Backend for Shared {
    type Error = Never;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Never>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.lock().draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Never> {
        self.lock().hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Never> {
        self.lock().show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Never> {
        self.lock().get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Never> {
        self.lock().set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Never> {
        self.lock().clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Never> {
        self.lock().clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Never> {
        self.lock().size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Never> {
        self.lock().window_size()
    }
    fn flush(&mut self) -> Result<(), Never> {
        self.lock().flush()
    }
}

/// The screen as the test sees it: rows of text, one char per cell.
pub struct Screen {
    /// The rows, one char per cell.
    pub rows: Vec<String>,
}

impl Screen {
    /// The rows, trailing blanks kept.
    pub fn rows(&self) -> &[String] {
        &self.rows
    }

    /// The text on screen, rows trimmed at the end and joined by newlines.
    pub fn contents(&self) -> String {
        let rows: Vec<&str> = self.rows.iter().map(|r| r.trim_end()).collect();
        rows.join("\n")
    }

    /// The rows inside the bordered pane whose title starts with `title`, trimmed.
    pub fn pane_lines(&self, title: &str) -> Option<Vec<String>> {
        pane_lines_in(&self.rows, title)
    }

    /// The pane's rows joined by single spaces, for prose that wraps on words.
    pub fn pane_prose(&self, title: &str) -> String {
        self.pane_lines(title)
            .unwrap_or_default()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The pane's rows glued together, so a token wrapped over rows reads whole.
    pub fn pane_glued(&self, title: &str) -> String {
        self.pane_lines(title).unwrap_or_default().concat()
    }

    /// Whether every one of `texts` is on screen.
    pub fn has(&self, texts: &[&str]) -> bool {
        let contents = self.contents();
        texts.iter().all(|t| contents.contains(t))
    }
}

/// Keys as a terminal would read `keys`.
pub fn parse_keys(keys: &str) -> Vec<(KeyCode, KeyModifiers)> {
    let none = KeyModifiers::NONE;
    let mut out = Vec::new();
    let mut chars = keys.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(match c {
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.next();
                let code = match chars.next() {
                    Some('A') => KeyCode::Up,
                    Some('B') => KeyCode::Down,
                    Some('C') => KeyCode::Right,
                    Some('D') => KeyCode::Left,
                    other => panic!("no such key in a test: ESC [ {other:?}"),
                };
                (code, none)
            }
            '\x1b' => (KeyCode::Esc, none),
            '\r' | '\n' => (KeyCode::Enter, none),
            '\t' => (KeyCode::Tab, none),
            '\x7f' => (KeyCode::Backspace, none),
            c @ '\x01'..='\x1a' => {
                let letter = char::from(b'a' + (c as u8) - 1);
                (KeyCode::Char(letter), KeyModifiers::CONTROL)
            }
            c => (KeyCode::Char(c), none),
        });
    }
    out
}
