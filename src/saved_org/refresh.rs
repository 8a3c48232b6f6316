//! Refreshing a saved org: secrets from the keyring, the grant, a rotated refresh token saved
//! before anything else, then the access token and the org's metadata. The CLI and TUI share it.

use std::sync::Arc;

use secrecy::SecretString;

use crate::saved_org::rotation::NotSaved;

use crate::org::{Org, OrgKind};
use crate::remedy::{Advice, Remedy, act};
use crate::salesforce::grants::KeyError;
use crate::salesforce::{
    HttpClient, HttpSettings, SignatureCheck, TokenError, TokenSuccess, TransportError,
};
use crate::store::{OrgLock, SecretKind, Store, StoreError};

use super::Cancel;
use super::blocking;
use super::grant::{grant_and_store, keep_refresh_token, transport};

/// A successful refresh of a saved org.
#[derive(Debug)]
pub struct Refreshed {
    /// The org with its metadata updated.
    pub org: Org,
    /// What Salesforce answered.
    pub success: TokenSuccess,
    /// Whether Salesforce rotated the refresh token (and we stored the new one).
    pub rotated: bool,
    /// The answer's `signature` checked against the client secret, which stays in here.
    pub signature: SignatureCheck,
}

/// Why refreshing a saved org failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Reading the org or its secrets failed; nothing was sent.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The org has no refresh token in the keyring.
    #[error("org {0:?} has no refresh token in the keyring")]
    NoRefreshToken(String),
    /// A JWT bearer or client credentials org lacks its private key or client secret.
    #[error(
        "org {name:?} has no {what} in the keyring",
        name = .0,
        what = .1.words()
    )]
    MissingSecret(String, SecretKind),
    /// An access-token-only org: nothing can get it a new token.
    #[error("org {0:?} holds an access token only, and sfkey has no way to get a new one")]
    CannotRefresh(String),
    /// The stored private key of a JWT bearer org cannot sign; nothing was sent.
    #[error("{0}")]
    PrivateKey(KeyError),
    /// The token call failed.
    #[error("{0}{note}", note = spent_note(.0))]
    Token(TokenError),
    /// Salesforce refused the client (`invalid_client`) and no client secret is stored: the
    /// app needs one, it is not a wrong one.
    #[error("{0}; no client secret is stored for this org, and its connected app needs one")]
    NoClientSecret(Box<TokenError>),
    /// Salesforce rotated the refresh token and the keyring refused the new one, even after
    /// retries: the old one is dead, and the error carries the only working one (masked).
    #[error(transparent)]
    RotationNotSaved(NotSaved),
    /// The token arrived and the rotated refresh token (if any) is saved, but storing the access
    /// token or the org's metadata failed.
    #[error("the refresh worked but saving its result failed: {0}")]
    SaveFailed(StoreError),
    /// Stopped by the user before the request went out.
    #[error("cancelled before anything was sent")]
    Cancelled,
}

/// After a refresh whose answer was lost: why sfkey did not retry, and what it may have cost.
fn spent_note(error: &TokenError) -> &'static str {
    match error {
        TokenError::Transport(t) if t.outcome_unknown => {
            ", so sfkey did not retry it: if this org rotates refresh tokens, the stored one may already be spent"
        }
        _ => "",
    }
}

impl RefreshError {
    /// The token error, when the call itself failed.
    pub fn token_error(&self) -> Option<&TokenError> {
        match self {
            Self::Token(e) => Some(e),
            Self::NoClientSecret(e) => Some(e),
            _ => None,
        }
    }

    /// What Salesforce's error means and what to do, when Salesforce answered with one.
    pub fn explanation(
        &self,
        kind: crate::org::OrgKind,
    ) -> Option<crate::salesforce::explain::Explanation> {
        match self {
            Self::NoClientSecret(_) => Some(crate::salesforce::explain::NO_CLIENT_SECRET),
            _ => self.token_error().and_then(|e| e.explanation_for(kind)),
        }
    }

    /// What to do, when the library knows: Salesforce's error from the table, what the answer
    /// tells, or the missing secret to store. A rotated token the keyring refused and a lost
    /// answer are for the front end to word, since what is left depends on it.
    pub fn advice(&self, kind: OrgKind) -> Option<Advice> {
        const MISSING_SECRET: Advice = Advice(&[act("store it", Remedy::EditSecrets)]);
        const ACCESS_TOKEN_ONLY: Advice = Advice(&[
            act("when it dies, store a new one", Remedy::EditSecrets),
            act(" or log in", Remedy::LoginAgain),
        ]);
        match self {
            Self::NoRefreshToken(_) => Some(NO_REFRESH_TOKEN),
            Self::MissingSecret(..) => Some(MISSING_SECRET),
            Self::CannotRefresh(_) => Some(ACCESS_TOKEN_ONLY),
            Self::Store(StoreError::Secret(e)) | Self::SaveFailed(StoreError::Secret(e)) => {
                e.advice()
            }
            _ => self
                .explanation(kind)
                .map(|x| x.action)
                .or_else(|| self.token_error().and_then(TokenError::advice)),
        }
    }

