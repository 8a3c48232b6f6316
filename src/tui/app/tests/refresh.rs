//! `update` unit tests of refreshes: one at a time per org, results routed to their org,
//! cancelling, and quitting while one is out.

use super::*;

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
