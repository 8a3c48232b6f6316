//! The theme reaches the screen: the light theme, a named style changed, `NO_COLOR` and the
//! mask character change the cells' styles and symbols on ratatui's `TestBackend`.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

use super::style::Theme;
use crate::preferences::parse;
use crate::tui::app::App;
use crate::tui::fixtures;

fn app(theme: Theme) -> App {
    let mut app = fixtures::app_with(vec![
        fixtures::org("acme-prod", "https://login.salesforce.com"),
        fixtures::org("acme-uat", "https://acme--uat.sandbox.my.salesforce.com"),
    ]);
    let org = app.orgs[0].clone();
    app.update(fixtures::success(&org));
    app.env.theme = theme;
    app
}

fn buffer(app: &App) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal.draw(|frame| super::draw(frame, app)).unwrap();
    terminal.backend().buffer().clone()
}

/// The style where `needle` starts on the screen (after its leading spaces, which only set it
/// apart from a longer word).
fn style_at(buffer: &Buffer, needle: &str) -> Style {
    let area = buffer.area;
    for y in 0..area.height {
        let row: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        if let Some(byte) = row.find(needle) {
            let spaces = needle.len() - needle.trim_start().len();
            let x = u16::try_from(row[..byte].chars().count() + spaces).unwrap();
            return buffer[(x, y)].style();
        }
    }
    panic!("{needle:?} is not on the screen");
}

fn theme(text: &str, no_color: bool) -> Theme {
    let prefs = parse(text).unwrap();
    Theme::from_prefs(&prefs.theme, prefs.tui.mask_char(), no_color)
}

#[test]
fn the_dark_theme_draws_what_sfkey_always_drew() {
    let screen = buffer(&app(theme("", false)));
    assert_eq!(style_at(&screen, " prod ").fg, Some(Color::Red));
    assert_eq!(style_at(&screen, " sandbox ").fg, Some(Color::Green));
    assert_eq!(style_at(&screen, "access_token").fg, Some(Color::Cyan));
    let selected = style_at(&screen, "▸");
    assert!(selected.add_modifier.contains(Modifier::REVERSED));
}

#[test]
fn the_light_theme_and_a_changed_style_reach_the_cells() {
    let light = buffer(&app(theme(
        "[theme]\nbase = \"light\"\nproduction = { fg = \"#aa0000\", underline = true }\n",
        false,
    )));
    assert_eq!(style_at(&light, "access_token").fg, Some(Color::Blue));
    let prod = style_at(&light, " prod ");
    assert_eq!(prod.fg, Some(Color::Rgb(0xaa, 0, 0)));
    assert!(prod.add_modifier.contains(Modifier::UNDERLINED));
    assert_eq!(style_at(&light, " sandbox ").fg, Some(Color::Indexed(28)));
}

#[test]
fn no_color_drops_every_colour_but_keeps_the_selection_visible() {
    let screen = buffer(&app(theme("[theme]\nkey = \"magenta\"\n", true)));
    let area = screen.area;
    for y in 0..area.height {
        for x in 0..area.width {
            let cell = &screen[(x, y)];
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "a colour at {x},{y}"
            );
        }
    }
    let selected = style_at(&screen, "▸");
    assert!(
        selected
            .add_modifier
            .contains(Modifier::REVERSED | Modifier::BOLD)
    );
}

#[test]
fn the_mask_character_masks_secrets() {
    let screen = buffer(&app(theme("[tui]\nmask_char = \"*\"\n", false)));
    let text: String = screen.content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("00D5g0********"), "{text}");
    assert!(!text.contains('•'), "{text}");
}

#[test]
fn the_org_column_width_is_honoured_and_clamped() {
    let mut app = app(Theme::DARK);
    let border_at = |app: &App| {
        let screen = buffer(app);
        // The list's right border is the second `╮`/`┐` of the top of the body.
        (1..screen.area.width)
            .find(|&x| matches!(screen[(x, 1)].symbol(), "╮" | "┐" | "┓"))
            .unwrap()
    };
    assert_eq!(border_at(&app), 34, "the default: 35% of 100 columns");
    app.env.tui = parse("[tui]\norg_column_width = 50\n").unwrap().tui;
    assert_eq!(border_at(&app), 49);
    app.env.tui = parse("[tui]\norg_column_width = 5\n").unwrap().tui;
    assert_eq!(border_at(&app), 19, "at least 20 columns");
    app.env.tui = parse("[tui]\norg_column_width = 95\n").unwrap().tui;
    assert_eq!(border_at(&app), 59, "the panes keep 40 columns");
}
