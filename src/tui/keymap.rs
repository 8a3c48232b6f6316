//! One table of keys: it drives dispatch, the status-line hints and the help overlay, so the
//! three never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Select the previous org (or scroll the focused pane up).
    Up,
    /// Select the next org (or scroll the focused pane down).
    Down,
    /// Jump to the first org.
    First,
    /// Jump to the last org.
    Last,
    /// Move focus between the org list, the token pane and the response pane.
    NextPane,
    /// Run the refresh-token grant for the selected org.
    Refresh,
    /// Copy the selected org's access token.
    Copy,
    /// Show or hide secrets in the token pane.
    Reveal,
    /// Open the form for a new org.
    Add,
    /// Paste an SFDX auth URL into a new org.
    PasteAuthUrl,
    /// Open the form for the selected org.
    Edit,
    /// Log in with the browser and save the org.
    Login,
    /// Delete the selected org (asks first).
    Delete,
    /// Show or hide the help overlay.
    Help,
    /// Close a popup, or cancel the selected org's refresh.
    Cancel,
    /// Leave sfkey.
    Quit,
    /// Ask Salesforce who the stored access token belongs to.
    Userinfo,
    /// Ask Salesforce whether the stored access token is active, until when.
    Introspect,
    /// Revoke the access token or the refresh token (asks which first).
    Revoke,
    /// Open the selected org in the browser, logged in.
    Open,
    /// Start or stop a local proxy for the selected org.
    Proxy,
    /// Copy the token of the selected org's running proxy.
    CopyProxyToken,
}

/// When a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The main screen.
    Main,
    /// The add/edit form.
    Form,
    /// The delete confirmation.
    Confirm,
    /// "Revoke which token?" (key x).
    Revoke,
    /// The login popup, waiting for the browser.
    Login,
    /// The paste popup (key p).
    Paste,
    /// "Update the saved org?" after a paste.
    Update,
}

impl Context {
    /// Every context, in the order the help overlay lists them, with its heading.
    pub const ALL: [(Self, &'static str); 7] = [
        (Self::Main, "Main screen"),
        (Self::Form, "Add / edit / log-in form"),
        (Self::Confirm, "Delete the org?"),
        (Self::Revoke, "Revoke which token? (x)"),
        (Self::Login, "Waiting for the browser (l)"),
        (Self::Paste, "Paste an auth URL (p)"),
        (Self::Update, "Update the saved org? (after p)"),
    ];
}

/// A key pattern: a code plus required modifiers (shift is ignored for characters).
#[derive(Debug, Clone, Copy)]
pub struct Key(pub KeyCode, pub KeyModifiers);

const fn plain(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::NONE)
}

const fn code(code: KeyCode) -> Key {
    Key(code, KeyModifiers::NONE)
}

const fn ctrl(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// The keys that trigger it.
    pub keys: &'static [Key],
    /// How the keys are written in hints and help (`j/↓`).
    pub label: &'static str,
    /// The action; `None` for form keys handled by the form itself (listed for help only).
    pub action: Option<Action>,
    /// The word in the status line (`refresh`).
    pub hint: &'static str,
    /// The sentence in the help overlay.
    pub help: &'static str,
}

