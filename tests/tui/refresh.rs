//! Refresh, reveal, copy and quit; an error answer with its hint and headers.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret;
use sfkey::fake_salesforce::{ACCESS_TOKEN_PREFIX, Behaviour};
use sfkey::store::SecretKind;

use super::LAST_HINT;
use crate::common::app::{App, World};
use crate::common::steps::refresh_only_org;

/// The app on one org, `name`, refreshed with `r`; returns the app, the screen after the
/// refresh and the access token the fake issued.
pub fn start_refreshed(world: &mut World, name: &str) -> (App, String, String) {
    world.add_org(name, true, |g| g);
    let mut app = world.start(100, 30);
    let (screen, token) = refresh_only_org(&mut app, &world.server, name);
    (app, screen, token)
}

#[test]
fn refresh_reveal_copy_quit() {
    let mut world = World::new("app-refresh");
    let name = "e2e-tui";
    let (mut app, screen, token) = start_refreshed(&mut world, name);
    let masked = format!("{}••••••••", &token[..6]);
    assert!(screen.contains(&masked), "no masked token:\n{screen}");
    assert!(
        !screen.contains(&token),
        "the token is on screen:\n{screen}"
    );
    // The token's random part (its start is the org id, also in the `id` URL).
    let tail = &token[ACCESS_TOKEN_PREFIX.len()..][..16];
    let pane = app.screen().pane_glued(" Token ");
    assert!(
        pane.contains(&masked) && !pane.contains(tail),
        "more than the masked prefix is shown: {pane}"
    );

    // v reveals the token whole, wrapped inside the token pane.
    app.send("v");
    app.wait_until("the revealed token", |s| {
        s.has(&["REVEALED", "v hide", LAST_HINT]) && s.pane_glued(" Token ").contains(&token)
    });

    // v again hides it; c copies it without drawing it.
    app.send("v");
    app.wait_until("the token hidden again", |s| {
        s.has(&[&masked, "v reveal", LAST_HINT]) && !s.contents().contains("REVEALED")
    });
    assert!(app.copies().is_empty());
    app.send("c");
    let screen = app.wait_for(&format!("sent access token of {name} via OSC 52"));
    let copies = app.copies();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(copies[0].base64, STANDARD.encode(&token));
    assert_eq!(copies[0].selection, "c");
    assert_eq!(app.copied(), vec![token.clone()]);
    let pane = app.screen().pane_glued(" Token ");
    assert!(!screen.contains(&token) && !pane.contains(tail), "{screen}");
    assert!(!screen.contains(&copies[0].base64[..16]));

    app.send("q");
    assert!(app.wait_exit().is_empty(), "nothing abandoned");

    // The token on screen is the one the TUI saved for the command line.
    let org = world.org(name);
    let stored = world
        .store
        .secret(&org.id, SecretKind::AccessToken)
        .unwrap();
    assert_eq!(stored.unwrap().expose_secret(), token);
    world.assert_no_secrets_on_disk();
}

/// The copy message says how the token was copied, and the hints stay whole, on a 100-column
/// terminal.
#[test]
fn copy_message_says_how_and_keeps_the_hints() {
    let mut world = World::new("app-copy-status");
    let name = "e2e-copy";
    let (mut app, _, _) = start_refreshed(&mut world, name);
    app.send("c");
    let screen = app.wait_for(&format!("sent access token of {name}"));
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(
        status.contains(&format!("sent access token of {name} via OSC 52"))
            && status.contains(LAST_HINT),
        "the status line: {status:?}"
    );
    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}

#[test]
fn error_answer_shows_error_hint_and_headers() {
    let mut world = World::new("app-error");
    let name = "e2e-expired";
    world.add_org(name, false, |g| {
        g.with(Behaviour::Error {
            status: 400,
            error: "invalid_grant".into(),
            description: "expired access/refresh token".into(),
        })
    });
    let mut app = world.start(100, 30);
    app.wait_for_all(&[name, LAST_HINT]);

    app.send("r");
    let failed = format!("{name}: refresh failed: invalid_grant");
    app.wait_for_all(&[
        "invalid_grant",
        "expired access/refresh token",
        "HTTP 400 Bad Request",
        "Content-Type: application/json;charset=UTF-8",
        "X-Content-Type-Options: nosniff",
        &failed,
    ]);
    let token_pane = app.screen().pane_prose(" Token ");
    let hint = token_pane
        .split("hint:")
        .nth(1)
        .unwrap_or_else(|| panic!("no hint in the token pane: {token_pane}"));
    assert!(hint.contains("log in again"), "{token_pane}");
    assert!(
        token_pane.contains("means: the refresh token was revoked, expired or rotated out"),
        "{token_pane}"
    );
    assert!(hint.contains("press e"), "{token_pane}");
    let response = app.screen().pane_prose(" Response · refresh ");
    assert!(response.starts_with("HTTP 400"), "{response}");
    assert!(response.contains("Date:"), "{response}");

    // Still alive and answering keys.
    app.send("?");
    app.wait_for("close help");
    app.send("\x1b");
    app.wait_for(LAST_HINT);
    // Ctrl-C quits like q (raw mode makes it a key, not a signal).
    app.send("\x03");
    app.wait_exit();
    assert!(world.server.issued_secrets().is_empty());
    world.assert_no_secrets_on_disk();
}
