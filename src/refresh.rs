//! Refreshing a saved org: secrets from the keyring, the grant, a rotated refresh token saved
//! before anything else, then the access token and the org's metadata. The CLI and TUI share it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use secrecy::SecretString;
use tokio::sync::Notify;

use crate::humanize::now_ms;
use crate::rotation::{NotSaved, save_refresh_token};

use crate::org::{LastRefresh, Org, OrgKind};
use crate::remedy::{Advice, Remedy, act};
use crate::salesforce::grants::KeyError;
use crate::salesforce::{
    Assertion, HttpClient, HttpSettings, RefreshRequest, SignatureCheck, TokenError, TokenGrant,
    TokenSuccess, TransportError, check_signature, request_token,
};
use crate::store::{OrgLock, SecretKind, Store, StoreError};

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
    fn tell(&self, event: RefreshEvent) {
        if let Some(on_event) = &self.on_event {
            on_event(event);
        }
    }
}

/// Runs a store operation (keyring, orgs file) on a blocking thread.
pub(crate) async fn blocking<T: Send + 'static>(
    store: &Store,
    op: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || op(&store)).await {
        Ok(result) => result,
        Err(e) => Err(StoreError::Secret(crate::store::SecretError::Other(
            format!("the keyring task failed: {e}"),
        ))),
    }
}