/// Every key sfkey knows, in the order the help overlay lists them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        context: Context::Main,
        keys: &[plain('j'), code(KeyCode::Down)],
        label: "j/↓",
        action: Some(Action::Down),
        hint: "down",
        help: "next org (scrolls a focused pane)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('k'), code(KeyCode::Up)],
        label: "k/↑",
        action: Some(Action::Up),
        hint: "up",
        help: "previous org (scrolls a focused pane)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('g'), code(KeyCode::Home)],
        label: "g/Home",
        action: Some(Action::First),
        hint: "first",
        help: "first org (top of a focused pane)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('G'), code(KeyCode::End)],
        label: "G/End",
        action: Some(Action::Last),
        hint: "last",
        help: "last org (bottom of a focused pane)",
    },
    Binding {
        context: Context::Main,
        keys: &[code(KeyCode::Tab)],
        label: "Tab",
        action: Some(Action::NextPane),
        hint: "pane",
        help: "focus the org list, the token pane or the response pane",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('r')],
        label: "r",
        action: Some(Action::Refresh),
        hint: "refresh",
        help: "refresh: run the refresh-token grant for the selected org",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('c')],
        label: "c",
        action: Some(Action::Copy),
        hint: "copy",
        help: "copy the access token (system clipboard, or OSC 52 over SSH)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('v')],
        label: "v",
        action: Some(Action::Reveal),
        hint: "reveal",
        help: "reveal or hide the tokens in the token pane",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('a')],
        label: "a",
        action: Some(Action::Add),
        hint: "add",
        help: "add an org",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('l')],
        label: "l",
        action: Some(Action::Login),
        hint: "login",
        help: "log in with the browser and save the org",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('p')],
        label: "p",
        action: Some(Action::PasteAuthUrl),
        hint: "paste URL",
        help: "paste an SFDX auth URL (force://…) into a new org",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('e')],
        label: "e",
        action: Some(Action::Edit),
        hint: "edit",
        help: "edit the selected org (secrets stay unless you type new ones)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('d'), code(KeyCode::Delete)],
        label: "d/Del",
        action: Some(Action::Delete),
        hint: "delete",
        help: "delete the selected org and its keyring entries (asks first)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('u')],
        label: "u",
        action: Some(Action::Userinfo),
        hint: "userinfo",
        help: "userinfo: who the stored access token belongs to",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('i')],
        label: "i",
        action: Some(Action::Introspect),
        hint: "introspect",
        help: "introspect: is the stored access token active, until when",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('x')],
        label: "x",
        action: Some(Action::Revoke),
        hint: "revoke",
        help: "revoke the access token or refresh token (asks which first)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('o')],
        label: "o",
        action: Some(Action::Open),
        hint: "open",
        help: "open the org in the browser, logged in (single-use URL via a loopback redirect)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('P')],
        label: "P",
        action: Some(Action::Proxy),
        hint: "proxy",
        help: "start or stop a local proxy for the org (scripts use it without its tokens)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('C')],
        label: "C",
        action: Some(Action::CopyProxyToken),
        hint: "copy proxy token",
        help: "copy the token of the org's running proxy (clients send it as the bearer token)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('?'), code(KeyCode::F(1))],
        label: "?/F1",
        action: Some(Action::Help),
        hint: "help",
        help: "show or hide this help",
    },
    Binding {
        context: Context::Main,
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: Some(Action::Cancel),
        hint: "cancel",
        help: "close a popup, or cancel the selected org's refresh (until its request goes out)",
    },
    Binding {
        context: Context::Main,
        keys: &[plain('q'), ctrl('c')],
        label: "q/^C",
        action: Some(Action::Quit),
        hint: "quit",
        help: "quit; waits for refreshes whose request is out, so a rotated token is saved (twice: leave now)",
    },
    Binding {
        context: Context::Form,
        keys: &[code(KeyCode::Tab), code(KeyCode::Down)],
        label: "Tab/↓",
        action: None,
        hint: "next field",
        help: "next field (Shift-Tab/↑: previous)",
    },
    Binding {
        context: Context::Form,
        keys: &[code(KeyCode::Left), code(KeyCode::Right)],
        label: "←/→",
        action: None,
        hint: "choose",
        help: "choose production, sandbox or custom login URL",
    },
    Binding {
        context: Context::Form,
        keys: &[code(KeyCode::Enter), ctrl('s')],
        label: "Enter",
        action: None,
        hint: "save",
        help: "save (on the last field; Ctrl-S from any field)",
    },
    Binding {
        context: Context::Form,
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: None,
        hint: "cancel",
        help: "close the form without saving",
    },
    Binding {
        context: Context::Confirm,
        keys: &[plain('y')],
        label: "y",
        action: None,
        hint: "delete",
        help: "confirm",
    },
    Binding {
        context: Context::Confirm,
        keys: &[plain('n'), code(KeyCode::Esc)],
        label: "n/Esc",
        action: None,
        hint: "keep",
        help: "keep the org",
    },
    Binding {
        context: Context::Revoke,
        keys: &[plain('a')],
        label: "a",
        action: None,
        hint: "access token",
        help: "revoke the access token (the refresh token stays)",
    },
    Binding {
        context: Context::Revoke,
        keys: &[plain('r')],
        label: "r",
        action: None,
        hint: "refresh token",
        help: "revoke the refresh token and every access token issued from it",
    },
    Binding {
        context: Context::Revoke,
        keys: &[plain('n'), code(KeyCode::Esc)],
        label: "n/Esc",
        action: None,
        hint: "neither",
        help: "revoke nothing",
    },
    Binding {
        context: Context::Login,
        keys: &[plain('c')],
        label: "c",
        action: None,
        hint: "copy the URL",
        help: "copy the login URL, to open it in a browser yourself",
    },
    Binding {
        context: Context::Login,
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: None,
        hint: "cancel the login",
        help: "stop waiting; nothing is saved",
    },
    Binding {
        context: Context::Paste,
        keys: &[code(KeyCode::Enter)],
        label: "Enter",
        action: None,
        hint: "read",
        help: "read the pasted URL into the form, to check before saving",
    },
    Binding {
        context: Context::Paste,
        keys: &[code(KeyCode::Esc)],
        label: "Esc",
        action: None,
        hint: "cancel",
        help: "close without saving",
    },
    Binding {
        context: Context::Update,
        keys: &[plain('y')],
        label: "y",
        action: None,
        hint: "update",
        help: "replace the saved org's refresh token and client secret",
    },
    Binding {
        context: Context::Update,
        keys: &[plain('n'), code(KeyCode::Esc)],
        label: "n/Esc",
        action: None,
        hint: "back",
        help: "back to the form (another name adds a new org)",
    },
];

