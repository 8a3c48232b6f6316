//! Key p in the loop: an auth URL pasted into a new org, and the questions before updating one.

use secrecy::{ExposeSecret, SecretString};
use sfkey::org::Org;
use sfkey::store::{NewSecrets, SecretKind};

use crate::common::app::{App, World};

/// A fresh grant on the fake server, as an auth URL for it; returns (url, refresh token).
fn auth_url(world: &mut World, client_id: &str) -> (String, String) {
    let (secret, refresh) = world.grant(client_id, true, |g| g);
    // The fake speaks plain HTTP: say so (a bare loopback host is https, as in sf).
    let host = world.server.url().trim_end_matches('/').to_string();
    let url = format!("force://{client_id}:{}:{refresh}@{host}", secret.unwrap());
    (url, refresh)
}

fn stored_refresh_token(world: &World, name: &str) -> String {
    let org = world.org(name);
    let token = world.store.secret(&org.id, SecretKind::RefreshToken);
    token.unwrap().unwrap().expose_secret().to_string()
}

/// Pastes `url` after `p`, names the org `name` and saves with Ctrl-S.
fn paste_and_save(app: &App, url: &str, name: &str) {
    app.send("p");
    app.wait_for("Paste an auth URL");
    app.paste(&format!("{url}\n"));
    app.send("\r");
    app.wait_for("Add an org from an auth URL");
    app.send("\x15"); // Ctrl-U clears the suggested name
    app.send(name);
    app.send("\x13"); // Ctrl-S
}

#[test]
fn p_pastes_an_auth_url_into_a_new_org_and_asks_before_updating_it() {
    let mut world = World::new("app-import");
    let (url, refresh) = auth_url(&mut world, "3MVG9pasted");
    let mut app = world.start(100, 30);
    app.wait_for_all(&["No orgs yet", "q quit"]);

    paste_and_save(&app, &url, "pasted");
    let screen = app.wait_for("saved pasted");
    assert!(!screen.contains(&refresh), "the refresh token is on screen");
    assert_eq!(stored_refresh_token(&world, "pasted"), refresh);
    let org = world.org("pasted");
    assert_eq!(org.login_url, world.server.url().trim_end_matches('/'));
    assert_eq!(org.client_id, "3MVG9pasted");

    // The org works: a refresh against the fake Salesforce.
    app.send("r");
    app.wait_for("pasted: HTTP 200");

    // The same name again asks first; y updates the org in place.
    let (newer, newer_refresh) = auth_url(&mut world, "3MVG9pasted");
    paste_and_save(&app, &newer, "pasted");
    let screen = app.wait_for("pasted is already saved (same name)");
    assert!(
        !screen.contains(&newer_refresh),
        "the refresh token is on screen"
    );
    app.send("y");
    app.wait_for("saved pasted");
    assert_eq!(stored_refresh_token(&world, "pasted"), newer_refresh);
    assert_eq!(world.store.orgs().unwrap().len(), 1);
    assert_eq!(world.org("pasted").id, org.id);

    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}

#[test]
fn p_asks_before_updating_an_org_saved_under_another_name_with_the_same_token() {
    let mut world = World::new("app-import-same-token");
    let (url, refresh) = auth_url(&mut world, "3MVG9again");
    // Saved before, as `sfkey import - --name ci` saves it.
    let login_url = world.server.url().trim_end_matches('/').to_string();
    let secret = world.secrets_used[world.secrets_used.len() - 2].clone();
    let new = NewSecrets {
        client_secret: Some(SecretString::from(secret)),
        refresh_token: SecretString::from(refresh.clone()),
    };
    let saved = world
        .store
        .add(Org::new("ci", &login_url, "3MVG9again"), new);
    let saved = saved.unwrap();
    let mut app = world.start(100, 30);
    app.wait_for_all(&["ci", "q quit"]);

    // The same URL again under another name: the CLI's rules find ci by its refresh token.
    paste_and_save(&app, &url, "acme");
    let screen = app.wait_for("ci is already saved (same login URL, client id and");
    assert!(!screen.contains(&refresh), "the refresh token is on screen");
    app.send("y");
    app.wait_for("saved ci");
    let orgs = world.store.orgs().unwrap();
    assert_eq!(orgs.len(), 1, "{orgs:?}");
    assert_eq!(orgs[0].id, saved.id);
    assert_eq!(stored_refresh_token(&world, "ci"), refresh);

    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}
