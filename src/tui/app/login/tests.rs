//! Unit tests of `tui::app::login`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::ExposeSecret;

use super::*;
use crate::tui::fixtures;
use crate::tui::message::Message;

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Message::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ask(text: &str) -> Message {
    // The login's side of the reply is dropped: the tests read the answer off the effect.
    let (reply, _) = oneshot::channel();
    Message::LoginAsk(LoginQuestion {
        text: text.into(),
        reply,
    })
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
        matches!(&app.view.popup, Some(Popup::Form(f)) if f.mode == crate::tui::form::FormMode::Login)
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
    let mut app = fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
    let effects = submit_login(&mut app, "fresh");
    let [Effect::StartLogin(request)] = &effects[..] else {
        panic!("no login: {effects:?}");
    };
    assert_eq!(request.name, "fresh");
    assert!(request.again.is_none() && !request.device);
    assert_eq!(request.target.client_id, "PlatformCLI");
    assert_eq!(request.target.login_url, "https://login.salesforce.com");
    assert!(request.target.client_secret.is_none());
    let Some(Popup::Login(popup)) = &app.view.popup else {
        panic!("the waiting popup should replace the form");
    };
    assert_eq!(popup.name, "fresh");
    assert!(popup.url.is_none());
}

#[test]
fn a_taken_name_is_refused_in_the_form_before_any_login() {
    let mut app = fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
    let effects = submit_login(&mut app, "alpha");
    assert!(effects.is_empty(), "{effects:?}");
    let Some(Popup::Form(form)) = &app.view.popup else {
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
    let (cancel, mut cancelled) = oneshot::channel();
    app.update(Message::LoginWaiting {
        url: url.into(),
        opened: "No browser opened (this is an SSH session).".into(),
        cancel,
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
    assert!(app.view.status.as_ref().unwrap().text.contains("login URL"));
    assert!(matches!(app.view.popup, Some(Popup::Login(_))));
    assert!(
        cancelled
            .try_recv()
            .is_err_and(|e| e == oneshot::error::TryRecvError::Empty)
    );
    let effects = press(&mut app, KeyCode::Esc);
    assert!(effects.is_empty(), "{effects:?}");
    // The popup took the login's cancel handle with it: the login ends.
    assert_eq!(
        cancelled.try_recv(),
        Err(oneshot::error::TryRecvError::Closed)
    );
    assert!(app.view.popup.is_none());
    assert!(app.view.status.as_ref().unwrap().text.contains("cancelled"));
}

#[test]
fn a_finished_login_selects_the_new_org_and_a_failed_one_says_why() {
    let mut app = fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
    submit_login(&mut app, "fresh");
    let org = fixtures::org("fresh", "https://login.salesforce.com");
    let effects = app.update(Message::LoginDone(Ok((
        org.clone(),
        "logged in as fake.user@example.com; saved fresh".into(),
    ))));
    assert!(matches!(&effects[..], [Effect::LoadOrgs]));
    assert!(app.view.popup.is_none());
    app.update(Message::OrgsLoaded(Ok(vec![app.orgs[0].clone(), org])));
    assert_eq!(app.selected_org().unwrap().name, "fresh");

    submit_login(&mut app, "other");
    app.update(Message::LoginDone(Err(
        "Salesforce refused the login (access_denied); you clicked Deny".into(),
    )));
    assert!(app.view.popup.is_none());
    let status = app.view.status.as_ref().unwrap();
    assert_eq!(status.level, crate::tui::app::Level::Error);
    assert!(status.text.contains("access_denied"), "{}", status.text);
}

#[test]
fn a_login_of_a_user_saved_under_another_name_asks_first() {
    let mut app = fixtures::app_with(vec![fixtures::org("alpha", "https://login.salesforce.com")]);
    submit_login(&mut app, "fresh");
    let question = "You logged in as a user already saved as alpha. Store this login in alpha (its refresh token and settings are replaced)?";
    assert!(app.update(ask(question)).is_empty());
    let text = screen(&app);
    assert!(text.contains("already saved as alpha"), "{text}");
    assert!(text.contains("y store it"), "{text}");
    // Other keys wait for the answer; n discards the login.
    assert!(press(&mut app, KeyCode::Char('c')).is_empty());
    let effects = press(&mut app, KeyCode::Char('n'));
    assert!(matches!(&effects[..], [Effect::AnswerLogin(_, false)]));
    assert!(app.view.popup.is_none());

    // y stores it; the popup waits for the save.
    submit_login(&mut app, "fresh");
    app.update(ask(question));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(&effects[..], [Effect::AnswerLogin(_, true)]));
    assert!(matches!(&app.view.popup, Some(Popup::Login(p)) if p.question.is_none()));

    // With the popup gone (cancelled meanwhile), the answer is no.
    app.view.popup = None;
    let effects = app.update(ask(question));
    assert!(matches!(&effects[..], [Effect::AnswerLogin(_, false)]));
    assert!(app.view.status.as_ref().unwrap().text.contains("not saved"));
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
    let [Effect::StartLogin(request)] = &effects[..] else {
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

#[test]
fn shift_l_logs_in_again_into_the_selected_org_and_d_switches_to_a_device_code() {
    let mut app = fixtures::app_with(vec![fixtures::org(
        "alpha",
        "https://acme.my.salesforce.com",
    )]);
    assert!(app.hint_actions().contains(&Action::Login) || !app.orgs.is_empty());
    let effects = press(&mut app, KeyCode::Char('L'));
    let [Effect::StartLogin(job)] = &effects[..] else {
        panic!("no login: {effects:?}");
    };
    assert_eq!(job.name, "alpha");
    assert_eq!(job.again.as_ref(), Some(&app.orgs[0].id));
    assert_eq!(job.target.login_url, "https://acme.my.salesforce.com");
    assert_eq!(job.target.client_id, "3MVG9SNAPSHOTCLIENTID");
    assert!(!job.device);
    // d does nothing until the browser login is under way.
    assert!(press(&mut app, KeyCode::Char('d')).is_empty());
    let (cancel, mut cancelled) = oneshot::channel();
    app.update(Message::LoginWaiting {
        url: "https://acme.my.salesforce.com/services/oauth2/authorize?x".into(),
        opened: "Opened your browser.".into(),
        cancel,
    });
    assert!(
        screen(&app).contains("d use a code instead"),
        "{}",
        screen(&app)
    );
    let effects = press(&mut app, KeyCode::Char('d'));
    let [Effect::StartLogin(job)] = &effects[..] else {
        panic!("no device login: {effects:?}");
    };
    assert!(job.device && job.again.is_some());
    // The browser login ends with the popup that held its cancel handle.
    assert_eq!(
        cancelled.try_recv(),
        Err(oneshot::error::TryRecvError::Closed)
    );
    assert!(matches!(&app.view.popup, Some(Popup::Login(p)) if p.url.is_none()));
}
