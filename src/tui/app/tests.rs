//! `update` unit tests: keys, selection, questions, popups; refreshes, results and quitting are in
//! `tests/refresh.rs`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::*;
use crate::saved_org::refresh::RefreshEvent;
use crate::tui::fixtures::{self, NOW_MS};
use crate::tui::message::RefreshOutcome;

mod refresh;

fn key(c: char) -> Message {
    Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(code: KeyCode) -> Message {
    Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn three() -> App {
    fixtures::app_with(vec![
        fixtures::org("alpha", "https://login.salesforce.com"),
        fixtures::org("beta", "https://test.salesforce.com"),
        fixtures::org("gamma", "https://acme.my.salesforce.com"),
    ])
}

#[test]
fn keys_move_the_selection_within_bounds_and_hide_revealed_secrets() {
    let mut app = three();
    app.update(key('k'));
    assert_eq!(app.orgs.selected, 0);
    app.update(key('j'));
    app.update(code(KeyCode::Down));
    app.update(key('j'));
    assert_eq!(app.orgs.selected, 2);
    app.update(key('g'));
    assert_eq!(app.orgs.selected, 0);
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('G'),
        KeyModifiers::SHIFT,
    )));
    assert_eq!(app.orgs.selected, 2);

    let gamma = app.orgs[2].clone();
    app.update(fixtures::success(&gamma));
    app.update(key('v'));
    assert!(app.view.reveal);
    app.update(key('k'));
    assert!(
        !app.view.reveal,
        "revealed secrets must not follow the selection"
    );
}

#[test]
fn delete_asks_first() {
    let mut app = three();
    app.update(key('d'));
    assert!(matches!(app.view.popup, Some(Popup::ConfirmDelete(_))));
    assert!(app.update(key('n')).is_empty());
    assert!(app.view.popup.is_none());
    app.update(key('d'));
    assert!(matches!(&app.update(key('y'))[..], [Effect::Delete(org)] if org.name == "alpha"));
}

