//! The paste popup (key p) and the "update X?" question of an import.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};

use super::super::keymap::{Action, Context, KeyMap};
use super::super::paste::{PasteUrl, PendingUpdate};
use super::question::Question;
use super::style::theme;
use super::text::wrap_words;

/// Draws the paste popup: one masked field, its error, and what to do.
pub fn draw(frame: &mut Frame, paste: &PasteUrl, keys: &KeyMap, secrets_place: &str, area: Rect) {
    let width = area.width.min(76);
    let inner = usize::from(width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    let submit = keys.key(Context::Paste, Action::Submit);
    for piece in wrap_words(
        &format!(
            "Paste the org's SFDX auth URL (sf org auth show-sfdx-auth-url prints it), then press {submit}."
        ),
        inner,
    ) {
        lines.push(Line::raw(piece));
    }
    lines.push(Line::default());
    let field_row = lines.len();
    let shown = theme().mask(&paste.input.shown(false));
    let visible: String = shown
        .chars()
        .skip(paste.input.cursor().saturating_sub(inner.saturating_sub(1)))
        .take(inner)
        .collect();
    lines.push(if paste.input.is_empty() {
        Line::styled("force://…", theme().dim)
    } else {
        Line::raw(visible.clone())
    });
    lines.push(Line::default());
    match &paste.error {
        Some(error) => {
            for piece in wrap_words(error, inner) {
                lines.push(Line::styled(piece, theme().error));
            }
        }
        None => {
            let text = format!(
                "It holds the refresh token: it stays masked and goes to {secrets_place} only."
            );
            for piece in wrap_words(&text, inner) {
                lines.push(Line::styled(piece, theme().dim));
            }
        }
    }
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::centered(area, width, height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Paste an auth URL ")),
        popup,
    );
    let column = u16::try_from(visible.chars().count()).unwrap_or(0);
    let row = u16::try_from(field_row).unwrap_or(0);
    let position = Position::new(popup.x + 1 + column, popup.y + 1 + row);
    if popup.contains(position) {
        frame.set_cursor_position(position);
    }
}

/// Asks whether the saved org the import matches should be updated.
pub fn draw_confirm_update(frame: &mut Frame, pending: &PendingUpdate, keys: &KeyMap, area: Rect) {
    let question = format!(
        "{} is already saved ({}). Update it with the pasted credentials?",
        pending.existing.name,
        pending.why.describe()
    );
    let question = Question {
        keys,
        context: Context::Update,
        title: "Update org",
        question: &question,
        note: "Its refresh token and client secret are replaced; its name stays.",
        yes: "update",
        no: "back to the form",
    };
    super::question::draw(frame, &question, area);
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};

    use crate::tui::fixtures;
    use crate::tui::message::{Message, Pasted};

    const SECRET: &str = "5Aep861VIEWSECRET";

    /// The screen at 100x30.
    fn render(app: &crate::tui::app::App) -> String {
        fixtures::screen(app, 100, 30)
    }

    use fixtures::key_with as press;

    #[test]
    fn the_pasted_url_is_masked_and_its_error_shown() {
        let mut app = fixtures::app_with(vec![fixtures::org(
            "acme",
            "https://acme.my.salesforce.com",
        )]);
        press(&mut app, KeyCode::Char('p'), KeyModifiers::NONE);
        let screen = render(&app);
        assert!(
            screen.contains("Paste an auth URL") && screen.contains("force://…"),
            "{screen}"
        );
        assert!(
            screen.contains("Enter read") && screen.contains("Esc cancel"),
            "{screen}"
        );
        app.update(Message::Paste(Pasted::new(format!(
            "force://{SECRET}@acme.my.salesforce.com"
        ))));
        let screen = render(&app);
        assert!(
            !screen.contains(SECRET) && !screen.contains("force://5Aep"),
            "{screen}"
        );
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        let screen = render(&app);
        assert!(screen.contains("three parts"), "{screen}");
        assert!(!screen.contains(SECRET), "{screen}");
    }

    #[test]
    fn the_update_question_names_the_org_and_the_reason() {
        let mut app = fixtures::app_with(vec![fixtures::org(
            "acme",
            "https://acme.my.salesforce.com",
        )]);
        press(&mut app, KeyCode::Char('p'), KeyModifiers::NONE);
        app.update(Message::Paste(Pasted::new(format!(
            "force://PlatformCLI::{SECRET}@acme.my.salesforce.com"
        ))));
        press(&mut app, KeyCode::Enter, KeyModifiers::NONE);
        let screen = render(&app);
        assert!(screen.contains("Add an org from an auth URL"), "{screen}");
        assert!(!screen.contains(SECRET), "{screen}");
        let saved = app.orgs[0].clone();
        crate::tui::app::paste_tests::save_and_check(
            &mut app,
            Some((saved, crate::interop::Sameness::Name)),
        );
        let screen = render(&app);
        assert!(
            screen.contains("acme is already saved (same name)"),
            "{screen}"
        );
        assert!(
            screen.contains("y update") && screen.contains("n/q/Esc back"),
            "{screen}"
        );
        // n goes back to the form, which says once that nothing was saved.
        press(&mut app, KeyCode::Char('n'), KeyModifiers::NONE);
        let screen = render(&app);
        assert!(
            screen.contains("Not saved: acme is kept as it is"),
            "{screen}"
        );
    }
}
