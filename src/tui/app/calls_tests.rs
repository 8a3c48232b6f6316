//! `update` for u, i and x: one call at a time, not during a refresh, and what each answer shows.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::super::Message;
use super::*;
use crate::org::DeadToken;
use crate::salesforce::{HttpExchange, Introspection, UserInfo};
use crate::saved_org::calls::{IntrospectDone, RevokeDone, UserinfoDone};
use crate::store::SecretKind;
use crate::tui::fixtures::{self, NOW_MS};

fn key(code: KeyCode) -> Message {
    Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Two refreshed orgs (an instance URL each), so `u` asks at once.
fn two() -> App {
    let mut orgs = vec![
        fixtures::org("alpha", "https://login.salesforce.com"),
        fixtures::org("beta", "https://test.salesforce.com"),
    ];
    for org in &mut orgs {
        org.instance_url = Some("https://acme.my.salesforce.com".into());
    }
    fixtures::app_with(orgs)
}

fn done(app: &App, index: usize, call: Call, outcome: Result<CallAnswer, CallError>) -> Message {
    Message::CallDone {
        id: app.orgs[index].id.clone(),
        call,
        outcome: Box::new(outcome),
    }
}

/// The status line's text, empty when there is none.
fn status_text(app: &App) -> &str {
    app.view.status.as_ref().map_or("", |s| s.text.as_str())
}

fn ok() -> HttpExchange {
    fixtures::exchange(200, "OK")
}

#[test]
fn u_and_i_send_one_call_at_a_time_and_not_during_a_refresh() {
    let mut app = two();
    let effects = app.update(key(KeyCode::Char('u')));
    assert!(matches!(&effects[..], [Effect::Call(org, Call::Userinfo)] if org.name == "alpha"));
    assert!(
        app.update(key(KeyCode::Char('i'))).is_empty(),
        "one call at a time"
    );
    let status = status_text(&app);
    assert!(status.contains("still running"), "{status}");

    let info = UserInfo {
        username: Some("admin@acme.com".into()),
        org_id: None,
        user_id: None,
        fields: json!({"preferred_username": "admin@acme.com"})
            .as_object()
            .unwrap()
            .clone(),
    };
    let answer = CallAnswer::Userinfo(UserinfoDone {
        exchange: ok(),
        info,
        username_filled: true,
    });
    let effects = app.update(done(&app, 0, Call::Userinfo, Ok(answer)));
    assert!(
        matches!(&effects[..], [Effect::LoadOrgs]),
        "the username was saved"
    );
    let status = status_text(&app);
    assert!(
        status.contains("alpha: userinfo: admin@acme.com (saved"),
        "{status}"
    );
    let state = app.selected_panel().unwrap().call.as_ref().unwrap();
    assert!(!state.running());

    let effects = app.update(key(KeyCode::Char('i')));
    assert!(matches!(&effects[..], [Effect::Call(_, Call::Introspect)]));

    // During a refresh nothing else starts on that org.
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Char('r')));
    assert!(app.update(key(KeyCode::Char('u'))).is_empty());
    let status = status_text(&app);
    assert!(status.contains("is refreshing"), "{status}");
}

#[test]
fn introspect_answers_say_active_with_expiry_or_expired() {
    let mut app = two();
    app.update(key(KeyCode::Char('i')));
    let exp_s = (NOW_MS + 6_720_000) / 1000;
    let active = Introspection {
        active: true,
        exp: Some(exp_s),
        iat: None,
        username: None,
        fields: json!({"active": true, "exp": exp_s})
            .as_object()
            .unwrap()
            .clone(),
    };
    let answer = CallAnswer::Introspect(IntrospectDone {
        exchange: ok(),
        info: active,
    });
    app.update(done(&app, 0, Call::Introspect, Ok(answer)));
    let status = status_text(&app);
    assert_eq!(status, "alpha: access token active, expires in 1h 52m");

    app.update(key(KeyCode::Char('i')));
    let inactive = Introspection {
        active: false,
        exp: None,
        iat: None,
        username: None,
        fields: json!({"active": false}).as_object().unwrap().clone(),
    };
    let answer = CallAnswer::Introspect(IntrospectDone {
        exchange: ok(),
        info: inactive,
    });
    app.update(done(&app, 0, Call::Introspect, Ok(answer)));
    let status = status_text(&app);
    assert!(status.contains("not active (marked expired)"), "{status}");
}