impl Key {
    fn matches(&self, event: &KeyEvent) -> bool {
        // Shift is part of the character itself ('G', '?'), so only ctrl and alt must match.
        let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT;
        self.0 == event.code && (event.modifiers & relevant) == self.1
    }
}

/// Whether a key carries Ctrl or Alt. A question's answers are plain keys only: a terminal
/// sends Esc then `a`, typed fast, as Alt-a, which must not answer "revoke which token?".
pub fn is_modified(event: &KeyEvent) -> bool {
    event
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// The main-screen action for a key, if any.
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.context == Context::Main)
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .and_then(|b| b.action)
}

/// The binding of an action on the main screen (for hints).
pub fn binding(action: Action) -> Option<&'static Binding> {
    BINDINGS
        .iter()
        .find(|b| b.context == Context::Main && b.action == Some(action))
}

/// The bindings of a context, in table order.
pub fn bindings(context: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.context == context)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn keys_map_to_actions_shift_is_ignored_ctrl_is_not() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            action_for(&key(KeyCode::Char('j'), none)),
            Some(Action::Down)
        );
        assert_eq!(action_for(&key(KeyCode::Down, none)), Some(Action::Down));
        assert_eq!(
            action_for(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Last)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('c'), none)),
            Some(Action::Copy)
        );
        assert_eq!(action_for(&key(KeyCode::Char('z'), none)), None);
    }

    #[test]
    fn every_main_action_has_exactly_one_binding() {
        let actions = [
            Action::Up,
            Action::Down,
            Action::First,
            Action::Last,
            Action::NextPane,
            Action::Refresh,
            Action::Copy,
            Action::Reveal,
            Action::Add,
            Action::Login,
            Action::PasteAuthUrl,
            Action::Edit,
            Action::Delete,
            Action::Help,
            Action::Cancel,
            Action::Quit,
            Action::Userinfo,
            Action::Introspect,
            Action::Revoke,
            Action::Open,
            Action::Proxy,
            Action::CopyProxyToken,
        ];
        for action in actions {
            let count = bindings(Context::Main)
                .filter(|b| b.action == Some(action))
                .count();
            assert_eq!(count, 1, "{action:?}");
        }
    }

    #[test]
    fn the_readme_lists_every_key_as_the_help_overlay_does() {
        let readme = include_str!("../../README.md");
        for binding in bindings(Context::Main).chain(bindings(Context::Form)) {
            let row = format!("| `{}` | {} |", binding.label, binding.help);
            assert!(readme.contains(&row), "README lacks the row {row}");
        }
        // The popups' table has a first column naming the popup.
        for (context, _) in &Context::ALL[2..] {
            for binding in bindings(*context) {
                let row = format!(" | `{}` | {} |", binding.label, binding.help);
                assert!(readme.contains(&row), "README lacks the row {row}");
            }
        }
    }
}
