//! `o`: the selected org in the browser. The task makes the login URL and hands it over; the
//! app only says what is going on and what came of it.

use super::App;
use super::Effect;
use crate::open_org::OpenedOrg;

impl App {
    /// `o`: asks the tasks to open the selected org.
    pub(super) fn open_selected(&mut self) -> Vec<Effect> {
        let Some(org) = self.selected_org().cloned() else {
            self.no_org();
            return Vec::new();
        };
        if org.instance_url.is_none() && org.last_refresh.is_none() {
            self.info(format!(
                "opening {}: refreshing first (no session yet)...",
                org.name
            ));
        } else {
            self.info(format!("opening {} in the browser...", org.name));
        }
        vec![Effect::Open(org)]
    }

    /// The browser got the login URL (or not).
    pub(super) fn on_opened(
        &mut self,
        org: &str,
        result: Result<OpenedOrg, String>,
    ) -> Vec<Effect> {
        match result {
            Ok(opened) => {
                self.info(format!(
                    "opened {org} in the browser ({}) with {}, handed over through a one-time loopback redirect",
                    crate::escape::escape(&opened.program),
                    opened.kind.words()
                ));
                // A refresh on the way changed the org's saved metadata.
                if opened.refreshed {
                    return vec![Effect::LoadOrgs];
                }
                Vec::new()
            }
            Err(why) => {
                self.error(format!("cannot open {org}: {why}"));
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::super::{Level, Message};
    use super::*;
    use crate::salesforce::frontdoor::FrontDoorKind;
    use crate::tui::fixtures;

    fn key(c: char) -> Message {
        Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn o_asks_to_open_the_selected_org_and_says_what_came_of_it() {
        let mut app = fixtures::app_with(vec![
            fixtures::org("alpha", "https://login.salesforce.com"),
            fixtures::org("beta", "https://test.salesforce.com"),
        ]);
        app.update(key('j'));
        let effects = app.update(key('o'));
        assert!(
            matches!(effects.as_slice(), [Effect::Open(org)] if org.name == "beta"),
            "{effects:?}"
        );
        assert!(
            app.view
                .status
                .as_ref()
                .is_some_and(|s| s.text.contains("beta"))
        );

        let opened = OpenedOrg {
            kind: FrontDoorKind::SingleAccess,
            program: "firefox".into(),
            refreshed: true,
        };
        let effects = app.update(Message::Opened {
            org: "beta".into(),
            result: Ok(opened),
        });
        // The refresh on the way changed the saved org: the list reloads.
        assert!(
            matches!(effects.as_slice(), [Effect::LoadOrgs]),
            "{effects:?}"
        );
        let status = fixtures::status(&app);
        assert_eq!(status.level, Level::Info);
        assert!(status.text.contains("opened beta in the browser (firefox)"));
        assert!(status.text.contains("single-use"), "{}", status.text);

        app.update(Message::Opened {
            org: "beta".into(),
            result: Err("no browser here".into()),
        });
        let status = fixtures::status(&app);
        assert_eq!(status.level, Level::Error);
        assert_eq!(status.text, "cannot open beta: no browser here");
    }

    #[test]
    fn o_without_an_org_says_how_to_add_one() {
        let mut app = fixtures::app_with(Vec::new());
        assert!(app.update(key('o')).is_empty());
        assert!(
            app.view
                .status
                .as_ref()
                .is_some_and(|s| s.level == Level::Error)
        );
    }
}
