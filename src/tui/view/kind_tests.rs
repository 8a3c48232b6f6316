//! What the screen says for each kind of org and secret store: where the secrets are, the
//! health of orgs without a refresh token, what an access-token-only org holds, the kind beside
//! the environment in the list, and scroll keys taken from the key table.

use crossterm::event::KeyCode;

use super::tests::{key, orgs, render};
use crate::org::{DeadToken, OrgKind};
use crate::tui::app::App;
use crate::tui::fixtures::{self, NOW_MS};
use crate::tui::message::Message;

/// One org of `kind`, named after it, alone in the app.
fn one(kind: OrgKind) -> App {
    let mut org = fixtures::org(kind.short_label(), "https://login.salesforce.com");
    org.kind = kind;
    fixtures::app_with(vec![org])
}

/// The token pane's rows glued together, to find wrapped sentences whole.
fn pane_text(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| l.split('│').nth(1))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_title_bar_names_the_store_the_secrets_are_in() {
    let mut app = orgs();
    let screen = render(&app, 100, 30);
    assert!(
        screen
            .lines()
            .next()
            .unwrap_or_default()
            .contains("secrets in the OS keyring")
    );
    app.env.secrets_place = "the encrypted secrets file";
    let screen = render(&app, 100, 30);
    let title = screen.lines().next().unwrap_or_default();
    assert!(
        title.contains("· 4 orgs · secrets in the encrypted secrets file"),
        "{title}"
    );
    assert!(!screen.contains("OS keyring"), "{screen}");
}

#[test]
fn orgs_without_a_refresh_token_show_none_instead_of_idle_days_and_rotation() {
    for (kind, words) in [
        (OrgKind::JwtBearer, "refresh none (JWT bearer)"),
        (
            OrgKind::ClientCredentials,
            "refresh none (client credentials)",
        ),
        (OrgKind::AccessToken, "refresh none (access token only)"),
    ] {
        let mut app = one(kind);
        let org = app.orgs[0].clone();
        if kind != OrgKind::AccessToken {
            app.update(fixtures::success(&org));
        }
        let screen = render(&app, 120, 35);
        let text = pane_text(&screen);
        assert!(text.contains(words), "{kind:?}: {screen}");
        assert!(!text.contains("idle 0d"), "{kind:?}: {screen}");
        assert!(!text.contains("rotation unseen"), "{kind:?}: {screen}");
    }
    // A refresh-token org still shows both.
    let mut app = one(OrgKind::RefreshToken);
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    let text = pane_text(&render(&app, 120, 35));
    assert!(text.contains("idle 0d, rotation unseen"), "{text}");
}

#[test]
fn an_access_token_only_org_says_what_it_holds_and_that_e_replaces_it() {
    let mut app = one(OrgKind::AccessToken);
    app.env.secrets_place = "the encrypted secrets file";
    let screen = render(&app, 120, 35);
    let text = pane_text(&screen);
    assert!(
        text.contains("An access token only, stored in the encrypted secrets file: usable until it dies (c copies it). r cannot renew it; when it dies, store a new one with e."),
        "{screen}"
    );
    assert!(text.contains("access stored, expiry unknown"), "{screen}");
    assert!(!text.contains("Press r to refresh"), "{screen}");
    assert!(!text.contains("none yet"), "{screen}");

    let mut org = app.orgs[0].clone();
    org.access_token_dead = Some(DeadToken {
        at_ms: NOW_MS - 60_000,
        reason: "expired".into(),
        issued_at: None,
    });
    app.update(Message::OrgsLoaded(Ok(vec![org])));
    let text = pane_text(&render(&app, 120, 35));
    assert!(
        text.contains(
            "Its stored access token is expired, and r cannot renew it: store a new one with e."
        ),
        "{text}"
    );
}

/// The list shows the kind beside the environment, and where names need the room, the kind
/// alone (it says how tokens come); a name is cut only after that.
#[test]
fn the_list_shows_the_kind_beside_the_environment_where_room_allows() {
    let mut app = orgs();
    let mut jwt = app.orgs[0].clone();
    jwt.name = "ci-jwt".into();
    jwt.kind = OrgKind::JwtBearer;
    let mut svc = app.orgs[1].clone();
    svc.name = "svc".into();
    svc.kind = OrgKind::ClientCredentials;
    let plain = app.orgs[2].clone();
    app.update(Message::OrgsLoaded(Ok(vec![
        jwt.clone(),
        svc.clone(),
        plain,
    ])));
    let screen = render(&app, 100, 30);
    let row = |screen: &str, name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name) && l.contains("never┃"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row(&screen, "ci-jwt").contains(" prod jwt "), "{screen}");
    assert!(row(&screen, "svc").contains(" sandbox client "), "{screen}");
    assert!(row(&screen, "acme ").contains(" domain "), "{screen}");

    // Names long enough to need the room: the kind stays, the environment makes way.
    jwt.name = "client-a-jwt".into();
    svc.name = "client-a-svc".into();
    app.update(Message::OrgsLoaded(Ok(vec![jwt, svc])));
    let screen = render(&app, 80, 24);
    let jwt_row = row(&screen, "client-a-jwt");
    assert!(jwt_row.contains(" jwt "), "{screen}");
    assert!(!jwt_row.contains("prod"), "{screen}");
    assert!(
        row(&screen, "client-a-svc").contains(" client "),
        "{screen}"
    );
}

/// The scroll note names the keys of the table in use, not j/k and Tab by habit.
#[test]
fn the_scroll_note_names_the_configured_keys() {
    let prefs = crate::preferences::parse(
        "[keys]\ndown = [\"ctrl-n\"]\nup = [\"ctrl-p\"]\nnext_pane = [\"f6\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut app = orgs();
    app.env.keys = crate::tui::keymap::KeyMap::with(&prefs.keys);
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("more lines (F6 to this pane, then ^N)"),
        "{screen}"
    );
    key(&mut app, KeyCode::F(6));
    let screen = render(&app, 100, 30);
    assert!(screen.contains("more lines (^N/^P)"), "{screen}");
}

/// `r` on an access-token-only org fails before any request: the pane says why and that `e`
/// stores a new token, not to refresh again.
#[test]
fn r_on_an_access_token_only_org_says_e_stores_a_new_one() {
    let mut app = one(OrgKind::AccessToken);
    let org = app.orgs[0].clone();
    app.update(Message::RefreshDone {
        id: org.id.clone(),
        outcome: Box::new(crate::tui::message::RefreshOutcome::Failure(
            crate::saved_org::refresh::RefreshError::CannotRefresh(org.name.clone()),
        )),
    });
    let screen = render(&app, 120, 35);
    let text = pane_text(&screen);
    assert!(text.contains("holds an access token only"), "{screen}");
    assert!(text.contains("press e"), "{screen}");
    assert!(!text.contains("press r"), "{screen}");
}

/// The status line offers what works on an access-token-only org: c copies its token, r (which
/// cannot renew it) is not offered.
#[test]
fn the_hints_of_an_access_token_only_org_offer_copy_not_refresh() {
    let app = one(OrgKind::AccessToken);
    let screen = render(&app, 120, 35);
    let status = screen.lines().last().unwrap_or_default();
    assert!(status.contains("c copy"), "{status}");
    assert!(!status.contains("r refresh"), "{status}");
    let app = one(OrgKind::JwtBearer);
    let screen = render(&app, 120, 35);
    let status = screen.lines().last().unwrap_or_default();
    assert!(status.contains("r refresh"), "{status}");
}
