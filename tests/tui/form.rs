//! The add and edit forms in the loop: an error beside its field, secrets pasted and masked,
//! the org saved, a new refresh token pasted into the edit form.

use sfkey::fake_salesforce::{Grant, RecordedRequest};

use super::LAST_HINT;
use crate::common::app::{App, World};

/// Refreshes the selected org `name` with `r` and returns the request the fake got.
fn refresh_request(world: &World, app: &App, name: &str) -> RecordedRequest {
    let before = world.server.requests().len();
    app.send("r");
    app.wait_until(&format!("the refresh of {name} at the fake"), |_| {
        world.server.requests().len() > before
    });
    app.wait_for(&format!("{name}: HTTP 200 in"));
    let requests = world.server.requests();
    assert_eq!(requests.len(), before + 1, "one request per refresh");
    requests.into_iter().last().unwrap()
}

#[test]
fn add_and_edit_through_the_form() {
    let mut world = World::new("app-form");
    let client_id = "3MVG9form-client";
    let (secret, refresh) = world.grant(client_id, true, |g| g);
    let secret = secret.unwrap();
    let url = world.server.url().to_string();
    let mut app = world.start(100, 30);
    app.wait_for_all(&["No orgs yet", LAST_HINT]);

    // An invalid form: the error beside its field, nothing saved.
    app.send("a");
    app.wait_for_all(&[" Add an org ", "Esc cancel"]);
    app.send("e2e-bad\t");
    app.send("\x1b[C\x1b[C");
    app.wait_for("Login URL");
    app.send("\thttp://example.com\t\t3MVG9bad\t\t");
    app.paste("not-a-real-token");
    app.send("\r");
    let screen = app.wait_for_all(&["invalid login URL", "Esc cancel"]);
    let rows = app.screen().rows().to_vec();
    let url_row = rows.iter().position(|r| r.contains("Login URL")).unwrap();
    assert!(
        rows[url_row + 1].contains("invalid login URL \"http://example.com\": it must start"),
        "the error is not beside the login URL:\n{screen}"
    );
    assert!(!screen.contains("not-a-real-token"), "{screen}");
    app.send("\x1b");
    app.wait_until("the form closed", |s| {
        s.has(&["No orgs yet", LAST_HINT]) && !s.contents().contains("Add an org")
    });
    assert!(world.store.orgs().unwrap().is_empty(), "nothing saved");

    // A valid one, secrets pasted: saved to the orgs file and the keyring.
    app.send("a");
    app.wait_for_all(&[" Add an org ", "Esc cancel"]);
    app.send("e2e-form\t\x1b[C\x1b[C");
    app.wait_for("Login URL");
    app.send(format!("\t{url}\t\t{client_id}\t"));
    app.paste(&secret);
    app.send("\t");
    app.paste(&refresh);
    let screen = app.wait_until("the refresh token typed in", |s| {
        // The refresh token field shows a mask as long as the token, not the token.
        s.contents().contains(&"•".repeat(20))
    });
    assert!(
        !screen.contains(&refresh) && !screen.contains(&secret),
        "{screen}"
    );
    app.send("\r");
    app.wait_for_all(&["▸e2e-form", "saved e2e-form"]);

    let org = world.org("e2e-form");
    assert_eq!(
        org.login_url.trim_end_matches('/'),
        url.trim_end_matches('/')
    );
    assert_eq!(org.client_id, client_id);
    let sent = refresh_request(&world, &app, "e2e-form");
    assert_eq!(sent.field("client_secret"), Some(secret.as_str()));
    assert_eq!(sent.field("refresh_token"), Some(refresh.as_str()));

    // Edit: a new refresh token pasted into the last field replaces the stored one.
    let new_refresh = format!("5Aep861TESTSECRETnew{}", crate::common::random_hex(8));
    world
        .server
        .add_grant(&new_refresh, Grant::new(client_id, Some(&secret)));
    world.secrets_used.push(new_refresh.clone());
    app.send("e");
    app.wait_for_all(&[" Edit e2e-form ", "Esc cancel"]);
    // Up from the first field wraps to the last, the refresh token.
    app.send("\x1b[A");
    app.paste(&new_refresh);
    app.send("\r");
    app.wait_until("the edit saved", |s| {
        s.has(&["saved e2e-form"]) && !s.contents().contains("Edit e2e-form")
    });
    let sent = refresh_request(&world, &app, "e2e-form");
    assert_eq!(sent.field("refresh_token"), Some(new_refresh.as_str()));
    assert_eq!(sent.field("client_secret"), Some(secret.as_str()));

    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}

#[test]
fn the_forms_keys_come_from_config_toml() {
    let world = World::new("app-form-keys");
    let overrides: sfkey::tui::KeyOverrides =
        toml::from_str("save = [\"ctrl-w\"]\nreveal_secrets = [\"f2\"]\n").unwrap();
    let mut setup = crate::common::app::setup(world.store.clone(), None);
    setup.keys = sfkey::tui::KeyMap::with(&overrides);
    let mut app = App::start(setup, 100, 30);
    app.wait_for_all(&["No orgs yet", LAST_HINT]);
    app.send("a");
    // The help line names the keys in use.
    app.wait_for_all(&[
        " Add an org ",
        "^W saves from any field",
        "F2 shows the secrets",
    ]);
    app.send("keys-form");
    // Ctrl-S is no longer save: nothing is checked, nothing typed (the x after it shows once
    // both are handled).
    app.send("\x13x");
    let screen = app.wait_for("keys-formx");
    assert!(!screen.contains("must not be empty"), "{screen}");
    app.send("\x17");
    let screen = app.wait_for("the refresh token must not be empty");
    assert!(screen.contains("keys-formx"), "{screen}");
    app.send("\x1b");
    app.wait_until("the form closed", |s| !s.contents().contains("Add an org"));
    assert!(world.store.orgs().unwrap().is_empty(), "nothing saved");
    app.send("q");
    app.wait_exit();
}
