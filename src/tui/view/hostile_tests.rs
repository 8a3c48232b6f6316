//! Whole screens drawn from hostile text on ratatui's `TestBackend`: every control class shows
//! as a visible escape, and no length or character makes a pane panic.

use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::escape::{hostile_text, is_unsafe};
use crate::salesforce::SignatureCheck;
use crate::tui::app::App;
use crate::tui::fixtures;

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| super::draw(frame, app)).unwrap();
    let buffer = terminal.backend().buffer();
    // Every cell's symbol, so a control character that ratatui would pass on is seen.
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// An app whose one org (with a hand-edited username and notes) got this answer.
fn app_with_answer(fields: &[(String, String)], header: (&str, &str), reason: &str) -> App {
    let mut org = fixtures::org("acme", "https://acme.my.salesforce.com");
    org.username = fields.first().map(|(_, v)| v.clone());
    org.notes = fields.get(1).map(|(_, v)| v.clone());
    let mut app = fixtures::app_with(vec![org.clone()]);
    let mut body = serde_json::Map::new();
    body.insert("access_token".into(), "00D5g000004SNAP!AQ4AQx".into());
    for (name, value) in fields {
        body.insert(name.clone(), value.clone().into());
    }
    let mut exchange = fixtures::exchange(200, reason);
    exchange
        .headers
        .push((header.0.to_string(), header.1.to_string()));
    let body = serde_json::Value::Object(body).to_string();
    app.update(fixtures::answer(
        &org,
        &body,
        exchange,
        SignatureCheck::Verified,
    ));
    app
}

fn jwt(claims: &serde_json::Value) -> String {
    use base64::Engine;
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2ln",
        b64(&serde_json::json!({"alg": "RS256"})),
        b64(claims)
    )
}

#[test]
fn c0_c1_and_bidi_controls_show_as_escapes_in_the_panes() {
    let fields = [
        ("token_type".to_string(), "Bearer\u{9b}31m".to_string()),
        ("x_note".into(), "ab\u{1b}]0;pwned\u{7}cd".into()),
        ("instance_url".into(), "https://acme\u{202e}moc.evil".into()),
    ];
    let app = app_with_answer(&fields, ("x-evil", "v\u{2066}w"), "OK\u{9d}");
    let screen = render(&app, 140, 45);
    assert!(
        !screen.chars().any(|c| c != '\n' && is_unsafe(c)),
        "{screen}"
    );
    for shown in [
        r"Bearer\u{9b}31m",
        r"ab\u{1b}]0;pwned\u{7}cd",
        r"acme\u{202e}moc",
        r"v\u{2066}w",
    ] {
        assert!(screen.contains(shown), "{shown} not on screen:\n{screen}");
    }
}

#[test]
fn a_70000_character_claim_name_and_scope_word_do_not_panic() {
    let long = "c".repeat(70_000);
    let fields = [
        ("scope".to_string(), format!("api {long} web")),
        (
            "id_token".into(),
            jwt(&serde_json::json!({ long.clone(): 1, "sub": "x" })),
        ),
        (long.clone(), long.clone()),
    ];
    let app = app_with_answer(&fields, ("x-long", &long), "OK");
    let screen = render(&app, 100, 30);
    assert!(screen.contains("acme"), "{screen}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_answer_and_orgs_file_text_draws_escaped(
        name in hostile_text(),
        value in hostile_text(),
        scope in hostile_text(),
        claim in hostile_text(),
        header in hostile_text(),
        width in 60u16..160,
        height in 20u16..50,
    ) {
        let fields = [
            (name, value),
            ("scope".to_string(), scope),
            ("id_token".to_string(), jwt(&serde_json::json!({ claim.clone(): claim }))),
        ];
        let app = app_with_answer(&fields, ("x-any", &header.replace(['\r', '\n'], "")), "OK");
        let screen = render(&app, width, height);
        let raw = screen.lines().find(|l| l.chars().any(is_unsafe));
        prop_assert!(raw.is_none(), "{:?}", raw);
    }
}
