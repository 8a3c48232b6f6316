//! The login popup's part of `update`: a submitted login form becomes the waiting popup, `Esc`
//! cancels the login, and its end adds the org to the list or says why not.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Popup};
use crate::org::Org;
use crate::tui::message::{CopyVia, Effect};

impl App {
    /// The login asks before it saves: the popup shows the question; with the popup gone (the
    /// login was cancelled meanwhile) the answer is no.
    pub(super) fn on_login_ask(&mut self, question: String) -> Vec<Effect> {
        if let Some(Popup::Login(popup)) = &mut self.popup {
            popup.question = Some(question);
            return Vec::new();
        }
        self.error("login not saved: the user is already saved under another name");
        vec![Effect::AnswerLogin(false)]
    }

    /// Keys while the login waits: `c` copies the URL, `Esc` cancels (Ctrl-C is handled before);
    /// on a question, `y` or `n`.
    pub(super) fn on_login_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if let Some(Popup::Login(popup)) = &mut self.popup
            && popup.question.is_some()
        {
            let yes = match key.code {
                KeyCode::Char('y' | 'Y') => true,
                KeyCode::Char('n' | 'N') | KeyCode::Esc => false,
                _ => return Vec::new(),
            };
            if yes {
                popup.question = None;
                popup.opened = "saving…".into();
            } else {
                self.popup = None;
                self.info("login not saved");
            }
            return vec![Effect::AnswerLogin(yes)];
        }
        if key.code == KeyCode::Char('c')
            && let Some(Popup::Login(popup)) = &self.popup
            && let Some(url) = &popup.url
        {
            return vec![Effect::CopyLoginUrl(url.clone())];
        }
        if key.code != KeyCode::Esc {
            return Vec::new();
        }
        self.popup = None;
        // A code already received is still exchanged and saved; its result shows then.
        self.info("login cancelled");
        vec![Effect::CancelLogin]
    }

    pub(super) fn on_login_waiting(&mut self, url: String, opened: String) -> Vec<Effect> {
        if let Some(Popup::Login(popup)) = &mut self.popup {
            popup.url = Some(url);
            popup.opened = opened;
        }
        Vec::new()
    }

    pub(super) fn on_login_url_copied(&mut self, result: Result<CopyVia, String>) -> Vec<Effect> {
        match result {
            Ok(CopyVia::System) => self.info("copied the login URL (system clipboard)"),
            Ok(CopyVia::Terminal) => self.info("sent the login URL via OSC 52"),
            Err(why) => self.error(why),
        }
        Vec::new()
    }

    pub(super) fn on_login_done(&mut self, result: Result<(Org, String), String>) -> Vec<Effect> {
        if matches!(self.popup, Some(Popup::Login(_))) {
            self.popup = None;
        }
        match result {
            Ok((org, summary)) => {
                self.info(summary);
                self.pending_select = Some(org.id);
                vec![Effect::LoadOrgs]
            }
            Err(why) => {
                self.error(format!("login failed: {why}"));
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyModifiers;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use secrecy::ExposeSecret;

    use super::*;
    use crate::tui::fixtures;
    use crate::tui::message::Message;

    fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
        app.update(Message::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn paste(app: &mut App, text: &str) {
        app.update(Message::Paste(crate::tui::message::Pasted::new(
            text.into(),
        )));
    }

    fn screen(app: &App) -> String {
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        terminal.draw(|f| crate::tui::view::draw(f, app)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let mut rows = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                rows.push_str(buffer[(x, y)].symbol());
            }
            rows.push('\n');
        }
        rows
    }

    /// `l`, a name, production, no site, no client id: a login with PlatformCLI.
    fn submit_login(app: &mut App, name: &str) -> Vec<Effect> {
        press(app, KeyCode::Char('l'));
        assert!(
            matches!(&app.popup, Some(Popup::Form(f)) if f.mode == crate::tui::form::FormMode::Login)
        );
        paste(app, name);
        press(app, KeyCode::Tab); // login: production
        press(app, KeyCode::Tab); // site
        press(app, KeyCode::Tab); // client id
        paste(app, " ");
        press(app, KeyCode::Tab); // client secret: the last field, no refresh token field
        press(app, KeyCode::Enter)
    }

    #[test]
    fn l_opens_a_login_form_that_starts_a_login_with_the_cli_app() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
        let effects = submit_login(&mut app, "fresh");
        let [Effect::Login(request)] = &effects[..] else {
            panic!("no login: {effects:?}");
        };
        assert_eq!(request.name, "fresh");
        assert_eq!(request.target.client_id, "PlatformCLI");
        assert_eq!(request.target.login_url, "https://login.salesforce.com");
        assert!(request.target.client_secret.is_none());
        let Some(Popup::Login(popup)) = &app.popup else {
            panic!("the waiting popup should replace the form");
        };
        assert_eq!(popup.name, "fresh");
        assert!(popup.url.is_none());
    }

    #[test]
    fn a_taken_name_is_refused_in_the_form_before_any_login() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
        let effects = submit_login(&mut app, "alpha");
        assert!(effects.is_empty(), "{effects:?}");
        let Some(Popup::Form(form)) = &app.popup else {
            panic!("the form should stay");
        };
        assert!(
            form.errors
                .iter()
                .any(|(_, e)| e.contains("already exists"))
        );
    }

    #[test]
    fn the_popup_shows_the_url_and_esc_cancels_the_login() {
        let mut app = fixtures::app_with(Vec::new());
        submit_login(&mut app, "fresh");
        let url = "https://login.salesforce.com/services/oauth2/authorize?response_type=code&client_id=PlatformCLI&state=abc";
        app.update(Message::LoginWaiting {
            url: url.into(),
            opened: "No browser opened (this is an SSH session).".into(),
        });
        let text = screen(&app);
        assert!(text.contains("Log in: fresh"), "{text}");
        assert!(text.contains("SSH session"), "{text}");
        assert!(text.contains("Esc cancels"), "{text}");
        let glued: String = text
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
            .collect();
        assert!(glued.contains("client_id=PlatformCLI"), "{text}");
        // Other keys do nothing while waiting; c copies the URL.
        assert!(press(&mut app, KeyCode::Char('r')).is_empty());
        let effects = press(&mut app, KeyCode::Char('c'));
        assert!(matches!(&effects[..], [Effect::CopyLoginUrl(u)] if u == url));
        app.update(Message::LoginUrlCopied(Ok(CopyVia::Terminal)));
        assert!(app.status.as_ref().unwrap().text.contains("login URL"));
        assert!(matches!(app.popup, Some(Popup::Login(_))));
        let effects = press(&mut app, KeyCode::Esc);
        assert!(matches!(&effects[..], [Effect::CancelLogin]));
        assert!(app.popup.is_none());
        assert!(app.status.as_ref().unwrap().text.contains("cancelled"));
    }

    #[test]
    fn a_finished_login_selects_the_new_org_and_a_failed_one_says_why() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
        submit_login(&mut app, "fresh");
        let org = fixtures::org("fresh", "https://login.salesforce.com");
        let effects = app.update(Message::LoginDone(Ok((
            org.clone(),
            "logged in as fake.user@example.com; saved fresh".into(),
        ))));
        assert!(matches!(&effects[..], [Effect::LoadOrgs]));
        assert!(app.popup.is_none());
        app.update(Message::OrgsLoaded(Ok(vec![app.orgs[0].clone(), org])));
        assert_eq!(app.selected_org().unwrap().name, "fresh");

        submit_login(&mut app, "other");
        app.update(Message::LoginDone(Err(
            "Salesforce refused the login (access_denied); you clicked Deny".into(),
        )));
        assert!(app.popup.is_none());
        let status = app.status.as_ref().unwrap();
        assert_eq!(status.level, crate::tui::app::Level::Error);
        assert!(status.text.contains("access_denied"), "{}", status.text);
    }

    #[test]
    fn a_login_of_a_user_saved_under_another_name_asks_first() {
        let mut app =
            fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
        submit_login(&mut app, "fresh");
        let question = "You logged in as a user already saved as alpha. Store this login in alpha (its refresh token and settings are replaced)?";
        assert!(app.update(Message::LoginAsk(question.into())).is_empty());
        let text = screen(&app);
        assert!(text.contains("already saved as alpha"), "{text}");
        assert!(text.contains("y store it"), "{text}");
        // Other keys wait for the answer; n discards the login.
        assert!(press(&mut app, KeyCode::Char('c')).is_empty());
        let effects = press(&mut app, KeyCode::Char('n'));
        assert!(matches!(&effects[..], [Effect::AnswerLogin(false)]));
        assert!(app.popup.is_none());

        // y stores it; the popup waits for the save.
        submit_login(&mut app, "fresh");
        app.update(Message::LoginAsk(question.into()));
        let effects = press(&mut app, KeyCode::Char('y'));
        assert!(matches!(&effects[..], [Effect::AnswerLogin(true)]));
        assert!(matches!(&app.popup, Some(Popup::Login(p)) if p.question.is_none()));

        // With the popup gone (cancelled meanwhile), the answer is no.
        app.popup = None;
        let effects = app.update(Message::LoginAsk(question.into()));
        assert!(matches!(&effects[..], [Effect::AnswerLogin(false)]));
        assert!(app.status.as_ref().unwrap().text.contains("not saved"));
    }

    #[test]
    fn a_secret_typed_in_the_login_form_travels_only_in_the_effect() {
        let mut app = fixtures::app_with(Vec::new());
        press(&mut app, KeyCode::Char('l'));
        paste(&mut app, "mine");
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Tab);
        paste(&mut app, "3MVG9own");
        press(&mut app, KeyCode::Tab);
        paste(&mut app, "s3cr3tVALUE");
        let shown = screen(&app);
        assert!(shown.contains("Log in with the browser"), "{shown}");
        assert!(shown.contains("opens the browser to log in"), "{shown}");
        assert!(!shown.contains("Refresh token"), "{shown}");
        assert!(!shown.contains("s3cr3tVALUE"), "{shown}");
        let effects = press(&mut app, KeyCode::Enter);
        let [Effect::Login(request)] = &effects[..] else {
            panic!("no login: {effects:?}");
        };
        assert_eq!(request.target.client_id, "3MVG9own");
        assert_eq!(
            request
                .target
                .client_secret
                .as_ref()
                .unwrap()
                .expose_secret(),
            "s3cr3tVALUE"
        );
        assert!(!format!("{effects:?}").contains("s3cr3tVALUE"));
    }
}
