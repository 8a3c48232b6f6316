//! The form's keys: masking, the key table and its overrides, and keys while saving.

use super::*;

#[test]
fn secrets_are_dots_until_revealed() {
    let mut form = OrgForm::add();
    focus(&mut form, Field::RefreshToken);
    type_text(&mut form, "5Aep861");
    let input = form.input(Field::RefreshToken).unwrap();
    assert_eq!(input.shown(form.reveal), "•••••••");
    assert!(!format!("{form:?}").contains("5Aep861"));
    ctrl(&mut form, 'r');
    assert!(form.reveal);
    let input = form.input(Field::RefreshToken).unwrap();
    assert_eq!(input.shown(form.reveal), "5Aep861");
}

#[test]
fn keys_become_form_actions_through_the_key_table() {
    let keys = KeyMap::default();
    let form = OrgForm::add();
    let key = |code, modifiers| form.action_for(&KeyEvent::new(code, modifiers), &keys);
    let none = KeyModifiers::NONE;
    assert_eq!(key(KeyCode::Esc, none), Some(Action::Cancel));
    assert_eq!(
        key(KeyCode::Char('s'), KeyModifiers::CONTROL),
        Some(Action::Save)
    );
    assert_eq!(
        key(KeyCode::Char('r'), KeyModifiers::CONTROL),
        Some(Action::RevealSecrets)
    );
    assert_eq!(key(KeyCode::Tab, none), Some(Action::NextField));
    assert_eq!(key(KeyCode::BackTab, none), Some(Action::PrevField));
    assert_eq!(key(KeyCode::Enter, none), Some(Action::Submit));
    // On a text field, letters, space and arrows edit; on a choice they choose.
    assert_eq!(key(KeyCode::Char('q'), none), None);
    assert_eq!(key(KeyCode::Char(' '), none), None);
    assert_eq!(key(KeyCode::Left, none), None);
    let mut form = OrgForm::add();
    focus(&mut form, Field::Kind);
    let key = |code| form.action_for(&KeyEvent::new(code, KeyModifiers::NONE), &keys);
    assert_eq!(key(KeyCode::Char(' ')), Some(Action::ChooseNext));
    assert_eq!(key(KeyCode::Left), Some(Action::ChoosePrev));
}

#[test]
fn the_forms_keys_follow_the_overrides_of_config_toml() {
    let keys = keys_of("[keys]\nsave = [\"ctrl-w\"]\nreveal_secrets = [\"f2\"]\n");
    let mut form = OrgForm::add();
    let press = |form: &mut OrgForm, code, modifiers| {
        form.on_key(&KeyEvent::new(code, modifiers), &keys, &["prod"])
    };
    type_text(&mut form, "acme");
    // Ctrl-S no longer saves (nor types): the name is still all there is.
    let ctrl = KeyModifiers::CONTROL;
    press(&mut form, KeyCode::Char('s'), ctrl);
    assert!(form.errors.is_empty(), "{:?}", form.errors);
    assert_eq!(form.input(Field::Name).unwrap().value(), "acme");
    press(&mut form, KeyCode::F(2), KeyModifiers::NONE);
    assert!(form.reveal);
    // Ctrl-W saves: the empty client id is refused beside its field.
    assert!(matches!(
        press(&mut form, KeyCode::Char('w'), ctrl),
        FormOutcome::Continue
    ));
    assert!(form.error(Field::ClientId).is_some(), "{:?}", form.errors);
}

#[test]
fn a_key_that_would_type_into_the_form_is_refused_by_name() {
    for (toml, key) in [
        ("[keys]\nsave = [\"s\"]\n", "\"s\""),
        ("[keys]\ncancel = [\"esc\", \"x\"]\n", "\"x\""),
        ("[keys]\nreveal_secrets = [\"space\"]\n", "\"space\""),
        ("[keys]\nsubmit = [\"backspace\"]\n", "\"backspace\""),
        ("[keys]\nsave = [\"ctrl-u\"]\n", "\"ctrl-u\""),
    ] {
        let err = crate::preferences::parse(toml).unwrap_err();
        assert!(err.contains(key), "{toml}: {err}");
        assert!(err.contains("types or edits text"), "{toml}: {err}");
        assert!(err.contains("line 2"), "{toml}: {err}");
    }
    // A choice's keys act only on a choice, where nothing is typed: a letter is fine there.
    let keys = keys_of("[keys]\nchoose_next = [\"n\"]\nsave = [\"alt-s\"]\n");
    let n = KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE);
    let mut form = OrgForm::add();
    form.on_key(&n, &keys, &["prod"]);
    assert_eq!(form.input(Field::Name).unwrap().value(), "n");
    focus(&mut form, Field::Login);
    form.on_key(&n, &keys, &["prod"]);
    assert_eq!(form.login, LoginChoice::Sandbox);
}

#[test]
fn a_store_refusal_keeps_the_form_and_what_was_typed() {
    let mut form = OrgForm::add();
    type_text(&mut form, "x");
    form.save = SaveState::Saving;
    form.failed("the keyring is locked; unlock it and try again".into());
    assert!(!form.is_saving());
    assert_eq!(form.input(Field::Name).unwrap().value(), "x");
    assert!(matches!(&form.save, SaveState::Failed(e) if e.contains("locked")));
}

#[test]
fn while_saving_only_esc_does_anything() {
    let mut form = OrgForm::add();
    form.save = SaveState::Saving;
    assert!(matches!(
        press(&mut form, KeyCode::Char('x')),
        FormOutcome::Continue
    ));
    assert_eq!(form.input(Field::Name).unwrap().value(), "");
    assert!(matches!(
        press(&mut form, KeyCode::Esc),
        FormOutcome::Cancel
    ));
}
