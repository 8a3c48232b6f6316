//! `u`, `i`, `x` and `P` in the loop: the loopback fake answering userinfo, introspect, revoke,
//! and the org's proxy showing its requests live.

use sfkey::fake_salesforce::{ACCESS_TOKEN_PREFIX, FAKE_USERNAME};
use sfkey::store::SecretKind;

use super::LAST_HINT;
use super::refresh::start_refreshed;
use crate::common::app::World;

#[test]
fn u_shows_the_user_and_saves_the_username_i_shows_the_expiry() {
    let mut world = World::new("app-api-ui");
    let (mut app, _, _) = start_refreshed(&mut world, "who");

    app.send("u");
    let pane = app.wait_pane(
        " Response · userinfo ",
        &[
            "Saved as the org's username.",
            "preferred_username",
            FAKE_USERNAME,
        ],
    );
    assert!(pane.contains("organization_id"), "{pane}");
    let sent = world.server.requests().pop().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("GET", "/services/oauth2/userinfo")
    );
    assert_eq!(world.org("who").username.as_deref(), Some(FAKE_USERNAME));

    app.send("i");
    let pane = app.wait_pane(
        " Response · introspect ",
        &["active yes", "expiry expires in 1h 59m (at "],
    );
    assert!(
        pane.contains(&format!("username {FAKE_USERNAME}")),
        "{pane}"
    );
    assert_eq!(
        world.server.requests().pop().unwrap().path,
        "/services/oauth2/introspect"
    );

    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}

/// Why the org's stored access token is marked dead, if it is.
fn dead_reason(world: &World, name: &str) -> Option<String> {
    world
        .org(name)
        .dead_access_token()
        .map(|dead| dead.reason.clone())
}

#[test]
fn a_dead_token_is_flagged_not_copied_and_r_clears_it() {
    let mut world = World::new("app-api-dead");
    let (mut app, _, _) = start_refreshed(&mut world, "dead");
    world.server.expire_access_tokens();

    // userinfo gets a 401: the error and its hint in the response pane, the token flagged.
    app.send("u");
    let pane = app.wait_pane(
        " Response · userinfo ",
        &[
            "✗ the access token is expired or revoked",
            "press r",
            "HTTP 401",
        ],
    );
    assert!(pane.contains("now marked expired"), "{pane}");
    app.wait_until("the flag in the list and the token pane", |s| {
        s.pane_prose(" Orgs ").contains("⚠ expired")
            && s.pane_prose(" Token ")
                .contains("The stored access token is expired")
    });
    assert_eq!(dead_reason(&world, "dead").as_deref(), Some("expired"));

    // c refuses to copy it.
    app.send("c");
    app.wait_for("dead: access token expired: press r for a new one");
    assert!(app.copies().is_empty() && app.copied().is_empty());

    // A refresh clears the flag, and introspect says active again.
    app.send("r");
    app.wait_until("the flag gone after the refresh", |s| {
        !s.contents().contains("⚠") && s.pane_prose(" Response · refresh ").contains("HTTP 200")
    });
    assert_eq!(dead_reason(&world, "dead"), None);
    app.send("i");
    app.wait_pane(" Response · introspect ", &["active yes"]);

    // Introspect of an expired token says inactive, and flags it too.
    world.server.expire_access_tokens();
    app.send("i");
    app.wait_pane(
        " Response · introspect ",
        &["active no", "it is marked expired"],
    );
    app.wait_until("the flag after introspect", |s| {
        s.pane_prose(" Orgs ").contains("⚠ expired")
    });
    assert_eq!(dead_reason(&world, "dead").as_deref(), Some("inactive"));
    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}