#[test]
fn a_401_is_an_error_with_press_r_and_a_refresh_clears_the_answer() {
    let mut app = two();
    app.update(key(KeyCode::Char('u')));
    let err = CallError::Api(ApiError::SessionExpired {
        exchange: fixtures::exchange(401, "Unauthorized"),
    });
    assert_eq!(
        call_hint(&err, "alpha", &KeyMap::default()).as_deref(),
        Some("the stored access token is now marked expired; refresh for a new one (press r)")
    );
    app.update(done(&app, 0, Call::Userinfo, Err(err)));
    let status = app.view.status.as_ref().unwrap();
    assert_eq!(status.level, super::super::Level::Error);
    assert!(
        status.text.contains("expired (now marked so): press r"),
        "{}",
        status.text
    );
    assert!(app.selected_panel().unwrap().call.is_some());

    let alpha = app.orgs[0].clone();
    app.update(fixtures::success(&alpha));
    assert!(app.selected_panel().unwrap().call.is_none());
}

#[test]
fn x_asks_which_token_and_esc_sends_nothing() {
    let mut app = two();
    assert!(app.update(key(KeyCode::Char('x'))).is_empty());
    assert!(matches!(app.view.popup, Some(Popup::ConfirmRevoke(_))));
    assert!(
        app.update(key(KeyCode::Char('z'))).is_empty(),
        "other keys wait"
    );
    assert!(app.view.popup.is_some());
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(app.view.popup.is_none());

    app.update(key(KeyCode::Char('x')));
    let effects = app.update(key(KeyCode::Char('r')));
    assert!(matches!(
        &effects[..],
        [Effect::Call(org, Call::Revoke(TokenKind::RefreshToken))] if org.name == "alpha"
    ));
    refresh_token_revoked(&mut app);
    let status = status_text(&app);
    assert!(
        status.contains("or store a new refresh token (press e)"),
        "{status}"
    );

    app.update(key(KeyCode::Char('x')));
    let effects = app.update(key(KeyCode::Char('a')));
    assert!(matches!(
        &effects[..],
        [Effect::Call(_, Call::Revoke(TokenKind::AccessToken))]
    ));
}

/// Answers the revocation of the refresh token in flight: it worked, and both tokens left the
/// keyring.
fn refresh_token_revoked(app: &mut App) {
    let answer = CallAnswer::Revoke(RevokeDone {
        exchange: ok(),
        kind: TokenKind::RefreshToken,
        cleared: vec![SecretKind::RefreshToken, SecretKind::AccessToken],
    });
    app.update(done(
        app,
        0,
        Call::Revoke(TokenKind::RefreshToken),
        Ok(answer),
    ));
}

#[test]
fn quitting_does_not_wait_for_userinfo_or_introspect() {
    for call in ['u', 'i'] {
        let mut app = two();
        app.update(key(KeyCode::Char(call)));
        assert!(app.any_running());
        app.update(key(KeyCode::Char('q')));
        assert!(
            app.should_exit(),
            "{call}: nothing to save, nothing to wait for"
        );
    }
}

#[test]
fn quitting_waits_for_a_revocation_to_finish() {
    let mut app = two();
    app.update(key(KeyCode::Char('x')));
    app.update(key(KeyCode::Char('r')));
    app.update(key(KeyCode::Char('q')));
    assert!(
        app.quitting() && !app.should_exit(),
        "the keyring is not cleaned up yet"
    );
    let status = status_text(&app);
    assert!(
        status.contains("alpha: revoke refresh token") && status.contains("q again"),
        "quitting says what it waits for: {status}"
    );
    refresh_token_revoked(&mut app);
    assert!(app.should_exit());
}

