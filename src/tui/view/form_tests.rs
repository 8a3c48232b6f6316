//! The form on ratatui's TestBackend at 40x12 and 80x24, and its scrolling math.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::org::OrgKind;

/// The screen and the cursor after drawing `form` alone at `width`x`height`.
fn render(form: &OrgForm, width: u16, height: u16) -> (Terminal<TestBackend>, String) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let keys = KeyMap::default();
    terminal
        .draw(|frame| draw(frame, form, &keys, false, "the OS keyring", frame.area()))
        .unwrap();
    let screen = terminal.backend().to_string();
    (terminal, screen)
}

fn press(form: &mut OrgForm, code: KeyCode) {
    form.on_key(
        &KeyEvent::new(code, KeyModifiers::NONE),
        &KeyMap::default(),
        &[],
    );
}

/// The row the cursor is on, as text.
fn cursor_row(terminal: &mut Terminal<TestBackend>, screen: &str) -> String {
    let at = terminal.get_cursor_position().unwrap();
    screen.lines().nth(usize::from(at.y)).unwrap().to_string()
}

#[test]
fn at_40x12_typing_goes_into_a_field_on_screen() {
    let mut form = OrgForm::add();
    // Errors under three fields: more lines than 40x12 shows.
    form.submit(&[]);
    assert_eq!(form.errors.len(), 3);
    for field in [Field::Name, Field::Login, Field::Site, Field::ClientId] {
        assert_eq!(form.focus, field);
        press(&mut form, KeyCode::Tab);
    }
    press(&mut form, KeyCode::Tab);
    assert_eq!(form.focus, Field::RefreshToken);
    form.paste("5Aep861", &[]);
    let (mut terminal, screen) = render(&form, 40, 12);
    let row = cursor_row(&mut terminal, &screen);
    assert!(
        row.contains("Refresh token") && row.contains("•••••••"),
        "{screen}"
    );
    assert!(
        screen.contains("Add an org ↑"),
        "the title says fields are above: {screen}"
    );
    insta::assert_snapshot!(screen);
    // Back at the top, the top shows again.
    press(&mut form, KeyCode::Tab);
    press(&mut form, KeyCode::Tab);
    let (mut terminal, screen) = render(&form, 40, 12);
    assert!(
        cursor_row(&mut terminal, &screen).contains("Name"),
        "{screen}"
    );
    assert!(
        screen.contains("invalid org name"),
        "its error shows too: {screen}"
    );
}

#[test]
fn at_80x24_a_jwt_bearer_form_shows_its_fields_only() {
    let mut form = OrgForm::add();
    press(&mut form, KeyCode::Up);
    press(&mut form, KeyCode::Right);
    assert_eq!(form.kind, OrgKind::JwtBearer);
    let (_, screen) = render(&form, 80, 24);
    assert!(
        screen.contains("a private key signs each token request"),
        "{screen}"
    );
    press(&mut form, KeyCode::Tab);
    form.paste("ci", &[]);
    for _ in 0..4 {
        press(&mut form, KeyCode::Tab);
    }
    assert_eq!(form.focus, Field::PrivateKey);
    form.paste(
        "-----BEGIN PRIVATE KEY-----\nTESTSECRET\n-----END PRIVATE KEY-----\n",
        &[],
    );
    let (_, screen) = render(&form, 80, 24);
    for shown in [
        "Username",
        "Private key",
        "PEM key, 3 lines (hidden)",
        "JWT bearer",
    ] {
        assert!(screen.contains(shown), "{shown}: {screen}");
    }
    for hidden in ["Refresh token", "Client secret", "Site path", "TESTSECRET"] {
        assert!(!screen.contains(hidden), "{hidden}: {screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn an_empty_field_shows_a_hint_in_dim_italics_that_typing_replaces() {
    let mut form = OrgForm::add();
    press(&mut form, KeyCode::Tab);
    press(&mut form, KeyCode::Left); // custom
    press(&mut form, KeyCode::Tab);
    assert_eq!(form.focus, Field::LoginUrl);
    let (terminal, screen) = render(&form, 80, 24);
    let hint = "e.g. https://acme.my.salesforce.com";
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("Login URL"))
        .unwrap();
    assert!(line.contains(hint), "{screen}");
    let x = line.chars().position(|c| c == 'e').unwrap();
    let cell = &terminal.backend().buffer()[(x as u16, y as u16)];
    assert!(cell.modifier.contains(Modifier::ITALIC), "{cell:?}");
    assert_eq!(cell.fg, ratatui::style::Color::DarkGray);
    form.paste("https://x.my.salesforce.com", &[]);
    let (_, screen) = render(&form, 80, 24);
    assert!(!screen.contains(hint), "{screen}");
}

#[test]
fn an_unfocused_long_value_shows_its_head() {
    let mut form = OrgForm::add();
    for _ in 0..3 {
        press(&mut form, KeyCode::Tab);
    }
    assert_eq!(form.focus, Field::ClientId);
    let id = "3MVG9HEADxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxTAIL";
    form.paste(id, &[]);
    let (_, screen) = render(&form, 40, 12);
    assert!(
        screen.contains("TAIL") && !screen.contains("3MVG9HEAD"),
        "focused: the cursor's end: {screen}"
    );
    press(&mut form, KeyCode::Tab);
    let (_, screen) = render(&form, 40, 12);
    assert!(
        screen.contains("3MVG9HEAD") && screen.contains('…'),
        "{screen}"
    );
    assert!(!screen.contains("TAIL"), "{screen}");
}

/// The whole app drawn at `width`x`height`.
fn render_app(app: &crate::tui::app::App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| super::super::draw(frame, app))
        .unwrap();
    terminal.backend().to_string()
}

