//! The demo's orgs in the loop: a rotation, an error, a slow refresh that runs while the
//! selection moves on and whose late cancel still waits for the answer; u, i and x.

use sfkey::fake_salesforce::FAKE_USERNAME;

use super::LAST_HINT;
use crate::common::app::{self, Screen};

/// The elapsed time (`1.3s`) at the end of `name`'s row in the org list, if it shows one.
fn elapsed_in_list(s: &Screen, name: &str) -> Option<f64> {
    crate::common::elapsed_in_list(s.pane_lines(" Orgs ("), name)
}

#[test]
fn the_demo_refreshes_rotates_fails_and_waits_for_a_late_cancel() {
    let (_demo, mut app) = app::demo(100, 30);
    let mut first: Vec<&str> = crate::common::DEMO_ORGS.to_vec();
    first.extend([" DEMO ", "in-memory keyring", "▸acme-prod", LAST_HINT]);
    app.wait_for_all(&first);

    app.send("r");
    app.wait_for_all(&["acme-prod: HTTP 200", "HTTP 200 OK", "instance_url"]);

    app.send("j");
    app.wait_for_all(&["▸uat-rotating", LAST_HINT]);
    app.send("r");
    app.wait_for("uat-rotating: HTTP 200");
    let pane = app.screen().pane_prose(" Token ");
    assert!(
        pane.contains("Salesforce rotated the refresh token; the new one is saved in the demo's in-memory keyring."),
        "no rotation note in the token pane: {pane}"
    );

    app.send("j");
    app.wait_for("▸old-sandbox");
    app.send("r");
    app.wait_for_all(&["HTTP 400", "old-sandbox: refresh failed: invalid_grant"]);

    // slow-dev answers after 4 s: the list shows it running while the selection moves on.
    app.send("j");
    app.wait_for("▸slow-dev");
    app.send("r");
    app.wait_until("slow-dev's elapsed time in the list", |s| {
        elapsed_in_list(s, "slow-dev").is_some()
    });
    let started = elapsed_in_list(&app.screen(), "slow-dev").unwrap();
    app.send("j");
    app.wait_until("the next org selected while slow-dev runs", |s| {
        s.has(&["▸partner-portal", LAST_HINT]) && elapsed_in_list(s, "slow-dev").is_some()
    });
    app.wait_until("slow-dev's elapsed time moving on", |s| {
        elapsed_in_list(s, "slow-dev").is_some_and(|t| t >= started + 0.3)
    });
    app.send("k");
    // Its request is out: the pane says so, and Esc is no longer offered.
    app.wait_until("slow-dev's request out, without Esc cancel", |s| {
        s.has(&["▸slow-dev", "request sent"]) && !s.has(&["Esc cancel"])
    });
    // Esc all the same says why it stops nothing; the answer is still awaited and shown.
    app.send("\x1b");
    app.wait_for("already with Salesforce");
    let screen = app.wait_until("slow-dev's answer after the late cancel", |s| {
        s.has(&["slow-dev: HTTP 200"]) && elapsed_in_list(s, "slow-dev").is_none()
    });
    assert!(screen.contains("instance_url"), "{screen}");

    app.send("q");
    assert!(app.wait_exit().is_empty());
}

/// A stop request (the loop's side of SIGTERM and SIGHUP) waits for a refresh whose request is
/// out, then ends the loop.
#[test]
fn a_stop_waits_for_the_refresh_that_is_out() {
    let (_demo, mut app) = app::demo(100, 30);
    app.wait_for_all(&["▸acme-prod", LAST_HINT]);
    app.send("jjj");
    app.wait_for_all(&["▸slow-dev", LAST_HINT]);
    app.send("r");
    app.wait_until("slow-dev running", |s| {
        elapsed_in_list(s, "slow-dev").is_some()
    });
    app.stop();
    app.wait_for("quitting once this finishes saving: slow-dev: refresh");
    assert!(app.running(), "the loop waits for the answer");
    assert!(app.wait_exit().is_empty(), "the refresh finished saving");
}

#[test]
fn u_i_and_x_work_in_the_demo() {
    let (_demo, mut app) = app::demo(100, 30);
    app.wait_for_all(&[" DEMO ", "▸acme-prod", LAST_HINT]);

    // Before any refresh there is no token to ask about: i refreshes first, as the CLI does.
    app.send("i");
    app.wait_pane(
        " Response · introspect ",
        &["active yes", "expires in 1h 59m"],
    );
    app.wait_for("instance_url");
    app.send("u");
    app.wait_pane(
        " Response · userinfo ",
        &["preferred_username", FAKE_USERNAME],
    );
    app.send("i");
    app.wait_pane(
        " Response · introspect ",
        &["active yes", "expires in 1h 59m"],
    );
    app.send("x");
    app.wait_for("Revoke a token of acme-prod");
    app.send("a");
    app.wait_pane(
        " Response · revoke access token ",
        &["Revoked the access token at Salesforce"],
    );
    app.send("q");
    app.wait_exit();
}
