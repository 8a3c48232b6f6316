//! The terminal app: [`terminal`] sets the terminal up and restores it (also on panic and
//! signals) around the [`event_loop`], which is generic over the backend so tests drive it.
//! Keys become messages, `App::update` decides, tasks do the I/O, the view draws.

mod app;
mod calls;
pub mod event_loop;
#[cfg(test)]
mod fixtures;
mod form;
mod input;
mod keymap;
mod login;
mod message;
mod org_list;
mod paste;
mod remedy;
mod start;
mod state;
mod tasks;
mod terminal;
mod view;

use crate::salesforce::HttpSettings;
use crate::store::Store;

pub use app::{App, Pane, Popup, Shown};
pub use keymap::{KeyMap, KeyOverrides, effective_keys_toml};
pub use message::{Effect, Message, RefreshOutcome};
pub use org_list::{Load, OrgList};
pub use start::{no_color, start, theme as theme_for};
pub use tasks::InFlight;
pub use terminal::run;
pub use view::draw;
pub use view::style::Theme;

/// What the TUI runs on.
pub struct Setup {
    /// Orgs and secrets.
    pub store: Store,
    /// HTTP timeouts.
    pub settings: HttpSettings,
    /// The demo banner, in demo mode.
    pub demo: Option<String>,
    /// The login URL a new login starts from (the demo's fake Salesforce); production if none.
    pub login_url: Option<String>,
    /// The local UTC offset in seconds (read before any thread starts).
    pub utc_offset_s: i32,
    /// Days unused after which the org list flags a refresh token (`idle_warning_days`).
    pub idle_days: u64,
    /// The keys: the built-in table with config.toml's `[keys]` applied.
    pub keys: KeyMap,
    /// The named styles: `[theme]` and `[tui] mask_char` applied, `NO_COLOR` honoured.
    pub theme: Theme,
    /// `[tui]`: the org column's width and the like.
    pub tui: crate::preferences::TuiPrefs,
    /// config.toml is broken: the message shown until dismissed (the app runs on defaults).
    pub config_error: Option<String>,
}

impl Setup {
    /// Applies config.toml: idle days, `[keys]`, `[theme]` (with `NO_COLOR`), `[tui]`. When the
    /// file is `broken`, `preferences` are the defaults and the error is shown in the app.
    pub(crate) fn with_preferences(
        self,
        preferences: &crate::preferences::Preferences,
        broken: Option<&crate::preferences::PreferencesError>,
    ) -> Self {
        Self {
            idle_days: preferences
                .idle_warning_days
                .unwrap_or(crate::health::DEFAULT_IDLE_DAYS),
            keys: KeyMap::with(&preferences.keys),
            theme: start::theme(preferences),
            tui: preferences.tui,
            config_error: broken.map(|e| e.for_tui()),
            ..self
        }
    }

    /// [`Self::with_preferences`] with config.toml read from `dir` (the in-process tests).
    pub fn with_preferences_in(self, dir: &std::path::Path) -> Self {
        match crate::preferences::load(dir) {
            Ok(preferences) => self.with_preferences(&preferences, None),
            Err(e) => self.with_preferences(&Default::default(), Some(&e)),
        }
    }
}
