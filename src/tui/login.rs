//! The login task behind `l`: listen for the redirect, open the browser, wait (until `Esc`),
//! exchange the code, save the org; each step reported to the app by message.

use tokio::sync::oneshot;

use crate::login::{self, BrowserLogin, DEFAULT_PORT, LoginError, Opened, open_browser};
use crate::org::Org;
use crate::salesforce::{HttpClient, HttpSettings, TokenError, TransportError};
use crate::store::Store;

use super::message::{LoginRequest, Message};

/// The redirect port: `SFKEY_LOGIN_PORT` (as `sfkey login --port`), else 1717.
fn port() -> u16 {
    std::env::var("SFKEY_LOGIN_PORT")
        .ok()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(DEFAULT_PORT)
}

/// Runs one login and reports its end; a cancelled login reports nothing (the app already
/// closed its popup).
pub(super) async fn run(
    store: Store,
    settings: HttpSettings,
    request: LoginRequest,
    cancel: oneshot::Receiver<()>,
    send: impl Fn(Message),
) {
    match log_in(store, settings, request, cancel, &send).await {
        Ok(done) => send(Message::LoginDone(Ok(done))),
        Err(LoginError::Cancelled) => {}
        Err(e) => send(Message::LoginDone(Err(e.to_string()))),
    }
}

async fn log_in(
    store: Store,
    settings: HttpSettings,
    request: LoginRequest,
    cancel: oneshot::Receiver<()>,
    send: &impl Fn(Message),
) -> Result<(Org, String), LoginError> {
    let LoginRequest { name, target } = request;
    let timeout = login::timeout_from_env().unwrap_or(login::DEFAULT_TIMEOUT);
    let login = BrowserLogin::start(target.clone(), port()).await?;
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
    send(Message::LoginWaiting { url, opened });
    let client_url = target.login_url.clone();
    let limit = settings.total_timeout;
    let client = tokio::task::spawn_blocking(move || HttpClient::for_url(&client_url, &settings))
        .await
        .unwrap_or_else(|e| Err(TransportError::client_task_failed(e, limit)))
        .map_err(|e| LoginError::Token(TokenError::Transport(e)))?;
    let cancelled = async {
        // A dropped sender (the app is leaving) cancels too.
        let _ = cancel.await;
    };
    let logged_in = login.finish(&client, timeout, cancelled).await?;
    let saved = tokio::task::spawn_blocking(move || {
        login::save(&store, &name, &target, &logged_in, false).map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()))
    .map_err(LoginError::Save)?;
    let summary = format!(
        "logged in as {}; saved {} with its refresh token",
        saved.org.username.as_deref().unwrap_or("an unknown user"),
        saved.org.name
    );
    Ok((saved.org, summary))
}
