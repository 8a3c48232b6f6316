//! Snapshots of whole screens on ratatui's `TestBackend`. Fixtures use a fixed clock and fixed
//! token values, so secrets are masked and times stable by construction.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::tui::app::App;
use crate::tui::fixtures::{self, ACCESS_TOKEN};
use crate::tui::message::Message;

fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| super::draw(frame, app)).unwrap();
    terminal.backend().to_string()
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Message::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn orgs() -> App {
    fixtures::app_with(vec![
        fixtures::org("acme-prod", "https://login.salesforce.com"),
        fixtures::org("acme-uat", "https://acme--uat.sandbox.my.salesforce.com"),
        fixtures::org("acme", "https://acme.my.salesforce.com"),
        fixtures::org("local", "http://127.0.0.1:8080"),
    ])
}

#[test]
fn main_screen_with_a_token() {
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    let screen = render(&app, 100, 30);
    assert!(!screen.contains(ACCESS_TOKEN), "masked until revealed");
    assert!(screen.contains("00D5g0••••••••"));
    insta::assert_snapshot!(screen);
}

#[test]
fn revealed_token_is_shown_whole() {
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    key(&mut app, KeyCode::Char('v'));
    let screen = render(&app, 100, 30);
    // The token wraps inside its pane: glue the pane's rows back together.
    let joined: String = screen
        .lines()
        .filter_map(|l| l.split('│').nth(1))
        .map(str::trim)
        .collect();
    assert!(joined.contains(ACCESS_TOKEN), "{screen}");
}

#[test]
fn error_state() {
    let mut app = orgs();
    key(&mut app, KeyCode::Char('j'));
    let org = app.orgs[1].clone();
    app.update(fixtures::expired(&org));
    insta::assert_snapshot!(render(&app, 100, 30));
}

#[test]
fn help_overlay() {
    let mut app = orgs();
    key(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!(render(&app, 100, 30));
}

#[test]
fn add_form_with_an_error_beside_its_field() {
    let mut app = orgs();
    key(&mut app, KeyCode::Char('a'));
    app.update(Message::Paste(crate::tui::message::Pasted::new(
        "acme-prod".into(),
    )));
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    insta::assert_snapshot!(render(&app, 100, 30));
}

#[test]
fn small_terminals_stack_then_say_too_small() {
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    insta::assert_snapshot!("stacked_70x20", render(&app, 70, 20));
    let tiny = render(&app, 30, 8);
    assert!(tiny.contains("too small"), "{tiny}");
}

/// After G (or j past the end) the scroll stays at the last line drawn, so k moves at once.
#[test]
fn k_after_g_scrolls_the_token_pane_back_up() {
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    key(&mut app, KeyCode::Char('v')); // long revealed values: the pane overflows
    key(&mut app, KeyCode::Tab); // focus the token pane
    render(&app, 60, 16); // the app always draws before the next key: that sets the limits
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('G'),
        KeyModifiers::SHIFT,
    )));
    let bottom = render(&app, 60, 16);
    key(&mut app, KeyCode::Char('k'));
    let after_k = render(&app, 60, 16);
    assert_ne!(bottom, after_k, "k after G must scroll up one line");
}

/// The pane's details: the signature verdict, scopes one by one, the id_token decoded and
/// marked not verified, its times as local time; the id_token itself stays masked.
#[test]
fn token_pane_details() {
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    let screen = render(&app, 100, 56);
    assert!(
        !screen.contains(fixtures::ID_TOKEN),
        "masked until revealed"
    );
    assert!(screen.contains("eyJraW••••••••"), "{screen}");
    assert!(
        screen.contains("SIGNAT••••••••  ✓ verified with your client secret"),
        "{screen}"
    );
    assert!(screen.contains("NOT VERIFIED"), "{screen}");
    assert!(
        screen.contains("exp      1795694640 · 2026-11-26 12:04:00 +00:00"),
        "{screen}"
    );
    assert!(screen.contains("in 4m"), "{screen}");
    insta::assert_snapshot!(screen);
}

/// Where `needle` starts on the screen, and the style drawn there.
fn style_of(app: &App, width: u16, height: u16, needle: &str) -> ratatui::style::Style {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| super::draw(frame, app)).unwrap();
    let buffer = terminal.backend().buffer();
    for y in 0..height {
        let row: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        if let Some(byte) = row.find(needle) {
            let x = row[..byte].chars().count() as u16;
            return buffer[(x, y)].style();
        }
    }
    panic!("{needle:?} is not on the screen");
}

#[test]
fn a_signature_mismatch_is_loud() {
    use ratatui::style::{Color, Modifier};
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success_checked(
        &org,
        crate::salesforce::SignatureCheck::Mismatch,
    ));
    let screen = render(&app, 100, 30);
    assert!(screen.contains("SIGNATURE MISMATCH"), "{screen}");
    // An error in the status line: it stays until the next message.
    let status = app.status.as_ref().unwrap();
    assert_eq!(status.level, crate::tui::app::Level::Error);
    assert!(
        status.text.ends_with("; SIGNATURE MISMATCH"),
        "{}",
        status.text
    );
    let style = style_of(&app, 100, 30, "✗ MISMATCH");
    assert_eq!(
        style_of(&app, 100, 30, "the answer does not match").fg,
        Some(Color::Red)
    );
    assert_eq!(style.fg, Some(Color::Red));
    assert!(style.add_modifier.contains(Modifier::BOLD));
    insta::assert_snapshot!(screen);
}

#[test]
fn without_a_client_secret_the_signature_is_unverifiable() {
    use crate::salesforce::signature::{SignatureCheck, Unverifiable};
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success_checked(
        &org,
        SignatureCheck::Unverifiable(Unverifiable::NoClientSecret),
    ));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("SIGNAT••••••••  unverifiable")
            && screen.contains("↳ no client secret is stored for this org"),
        "{screen}"
    );
    assert!(!screen.contains("MISMATCH"), "{screen}");
}

/// Esc after the request went out stops nothing: the pane says what it waits for instead of
/// "cancelling…".
#[test]
fn a_cancel_too_late_says_sfkey_waits_for_the_answer() {
    let mut app = orgs();
    key(&mut app, KeyCode::Char('r'));
    key(&mut app, KeyCode::Esc);
    assert!(render(&app, 100, 30).contains("cancelling…"));
    let id = app.orgs[0].id.clone();
    app.update(Message::CancelTooLate(id));
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("cancelling…"), "{screen}");
    assert!(
        screen.contains("request sent: waiting for Salesforce's answer…"),
        "{screen}"
    );
}
