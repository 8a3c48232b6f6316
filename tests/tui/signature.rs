//! The signature check's verdict in the token pane, for each kind of org.

use ratatui::style::Color;
use sfkey::fake_salesforce::{Behaviour, FAKE_ORG_ID, FAKE_USER_ID};

use crate::common::app::World;

/// The token pane of each org after `r`: the verdict under `signature`, loud in red and bold
/// on a mismatch, and the decoded id_token marked not verified.
#[test]
fn the_token_pane_shows_each_verdict() {
    let mut world = World::new("app-sig");
    world.add_org("a-good", true, |g| g);
    world.add_org("b-public", false, |g| g);
    world.add_org("c-tampered", true, |g| g.with(Behaviour::BadSignature));
    // Tall enough for the fields, the health lines and the decoded id_token at once.
    let mut app = world.start(100, 48);
    app.wait_for_all(&["a-good", "c-tampered", "q quit"]);
    let pane = |app: &crate::common::app::App| app.screen().pane_prose(" Token ");

    app.send("r");
    app.wait_for("a-good: HTTP 200");
    let text = pane(&app);
    assert!(
        text.contains("✓ verified with your client secret"),
        "{text}"
    );
    assert!(text.contains("decoded, NOT VERIFIED"), "{text}");
    assert!(
        text.contains(&format!("org {FAKE_ORG_ID} · user {FAKE_USER_ID}")),
        "{text}"
    );

    app.send("j");
    app.wait_for("▸b-public");
    app.send("r");
    app.wait_for("b-public: HTTP 200");
    let text = pane(&app);
    assert!(
        text.contains("unverifiable ↳ no client secret is stored for this org"),
        "{text}"
    );

    app.send("j");
    app.wait_for("▸c-tampered");
    app.send("r");
    app.wait_for("c-tampered: HTTP 200 in");
    app.wait_for("SIGNATURE MISMATCH");
    let text = pane(&app);
    assert!(
        text.contains("✗ MISMATCH ↳ the answer does not match your client secret"),
        "{text}"
    );
    // Red and bold where the verdict starts.
    assert_eq!(app.style_at("✗ MISMATCH"), Some((Color::Red, true)));
    app.send("q");
    app.wait_exit();
    world.assert_no_secrets_on_disk();
}