/// The secrets a refresh needs, read from the keyring, by the org's kind.
enum OrgSecrets {
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
    fn client_secret(&self) -> Option<&SecretString> {
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

/// Saves a live refresh token (retrying), telling the caller when it is in the keyring.
async fn keep_refresh_token(
    store: &Store,
    org: &Org,
    token: &SecretString,
    options: &RefreshOptions,
) -> Result<(), RefreshError> {
    save_refresh_token(store, org, token)
        .await
        .map_err(RefreshError::RotationNotSaved)?;
    options.tell(RefreshEvent::RefreshTokenSaved);
    Ok(())
}

fn transport(e: TransportError) -> RefreshError {
    RefreshError::Token(TokenError::Transport(e))
}

/// Stops a refresh that has not sent its request yet (waiting for the org's lock or the
/// keyring). Once the request is out it always runs to the end: Salesforce may rotate the
/// refresh token, and dropping its answer would lose the only working one.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<CancelInner>);

#[derive(Debug, Default)]
struct CancelInner {
    cancelled: AtomicBool,
    sent: AtomicBool,
    notify: Notify,
}

impl Cancel {
    /// Asks the refresh to stop.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Whether the request has gone out, so cancelling no longer stops anything.
    pub fn request_sent(&self) -> bool {
        self.0.sent.load(Ordering::SeqCst)
    }

    async fn cancelled(&self) {
        let notified = self.0.notify.notified();
        if self.is_cancelled() {
            return;
        }
        notified.await;
    }

    /// Runs `step` unless cancelled first.
    async fn or_cancel<T>(
        &self,
        step: impl Future<Output = Result<T, RefreshError>>,
    ) -> Result<T, RefreshError> {
        tokio::select! {
            biased;
            () = self.cancelled() => Err(RefreshError::Cancelled),
            result = step => result,
        }
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

/// The `aud` of a JWT bearer org's assertions, as Salesforce documents it and the sf CLI sends
/// it: login.salesforce.com for production and its My Domains, test.salesforce.com for
/// sandboxes, the site's URL for Experience Cloud, and a loopback test server's own URL.
fn jwt_audience(org: &Org) -> String {
    use crate::org::Environment;
    match org.environment() {
        Environment::Production | Environment::MyDomain => crate::org::PRODUCTION_LOGIN_URL.into(),
        Environment::Sandbox => "https://test.salesforce.com".into(),
        Environment::Site | Environment::Local => {
            format!("{}{}", org.login_url, org.site.as_deref().unwrap_or(""))
        }
    }
}

/// The grant itself and storing its result; the org is locked and its secrets loaded.
async fn grant_and_store(
    store: &Store,
    client: &HttpClient,
    org: &Org,
    secrets: &OrgSecrets,
    options: &RefreshOptions,
    still_unsaved: Option<&SecretString>,
) -> Result<Refreshed, RefreshError> {
    let cancel = &options.cancel;
    let token_url = org.token_url();
    let assertion;
    // The one place the kinds differ: which grant is sent.
    let request = match secrets {
        OrgSecrets::Refresh {
            client_secret,
            refresh_token,
        } => TokenGrant::Refresh(RefreshRequest {
            token_url: &token_url,
            client_id: &org.client_id,
            client_secret: client_secret.as_ref(),
            refresh_token,
        }),
        OrgSecrets::Jwt { private_key } => {
            assertion = Assertion {
                client_id: &org.client_id,
                username: org.username.as_deref().unwrap_or_default(),
                audience: &jwt_audience(org),
                private_key,
            }
            .sign()
            .map_err(RefreshError::PrivateKey)?;
            TokenGrant::JwtBearer {
                token_url: &token_url,
                assertion: &assertion,
            }
        }
        OrgSecrets::ClientCredentials { client_secret } => TokenGrant::ClientCredentials {
            token_url: &token_url,
            client_id: &org.client_id,
            client_secret,
        },
    };
    if cancel.is_cancelled() {
        return Err(RefreshError::Cancelled);
    }
    // From here on nothing stops: the answer may carry the only working refresh token.
    cancel.0.sent.store(true, Ordering::SeqCst);
    options.tell(RefreshEvent::RequestSent);
    let mut result = request_token(client, &request).await;
    // Nothing was spent: Salesforce refused before using the token. Any other failure after
    // the request went out is never retried, since a rotation may have happened.
    if result.as_ref().is_err_and(TokenError::is_busy) {
        tracing::info!(org = %org.name, "token request already being processed; retrying once");
        let after = options.busy_backoff.unwrap_or(BUSY_BACKOFF);
        options.tell(RefreshEvent::RetryingBusy { after });
        tokio::time::sleep(after).await;
        result = request_token(client, &request).await;
    }
    if let Err(TokenError::NoAccessToken {
        rotated_refresh_token: Some(new_refresh),
        ..
    }) = &result
        && org.kind == OrgKind::RefreshToken
    {
        // No usable token, but the old refresh token is dead all the same: keep the new one.
        keep_refresh_token(store, org, new_refresh, options).await?;
    }
    match result {
        Ok(success) => {
            let signature = check_signature(&success.token, secrets.client_secret());
            store_success(store, org, success, options, still_unsaved, signature).await
        }
        Err(err) => {
            let last = LastRefresh {
                at_ms: now_ms(),
                status: err.code(),
                http_status: err.exchange().map(|e| e.status),
                latency_ms: err
                    .exchange()
                    .map(|e| crate::humanize::whole_millis(e.latency))
                    .unwrap_or(0),
                // The stored access token is still the one of the last success.
                issued_at: org.last_refresh.as_ref().and_then(|l| l.issued_at.clone()),
            };
            let id = org.id.clone();
            // Best effort: the token error is what the user needs to see.
            let _ = blocking(store, move |s| s.update(&id, |o| o.record_refresh(last))).await;
            tracing::warn!(
                org = %org.name,
                code = %err.code(),
                http_status = ?err.exchange().map(|e| e.status),
                "refresh failed"
            );
            // A JWT org has no secret by design: its invalid_client is explained by its grant.
            let no_secret = org.kind == OrgKind::RefreshToken
                && secrets.client_secret().is_none()
                && matches!(&err, TokenError::Salesforce { error, .. } if error == "invalid_client");
            if no_secret {
                return Err(RefreshError::NoClientSecret(Box::new(err)));
            }
            Err(RefreshError::Token(err))
        }
    }
}

async fn store_success(
    store: &Store,
    org: &Org,
    success: TokenSuccess,
    options: &RefreshOptions,
    still_unsaved: Option<&SecretString>,
    signature: SignatureCheck,
) -> Result<Refreshed, RefreshError> {
    let id = org.id.clone();
    let has_refresh_token = org.kind == OrgKind::RefreshToken;
    // Rotation first: the old refresh token is already dead at Salesforce.
    let rotated = match success.token.refresh_token().filter(|_| has_refresh_token) {
        Some(new_refresh) => {
            keep_refresh_token(store, org, &new_refresh, options).await?;
            true
        }
        None => {
            // Not rotated: the token kept in memory is still the live one.
            if let Some(token) = still_unsaved {
                keep_refresh_token(store, org, token, options).await?;
            }
            false
        }
    };
    let access = success.token.access_token();
    let last = LastRefresh {
        at_ms: now_ms(),
        status: "ok".into(),
        http_status: Some(success.exchange.status),
        latency_ms: crate::humanize::whole_millis(success.exchange.latency),
        issued_at: success.token.issued_at().map(str::to_string),
    };
    let instance_url = success.token.instance_url().map(str::to_string);
    // The ids let an import recognise this org later (same org and user).
    let ids = success
        .token
        .str_field("id")
        .and_then(crate::org::ids_from_id_url)
        .map(|(org, user)| (org.to_string(), user.to_string()));
    // The access token and the metadata are independent: save both at once.
    let save_token = {
        let id = id.clone();
        blocking(store, move |s| match access {
            Some(access) => s.set_secret(&id, SecretKind::AccessToken, &access),
            None => Ok(()),
        })
    };
    let save_metadata = blocking(store, move |s| {
        s.update(&id, |o| {
            if instance_url.is_some() {
                o.instance_url = instance_url;
            }
            o.record_refresh(last);
            // Only a refresh token can rotate.
            o.rotates = has_refresh_token.then_some(rotated);
            if rotated {
                o.refresh_token_since_ms = Some(now_ms());
            }
            // A new access token: the old one's dead mark no longer applies.
            o.access_token_dead = None;
            if let Some((org_id, user_id)) = ids {
                o.salesforce_org_id = Some(org_id);
                o.salesforce_user_id = Some(user_id);
            }
        })
    });
    let (saved_token, updated) = tokio::join!(save_token, save_metadata);
    saved_token.map_err(RefreshError::SaveFailed)?;
    let updated = updated.map_err(RefreshError::SaveFailed)?;
    tracing::info!(
        org = %updated.name,
        status = success.exchange.status,
        latency_ms = success.exchange.latency.as_millis() as u64,
        rotated,
        signature = signature.word(),
        "refresh ok"
    );
    if signature == SignatureCheck::Mismatch {
        tracing::warn!(org = %updated.name, "the answer's signature does not match the stored client secret");
    }
    Ok(Refreshed {
        org: updated,
        success,
        rotated,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};

    use secrecy::ExposeSecret;

    use super::*;
    use crate::fake_salesforce::{Behaviour, FakeSalesforce, Grant};
    use crate::org::OrgId;
    use crate::store::{MemoryStore, NewSecrets, SecretError, SecretStore, config};

    /// Records, at each write, what else had already been saved.
    struct Recording {
        inner: MemoryStore,
        dir: PathBuf,
        log: Mutex<Vec<String>>,
    }

    impl SecretStore for Recording {
        fn get(&self, org: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, SecretError> {
            self.inner.get(org, kind)
        }
        fn set(
            &self,
            org: &OrgId,
            kind: SecretKind,
            value: &SecretString,
        ) -> Result<(), SecretError> {
            let access_saved = self.inner.get(org, SecretKind::AccessToken)?.is_some();
            let metadata_saved = config::load(&self.dir)
                .ok()
                .and_then(|orgs| orgs.first().and_then(|o| o.last_refresh.clone()))
                .is_some();
            self.log.lock().unwrap().push(format!(
                "{} access_saved={access_saved} metadata_saved={metadata_saved}",
                kind.as_str()
            ));
            self.inner.set(org, kind, value)
        }
        fn delete(&self, org: &OrgId, kind: SecretKind) -> Result<(), SecretError> {
            self.inner.delete(org, kind)
        }
    }

    /// Saves an org with client id `cid`, no client secret, and `refresh_token`.
    fn save_org(store: &Store, name: &str, login_url: &str, refresh_token: &str) -> Org {
        store
            .add(
                Org::new(name, login_url, "cid"),
                NewSecrets {
                    client_secret: None,
                    refresh_token: SecretString::from(refresh_token),
                },
            )
            .unwrap()
    }

    /// Refreshes as the CLI does, on a fresh current-thread runtime.
    fn refresh_now(store: &Store, org: &Org) -> Result<Refreshed, RefreshError> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(refresh_org(
                store,
                org,
                ClientFor::Build(HttpSettings::default()),
            ))
    }

    #[test]
    fn only_a_refresh_says_a_lost_answer_may_have_spent_the_refresh_token() {
        let lost = TransportError {
            kind: crate::salesforce::TransportKind::Timeout,
            detail: "operation timed out".into(),
            outcome_unknown: true,
            limit: std::time::Duration::from_secs(30),
        };
        let refresh = RefreshError::Token(TokenError::Transport(lost.clone())).to_string();
        assert!(refresh.contains("may have reached Salesforce"), "{refresh}");
        assert!(refresh.contains("so sfkey did not retry it"), "{refresh}");
        assert!(refresh.contains("may already be spent"), "{refresh}");
        // userinfo, introspect, revoke and logins spend no refresh token.
        let call = crate::salesforce::ApiError::Http(TokenError::Transport(lost)).to_string();
        assert!(call.contains("may have reached Salesforce"), "{call}");
        assert!(!call.contains("refresh token"), "{call}");
    }

    #[test]
    fn the_jwt_audience_is_the_login_host_salesforce_expects() {
        let aud = |url: &str, site: Option<&str>| {
            let mut org = Org::new("ci", url, "cid");
            org.site = site.map(str::to_string);
            jwt_audience(&org)
        };
        let prod = "https://login.salesforce.com";
        assert_eq!(aud(prod, None), prod);
        assert_eq!(aud("https://acme.my.salesforce.com", None), prod);
        assert_eq!(
            aud("https://acme--uat.sandbox.my.salesforce.com", None),
            "https://test.salesforce.com"
        );
        assert_eq!(
            aud("https://acme.my.site.com", Some("/partners")),
            "https://acme.my.site.com/partners"
        );
        assert_eq!(aud("http://127.0.0.1:9", None), "http://127.0.0.1:9");
    }

    #[test]
    fn a_refresh_of_an_org_removed_meanwhile_leaves_no_lock_file() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
        let org = save_org(&store, "prod", "https://login.salesforce.com", "rt");
        store.remove("prod").unwrap();
        let err = refresh_now(&store, &org).unwrap_err();
        assert!(err.to_string().contains("\"prod\""), "{err}");
        assert!(
            !crate::store::locks::org_lock_path(&org.id)
                .unwrap()
                .exists()
        );
    }

    #[test]
    fn a_rotated_refresh_token_is_saved_before_anything_else() {
        let server = FakeSalesforce::start().unwrap();
        server.add_grant("rt-1", Grant::new("cid", None).with(Behaviour::Rotate));
        let tmp = tempfile::tempdir().unwrap();
        let recording = Arc::new(Recording {
            inner: MemoryStore::new(),
            dir: tmp.path().to_path_buf(),
            log: Mutex::new(Vec::new()),
        });
        let store = Store::new(tmp.path(), recording.clone());
        let org = save_org(&store, "rot", server.url(), "rt-1");
        recording.log.lock().unwrap().clear();

        let done = refresh_now(&store, &org).unwrap();
        assert!(done.rotated);
        let log = recording.log.lock().unwrap().clone();
        assert_eq!(
            log.first().map(String::as_str),
            Some("refresh_token access_saved=false metadata_saved=false"),
            "{log:?}"
        );
        assert!(log.iter().any(|l| l.starts_with("access_token")), "{log:?}");
        let stored = store
            .secret(&org.id, SecretKind::RefreshToken)
            .unwrap()
            .unwrap();
        assert!(server.is_live(stored.expose_secret()));
    }

    #[test]
    fn cancel_stops_a_refresh_only_before_its_request_goes_out() {
        let server = FakeSalesforce::start().unwrap();
        server.add_grant(
            "rt-slow",
            Grant::new("cid", None)
                .with(Behaviour::Rotate)
                .delayed(std::time::Duration::from_millis(800)),
        );
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
        let org = save_org(&store, "slow", server.url(), "rt-slow");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let run = |cancel: &Cancel| {
            let options = RefreshOptions {
                cancel: cancel.clone(),
                ..RefreshOptions::default()
            };
            runtime.block_on(refresh_org_with(
                &store,
                &org,
                ClientFor::Build(HttpSettings::default()),
                &options,
            ))
        };
        let cancel_soon = || {
            let cancel = Cancel::default();
            let trigger = cancel.clone();
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(200));
                trigger.cancel();
            });
            cancel
        };

        // Waiting for another process's refresh of the same org: stops, sends nothing.
        let held = store.lock_org(&org.id, || {}).unwrap();
        let err = run(&cancel_soon()).unwrap_err();
        assert!(matches!(err, RefreshError::Cancelled), "{err}");
        assert!(server.requests().is_empty());
        drop(held);

        // The request is out: the cancel is too late, and the rotated token is saved.
        let done = run(&cancel_soon()).unwrap();
        assert!(done.rotated);
        assert_eq!(server.requests().len(), 1);
        let stored = store
            .secret(&org.id, SecretKind::RefreshToken)
            .unwrap()
            .unwrap();
        assert!(server.is_live(stored.expose_secret()));
    }
}
