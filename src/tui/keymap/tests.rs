use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

fn main(map: &KeyMap, code: KeyCode, modifiers: KeyModifiers) -> Option<Action> {
    map.action(Context::Main, &key(code, modifiers))
}

#[test]
fn keys_map_to_actions_shift_is_ignored_ctrl_is_not() {
    let map = KeyMap::default();
    let none = KeyModifiers::NONE;
    assert_eq!(main(&map, KeyCode::Char('j'), none), Some(Action::Down));
    assert_eq!(main(&map, KeyCode::Down, none), Some(Action::Down));
    assert_eq!(
        main(&map, KeyCode::Char('G'), KeyModifiers::SHIFT),
        Some(Action::Last)
    );
    assert_eq!(
        main(&map, KeyCode::Char('c'), KeyModifiers::CONTROL),
        Some(Action::Quit)
    );
    assert_eq!(main(&map, KeyCode::Char('c'), none), Some(Action::Copy));
    assert_eq!(main(&map, KeyCode::Char('z'), none), None);
}

#[test]
fn questions_take_capitals_and_refuse_modified_keys() {
    let map = KeyMap::default();
    let yes = key(KeyCode::Char('Y'), KeyModifiers::SHIFT);
    assert_eq!(map.action(Context::Confirm, &yes), Some(Action::Yes));
    let alt_a = key(KeyCode::Char('a'), KeyModifiers::ALT);
    assert_eq!(map.action(Context::Revoke, &alt_a), None);
    let esc = key(KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(map.action(Context::Revoke, &esc), Some(Action::No));
}

#[test]
fn every_action_has_exactly_one_row_per_context_it_is_in_and_one_somewhere() {
    let map = KeyMap::default();
    for action in Action::ALL {
        assert!(
            BINDINGS.iter().any(|b| b.action == *action),
            "{action:?} has no key"
        );
        for context in Context::ALL {
            let count = map
                .rows(context)
                .filter(|r| r.binding.action == *action)
                .count();
            assert!(count <= 1, "{action:?} twice in {context:?}");
        }
    }
    // The built-in table binds no key twice in one context.
    assert_eq!(KeyOverrides::default().check(), Ok(()));
}

#[test]
fn labels_come_from_the_keys() {
    let map = KeyMap::default();
    assert_eq!(map.label(Context::Main, Action::Down), "j/↓");
    assert_eq!(map.label(Context::Main, Action::Quit), "q/^C");
    assert_eq!(map.label(Context::Main, Action::Help), "?/F1");
    assert_eq!(map.label(Context::Confirm, Action::No), "n/q/Esc");
    assert_eq!(map.main_key(Action::Refresh), "r");
    for text in [
        "r",
        "ctrl-c",
        "down",
        "f5",
        "shift-tab",
        "alt-x",
        "G",
        "?",
        "space",
    ] {
        let parsed = Key::parse(text).unwrap();
        assert_eq!(parsed.config_name(), text);
    }
    assert_eq!(Key::parse("Ctrl-S").unwrap(), Key::ctrl('s'));
    assert!(Key::parse("hyper-q").is_err());
    assert!(Key::parse("f13").is_err());
    assert!(Key::parse("").is_err());
}

#[test]
fn overrides_replace_an_actions_keys_everywhere_it_is() {
    let prefs = crate::preferences::parse(
        "[keys]\nrefresh = [\"r\", \"f5\"]\ncancel = [\"esc\", \"ctrl-g\"]\n",
    )
    .unwrap();
    let map = KeyMap::with(&prefs.keys);
    assert_eq!(
        main(&map, KeyCode::F(5), KeyModifiers::NONE),
        Some(Action::Refresh)
    );
    let ctrl_g = key(KeyCode::Char('g'), KeyModifiers::CONTROL);
    assert_eq!(map.action(Context::Form, &ctrl_g), Some(Action::Cancel));
    assert_eq!(map.action(Context::Paste, &ctrl_g), Some(Action::Cancel));
    assert_eq!(map.label(Context::Main, Action::Refresh), "r/F5");
    let shown = effective_keys_toml(&prefs);
    assert!(shown.starts_with("[keys]\n"), "{shown}");
    assert!(shown.contains("refresh = [\"r\", \"f5\"]\n"), "{shown}");
    assert!(shown.contains("quit = [\"q\", \"ctrl-c\"]\n"), "{shown}");
    // What it prints reads back as the same table.
    let again = crate::preferences::parse(&shown).unwrap();
    assert_eq!(effective_keys_toml(&again), shown);
}

#[test]
fn mistakes_in_keys_name_the_place_and_the_actions() {
    let err = crate::preferences::parse("[keys]\nrefrsh = [\"r\"]\n").unwrap_err();
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("refrsh") && err.contains("next_pane"), "{err}");
    let err = crate::preferences::parse("[keys]\nrefresh = [\"r\", \"hyper-r\"]\n").unwrap_err();
    assert!(err.contains("line 2, column "), "{err}");
    assert!(err.contains("hyper-r"), "{err}");
    let err = crate::preferences::parse("[keys]\nrefresh = [\"c\"]\n").unwrap_err();
    assert!(
        err.contains("\"c\"") && err.contains("copy") && err.contains("refresh"),
        "{err}"
    );
    assert!(err.contains("line "), "{err}");
    let err = crate::preferences::parse("[keys]\nquit = []\n").unwrap_err();
    assert!(err.contains("at least one key"), "{err}");
}

#[test]
fn the_readme_prints_each_table_and_names_every_action() {
    let readme = include_str!("../../../README.md");
    let map = KeyMap::default();
    for context in [Context::Main, Context::Form] {
        let table = map.markdown(context);
        assert!(readme.contains(&table), "README lacks the table\n{table}");
    }
    // The popups' table has a first column naming the popup.
    for context in &Context::ALL[2..] {
        for row in map.rows(*context) {
            let line = format!(
                " | `{}` | `{}` | {} |",
                row.label(),
                row.binding.action.name(),
                row.binding.help
            );
            assert!(readme.contains(&line), "README lacks the row {line}");
        }
    }
    for action in Action::ALL {
        assert!(
            readme.contains(&format!("`{}`", action.name())),
            "README does not name {}",
            action.name()
        );
    }
}