#[test]
fn x_revokes_the_access_token_then_the_refresh_token() {
    let mut world = World::new("app-api-revoke");
    let (mut app, _, _) = start_refreshed(&mut world, "rev");
    let refresh = world.secrets_used.last().unwrap().clone();
    let store = world.store.clone();
    let id = world.org("rev").id;
    let before = world.server.requests().len();

    // Esc in the popup sends nothing.
    app.send("x");
    app.wait_for_all(&["Revoke a token of rev at Salesforce?", "n/q/Esc neither"]);
    app.send("\x1b");
    app.wait_until("the popup closed", |s| {
        !s.contents().contains("Revoke a token") && s.contents().contains(LAST_HINT)
    });
    assert_eq!(world.server.requests().len(), before);

    app.send("x");
    app.wait_for("Revoke a token of rev");
    app.send("a");
    app.wait_pane(
        " Response · revoke access token ",
        &["Revoked the access token at Salesforce; removed the access token from the keyring."],
    );
    let sent = world.server.requests().pop().unwrap();
    assert_eq!(sent.path, "/services/oauth2/revoke");
    assert!(
        sent.field("token")
            .unwrap()
            .starts_with(ACCESS_TOKEN_PREFIX)
    );
    let stored = |kind| store.secret(&id, kind).unwrap();
    assert!(stored(SecretKind::AccessToken).is_none());
    assert!(stored(SecretKind::RefreshToken).is_some());
    app.wait_until("the flag after the revocation", |s| {
        s.pane_prose(" Orgs ").contains("⚠ expired")
            && s.pane_prose(" Token ")
                .contains("The stored access token is revoked")
    });

    app.send("x");
    app.wait_for("Revoke a token of rev");
    app.send("r");
    app.wait_pane(
        " Response · revoke refresh token ",
        &[
            "Revoked the refresh token at Salesforce; removed the refresh token and access token from the keyring.",
            "No refresh token is stored now: log in again (press L), or store a new refresh token (press e).",
        ],
    );
    assert_eq!(
        world.server.requests().pop().unwrap().field("token"),
        Some(refresh.as_str())
    );
    assert!(!world.server.is_live(&refresh));
    assert!(stored(SecretKind::RefreshToken).is_none());
    assert!(stored(SecretKind::ClientSecret).is_some());

    // Nothing left to revoke: said so instead of asking, nothing sent.
    let before = world.server.requests().len();
    app.send("x");
    app.wait_for("nothing to revoke");
    assert!(!app.contents().contains("Revoke a token of rev"));
    assert_eq!(world.server.requests().len(), before);
    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}

/// GET `path` from the proxy at `base` (`http://127.0.0.1:PORT`) with `token`: the whole answer.
fn proxy_get(base: &str, path: &str, token: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

#[test]
fn p_runs_a_proxy_whose_requests_show_live_and_c_copies_its_token() {
    let mut world = World::new("app-api-proxy");
    let (mut app, _, _) = start_refreshed(&mut world, "px");
    app.send("P");
    let pane = app.wait_pane(
        " Proxy · requests live ",
        &["URL http://127.0.0.1:", "No requests yet."],
    );
    let url = pane
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:") && w.ends_with("/px"))
        .unwrap_or_else(|| panic!("no proxy URL in {pane}"))
        .to_string();
    let base = url.trim_end_matches("/px").to_string();

    app.send("C");
    app.wait_for("sent the proxy token via OSC 52");
    let token = app.last_copy().unwrap();
    assert!(
        !token.starts_with(ACCESS_TOKEN_PREFIX),
        "not the org's token"
    );

    // Without the proxy token: refused by the proxy itself, and listed too (the second of two).
    let refused = proxy_get(&base, "/px/services/data/v62.0/limits", "wrong").unwrap();
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let answer = proxy_get(
        &base,
        "/px/services/data/v62.0/query?q=SELECT+Id+FROM+Organization",
        &token,
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let pane = app.wait_pane(
        " Proxy · requests live ",
        &[
            "Requests (2, newest first)",
            "GET 200",
            "/services/data/v62.0/query?q=…",
        ],
    );
    // The query's value stays out of the pane, as out of the log.
    assert!(!pane.contains("SELECT"), "{pane}");
    assert!(
        !app.contents().contains(&token),
        "the proxy token is not on screen"
    );

    app.send("P");
    app.wait_for("the proxy for px stopped");
    app.wait_pane(" Response · refresh ", &["HTTP 200"]);
    assert!(
        proxy_get(&base, "/px/services/data/", &token).is_err(),
        "the proxy is gone"
    );
    // Quitting stops a running proxy (gracefully) and leaves.
    app.send("P");
    app.wait_pane(" Proxy · requests live ", &["No requests yet."]);
    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}
