//! The preferences file, `config.toml` in the config dir: read-only for sfkey (it never rewrites
//! it), every key known, errors with line and column. Orgs stay in `orgs.toml`.
//!
//! New settings go in as fields of [`Preferences`]; a group of them (`[keys]`, `[theme]`,
//! `[tui]`) as a field holding its own `#[serde(default, deny_unknown_fields)]` struct.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

mod look;

pub use look::{DEFAULT_MASK_CHAR, ThemeBase, ThemePrefs, TuiPrefs};

/// File name of the preferences file inside the config dir.
pub const PREFERENCES_FILE: &str = "config.toml";

/// Which store keeps the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyringChoice {
    /// The OS's own keyring.
    Auto,
    /// A freedesktop Secret Service (Linux).
    SecretService,
    /// The macOS login Keychain.
    Keychain,
    /// The Windows Credential Manager.
    Windows,
    /// The encrypted file in the config dir.
    File,
}

impl KeyringChoice {
    /// Every value, as written in config.toml and `SFKEY_KEYRING`.
    pub const ALL: [KeyringChoice; 5] = [
        Self::Auto,
        Self::SecretService,
        Self::Keychain,
        Self::Windows,
        Self::File,
    ];

    /// The value as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::SecretService => "secret-service",
            Self::Keychain => "keychain",
            Self::Windows => "windows",
            Self::File => "file",
        }
    }

    /// Parses a written value; the error lists the valid ones.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == text.trim())
            .ok_or_else(|| {
                let valid: Vec<&str> = Self::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "{:?} is not a keyring; use one of {}",
                    crate::escape::escape(text),
                    valid.join(", ")
                )
            })
    }
}

/// Everything config.toml can say; absent keys take their defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Where secrets live (`SFKEY_KEYRING` overrides it).
    pub keyring: Option<KeyringChoice>,
    /// Minutes the file backend's derived key stays cached in the session keyring; 0 = never.
    pub file_key_timeout_minutes: Option<u64>,
    /// Days unused after which `sfkey status` flags an org's refresh token (default 25).
    pub idle_warning_days: Option<u64>,
    /// `[keys]`: the terminal app's keys, action name to keys (`refresh = ["r", "f5"]`).
    #[serde(default)]
    pub keys: crate::tui::KeyOverrides,
    /// `[theme]`: the base theme (`dark`, `light`) and named styles changed; `theme = "light"`
    /// says the base alone.
    #[serde(default, deserialize_with = "look::theme_or_base")]
    pub theme: ThemePrefs,
    /// `[tui]`: small choices (org column width, mask character).
    #[serde(default)]
    pub tui: TuiPrefs,
}

impl Preferences {
    /// How long the file backend's key stays cached.
    pub fn file_key_timeout(&self) -> Duration {
        self.file_key_timeout_minutes
            .map_or(crate::store::file_key::DEFAULT_KEY_TIMEOUT, |m| {
                Duration::from_secs(m.saturating_mul(60))
            })
    }
}

/// config.toml cannot be read or understood; sfkey then stops and changes nothing.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}. Fix the file (sfkey never rewrites it) and run again")]
pub struct PreferencesError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, with line and column.
    pub reason: String,
}

impl PreferencesError {
    /// The message for the terminal app, which runs on defaults instead of stopping: the place
    /// first (up to the first `:`, which the header shows), the path last, as it is longest.
    pub fn for_tui(&self) -> String {
        format!(
            "config.toml {}; running on defaults, sfkey never rewrites the file: fix it and restart ({})",
            self.reason,
            crate::escape::escape(&self.path.display().to_string()),
        )
    }
}

/// Reads config.toml in `dir`; a missing file means every default.
pub fn load(dir: &Path) -> Result<Preferences, PreferencesError> {
    let path = dir.join(PREFERENCES_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Preferences::default()),
        Err(e) => {
            return Err(PreferencesError {
                path,
                reason: format!("cannot read it ({e})"),
            });
        }
    };
    parse(&text).map_err(|reason| PreferencesError { path, reason })
}

/// Parses the text of config.toml; errors name the line, the column and any unknown key.
pub fn parse(text: &str) -> Result<Preferences, String> {
    toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("line {line}, column {column}: ")
            })
            .unwrap_or_default();
        let message = e.message().trim().replace('\n', " ");
        crate::escape::escape(&format!("{at}{message}")).to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_parses_and_defaults_hold() {
        let p = parse("keyring = \"file\"\nfile_key_timeout_minutes = 5\n").unwrap();
        assert_eq!(p.keyring, Some(KeyringChoice::File));
        assert_eq!(p.file_key_timeout(), Duration::from_secs(300));
        let empty = parse("").unwrap();
        assert_eq!(empty.keyring, None);
        assert_eq!(empty.file_key_timeout(), Duration::from_secs(900));
        for choice in KeyringChoice::ALL {
            let p = parse(&format!("keyring = {:?}", choice.as_str())).unwrap();
            assert_eq!(p.keyring, Some(choice));
            assert_eq!(KeyringChoice::parse(choice.as_str()), Ok(choice));
        }
    }

    #[test]
    fn mistakes_name_the_key_and_the_place() {
        let err = parse("# prefs\nkeyrng = \"file\"\n").unwrap_err();
        assert!(err.contains("line 2, column 1"), "{err}");
        assert!(err.contains("keyrng"), "{err}");
        let err = parse("keyring = \"gnome\"\n").unwrap_err();
        assert!(err.contains("line 1, column 11"), "{err}");
        assert!(err.contains("secret-service"), "{err}");
        let err = KeyringChoice::parse("kwallet").unwrap_err();
        assert!(
            err.contains("auto, secret-service, keychain, windows, file"),
            "{err}"
        );
    }
}
