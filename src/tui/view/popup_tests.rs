//! Popups and the help overlay on small terminals: their text wraps into the rows they ask
//! for, their keys come from the key table, and the help scrolls to its last line.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{key, orgs, render};
use crate::tui::app::App;
use crate::tui::message::Message;

/// At 40x12 the help wraps to many more rows than it has keys: j must reach every key and the
/// last line, G jumps there, and k after piling up j moves at once.
#[test]
fn help_scrolls_to_its_last_line_on_a_small_terminal() {
    use crate::tui::keymap::Context;
    let mut app = orgs();
    key(&mut app, KeyCode::Char('?'));
    let mut seen = render(&app, 40, 12);
    for _ in 0..200 {
        key(&mut app, KeyCode::Char('j'));
        seen.push_str(&render(&app, 40, 12));
    }
    for context in Context::ALL {
        for row in app.keys().rows(context) {
            assert!(seen.contains(&row.label()), "{} never shown", row.label());
        }
    }
    let bottom = render(&app, 40, 12);
    assert!(bottom.contains("the wheel scrolls."), "{bottom}");
    key(&mut app, KeyCode::Char('k'));
    assert_ne!(render(&app, 40, 12), bottom, "k moves at once");
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('G'),
        KeyModifiers::SHIFT,
    )));
    assert_eq!(render(&app, 40, 12), bottom, "G goes to the last line");
}

/// Glues the popup's rows back together (its text between its plain `┌`/`┐` corners; panes
/// have round or thick ones), to find wrapped sentences whole.
fn popup_text(screen: &str) -> String {
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let Some((top, left)) = rows
        .iter()
        .enumerate()
        .find_map(|(y, r)| r.iter().position(|c| *c == '┌').map(|x| (y, x)))
    else {
        return String::new();
    };
    let right = rows[top].iter().position(|c| *c == '┐').unwrap_or(left);
    rows[top + 1..]
        .iter()
        .take_while(|r| r.get(left) == Some(&'│'))
        .map(|r| {
            r[left + 1..right]
                .iter()
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Popups wrap their text into the rows they ask for: at 100x30 the login form says how to
/// leave it, and at 40x12 the revoke choices and the login popup's keys are all there.
#[test]
fn popups_keep_their_keys_and_text_on_small_terminals() {
    let mut app = orgs();
    key(&mut app, KeyCode::Char('l'));
    let form = render(&app, 100, 30);
    assert!(
        popup_text(&form).contains("saved after. Esc cancels."),
        "{form}"
    );
    key(&mut app, KeyCode::Esc);

    key(&mut app, KeyCode::Char('x'));
    let revoke = render(&app, 40, 12);
    let text = popup_text(&revoke);
    for whole in [
        "a the access token (the refresh token stays)",
        "r the refresh token, and with it every access token issued from it; you would need to log in again",
        "n/q/Esc neither",
    ] {
        assert!(text.contains(whole), "{whole:?} missing:\n{revoke}");
    }
    key(&mut app, KeyCode::Esc);

    app.view.popup = Some(crate::tui::app::Popup::Login(Box::new(
        crate::tui::app::LoginPopup {
            name: "newlogin".into(),
            url: Some(format!(
                "https://login.salesforce.com/services/oauth2/authorize?{}",
                "response_type=code&client_id=PlatformCLI&state=x".repeat(4)
            )),
            opened: "No browser opened (there is no display (DISPLAY and WAYLAND_DISPLAY are unset)). Open this URL in a browser.".into(),
            question: None,
            cancel: None,
            job: None,
        },
    )));
    for (width, height) in [(40, 12), (60, 16), (70, 20), (100, 30)] {
        let screen = render(&app, width, height);
        let text = popup_text(&screen);
        assert!(
            text.contains("c copies the URL, Esc cancels."),
            "{width}x{height}:\n{screen}"
        );
    }
}

/// The status line under each popup lists that popup's keys from the key table; the log-in
/// form's Enter logs in rather than saves.
#[test]
fn popup_hints_come_from_the_key_table() {
    use crate::tui::keymap::Context;
    let mut app = orgs();
    let status = |app: &App| {
        render(app, 100, 30)
            .lines()
            .last()
            .unwrap_or("")
            .to_string()
    };
    key(&mut app, KeyCode::Char('l'));
    let line = status(&app);
    assert!(
        line.contains("Enter log in") && !line.contains("save"),
        "{line}"
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('x'));
    let line = status(&app);
    for row in app.keys().rows(Context::Revoke) {
        let hint = format!("{} {}", row.label(), row.binding.hint);
        assert!(line.contains(&hint), "{hint:?} missing: {line}");
    }
}

/// At 60x16 the add form's hints are cut to one row each, so its last line still shows.
#[test]
fn the_add_form_fits_60x16() {
    let mut app = orgs();
    key(&mut app, KeyCode::Char('a'));
    let screen = render(&app, 60, 16);
    assert!(popup_text(&screen).contains("Esc cancels."), "{screen}");
}

/// The mouse wheel scrolls the help overlay, within what it can scroll.
#[test]
fn the_wheel_scrolls_the_help() {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let wheel = |kind| {
        Message::Mouse(MouseEvent {
            kind,
            column: 20,
            row: 5,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = orgs();
    key(&mut app, KeyCode::Char('?'));
    let top = render(&app, 40, 12);
    app.update(wheel(MouseEventKind::ScrollDown));
    assert_ne!(render(&app, 40, 12), top);
    for _ in 0..100 {
        app.update(wheel(MouseEventKind::ScrollDown));
    }
    let bottom = render(&app, 40, 12);
    assert!(bottom.contains("the wheel scrolls."), "{bottom}");
    app.update(wheel(MouseEventKind::ScrollUp));
    assert_ne!(render(&app, 40, 12), bottom, "up moves at once");
}
