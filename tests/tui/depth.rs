//! The loop when things go wrong: the one retry after `already being processed` (its backoff
//! injected, so no test waits on it), a lost answer, and Esc while another sfkey holds the lock.

use std::time::Duration;

use sfkey::fake_salesforce::Behaviour;

use super::LAST_HINT;
use crate::common::app::World;

#[test]
fn the_busy_retry_shows_in_the_status_line_then_the_token() {
    let mut world = World::new("app-depth-busy");
    // The answer waits, so the retry's message is on screen long enough to be seen.
    world.add_org("busy", true, |g| {
        g.with(Behaviour::Busy(1))
            .delayed(Duration::from_millis(300))
    });
    let mut app = world.start(100, 30);
    app.wait_for_all(&["busy", LAST_HINT]);
    app.send("r");
    app.wait_for("busy: token request already being processed; retrying once in");
    app.wait_for_all(&["busy: HTTP 200 in", "instance_url"]);
    assert_eq!(world.server.requests().len(), 2);
    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}

#[test]
fn a_lost_answer_is_not_retried_and_the_pane_says_the_token_may_be_spent() {
    let mut world = World::new("app-depth-hangup");
    let (_, refresh) = world.add_org("hangup", true, |g| g.with(Behaviour::Hangup));
    let mut app = world.start(100, 30);
    app.wait_for_all(&["hangup", LAST_HINT]);
    app.send("r");
    app.wait_for("hangup: refresh failed: connection broke");
    let pane = app.screen().pane_prose(" Token ");
    assert!(
        pane.contains("The request may have reached Salesforce"),
        "{pane}"
    );
    assert!(pane.contains("so sfkey did not retry it"), "{pane}");
    assert!(pane.contains("may already be spent"), "{pane}");
    assert!(
        pane.contains("hint: the request may have reached Salesforce; press r"),
        "{pane}"
    );
    assert_eq!(world.server.requests().len(), 1, "never retried by itself");
    assert!(world.server.is_live(&refresh));
    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}

#[test]
fn esc_cancels_a_refresh_waiting_for_another_sfkey_and_nothing_is_sent() {
    let mut world = World::new("app-depth-cancel");
    let (_, refresh) = world.add_org("held", true, |g| g.with(Behaviour::Rotate));
    let org = world.org("held");
    // Another sfkey's refresh of this org, as far as the lock file can tell.
    let held = world.store.lock_org(&org.id, || {}).unwrap();
    let mut app = world.start(100, 30);
    app.wait_for_all(&["held", LAST_HINT]);
    app.send("r");
    app.wait_for("waiting for another sfkey that is refreshing this org");
    app.send("\x1b");
    app.wait_for("held: cancelled before anything was sent");
    drop(held);
    // The cancelled refresh ended (its message is on screen): it sent nothing then or later.
    assert!(
        world.server.requests().is_empty(),
        "a cancelled refresh sent its request"
    );
    assert!(world.server.is_live(&refresh));
    // The org is not stuck: a new r refreshes it.
    app.send("r");
    app.wait_for("held: HTTP 200 in");
    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}