#[test]
fn a_dead_token_is_not_copied() {
    let mut alpha = fixtures::org("alpha", "https://login.salesforce.com");
    alpha.access_token_dead = Some(DeadToken {
        at_ms: NOW_MS,
        reason: "expired".into(),
        issued_at: Some(NOW_MS.to_string()),
    });
    // A token is stored (the list would offer c for it if it were alive).
    alpha.last_refresh = Some(crate::org::LastRefresh {
        at_ms: NOW_MS,
        status: "ok".into(),
        http_status: Some(200),
        latency_ms: 80,
        issued_at: Some(NOW_MS.to_string()),
    });
    let mut app = fixtures::app_with(vec![alpha]);
    assert!(
        !app.hint_actions()
            .contains(&crate::tui::keymap::Action::Copy),
        "no c hint for a key that refuses"
    );
    assert!(app.update(key(KeyCode::Char('c'))).is_empty());
    let status = status_text(&app);
    assert!(status.contains("expired: press r"), "{status}");
}

#[test]
fn u_without_a_live_token_refreshes_first_then_asks() {
    // Never refreshed: no instance URL, so userinfo refreshes first, as the CLI does.
    let mut app = fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
    let effects = app.update(key(KeyCode::Char('u')));
    assert!(
        matches!(effects.as_slice(), [Effect::Refresh(_)]),
        "{effects:?}"
    );
    let status = status_text(&app);
    assert!(status.contains("refreshing first"), "{status}");
    // i finds no stored token: the same, once.
    let mut app = two();
    app.update(key(KeyCode::Char('i')));
    let none = Err(CallError::NoAccessToken("alpha".into()));
    let effects = app.update(done(&app, 0, Call::Introspect, none));
    assert!(
        matches!(effects.as_slice(), [Effect::Refresh(_)]),
        "{effects:?}"
    );
    assert_eq!(
        app.panels[&app.orgs[0].id].then_call,
        Some(Call::Introspect)
    );
}

#[test]
fn x_with_nothing_left_to_revoke_says_so_instead_of_asking() {
    let mut app = two();
    app.orgs[0].access_token_dead = Some(DeadToken {
        at_ms: NOW_MS - 1_000,
        reason: crate::org::REFRESH_TOKEN_REVOKED.into(),
        issued_at: None,
    });
    app.update(key(KeyCode::Char('x')));
    assert!(app.view.popup.is_none());
    let status = status_text(&app);
    assert!(status.contains("nothing to revoke"), "{status}");
    assert!(status.contains("(press e)"), "{status}");
    // A refresh token stored since: there is something to revoke again.
    app.orgs[0].refresh_token_since_ms = Some(NOW_MS);
    app.update(key(KeyCode::Char('x')));
    assert!(app.view.popup.is_some());
}

/// The CLI's rule: `i` on an access-token-only org sends nothing (it would be a 401 that reads
/// like a wrong secret) and says why, pointing to `u`; `u` still asks.
#[test]
fn i_on_an_access_token_only_org_is_refused_and_points_to_u() {
    let mut app = two();
    app.orgs[0].kind = crate::org::OrgKind::AccessToken;
    let effects = app.update(key(KeyCode::Char('i')));
    assert!(effects.is_empty(), "{effects:?}");
    let status = status_text(&app);
    assert!(
        status.contains("alpha: introspect failed: it holds an access token only"),
        "{status}"
    );
    assert!(
        status.contains("userinfo tells whether Salesforce still takes the token (press u)"),
        "{status}"
    );
    assert!(
        app.panels
            .get(&app.orgs[0].id)
            .is_none_or(|p| p.call.is_none())
    );
    let effects = app.update(key(KeyCode::Char('u')));
    assert!(
        matches!(effects.as_slice(), [Effect::Call(_, Call::Userinfo)]),
        "{effects:?}"
    );
}
