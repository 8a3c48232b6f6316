//! A refresh token that only lives in memory because the keyring refused it: the org's state
//! holds it (never shown), the next refresh saves it first, and quitting asks before losing it.

use super::App;

impl App {
    /// The names of orgs whose live refresh token is only in memory.
    pub fn unsaved_names(&self) -> Vec<String> {
        self.orgs
            .iter()
            .filter(|o| {
                self.panels
                    .get(&o.id)
                    .is_some_and(|p| p.unsaved_refresh_token.is_some())
            })
            .map(|o| o.name.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent};
    use secrecy::SecretString;

    use super::*;
    use crate::saved_org::refresh::{RefreshError, RefreshEvent};
    use crate::saved_org::rotation::NotSaved;
    use crate::store::{SecretError, StoreError};
    use crate::tui::fixtures;
    use crate::tui::message::{Message, RefreshOutcome};
    use crate::tui::state::Level;

    const LIVE: &str = "5Aep861FAKEROTATEDliveTokenOnlyInMemory";

    fn not_saved(org: &crate::org::Org) -> Message {
        Message::RefreshDone {
            id: org.id.clone(),
            outcome: Box::new(RefreshOutcome::Failure(RefreshError::RotationNotSaved(
                NotSaved {
                    error: StoreError::Secret(SecretError::Locked("prompt dismissed".into())),
                    attempts: 3,
                    refresh_token: SecretString::from(LIVE),
                },
            ))),
        }
    }

    fn q(app: &mut App) -> Vec<crate::tui::message::Effect> {
        app.update(Message::Key(KeyEvent::from(KeyCode::Char('q'))))
    }

    /// The whole screen, wide enough that no line of the token pane wraps.
    fn pane(app: &App) -> String {
        screen(app, 400, 40)
    }

    /// The app drawn on a `cols` x `rows` screen.
    fn screen(app: &App, cols: u16, rows: u16) -> String {
        let backend = ratatui::backend::TestBackend::new(cols, rows);
        let mut terminal = ratatui::Terminal::new(backend).unwrap();
        terminal
            .draw(|frame| crate::tui::view::draw(frame, app))
            .unwrap();
        terminal.backend().to_string()
    }

    #[test]
    fn a_refused_rotation_is_loud_never_shows_the_token_and_quit_asks_twice() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("rot", "https://login.salesforce.com")]);
        let org = app.orgs[0].clone();
        app.update(not_saved(&org));
        assert!(app.panels[&org.id].unsaved_refresh_token.is_some());
        assert_eq!(
            app.view.status.as_ref().map(|s| s.level),
            Some(Level::Error)
        );
        let shown = pane(&app);
        assert!(shown.contains("the keyring refused it 3 times"), "{shown}");
        assert!(
            shown.contains("keeps the new refresh token in memory"),
            "{shown}"
        );
        assert!(shown.contains("press r"), "{shown}");
        assert!(!shown.contains(LIVE), "{shown}");
        assert!(!format!("{app:?}").contains(LIVE), "Debug shows the token");
        // The request did go out: the response pane must not say otherwise.
        assert!(!shown.contains("No request was sent"), "{shown}");
        assert!(
            shown.contains(
                "Salesforce answered with a new refresh token, which the keyring refused"
            ),
            "{shown}"
        );
        // The list marks the org, in words, wherever the selection is.
        assert!(shown.contains("⚠ unsaved"), "{shown}");

        // The first q warns and stays; the second leaves.
        assert!(q(&mut app).is_empty());
        assert!(!app.should_exit());
        let warning = app.view.status.as_ref().unwrap().text.clone();
        assert!(
            warning.contains("rot") && warning.contains("only in memory"),
            "{warning}"
        );
        // On a 100-column status line the key and its cost are not cut: the warning wraps
        // to a second row rather than give way to the hints.
        let screen = screen(&app, 100, 30);
        let rows: Vec<&str> = screen
            .lines()
            .skip(28)
            .map(|l| l.trim_matches('"').trim())
            .collect();
        let status = rows.join(" ");
        assert!(
            status.contains("q again quits and loses the new refresh token of rot (only in memory"),
            "{screen}"
        );
        assert!(
            status.ends_with("then r saves it │ ? help q quit"),
            "{screen}"
        );
        q(&mut app);
        assert!(app.should_exit());
    }

    #[test]
    fn a_later_save_or_success_clears_the_warning() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("rot", "https://login.salesforce.com")]);
        let org = app.orgs[0].clone();
        app.update(not_saved(&org));
        app.update(Message::Refreshing {
            id: org.id.clone(),
            event: RefreshEvent::RefreshTokenSaved,
        });
        assert!(app.unsaved_names().is_empty());
        app.update(not_saved(&org));
        app.update(fixtures::success(&org));
        assert!(app.unsaved_names().is_empty());
        q(&mut app);
        assert!(app.should_exit(), "nothing to lose: one q is enough");
    }

    #[test]
    fn the_next_refresh_carries_the_token_kept_in_memory() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("rot", "https://login.salesforce.com")]);
        let org = app.orgs[0].clone();
        app.update(not_saved(&org));
        let effects = app.update(Message::Key(KeyEvent::from(KeyCode::Char('r'))));
        let [crate::tui::message::Effect::Refresh(job)] = &effects[..] else {
            panic!("no refresh: {effects:?}");
        };
        use secrecy::ExposeSecret;
        let carried = job
            .unsaved_refresh_token
            .as_ref()
            .map(|t| t.expose_secret());
        assert_eq!(carried, Some(LIVE));
        assert!(
            !format!("{effects:?}").contains(LIVE),
            "Debug shows the token"
        );
        // Saved by that refresh: the state lets go of it.
        app.update(Message::Refreshing {
            id: org.id.clone(),
            event: RefreshEvent::RefreshTokenSaved,
        });
        assert!(app.unsaved_names().is_empty());
    }

    #[test]
    fn the_busy_retry_is_announced() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("busy", "https://login.salesforce.com")]);
        let org = app.orgs[0].clone();
        app.update(Message::Refreshing {
            id: org.id.clone(),
            event: RefreshEvent::RetryingBusy {
                after: std::time::Duration::from_secs(1),
            },
        });
        let status = app.view.status.as_ref().unwrap();
        assert_eq!(status.level, Level::Info);
        assert!(
            status
                .text
                .contains("busy: token request already being processed; retrying once in 1 s"),
            "{}",
            status.text
        );
    }
}