    /// The live refresh token the keyring refused, which the caller must keep in memory.
    pub fn unsaved_refresh_token(&self) -> Option<&SecretString> {
        match self {
            Self::RotationNotSaved(e) => Some(&e.refresh_token),
            _ => None,
        }
    }
}

/// What to do when no refresh token is stored (never was, or it was revoked).
pub const NO_REFRESH_TOKEN: Advice = Advice(&[
    act("log in again", Remedy::LoginAgain),
    act(", or store a new refresh token", Remedy::EditSecrets),
]);

/// How long to wait before the one retry after `token request is already being processed`.
pub const BUSY_BACKOFF: std::time::Duration = std::time::Duration::from_secs(1);

/// Something a refresh tells its caller while it runs, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshEvent {
    /// Another refresh of this org (maybe in another process) holds its lock: waiting for it.
    WaitingForLock,
    /// The request is out: cancelling no longer stops it, its answer is awaited and saved.
    RequestSent,
    /// Salesforce answered `token request is already being processed`: one retry after `after`.
    RetryingBusy {
        /// The wait before the retry.
        after: std::time::Duration,
    },
    /// The keyring now holds the live refresh token (a rotated one, or one kept in memory
    /// after an earlier save failed).
    RefreshTokenSaved,
}

/// Tells the caller about a [`RefreshEvent`].
pub type OnEvent = Arc<dyn Fn(RefreshEvent) + Send + Sync>;

/// What a refresh may be given besides the org.
#[derive(Clone, Default)]
pub struct RefreshOptions {
    /// Stops the refresh until its request goes out.
    pub cancel: Cancel,
    /// A live refresh token the keyring refused earlier: saved first, and used instead of the
    /// keyring's (dead) one if saving fails again.
    pub unsaved_refresh_token: Option<SecretString>,
    /// Told what happens, if set.
    pub on_event: Option<OnEvent>,
    /// The wait before the one busy retry; [`BUSY_BACKOFF`] if `None` (tests shorten it).
    pub busy_backoff: Option<std::time::Duration>,
}

impl RefreshOptions {
    pub(super) fn tell(&self, event: RefreshEvent) {
        if let Some(on_event) = &self.on_event {
            on_event(event);
        }
    }
}

/// The secrets a refresh needs, read from the keyring, by the org's kind.
pub(super) enum OrgSecrets {
    /// A refresh-token org: the client secret (if the app has one) and the refresh token.
    Refresh {
        client_secret: Option<SecretString>,
        refresh_token: SecretString,
    },
    /// A JWT bearer org's private key.
    Jwt { private_key: SecretString },
    /// A client credentials org's client secret.
    ClientCredentials { client_secret: SecretString },
}

impl OrgSecrets {
    /// The client secret, which checks the answer's signature.
    pub(super) fn client_secret(&self) -> Option<&SecretString> {
        match self {
            Self::Refresh { client_secret, .. } => client_secret.as_ref(),
            Self::ClientCredentials { client_secret } => Some(client_secret),
            Self::Jwt { .. } => None,
        }
    }
}

/// Where the HTTP client of a refresh comes from.
pub enum ClientFor<'a> {
    /// A long-lived client (the TUI keeps one).
    Ready(&'a HttpClient),
    /// Build one for this org's URL while the lock and the keyring are taken care of: what a
    /// one-shot command wants, since building costs a few ms (TLS roots).
    Build(HttpSettings),
}

/// A client in hand, or one being built on a blocking thread.
enum Pending<'a> {
    Ready(&'a HttpClient),
    Building(
        HttpSettings,
        tokio::task::JoinHandle<Result<HttpClient, TransportError>>,
    ),
}

/// Takes the org's lock (on a blocking thread, waiting if another refresh holds it) and
/// re-reads the org, which may have been edited while we waited.
async fn lock_org(
    store: &Store,
    org: &Org,
    waiting: impl FnOnce() + Send + 'static,
) -> Result<(OrgLock, Org), RefreshError> {
    let (id, name) = (org.id.clone(), org.name.clone());
    Ok(blocking(store, move |s| {
        let lock = s.lock_org(&id, waiting)?;
        match s.org_by_id(&id) {
            Ok(now) => Ok((lock, now)),
            Err(StoreError::UnknownOrg { .. }) => {
                // Removed while we waited: leave no lock file behind.
                lock.forget();
                Err(StoreError::removed(&name))
            }
            Err(e) => Err(e),
        }
    })
    .await?)
}

