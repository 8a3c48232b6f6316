//! Placeholder until the clipboard module lands: OSC 52 only.

use secrecy::{ExposeSecret, SecretString};

/// How a copy reached the user's clipboard.
pub enum Copied {
    /// The system clipboard.
    Native,
    /// The escape sequence the caller must write to its terminal.
    Osc52(String),
}

/// Why copying failed.
#[derive(Debug, thiserror::Error)]
#[error("copy failed")]
pub struct ClipboardError;

/// Where copies go.
pub struct Clipboard;

impl Clipboard {
    /// From the environment.
    pub fn from_env() -> Result<Self, ClipboardError> {
        Ok(Self)
    }

    /// Copies `text`.
    pub fn copy(&self, text: &SecretString) -> Result<Copied, ClipboardError> {
        Ok(Copied::Osc52(osc52_sequence(text.expose_secret())))
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard.
pub fn osc52_sequence(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}
