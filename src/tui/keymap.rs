//! One table of keys for every screen and popup: it drives dispatch, the status-line hints, the
//! help overlay and the README's key tables, so they never disagree. `[keys]` in config.toml
//! overrides any action's keys (see [`KeyOverrides`]); labels are drawn from the keys in use.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod action;
mod key;
mod overrides;
mod table;

pub use action::Action;
pub use key::Key;
pub use overrides::{KeyOverrides, effective_keys_toml};
pub use table::{BINDINGS, Binding};

/// When a binding applies: the main screen or one popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The main screen (and the help overlay, which scrolls and closes with its keys).
    Main,
    /// The add/edit/log-in form.
    Form,
    /// The delete confirmation.
    Confirm,
    /// "Revoke which token?".
    Revoke,
    /// The login popup, waiting for the browser.
    Login,
    /// The login popup's question: store the login in the org already saved for its user?
    LoginAsk,
    /// The paste popup.
    Paste,
    /// "Update the saved org?" after a paste.
    Update,
}

impl Context {
    /// Every context, in the order the help overlay lists them.
    pub const ALL: [Self; 8] = [
        Self::Main,
        Self::Form,
        Self::Confirm,
        Self::Revoke,
        Self::Login,
        Self::LoginAsk,
        Self::Paste,
        Self::Update,
    ];

    /// The heading in the help overlay, and the first column of the README's popup table.
    pub fn title(self) -> &'static str {
        match self {
            Self::Main => "Main screen",
            Self::Form => "Add / edit / log-in form",
            Self::Confirm => "Delete the org?",
            Self::Revoke => "Revoke which token?",
            Self::Login => "Waiting for the browser",
            Self::LoginAsk => "Store the login in the saved org?",
            Self::Paste => "Paste an auth URL",
            Self::Update => "Update the saved org? (after a paste)",
        }
    }

    /// A popup with a text field: keys that type or edit go to the field, so none may be bound
    /// here (a choice's keys act only on a choice field, where nothing is typed).
    fn has_text_field(self) -> bool {
        matches!(self, Self::Form | Self::Paste)
    }

    /// A question: answered with plain keys only (a terminal sends Esc then `a`, typed fast,
    /// as Alt-a, which must not answer "revoke which token?"), and a capital letter counts.
    fn is_question(self) -> bool {
        matches!(
            self,
            Self::Confirm | Self::Revoke | Self::LoginAsk | Self::Update
        )
    }
}

/// One row in use: the table's row with the keys config.toml gave it.
#[derive(Debug, Clone)]
pub struct Bound {
    /// The table's row (context, action, hint, help).
    pub binding: &'static Binding,
    /// The keys in use.
    pub keys: Vec<Key>,
}

impl Bound {
    /// The keys as written in hints and help (`j/↓`).
    pub fn label(&self) -> String {
        let labels: Vec<String> = self.keys.iter().map(Key::label).collect();
        labels.join("/")
    }

    /// The first key alone, for prose ("press r") and short hints.
    pub fn first_label(&self) -> String {
        self.keys.first().map(Key::label).unwrap_or_default()
    }
}

/// The key table in use: the built-in one with the overrides of config.toml applied.
#[derive(Debug, Clone)]
pub struct KeyMap {
    rows: Vec<Bound>,
}

impl Default for KeyMap {
    fn default() -> Self {
        Self {
            rows: BINDINGS
                .iter()
                .map(|binding| Bound {
                    binding,
                    keys: binding.keys.to_vec(),
                })
                .collect(),
        }
    }
}

impl KeyMap {
    /// The built-in table with `overrides` applied (they were checked when config.toml was
    /// read, so nothing can fail here).
    pub fn with(overrides: &KeyOverrides) -> Self {
        let mut map = Self::default();
        for (action, keys) in overrides.iter() {
            for row in map.rows.iter_mut().filter(|r| r.binding.action == *action) {
                row.keys = keys.clone();
            }
        }
        map
    }

    /// The action a key asks for in `context`, if any.
    pub fn action(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        if context.is_question() && is_modified(event) {
            return None;
        }
        let find = |event: &KeyEvent| {
            self.rows(context)
                .find(|r| r.keys.iter().any(|k| k.matches(event)))
                .map(|r| r.binding.action)
        };
        find(event).or_else(|| match event.code {
            // `Y` answers as `y` does.
            KeyCode::Char(c) if context.is_question() && c.is_ascii_uppercase() => find(
                &KeyEvent::new(KeyCode::Char(c.to_ascii_lowercase()), event.modifiers),
            ),
            _ => None,
        })
    }

    /// The rows of a context, in table order.
    pub fn rows(&self, context: Context) -> impl Iterator<Item = &Bound> {
        self.rows
            .iter()
            .filter(move |r| r.binding.context == context)
    }

    /// The row of `action` in `context`.
    pub fn row(&self, context: Context, action: Action) -> Option<&Bound> {
        self.rows(context).find(|r| r.binding.action == action)
    }

    /// Every key of `action` in `context` (`n/Esc`); empty when it has none there.
    pub fn label(&self, context: Context, action: Action) -> String {
        self.row(context, action)
            .map(Bound::label)
            .unwrap_or_default()
    }

    /// The first key of `action` in `context`, for prose: "press {key} for a new one".
    pub fn key(&self, context: Context, action: Action) -> String {
        self.row(context, action)
            .map(Bound::first_label)
            .unwrap_or_default()
    }

    /// The shortest key of `action` in `context` (`↑` rather than `Shift-Tab`), for the
    /// tightest spots.
    pub fn short_key(&self, context: Context, action: Action) -> String {
        self.row(context, action)
            .and_then(|r| {
                r.keys
                    .iter()
                    .map(Key::label)
                    .min_by_key(|l| l.chars().count())
            })
            .unwrap_or_default()
    }

    /// The first key of a main-screen action, for prose.
    pub fn main_key(&self, action: Action) -> String {
        self.key(Context::Main, action)
    }

    /// The table of a context as the README prints it: key, action name, what it does.
    pub fn markdown(&self, context: Context) -> String {
        let mut out = String::from("| key | action | what it does |\n| --- | --- | --- |\n");
        for row in self.rows(context) {
            out.push_str(&format!(
                "| `{}` | `{}` | {} |\n",
                row.label(),
                row.binding.action.name(),
                row.binding.help
            ));
        }
        out
    }
}

/// Ctrl-C: quits from anywhere, popups included, whatever `[keys]` says (asking first when
/// something would be lost).
pub fn is_hard_quit(event: &KeyEvent) -> bool {
    event.code == KeyCode::Char('c') && event.modifiers.contains(KeyModifiers::CONTROL)
}

/// Whether a key carries Ctrl or Alt.
pub fn is_modified(event: &KeyEvent) -> bool {
    event
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

#[cfg(test)]
mod tests;
