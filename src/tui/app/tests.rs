//! `update` unit tests: keys, selection, refresh state, results routed to their org.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::*;
use crate::saved_org::refresh::RefreshEvent;
use crate::tui::fixtures::{self, NOW_MS};
use crate::tui::message::RefreshOutcome;

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
fn refresh_sends_one_effect_per_org_until_it_ends() {
    let mut app = three();
    let effects = app.update(key('r'));
    assert!(matches!(&effects[..], [Effect::Refresh(job)] if job.org.name == "alpha"));
    assert!(
        app.update(key('r')).is_empty(),
        "a second r must send nothing"
    );
    assert!(app.selected_panel().unwrap().running.is_some());
    // Another org can be refreshed meanwhile.
    app.update(key('j'));
    assert!(matches!(&app.update(key('r'))[..], [Effect::Refresh(job)] if job.org.name == "beta"));

    let alpha = app.orgs[0].clone();
    app.update(fixtures::success(&alpha));
    assert!(app.panels[&alpha.id].running.is_none());
    app.update(key('k'));
    assert_eq!(app.update(key('r')).len(), 1, "done: r works again");
}

#[test]
fn a_result_lands_on_its_own_org_not_the_selected_one() {
    let mut app = three();
    app.update(key('r'));
    app.update(key('j'));
    let (alpha, beta) = (app.orgs[0].clone(), app.orgs[1].clone());
    app.update(fixtures::expired(&alpha));
    assert_eq!(app.selected_org().unwrap().name, "beta");
    assert!(app.panels.get(&beta.id).is_none_or(|p| p.last.is_none()));
    assert!(matches!(
        app.panels[&alpha.id].last,
        Some(Shown::Failure { .. })
    ));
    assert!(app.view.status.as_ref().unwrap().text.contains("alpha"));
    // Switching back shows it at once: no new effect is needed.
    assert!(app.update(key('k')).is_empty());
    assert!(matches!(
        app.selected_panel().unwrap().last,
        Some(Shown::Failure { .. })
    ));
}

#[test]
fn esc_cancels_the_selected_refresh_once_and_closes_popups_first() {
    let mut app = three();
    app.update(key('r'));
    app.update(key('?'));
    assert!(app.update(code(KeyCode::Esc)).is_empty());
    assert!(app.view.popup.is_none());
    let id = app.orgs[0].id.clone();
    assert!(app.update(code(KeyCode::Esc)).is_empty());
    let running = app.panels[&id].running.as_ref().unwrap();
    assert!(matches!(running.phase, Phase::Cancelling), "{running:?}");
    assert!(
        app.update(code(KeyCode::Esc)).is_empty(),
        "already cancelling"
    );
    assert!(matches!(
        app.panels[&id].running.as_ref().unwrap().phase,
        Phase::Cancelling
    ));
    app.update(Message::RefreshDone {
        id: id.clone(),
        outcome: Box::new(RefreshOutcome::Failure(RefreshError::Cancelled)),
    });
    assert!(app.panels[&id].running.is_none());
    assert!(app.view.status.as_ref().unwrap().text.contains("cancelled"));
}

#[test]
fn a_cancel_too_late_keeps_waiting_for_the_answer() {
    let mut app = three();
    app.update(key('r'));
    let hints = app.hint_actions();
    assert!(hints.contains(&Action::Cancel));
    assert!(
        !hints.contains(&Action::Edit) && !hints.contains(&Action::Delete),
        "e and d refuse during a refresh: {hints:?}"
    );
    app.update(code(KeyCode::Esc));
    let id = app.orgs[0].id.clone();
    app.update(Message::Refreshing {
        id: id.clone(),
        event: RefreshEvent::RequestSent,
    });
    let running = app.panels[&id].running.as_ref().unwrap();
    assert!(matches!(running.phase, Phase::SentCancelRefused));
    // Esc can do nothing more: its hint goes (and r would send nothing either).
    let hints = app.hint_actions();
    assert!(
        !hints.contains(&Action::Cancel) && !hints.contains(&Action::Refresh),
        "{hints:?}"
    );
    assert!(
        app.view
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("already with Salesforce")
    );
    let alpha = app.orgs[0].clone();
    app.update(fixtures::success(&alpha));
    assert!(matches!(app.panels[&id].last, Some(Shown::Token { .. })));
}

