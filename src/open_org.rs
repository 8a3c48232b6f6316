//! Opening a saved org in the browser from a long-running front end (the TUI's `o`): a login
//! URL made with the stored access token (or a fresh one when none is usable), made once more
//! with a fresh token when Salesforce says the session ended, then handed to the browser through
//! the one-time loopback redirect, so the URL never reaches another process's argv or the log.

use std::time::Duration;

use secrecy::SecretString;

use crate::login::handoff::{Handed, Handoff};
use crate::login::{Opened, open_browser_with};
use crate::org::Org;
use crate::salesforce::frontdoor::{FrontDoor, FrontDoorKind, front_door};
use crate::salesforce::{ApiError, HttpClient};
use crate::saved_org::blocking;
use crate::saved_org::refresh::{ClientFor, RefreshError, RefreshOptions, refresh_org_with};
use crate::store::{SecretKind, Store, StoreError};

/// How long the browser has to come for the login URL.
pub const HANDOFF_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the org could not be opened; never holds the URL or a token.
#[derive(Debug, thiserror::Error)]
pub enum OpenOrgError {
    /// The refresh needed for a usable access token failed.
    #[error("refreshing first failed: {0}")]
    Refresh(#[from] RefreshError),
    /// The keyring could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Salesforce refused or failed to make the login URL.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// The refresh answered without an access token or instance URL.
    #[error("the refresh answer had no access token or instance URL")]
    Incomplete,
    /// No loopback port for the hand-off.
    #[error("cannot listen on 127.0.0.1 to hand the login URL to the browser: {0}")]
    Listen(std::io::Error),
    /// No browser could be started.
    #[error("{0}")]
    NoBrowser(String),
    /// The browser never came for the URL.
    #[error("the browser did not come for the login URL within {} s; nothing was opened", HANDOFF_TIMEOUT.as_secs())]
    TimedOut,
}

/// An org opened in the browser: how, and with which program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedOrg {
    /// What kind of URL was handed over.
    pub kind: FrontDoorKind,
    /// The browser program.
    pub program: String,
    /// Whether a refresh was needed first (the org's saved metadata changed).
    pub refreshed: bool,
}

/// A login URL for `org` landing on `path`: with the stored access token unless it is missing
/// or known dead, and once more with a fresh one when Salesforce says the session ended.
/// Returns whether a refresh happened.
pub async fn login_url(
    store: &Store,
    org: &Org,
    client: &HttpClient,
    path: Option<&str>,
) -> Result<(FrontDoor, bool), OpenOrgError> {
    let id = org.id.clone();
    let stored = if org.dead_access_token().is_none() && org.instance_url.is_some() {
        blocking(store, move |s| s.secret(&id, SecretKind::AccessToken)).await?
    } else {
        None
    };
    if let Some(token) = stored {
        let instance = org.instance_url.as_deref().unwrap_or_default();
        match front_door(client, instance, &token, path).await {
            Err(e) if e.is_session_expired() => {}
            other => return Ok((other?, false)),
        }
    }
    let (token, instance) = fresh_token(store, org, client).await?;
    Ok((front_door(client, &instance, &token, path).await?, true))
}

/// Refreshes through the one refresh path: the new access token and the instance URL.
async fn fresh_token(
    store: &Store,
    org: &Org,
    client: &HttpClient,
) -> Result<(SecretString, String), OpenOrgError> {
    let done = refresh_org_with(
        store,
        org,
        ClientFor::Ready(client),
        &RefreshOptions::default(),
    )
    .await?;
    let token = done.success.token.access_token();
    match (token, done.org.instance_url) {
        (Some(token), Some(instance)) => Ok((token, instance)),
        _ => Err(OpenOrgError::Incomplete),
    }
}

/// Opens `org` in the browser (`SFKEY_BROWSER`, else the system's opener), logged in.
pub async fn open_in_browser(
    store: &Store,
    org: &Org,
    client: &HttpClient,
    path: Option<&str>,
) -> Result<OpenedOrg, OpenOrgError> {
    let (door, refreshed) = login_url(store, org, client, path).await?;
    let program = hand_over(&door, None, |_| {}).await?;
    Ok(OpenedOrg {
        kind: door.kind,
        program,
        refreshed,
    })
}

/// Hands `door` to the browser through the one-time loopback redirect: starts `browser` (a
/// command; `None`: `SFKEY_BROWSER`, else the system's opener) on the loopback address, tells
/// `started` which program it ran, and waits for the browser to come. Returns the program.
pub async fn hand_over(
    door: &FrontDoor,
    browser: Option<&str>,
    started: impl FnOnce(&str),
) -> Result<String, OpenOrgError> {
    let handoff = Handoff::bind().await.map_err(OpenOrgError::Listen)?;
    let program = match open_browser_with(browser, &handoff.local_url) {
        Opened::Started(program) => program,
        Opened::NotTried(why) | Opened::Failed(why) => return Err(OpenOrgError::NoBrowser(why)),
    };
    started(&program);
    match handoff.serve_once(&door.url, HANDOFF_TIMEOUT).await {
        Handed::Done => Ok(program),
        Handed::TimedOut => Err(OpenOrgError::TimedOut),
    }
}