/// Reads the client secret and refresh token of a locked org (on a blocking thread).
async fn load_secrets(
    store: &Store,
    org: &Org,
    _lock: &OrgLock,
    unsaved: Option<&SecretString>,
) -> Result<OrgSecrets, RefreshError> {
    let id = org.id.clone();
    let name = org.name.clone();
    let missing = |kind| RefreshError::MissingSecret(name.clone(), kind);
    match org.kind {
        OrgKind::RefreshToken => {
            // One batched read: two keyring round trips instead of four, one decryption of
            // the file.
            let mut all = blocking(store, move |s| s.secrets(&id)).await?;
            let client_secret = all.take(SecretKind::ClientSecret);
            let refresh_token = all.take(SecretKind::RefreshToken);
            let refresh_token = unsaved
                .cloned()
                .or(refresh_token)
                .ok_or_else(|| RefreshError::NoRefreshToken(org.name.clone()))?;
            Ok(OrgSecrets::Refresh {
                client_secret,
                refresh_token,
            })
        }
        OrgKind::JwtBearer => {
            let key = blocking(store, move |s| s.secret(&id, SecretKind::PrivateKey)).await?;
            Ok(OrgSecrets::Jwt {
                private_key: key.ok_or_else(|| missing(SecretKind::PrivateKey))?,
            })
        }
        OrgKind::ClientCredentials => {
            let secret = blocking(store, move |s| s.secret(&id, SecretKind::ClientSecret)).await?;
            Ok(OrgSecrets::ClientCredentials {
                client_secret: secret.ok_or_else(|| missing(SecretKind::ClientSecret))?,
            })
        }
        OrgKind::AccessToken => Err(RefreshError::CannotRefresh(org.name.clone())),
    }
}

/// Runs the refresh-token grant for a saved org and stores what it yields. Waits for any other
/// refresh of the same org (in any process) to finish first.
pub async fn refresh_org(
    store: &Store,
    org: &Org,
    client: ClientFor<'_>,
) -> Result<Refreshed, RefreshError> {
    refresh_org_with(store, org, client, &RefreshOptions::default()).await
}

/// [`refresh_org`] with everything a front end can give: a cancel handle, a refresh token kept
/// in memory, and a listener for what happens meanwhile.
pub async fn refresh_org_with(
    store: &Store,
    org: &Org,
    client: ClientFor<'_>,
    options: &RefreshOptions,
) -> Result<Refreshed, RefreshError> {
    let cancel = &options.cancel;
    // Start building the client now; the lock and the keyring take about as long.
    let pending = match client {
        ClientFor::Ready(client) => Pending::Ready(client),
        ClientFor::Build(settings) => {
            let (url, for_task) = (org.token_url(), settings.clone());
            Pending::Building(
                settings,
                tokio::task::spawn_blocking(move || HttpClient::for_url(&url, &for_task)),
            )
        }
    };
    // Held until the end: until the rotated refresh token, if any, is stored.
    let for_lock = options.clone();
    let waiting = move || for_lock.tell(RefreshEvent::WaitingForLock);
    let (lock, now) = cancel.or_cancel(lock_org(store, org, waiting)).await?;
    let unsaved = options.unsaved_refresh_token.as_ref();
    let secrets = cancel
        .or_cancel(load_secrets(store, &now, &lock, unsaved))
        .await?;
    // A token kept in memory goes to the keyring first; if it still cannot, it is used as is.
    let still_unsaved = match unsaved {
        Some(token) => keep_refresh_token(store, &now, token, options)
            .await
            .err()
            .map(|_| token),
        None => None,
    };
    let built;
    let client = match pending {
        Pending::Ready(client) => client,
        Pending::Building(settings, task) => {
            let ready = task.await.map_err(|e| {
                transport(TransportError::client_task_failed(
                    e,
                    settings.total_timeout,
                ))
            })?;
            // Edited while we waited for the lock: the client may need TLS roots now.
            built = if now.login_url == org.login_url {
                ready.map_err(transport)?
            } else {
                HttpClient::for_url(&now.token_url(), &settings).map_err(transport)?
            };
            &built
        }
    };
    grant_and_store(store, client, &now, &secrets, options, still_unsaved).await
}

#[cfg(test)]
mod tests;
