//! A text field: typing, cursor keys, paste. Secret fields zero their text when dropped and are
//! drawn as dots; a multi-line field (a PEM key) keeps the line breaks of a paste.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use zeroize::Zeroizing;

/// A text field's content and cursor.
#[derive(Default)]
pub struct TextInput {
    value: Zeroizing<String>,
    /// Cursor position in characters.
    cursor: usize,
    /// Drawn as dots.
    secret: bool,
    /// Keeps line breaks (a pasted PEM key); other fields are one line.
    multiline: bool,
}

impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.secret {
            write!(f, "TextInput(<{} secret chars>)", self.len())
        } else {
            write!(f, "TextInput({:?})", self.value.as_str())
        }
    }
}

impl TextInput {
    /// A plain field holding `value`, cursor at the end.
    pub fn new(value: &str) -> Self {
        Self {
            value: Zeroizing::new(value.to_string()),
            cursor: value.chars().count(),
            secret: false,
            multiline: false,
        }
    }

    /// An empty field drawn as dots.
    pub fn secret() -> Self {
        Self {
            secret: true,
            ..Self::default()
        }
    }

    /// An empty secret field that keeps the line breaks of a paste (a PEM private key).
    pub fn multiline_secret() -> Self {
        Self {
            multiline: true,
            ..Self::secret()
        }
    }

    /// The text.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// How many lines of text it holds (0 when empty).
    pub fn line_count(&self) -> usize {
        self.value.lines().filter(|l| !l.trim().is_empty()).count()
    }

    /// Length in characters.
    pub fn len(&self) -> usize {
        self.value.chars().count()
    }

    /// Whether nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The cursor, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// What to draw: the text, or one dot per character unless `reveal`; line breaks as spaces.
    pub fn shown(&self, reveal: bool) -> String {
        if self.secret && !reveal {
            "•".repeat(self.len())
        } else {
            self.value.replace('\n', " ")
        }
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.value
            .char_indices()
            .nth(chars)
            .map_or(self.value.len(), |(i, _)| i)
    }

    /// Inserts text at the cursor; control characters are dropped, and so are line breaks
    /// unless the field is multi-line (a pasted token often ends in a newline).
    pub fn insert(&mut self, text: &str) {
        let keep = |c: &char| !c.is_control() || (self.multiline && *c == '\n');
        let text: String = text.replace("\r\n", "\n").chars().filter(keep).collect();
        for c in text.chars() {
            let at = self.byte_at(self.cursor);
            self.value.insert(at, c);
            self.cursor += 1;
        }
    }

    /// Handles an editing key; returns whether it was one.
    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        if !is_editing_key(key) {
            return false;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.value.replace_range(..at, "");
                self.cursor = 0;
            }
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.len(),
            KeyCode::Char(c) if !ctrl => self.insert(&c.to_string()),
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Delete if self.cursor < self.len() => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.len(),
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }
}

/// Whether a text field takes `key` (typing, moving, deleting). The key table refuses these in
/// a popup with a text field: bound there, they would no longer reach the field.
/// Alt and a character is not typing: keys with Ctrl or Alt are free for the key table.
pub fn is_editing_key(key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    match key.code {
        KeyCode::Char('u' | 'a' | 'e') if ctrl && !alt => true,
        KeyCode::Char(_) => !ctrl && !alt,
        KeyCode::Backspace
        | KeyCode::Delete
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Home
        | KeyCode::End => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_moving_and_deleting_work_on_characters_not_bytes() {
        let mut input = TextInput::new("");
        input.insert("héllo");
        input.handle_key(&key(KeyCode::Left));
        input.handle_key(&key(KeyCode::Backspace));
        assert_eq!(input.value(), "hélo");
        input.handle_key(&key(KeyCode::Home));
        input.handle_key(&key(KeyCode::Delete));
        input.handle_key(&key(KeyCode::Char('H')));
        assert_eq!(input.value(), "Hélo");
        assert_eq!(input.cursor(), 1);
    }

    #[test]
    fn the_editing_keys_are_those_a_field_reacts_to() {
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let editing = [
            key(KeyCode::Char('x')),
            key(KeyCode::Backspace),
            key(KeyCode::Delete),
            key(KeyCode::Left),
            key(KeyCode::Right),
            key(KeyCode::Home),
            key(KeyCode::End),
            ctrl('a'),
            ctrl('e'),
            ctrl('u'),
        ];
        for event in editing {
            assert!(is_editing_key(&event), "{event:?}");
            // The cursor in the middle: every editing key changes the text or moves.
            let mut input = TextInput::new("abc");
            input.cursor = 1;
            assert!(input.handle_key(&event), "{event:?}");
            assert!(
                input.value() != "abc" || input.cursor() != 1,
                "{event:?} did nothing"
            );
        }
        for event in [
            key(KeyCode::Tab),
            key(KeyCode::Enter),
            key(KeyCode::Esc),
            key(KeyCode::Up),
            ctrl('s'),
            ctrl('r'),
            KeyEvent::new(KeyCode::Char('s'), KeyModifiers::ALT),
        ] {
            assert!(!is_editing_key(&event), "{event:?}");
            let mut input = TextInput::new("abc");
            assert!(!input.handle_key(&event), "{event:?}");
            assert_eq!((input.value(), input.cursor()), ("abc", 3));
        }
    }

    #[test]
    fn paste_drops_line_breaks_and_secrets_show_as_dots() {
        let mut input = TextInput::secret();
        input.insert("5Aep861\r\n");
        assert_eq!(input.value(), "5Aep861");
        assert_eq!(input.shown(false), "•••••••");
        assert_eq!(input.shown(true), "5Aep861");
        assert!(!format!("{input:?}").contains("5Aep"));
    }

    #[test]
    fn a_multiline_field_keeps_the_lines_of_a_pasted_key() {
        let mut input = TextInput::multiline_secret();
        input.insert("-----BEGIN PRIVATE KEY-----\r\nTESTSECRET\n-----END PRIVATE KEY-----\n");
        assert_eq!(input.line_count(), 3);
        assert!(input.value().contains("KEY-----\nTESTSECRET\n"));
        assert!(!input.shown(false).contains("TESTSECRET"));
        assert!(!format!("{input:?}").contains("TESTSECRET"));
    }
}
