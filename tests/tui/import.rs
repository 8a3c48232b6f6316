//! Key p in the loop: an auth URL pasted into a new org, and the questions before updating one.

use secrecy::SecretString;
use sfkey::org::Org;
use sfkey::store::NewSecrets;

use super::LAST_HINT;
use crate::common::app::World;
use crate::common::steps::{auth_url, paste_and_save, stored_refresh_token};

#[test]
fn p_pastes_an_auth_url_into_a_new_org_and_asks_before_updating_it() {
    let mut world = World::new("app-import");
    let (url, refresh) = auth_url(&mut world, "3MVG9pasted");
    let mut app = world.start(100, 30);
    app.wait_for_all(&["No orgs yet", LAST_HINT]);

    paste_and_save(&mut app, &url, "pasted");
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
    paste_and_save(&mut app, &newer, "pasted");
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
    app.wait_for_all(&["ci", LAST_HINT]);

    // The same URL again under another name: the CLI's rules find ci by its refresh token.
    paste_and_save(&mut app, &url, "acme");
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
