//! A [`Remedy`] said the TUI's way: the key to press, drawn from the key table; a remedy with
//! no key (`sfkey doctor`) is the command to run in a shell.

use crate::cli::{OrgRef, remedy_text};
use crate::remedy::{Advice, Remedy};

use super::keymap::{Action, KeyMap};

/// The main-screen action that carries out `remedy`, when the TUI has one.
fn action(remedy: Remedy) -> Option<Action> {
    match remedy {
        Remedy::Refresh => Some(Action::Refresh),
        Remedy::EditSecrets | Remedy::StorePrivateKey | Remedy::EditLoginUrl => Some(Action::Edit),
        Remedy::LoginAgain => Some(Action::LoginAgain),
        Remedy::Userinfo => Some(Action::Userinfo),
        Remedy::Doctor => None,
    }
}

/// `press KEY` for a remedy the TUI has a key for; otherwise the CLI's command.
pub fn key_text<'a>(remedy: Remedy, org: impl Into<OrgRef<'a>>, keys: &KeyMap) -> String {
    match action(remedy) {
        Some(action) => format!("press {}", keys.main_key(action)),
        None => remedy_text(remedy, org),
    }
}

/// `advice` as one line with the key of each remedy after its words.
pub fn advice_text<'a>(advice: &Advice, org: impl Into<OrgRef<'a>>, keys: &KeyMap) -> String {
    let org = org.into();
    advice.render(|r| Some(key_text(r, org, keys)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remedy::{act, say};

    #[test]
    fn remedies_are_keys_from_the_table() {
        let keys = KeyMap::default();
        for (remedy, text) in [
            (Remedy::Refresh, "press r"),
            (Remedy::Userinfo, "press u"),
            (Remedy::EditSecrets, "press e"),
            (Remedy::EditLoginUrl, "press e"),
            (Remedy::LoginAgain, "press L"),
            // No key for it: the command, to run in a shell.
            (Remedy::Doctor, "sfkey doctor"),
        ] {
            assert_eq!(key_text(remedy, "dev", &keys), text, "{remedy:?}");
        }
    }

    #[test]
    fn advice_reads_with_the_keys_in_place() {
        const ADVICE: Advice = Advice(&[
            act("log in again", Remedy::LoginAgain),
            act(", or store a new refresh token", Remedy::EditSecrets),
            say("; or "),
            act("", Remedy::Refresh),
            say(" to try again"),
        ]);
        assert_eq!(
            advice_text(&ADVICE, "dev", &KeyMap::default()),
            "log in again (press L), or store a new refresh token (press e); or press r to try again"
        );
    }
}
