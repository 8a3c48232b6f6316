//! Snapshots of whole screens on ratatui's `TestBackend`. Fixtures use a fixed clock and fixed
//! token values, so secrets are masked and times stable by construction.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::tui::app::App;
use crate::tui::fixtures::{self, ACCESS_TOKEN};
use crate::tui::message::Message;

pub(super) use crate::tui::fixtures::{key, screen as render};

/// Four orgs, one of each environment.
pub(super) fn orgs() -> App {
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
    // An error in the status line: it stays until the next message or another org.
    let status = app.view.status.as_ref().unwrap();
    assert_eq!(status.level, crate::tui::app::Level::Error);
    assert!(
        status.text.ends_with("; SIGNATURE MISMATCH"),
        "{}",
        status.text
    );
    // Whole in the narrowest side-by-side layout too, and in the list with another org selected.
    key(&mut app, KeyCode::Char('j'));
    assert!(
        app.view.status.is_none(),
        "acme-prod's error followed the selection"
    );
    let narrow = render(&app, 80, 24);
    assert!(narrow.contains("acme-prod prod   ✗ MISMATCH"), "{narrow}");
    key(&mut app, KeyCode::Char('k'));
    let narrow = render(&app, 80, 24);
    assert!(narrow.contains("SIGNATURE MISMATCH"), "{narrow}");
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

/// A list scrolled on a short terminal shows every org again once the terminal grows.
#[test]
fn the_org_list_unscrolls_when_the_terminal_grows() {
    let mut app = orgs();
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('G'),
        KeyModifiers::SHIFT,
    )));
    let small = render(&app, 40, 12);
    assert!(!small.contains("acme-prod"), "{small}");
    let tall = render(&app, 100, 30);
    assert!(tall.contains(" acme-prod"), "{tall}");
}

/// The age column holds the longest ages (`✗ just now`) whole.
#[test]
fn a_failed_refresh_shows_its_whole_age_in_the_list() {
    let mut app = orgs();
    let mut failed = app.orgs[0].clone();
    failed.last_refresh = Some(crate::org::LastRefresh {
        at_ms: fixtures::NOW_MS,
        status: "timeout".into(),
        http_status: None,
        latency_ms: 84,
        issued_at: None,
    });
    app.update(Message::OrgsLoaded(Ok(vec![failed])));
    let screen = render(&app, 100, 30);
    assert!(screen.contains("✗ just now┃"), "{screen}");
}

/// The note in a cut-off pane's border: Tab first while another pane has focus, then j/k, and
/// once scrolled, how many lines are above.
#[test]
fn the_scroll_note_fits_the_focus() {
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("… 19 more lines (Tab to this pane, then j)"),
        "{screen}"
    );
    key(&mut app, KeyCode::Tab);
    let screen = render(&app, 100, 30);
    assert!(screen.contains("… 19 more lines (j/k)"), "{screen}");
    key(&mut app, KeyCode::Char('j'));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("↑ 1 above · … 18 more lines (j/k)"),
        "{screen}"
    );
}

/// With no orgs yet, the screen and the status line offer every way in: l, p and a.
#[test]
fn no_orgs_offers_login_paste_and_add() {
    let app = fixtures::app_with(Vec::new());
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Press l to log in with"), "{screen}");
    assert!(screen.contains("a to add one."), "{screen}");
    let status = screen.lines().last().unwrap_or_default();
    for hint in ["a add", "l login", "p paste URL"] {
        assert!(status.contains(hint), "{hint:?} missing: {status}");
    }
}

/// While quitting waits for a refresh, the status line offers only what still works, after
/// the message has faded.
#[test]
fn quitting_hints_say_q_leaves_now() {
    let mut app = orgs();
    key(&mut app, KeyCode::Char('r'));
    key(&mut app, KeyCode::Char('q'));
    app.update(Message::Tick {
        now_ms: fixtures::NOW_MS + 60_000,
    });
    let screen = render(&app, 100, 30);
    let status = screen.lines().last().unwrap_or_default();
    assert!(status.contains("q leave now"), "{status}");
    assert!(
        !status.contains("refresh") || status.contains("still out"),
        "{status}"
    );
    assert!(
        !status.contains("r refresh") && !status.contains("a add"),
        "{status}"
    );
}

/// Where the response pane is folded away (60x16), Tab goes from the token pane back to the
/// list instead of to a pane that is not drawn.
#[test]
fn tab_skips_the_folded_response_pane() {
    let mut app = orgs();
    render(&app, 60, 16);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.focus, crate::tui::app::Pane::Token);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.focus, crate::tui::app::Pane::Orgs);
    render(&app, 100, 30);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.focus, crate::tui::app::Pane::Response);
    // Shrunk with the response pane focused: j moves the list, which shows as focused.
    let screen = render(&app, 60, 16);
    assert!(screen.contains("┏ Orgs"), "{screen}");
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.orgs.selected, 1);
}

/// After the token pane can scroll less (a taller terminal), k scrolls up from where the pane
/// is drawn, at the first press; v (reveal or hide) starts the pane from its top.
#[test]
fn k_moves_at_once_after_the_pane_got_shorter() {
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    key(&mut app, KeyCode::Char('v'));
    key(&mut app, KeyCode::Tab);
    render(&app, 60, 16);
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('G'),
        KeyModifiers::SHIFT,
    )));
    // Taller: less to scroll, so the drawn scroll is smaller than the one G reached.
    let bottom = render(&app, 60, 24);
    key(&mut app, KeyCode::Char('k'));
    assert_ne!(render(&app, 60, 24), bottom, "k must scroll up at once");
    // Hidden again: the old offset would point into other lines.
    key(&mut app, KeyCode::Char('v'));
    assert_eq!(app.view.token_scroll, 0);
}

/// At 40 columns a message too long to share its row keeps it whole, and ? and q go on the row
/// below; at 100 the message and the main keys share the line.
#[test]
fn help_and_quit_stay_in_a_narrow_status_line() {
    let mut app = orgs();
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    let narrow = render(&app, 40, 12);
    let rows: Vec<&str> = narrow.lines().rev().take(2).collect();
    assert!(
        rows[1].contains(" acme-prod: HTTP 200 in 84 ms "),
        "{narrow}"
    );
    assert!(rows[0].contains("? help q quit"), "{narrow}");
    let wide = render(&app, 100, 30);
    let status = wide.lines().last().unwrap_or_default();
    assert!(status.contains("r refresh c copy"), "{status}");
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
    app.update(Message::Refreshing {
        id,
        event: crate::saved_org::refresh::RefreshEvent::RequestSent,
    });
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("cancelling…"), "{screen}");
    assert!(
        screen.contains("request sent: waiting for Salesforce's answer…"),
        "{screen}"
    );
}
