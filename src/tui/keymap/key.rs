//! One key: how it matches a key event, how hints write it (`^C`, `↓`), and how config.toml
//! writes it (`ctrl-c`, `down`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key pattern: a code plus required modifiers (shift is part of a character: `G`, `?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(pub KeyCode, pub KeyModifiers);

/// Named keys: config name, hint label, code.
const NAMED: &[(&str, &str, KeyCode)] = &[
    ("esc", "Esc", KeyCode::Esc),
    ("enter", "Enter", KeyCode::Enter),
    ("tab", "Tab", KeyCode::Tab),
    ("shift-tab", "Shift-Tab", KeyCode::BackTab),
    ("backspace", "Backspace", KeyCode::Backspace),
    ("delete", "Del", KeyCode::Delete),
    ("insert", "Ins", KeyCode::Insert),
    ("up", "↑", KeyCode::Up),
    ("down", "↓", KeyCode::Down),
    ("left", "←", KeyCode::Left),
    ("right", "→", KeyCode::Right),
    ("home", "Home", KeyCode::Home),
    ("end", "End", KeyCode::End),
    ("pageup", "PgUp", KeyCode::PageUp),
    ("pagedown", "PgDn", KeyCode::PageDown),
    ("space", "Space", KeyCode::Char(' ')),
];

impl Key {
    /// A plain character.
    pub const fn plain(c: char) -> Self {
        Self(KeyCode::Char(c), KeyModifiers::NONE)
    }

    /// A key without modifiers.
    pub const fn code(code: KeyCode) -> Self {
        Self(code, KeyModifiers::NONE)
    }

    /// Ctrl and a character.
    pub const fn ctrl(c: char) -> Self {
        Self(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    /// Whether `event` is this key. Shift is part of the character itself (`G`, `?`), so only
    /// Ctrl and Alt must match.
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT;
        self.0 == event.code && (event.modifiers & relevant) == self.1
    }

    /// As hints and help write it: `r`, `^C`, `↓`, `F1`, `Alt-x`.
    pub fn label(&self) -> String {
        let base = match self.0 {
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(c) if c != ' ' && self.1.contains(KeyModifiers::CONTROL) => {
                // ^C is how terminals (and the README) write Ctrl-C.
                let alt = if self.1.contains(KeyModifiers::ALT) {
                    "Alt-"
                } else {
                    ""
                };
                return format!("{alt}^{}", c.to_ascii_uppercase());
            }
            code => NAMED
                .iter()
                .find(|(_, _, c)| *c == code)
                .map(|(_, label, _)| (*label).to_string())
                .or_else(|| match code {
                    KeyCode::Char(c) => Some(c.to_string()),
                    _ => None,
                })
                .unwrap_or_else(|| "?".into()),
        };
        let mut out = String::new();
        if self.1.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.1.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        out + &base
    }

    /// As config.toml writes it: `r`, `ctrl-c`, `down`, `f1`, `alt-x`.
    pub fn config_name(&self) -> String {
        let base = match self.0 {
            KeyCode::F(n) => format!("f{n}"),
            code => NAMED
                .iter()
                .find(|(_, _, c)| *c == code)
                .map(|(name, _, _)| (*name).to_string())
                .or_else(|| match code {
                    KeyCode::Char(c) => Some(c.to_string()),
                    _ => None,
                })
                .unwrap_or_default(),
        };
        let mut out = String::new();
        if self.1.contains(KeyModifiers::CONTROL) {
            out.push_str("ctrl-");
        }
        if self.1.contains(KeyModifiers::ALT) {
            out.push_str("alt-");
        }
        out + &base
    }

    /// Reads a key as config.toml writes it; the error says what is accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{:?} is not a key; write a character (`r`, `G`, `?`), a name ({}, f1…f12), optionally after ctrl- or alt-",
                crate::escape::escape(text),
                NAMED
                    .iter()
                    .map(|(n, _, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 1 && lower.starts_with("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = &rest[5..];
            } else if rest.chars().count() > 1 && lower.starts_with("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => {
                // Ctrl-C arrives as 'c' whatever shift says.
                let c = if modifiers.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else {
                    c
                };
                KeyCode::Char(c)
            }
            _ => {
                let lower = rest.to_ascii_lowercase();
                match NAMED.iter().find(|(name, _, _)| *name == lower) {
                    Some((_, _, code)) => *code,
                    None => match lower.strip_prefix('f').map(str::parse::<u8>) {
                        Some(Ok(n)) if (1..=12).contains(&n) => KeyCode::F(n),
                        _ => return Err(bad()),
                    },
                }
            }
        };
        Ok(Self(code, modifiers))
    }
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}