#[test]
fn a_second_ctrl_c_is_asked_for_in_the_footer_until_another_key() {
    use crate::tui::message::{Message, Pasted};
    let mut app = crate::tui::fixtures::app_with(vec![]);
    let press = |app: &mut crate::tui::app::App, code, modifiers| {
        app.update(Message::Key(KeyEvent::new(code, modifiers)));
    };
    press(&mut app, KeyCode::Char('a'), KeyModifiers::NONE);
    app.update(Message::Paste(Pasted::new("half".into())));
    press(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL);
    let question = "Unsaved input: Ctrl-C again quits";
    let screen = render_app(&app, 80, 24);
    assert!(screen.contains(question), "{screen}");
    press(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    let screen = render_app(&app, 80, 24);
    assert!(!screen.contains(question), "{screen}");
    assert!(
        !screen.contains("again quits"),
        "nor the status line: {screen}"
    );
}

#[test]
fn the_help_line_names_the_keys_of_config_toml() {
    let mut app = crate::tui::fixtures::app_with(vec![]);
    let toml = "[keys]\nsave = [\"ctrl-w\"]\nreveal_secrets = [\"f2\"]\ncancel = [\"ctrl-g\"]\n";
    app.env.keys = KeyMap::with(&crate::preferences::parse(toml).unwrap().keys);
    app.update(crate::tui::message::Message::Key(KeyEvent::new(
        KeyCode::Char('a'),
        KeyModifiers::NONE,
    )));
    let screen = render_app(&app, 100, 30);
    for shown in ["^W saves", "F2 shows the secrets", "^G cancels"] {
        assert!(screen.contains(shown), "{shown}: {screen}");
    }
    assert!(!screen.contains("^S"), "{screen}");
}

#[test]
fn the_focused_field_stays_in_view() {
    // Fits: no scrolling.
    assert_eq!(scroll_offset(&(8..9), 9, 10), 0);
    // Below the room: the field's last row at the bottom.
    assert_eq!(scroll_offset(&(8..9), 12, 5), 4);
    // With two error rows, all three rows show.
    assert_eq!(scroll_offset(&(6..9), 12, 5), 4);
    // A field taller than the room shows its first row.
    assert_eq!(scroll_offset(&(2..9), 12, 3), 2);
    // Near the top: the top.
    assert_eq!(scroll_offset(&(1..2), 12, 5), 0);
}

#[test]
fn long_values_are_cut_at_their_end() {
    assert_eq!(cut("3MVG9abcdefghijkl", 8), "3MVG9ab…");
    assert_eq!(cut("short", 8), "short");
}

/// The whole app at 40x12: `a`, then Tab to the last field; what is typed shows where the
/// cursor is.
#[test]
fn the_app_at_40x12_keeps_the_typed_field_on_screen() {
    use crate::tui::message::{Message, Pasted};
    let mut app = crate::tui::fixtures::app_with(vec![crate::tui::fixtures::org(
        "acme-prod",
        "https://login.salesforce.com",
    )]);
    let key = |app: &mut crate::tui::app::App, code| {
        app.update(Message::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    };
    key(&mut app, KeyCode::Char('a'));
    key(&mut app, KeyCode::Enter); // an empty name: its error takes rows
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    key(&mut app, KeyCode::BackTab); // from the name up to the kind, then around to the last
    key(&mut app, KeyCode::BackTab);
    app.update(Message::Paste(Pasted::new("5Aep861".into())));
    let mut terminal = Terminal::new(TestBackend::new(40, 12)).unwrap();
    terminal
        .draw(|frame| super::super::draw(frame, &app))
        .unwrap();
    let screen = terminal.backend().to_string();
    let row = cursor_row(&mut terminal, &screen);
    assert!(
        row.contains("Refresh token") && row.contains("•••••••"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}
