//! The login task: a new org (the log-in form) or again into a saved one; with the browser
//! (listen for the redirect, open the browser, wait, exchange the code) or with a code typed on
//! another device (the device flow); then save the org. Each step is reported by message.

use tokio::sync::oneshot;

use crate::login::{
    self, BrowserLogin, DeviceLogin, DevicePolling, LoggedIn, LoginError, LoginTarget, Opened,
    SaveError, Saved, open_browser,
};
use crate::org::Org;
use crate::salesforce::{HttpClient, HttpSettings, TokenError, TransportError};
use crate::store::{SecretKind, Store};

use super::message::{LoginJob, Message};
use super::state::LoginQuestion;

/// What storing a login came to, with the login handed back for a second try.
type SaveTry = (Result<Saved, SaveError>, Box<LoggedIn>, LoginTarget);

/// Stores the login off the runtime.
async fn save_blocking(
    store: Store,
    name: String,
    target: LoginTarget,
    logged_in: Box<LoggedIn>,
    replace: bool,
) -> Result<SaveTry, LoginError> {
    tokio::task::spawn_blocking(move || {
        let result = login::save(&store, &name, &target, &logged_in, replace);
        (result, logged_in, target)
    })
    .await
    .map_err(|e| LoginError::Save(e.to_string()))
}

fn save_failed(e: SaveError) -> LoginError {
    match e {
        SaveError::Store(e) => LoginError::Save(e.to_string()),
        other => LoginError::AlreadySaved(other.to_string()),
    }
}

/// Runs one login and reports its end; a cancelled login reports nothing (the app already
/// closed its popup). The popup gets the login's cancel handle with [`Message::LoginWaiting`]
/// and each question's reply handle with [`Message::LoginAsk`]; a dropped handle cancels.
pub(super) async fn run(
    store: Store,
    settings: HttpSettings,
    job: LoginJob,
    send: impl Fn(Message),
) {
    match log_in(store, settings, job, &send).await {
        Ok(done) => send(Message::LoginDone(Ok(done))),
        Err(LoginError::Cancelled) => {}
        Err(e) => send(Message::LoginDone(Err(e.to_string()))),
    }
}

/// Puts a yes/no question to the user; a dropped reply (the popup is gone) is a no.
async fn ask(send: &impl Fn(Message), text: String) -> bool {
    let (reply, answer) = oneshot::channel();
    send(Message::LoginAsk(LoginQuestion { text, reply }));
    matches!(answer.await, Ok(true))
}

async fn log_in(
    store: Store,
    settings: HttpSettings,
    job: LoginJob,
    send: &impl Fn(Message),
) -> Result<(Org, String), LoginError> {
    let LoginJob {
        name,
        mut target,
        again,
        device,
    } = job;
    let replace = again.is_some();
    if let Some(id) = again {
        // Logging in again: the saved org's client secret goes with the same app.
        let store = store.clone();
        target.client_secret =
            tokio::task::spawn_blocking(move || store.secret(&id, SecretKind::ClientSecret))
                .await
                .map_err(|e| LoginError::Save(e.to_string()))?
                .map_err(|e| LoginError::Save(e.to_string()))?;
    }
    let client_url = target.login_url.clone();
    let limit = settings.total_timeout;
    let client = tokio::task::spawn_blocking(move || HttpClient::for_url(&client_url, &settings))
        .await
        .unwrap_or_else(|e| Err(TransportError::client_task_failed(e, limit)))
        .map_err(|e| LoginError::Token(TokenError::Transport(e)))?;
    let (cancel_tx, cancel) = oneshot::channel();
    let cancelled = async {
        // A dropped sender (the popup closed, or the app is leaving) cancels too.
        let _ = cancel.await;
    };
    let logged_in = if device {
        let login = DeviceLogin::start(&client, target.clone()).await?;
        send(Message::LoginWaiting {
            url: login.verification_uri.clone(),
            opened: format!(
                "On any device with a browser, open this URL and enter the code {} (it lasts {}):",
                login.user_code,
                login::wait_text(login.expires_in)
            ),
            cancel: cancel_tx,
        });
        login
            .finish(&client, &DevicePolling::default(), cancelled)
            .await?
    } else {
        let timeout = login::timeout_from_env().unwrap_or(login::DEFAULT_TIMEOUT);
        let login = BrowserLogin::start(target.clone(), login::app_port()).await?;
        let url = login.authorize_url.clone();
        let opened = match open_browser(&url) {
            Opened::Started(program) => {
                format!("Opened your browser ({program}). If nothing opened, open this URL:")
            }
            Opened::NotTried(why) | Opened::Failed(why) => format!(
                "No browser opened ({why}). Open this URL in a browser; from another machine, forward the port first (ssh -L {p}:localhost:{p} HOST):",
                p = login.port()
            ),
        };
        send(Message::LoginWaiting {
            url,
            opened,
            cancel: cancel_tx,
        });
        login.finish(&client, timeout, cancelled).await?
    };
    let logged_in = Box::new(logged_in);
    let (first, logged_in, target) =
        save_blocking(store.clone(), name, target, logged_in, replace).await?;
    let saved = match first {
        Ok(saved) => saved,
        // The user is saved under another name: ask before storing the login in that org.
        Err(SaveError::AlreadySaved { existing, .. }) => {
            let question = format!(
                "You logged in as a user already saved as {existing}. Store this login in {existing} (its refresh token and settings are replaced)?"
            );
            if !ask(send, question).await {
                return Err(LoginError::Cancelled);
            }
            let (second, _, _) = save_blocking(store, existing, target, logged_in, true).await?;
            second.map_err(save_failed)?
        }
        Err(e) => return Err(save_failed(e)),
    };
    let user = saved.org.username.as_deref().unwrap_or("an unknown user");
    let summary = if saved.replaced {
        format!("updated {}: logged in as {user}", saved.org.name)
    } else {
        format!(
            "logged in as {user}; saved {} with its refresh token",
            saved.org.name
        )
    };
    Ok((saved.org, summary))
}
