//! How the screen shares its room: org names before the list's other columns, a status
//! message before the key hints.

use crossterm::event::KeyCode;

use super::tests::{key, render};
use crate::tui::app::App;
use crate::tui::fixtures;

/// Orgs told apart only by the end of their names, and one name too long for any list.
fn lookalikes() -> App {
    fixtures::app_with(vec![
        fixtures::org("client-a-uat", "https://a--uat.sandbox.my.salesforce.com"),
        fixtures::org("client-a-dev", "https://a--dev.sandbox.my.salesforce.com"),
        fixtures::org(
            "client-b-production-emea-main",
            "https://login.salesforce.com",
        ),
        fixtures::org("local", "http://127.0.0.1:8080"),
    ])
}

/// The list's row for `name`, whatever its columns.
fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(name))
        .unwrap_or_else(|| panic!("{name} is not on the screen:\n{screen}"))
}

/// At 80x24 the names that differ only at their end stay apart: the badge and the age shrink
/// to what is on screen first, and the age drops before any name is cut.
#[test]
fn lookalike_names_stay_whole_at_80x24() {
    let app = fixtures::app_with(vec![
        fixtures::org("client-a-uat", "https://a--uat.sandbox.my.salesforce.com"),
        fixtures::org("client-a-dev", "https://a--dev.sandbox.my.salesforce.com"),
    ]);
    let screen = render(&app, 80, 24);
    // Columns fitted to their content: the badge and the age still there.
    assert!(
        row(&screen, "client-a-dev").contains("client-a-dev  sandbox never┃"),
        "{screen}"
    );
    let screen = render(&lookalikes(), 80, 24);
    assert!(
        row(&screen, "▸client-a-uat").contains("▸client-a-uat "),
        "{screen}"
    );
    assert!(
        row(&screen, "client-a-dev").contains(" client-a-dev "),
        "{screen}"
    );
    // A name longer than the list keeps its head and tail.
    assert!(
        row(&screen, "client-b-prod").contains("client-b-prod…on-emea-main ┃"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

/// Wider, every name is whole; the badge drops before the longest name is cut.
#[test]
fn names_take_the_room_before_the_badge_at_120x35() {
    let screen = render(&lookalikes(), 120, 35);
    assert!(
        row(&screen, "client-b-production-emea-main").contains("emea-main     never┃"),
        "{screen}"
    );
    assert!(
        !row(&screen, "client-a-uat").contains("sandbox"),
        "{screen}"
    );
    assert!(row(&screen, "local").contains("never┃"), "{screen}");
}

/// Stacked, the list is as wide as the screen: the names and every column fit.
#[test]
fn stacked_lists_keep_names_and_columns() {
    let mut app = lookalikes();
    for (width, height) in [(60, 16), (40, 12)] {
        let screen = render(&app, width, height);
        assert!(
            row(&screen, "▸client-a-uat").contains(" sandbox     never┃"),
            "{screen}"
        );
    }
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    // The long name alone on screen (one row at 40x12): its badge drops, the name stays whole.
    let screen = render(&app, 40, 12);
    let long = row(&screen, "▸client-b-production-emea-main");
    assert!(
        long.contains("main   never┃") && !long.contains("prod "),
        "{screen}"
    );
    let screen = render(&app, 60, 16);
    assert!(
        row(&screen, "▸client-b-production-emea-main").contains("prod"),
        "{screen}"
    );
}

/// When only marks are left beside the names, a failed refresh still shows its `✗`.
#[test]
fn the_age_keeps_its_mark_when_names_need_the_room() {
    let mut app = lookalikes();
    let mut orgs: Vec<_> = app.orgs.iter().cloned().collect();
    orgs[1].last_refresh = Some(crate::org::LastRefresh {
        at_ms: fixtures::NOW_MS,
        status: "timeout".into(),
        http_status: None,
        latency_ms: 84,
        issued_at: None,
    });
    app.update(crate::tui::message::Message::OrgsLoaded(Ok(orgs)));
    let screen = render(&app, 80, 24);
    assert!(row(&screen, " client-a-dev").contains(" ✗┃"), "{screen}");
    assert!(row(&screen, "▸client-a-uat").contains("  ┃"), "{screen}");
    assert!(
        row(&screen, "client-b-pro").contains("…on-emea-main  ┃"),
        "{screen}"
    );
}

/// A message whose end says what to do, longer than a status row at 80 columns.
const CLIPBOARD_ERROR: &str = "Cannot copy: no X11 display for the native clipboard (DISPLAY is not set); set SFKEY_CLIPBOARD=osc52 to copy through the terminal";

fn with_status(text: &str) -> App {
    let mut app = lookalikes();
    app.view.status = Some(crate::tui::state::Status {
        text: text.into(),
        level: crate::tui::app::Level::Error,
        at_ms: fixtures::NOW_MS,
    });
    app
}

/// The last `rows` rows of the screen glued into one text, their padding trimmed.
fn footer(screen: &str, rows: usize) -> String {
    let mut last: Vec<&str> = screen.lines().rev().take(rows).collect();
    last.reverse();
    last.iter()
        .map(|l| l.trim_matches('"').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A message wins over the key hints: it wraps rather than lose its end (`set SFK…`), the
/// panes give up the rows, and help and quit stay on screen.
#[test]
fn a_long_message_wraps_and_keeps_its_end_at_120_and_80_columns() {
    let app = with_status(CLIPBOARD_ERROR);
    let wide = render(&app, 120, 35);
    let rows = footer(&wide, 2);
    assert!(
        rows.contains("set SFKEY_CLIPBOARD=osc52 to copy through the terminal"),
        "{wide}"
    );
    assert!(rows.starts_with("Cannot copy:"), "{wide}");
    assert!(rows.ends_with("│ ? help q quit"), "{wide}");
    assert!(!rows.contains("r refresh"), "{wide}");
    // The panes end above the footer's two rows.
    assert!(
        wide.lines().nth(32).unwrap_or_default().contains("┗"),
        "{wide}"
    );
    let narrow = render(&app, 80, 24);
    let rows = footer(&narrow, 3);
    assert!(
        rows.contains("set SFKEY_CLIPBOARD=osc52 to copy through the terminal"),
        "{narrow}"
    );
    assert!(rows.contains("? help q quit"), "{narrow}");
    insta::assert_snapshot!(narrow);
}

/// Hints come back when the message is gone or short enough to share the row.
#[test]
fn hints_come_back_beside_a_short_message() {
    let mut app = with_status("Copied.");
    let screen = render(&app, 80, 24);
    let last = footer(&screen, 1);
    assert!(last.starts_with("Copied. │ r refresh"), "{screen}");
    app.view.status = None;
    let screen = render(&app, 80, 24);
    assert!(footer(&screen, 1).starts_with("r refresh"), "{screen}");
    assert!(
        screen.lines().nth(22).unwrap_or_default().contains("┗"),
        "{screen}"
    );
}

/// A message too long for three rows loses its middle: its start and its end stay, in three
/// rows at most, at the smallest size too.
#[test]
fn a_huge_message_keeps_three_rows_and_its_end() {
    let text = format!(
        "refresh failed: {} set SFKEY_X=1 to retry",
        "word ".repeat(2000)
    );
    for (width, height) in [(120, 35), (80, 24), (40, 12)] {
        let app = with_status(&text);
        let screen = render(&app, width, height);
        let rows = footer(&screen, 3);
        assert!(rows.starts_with("refresh failed: word"), "{screen}");
        assert!(rows.contains("set SFKEY_X=1 to retry"), "{screen}");
        assert!(rows.contains('…'), "{screen}");
        assert!(rows.ends_with("? help q quit"), "{screen}");
        // The row above the footer is the panes'.
        let above = screen.lines().rev().nth(3).unwrap_or_default();
        assert!(!above.contains("word"), "{screen}");
    }
}