/// Quitting with a request out: the "too late to cancel" news keeps the way out in view.
#[test]
fn quitting_while_a_request_is_out_still_says_how_to_leave_now() {
    let mut app = three();
    app.update(key('r'));
    app.update(key('q'));
    let id = app.orgs[0].id.clone();
    app.update(Message::Refreshing {
        id,
        event: RefreshEvent::RequestSent,
    });
    let status = &app.view.status.as_ref().unwrap().text;
    assert!(status.starts_with("q again to leave now;"), "{status}");
    assert!(status.contains("alpha's request"), "{status}");
}

#[test]
fn quitting_waits_for_refreshes_in_flight() {
    let mut app = three();
    assert!(app.update(key('q')).is_empty());
    assert!(app.should_exit());

    let mut app = three();
    app.update(key('r'));
    let effects = app.update(Message::Quit);
    assert!(effects.is_empty(), "{effects:?}");
    let running = app.panels[&app.orgs[0].id].running.as_ref().unwrap();
    assert!(matches!(running.phase, Phase::Cancelling), "{running:?}");
    assert!(
        !app.should_exit(),
        "a rotated token may still be on its way to the keyring"
    );
    // Other keys wait; a second q leaves at once.
    assert!(app.update(key('r')).is_empty());
    let mut forced = three();
    forced.update(key('r'));
    forced.update(key('q'));
    forced.update(key('q'));
    assert!(forced.should_exit());
    let alpha = app.orgs[0].clone();
    app.update(fixtures::success(&alpha));
    assert!(app.should_exit());
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

/// While quitting waits for a refresh to save, no new refresh starts.
#[test]
fn no_new_refresh_starts_while_quitting() {
    let mut app = three();
    app.update(key('r'));
    app.update(key('q'));
    assert!(app.quitting());
    app.update(key('j'));
    assert!(app.update(key('r')).is_empty(), "a refresh started after q");
}

/// Ctrl-C quits from popups too; from a form with something typed in it, it asks first.
#[test]
fn ctrl_c_quits_from_the_form() {
    let ctrl_c = || Message::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    let mut app = three();
    app.update(key('a'));
    app.update(ctrl_c());
    assert!(app.should_exit(), "Ctrl-C in an empty form quits");

    let mut app = three();
    app.update(key('a'));
    app.update(key('x'));
    app.update(ctrl_c());
    assert!(
        !app.quitting(),
        "the typed form would be lost without a word"
    );
    let warning = &app.view.status.as_ref().unwrap().text;
    assert!(warning.contains("drops the form"), "{warning}");
    // q would type into the field: the way out offered is Ctrl-C.
    assert!(warning.starts_with("Ctrl-C again"), "{warning}");
    assert!(matches!(app.view.popup, Some(Popup::Form(_))));
    app.update(ctrl_c());
    assert!(app.should_exit());
}

/// A result for an org deleted meanwhile is dropped, not kept in a panel nobody sees.
#[test]
fn a_late_result_for_a_deleted_org_leaves_no_panel() {
    let mut app = three();
    let alpha = app.orgs[0].clone();
    app.update(Message::OrgsLoaded(Ok(vec![app.orgs[1].clone()])));
    app.update(fixtures::expired(&alpha));
    assert!(!app.panels.contains_key(&alpha.id));
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

/// r while a userinfo/introspect/revoke call runs sends nothing: the refresh would drop the
/// call's answer, and quitting would stop waiting for a revocation to clean up the keyring.
#[test]
fn no_refresh_while_a_call_runs() {
    let mut app = three();
    app.update(key('x'));
    assert!(matches!(
        &app.update(key('r'))[..],
        [Effect::Call(_, crate::tui::calls::Call::Revoke(_))]
    ));
    assert!(!app.hint_actions().contains(&Action::Refresh), "no r hint");
    assert!(app.update(key('r')).is_empty());
    let status = &app.view.status.as_ref().unwrap().text;
    assert!(
        status.contains("revoke refresh token is still running"),
        "{status}"
    );
    app.update(key('q'));
    assert!(
        !app.should_exit(),
        "quitting still waits for the revocation"
    );
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