#[test]
fn a_click_selects_the_org_under_the_mouse() {
    let mut app = three();
    app.hit.orgs.set(Rect::new(1, 2, 30, 10));
    let click = |row| {
        Message::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    app.update(click(4));
    assert_eq!(app.orgs.selected, 2);
    // Below the last org: nothing changes.
    app.update(click(9));
    assert_eq!(app.orgs.selected, 2);
}

#[test]
fn a_reload_keeps_the_selected_org_and_drops_removed_ones() {
    let mut app = three();
    app.update(key('j'));
    let beta = app.orgs[1].clone();
    let gamma = app.orgs[2].clone();
    app.update(fixtures::success(&gamma));
    app.update(Message::OrgsLoaded(Ok(vec![beta.clone()])));
    assert_eq!(app.selected_org().unwrap().id, beta.id);
    assert!(!app.panels.contains_key(&gamma.id));
}

#[test]
fn focus_regained_reloads_the_orgs() {
    let mut app = three();
    assert!(matches!(
        &app.update(Message::FocusGained)[..],
        [Effect::LoadOrgs]
    ));
}

#[test]
fn infos_fade_errors_stay() {
    let mut app = three();
    app.update(key('v'));
    assert!(app.view.status.is_some());
    app.update(Message::Tick {
        now_ms: NOW_MS + INFO_MS + 1,
    });
    assert!(app.view.status.is_none());
    app.update(Message::CopyFailed("no access token".into()));
    app.update(Message::Tick {
        now_ms: NOW_MS + 10 * INFO_MS,
    });
    assert!(app.view.status.is_some());
}

/// Deleting the revealed org (or another process removing it) moves the selection
/// to a neighbour without going through `select`, so `reveal` stays on and the neighbour's
/// tokens appear unmasked without anyone pressing v.
#[test]
fn deleting_a_revealed_org_does_not_reveal_the_next_one() {
    let mut app = fixtures::app_with(vec![
        fixtures::org("alpha", "https://login.salesforce.com"),
        fixtures::org("beta", "https://test.salesforce.com"),
    ]);
    let (alpha, beta) = (app.orgs[0].clone(), app.orgs[1].clone());
    app.update(fixtures::success(&alpha));
    app.update(fixtures::success(&beta));
    app.update(key('v'));
    assert!(app.view.reveal);
    app.update(key('d'));
    let effects = app.update(key('y'));
    assert!(matches!(&effects[..], [Effect::Delete(_)]));
    app.update(Message::Deleted(Ok(alpha.clone())));
    app.update(Message::OrgsLoaded(Ok(vec![beta.clone()])));
    assert_eq!(app.selected_org().unwrap().id, beta.id);
    assert!(!app.view.reveal, "beta's tokens are on screen unmasked");
}

/// Alt-a is what a terminal sends for Esc then a typed fast: it must not answer "revoke which
/// token?" (nor Alt-y "delete?"); the plain keys still do.
#[test]
fn questions_take_plain_keys_only() {
    let alt = |c: char| Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    let mut app = three();
    app.update(key('x'));
    for c in ['a', 'r', 'n'] {
        assert!(app.update(alt(c)).is_empty(), "Alt-{c}");
        assert!(
            matches!(app.view.popup, Some(Popup::ConfirmRevoke(_))),
            "Alt-{c}"
        );
    }
    assert!(matches!(
        &app.update(key('a'))[..],
        [Effect::Call(_, crate::tui::calls::Call::Revoke(_))]
    ));

    let mut app = three();
    app.update(key('d'));
    assert!(app.update(alt('y')).is_empty());
    assert!(matches!(app.view.popup, Some(Popup::ConfirmDelete(_))));
    assert!(matches!(&app.update(key('y'))[..], [Effect::Delete(_)]));

    let mut app = fixtures::app_with(vec![fixtures::org(
        "acme",
        "https://acme.my.salesforce.com",
    )]);
    app.update(key('p'));
    app.update(Message::Paste(crate::tui::message::Pasted::new(
        "force://PlatformCLI::5Aep861TOKEN@acme.my.salesforce.com".into(),
    )));
    app.update(code(KeyCode::Enter));
    let saved = app.orgs[0].clone();
    super::paste::tests::save_and_check(&mut app, Some((saved, crate::interop::Sameness::Name)));
    assert!(matches!(app.view.popup, Some(Popup::ConfirmUpdate(_))));
    assert!(app.update(alt('y')).is_empty());
    assert!(matches!(app.view.popup, Some(Popup::ConfirmUpdate(_))));
}

/// The questions' keys in the help and the status line come from the key table: each key the
/// table lists answers its question, and a key it does not list leaves the question open.
#[test]
fn every_question_key_in_the_table_answers_it() {
    use crate::tui::keymap::Context;
    fn open(context: Context) -> App {
        let mut app = fixtures::app_with(vec![fixtures::org(
            "acme",
            "https://acme.my.salesforce.com",
        )]);
        match context {
            Context::Confirm => {
                app.update(key('d'));
            }
            Context::Revoke => {
                app.update(key('x'));
            }
            _ => {
                app.update(key('p'));
                app.update(Message::Paste(crate::tui::message::Pasted::new(
                    "force://PlatformCLI::5Aep861TOKEN@acme.my.salesforce.com".into(),
                )));
                app.update(code(KeyCode::Enter));
                let saved = app.orgs[0].clone();
                super::paste::tests::save_and_check(
                    &mut app,
                    Some((saved, crate::interop::Sameness::Name)),
                );
            }
        }
        app
    }
    let asking = |app: &App| {
        matches!(
            app.view.popup,
            Some(Popup::ConfirmDelete(_) | Popup::ConfirmRevoke(_) | Popup::ConfirmUpdate(_))
        )
    };
    for context in [Context::Confirm, Context::Revoke, Context::Update] {
        let mut app = open(context);
        assert!(asking(&app), "{context:?}");
        app.update(key('z'));
        assert!(asking(&app), "{context:?}: z is not in the table");
        for row in app.keys().clone().rows(context) {
            for k in &row.keys {
                let mut app = open(context);
                app.update(Message::Key(KeyEvent::new(k.0, k.1)));
                assert!(
                    !asking(&app),
                    "{context:?}: {} does not answer",
                    row.label()
                );
            }
        }
    }
}

#[test]
fn saving_an_org_outside_salesforce_domains_warns_in_punycode() {
    let status = |app: &App| {
        app.view
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default()
    };
    let mut app = fixtures::app_with(Vec::new());
    let org = fixtures::org("acme", "https://acme.my.salesforce.com");
    app.update(Message::Saved(Ok(org)));
    assert_eq!(status(&app), "saved acme");
    // A Cyrillic `о` in `login`, as the form normalises it.
    let url = crate::org::parse_login_url("https://lоgin.salesforce.com").unwrap_or_default();
    app.update(Message::Saved(Ok(fixtures::org("homoglyph", &url))));
    let said = status(&app);
    assert!(said.contains("not a Salesforce domain"), "{said}");
    assert!(said.contains("xn--lgin-"), "{said}");
}

/// `[keys]` in config.toml drives dispatch, popups included, and the messages name its keys.
#[test]
fn overridden_keys_drive_every_context_and_the_messages() {
    let prefs =
        crate::preferences::parse("[keys]\nrefresh = [\"f5\"]\nyes = [\"j\"]\nadd = [\"+\"]\n")
            .unwrap();
    let mut app = three();
    app.env.keys = KeyMap::with(&prefs.keys);
    assert!(app.update(key('r')).is_empty(), "r is no longer refresh");
    let effects = app.update(code(KeyCode::F(5)));
    assert!(matches!(&effects[..], [Effect::Refresh(job)] if job.org.name == "alpha"));
    // alpha is refreshing, so beta: j is still down on the main screen, and yes in the question.
    app.update(key('j'));
    app.update(key('d'));
    assert!(app.update(key('y')).is_empty(), "y no longer answers yes");
    assert!(matches!(&app.update(key('j'))[..], [Effect::Delete(org)] if org.name == "beta"));
    let mut empty = fixtures::app_with(Vec::new());
    empty.env.keys = KeyMap::with(&prefs.keys);
    empty.update(key('c'));
    let status = &empty.view.status.as_ref().unwrap().text;
    assert!(status.contains("press + to add one"), "{status}");
}
