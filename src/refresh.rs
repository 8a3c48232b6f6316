//! Refreshing a saved org: secrets from the keyring, the grant, a rotated refresh token saved
//! before anything else, then the access token and the org's metadata. The CLI and TUI share it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use secrecy::SecretString;
use tokio::sync::Notify;

use crate::humanize::now_ms;

use crate::org::{LastRefresh, Org};
use crate::salesforce::{
    HttpClient, HttpSettings, RefreshRequest, TokenError, TokenSuccess, TransportError,
    refresh_access_token,
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
}

/// Why refreshing a saved org failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Reading the org or its secrets failed; nothing was sent.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The org has no refresh token in the keyring.
    #[error(
        "org {0:?} has no refresh token in the keyring; store one with `sfkey edit {0} --secrets`"
    )]
    NoRefreshToken(String),
    /// The token call failed.
    #[error("{0}")]
    Token(TokenError),
    /// Salesforce rotated the refresh token and saving the new one failed: the old one is dead.
    #[error(
        "Salesforce issued a new refresh token but saving it to the keyring failed ({0}). The old refresh token no longer works: fix the keyring, then log in again and store a new refresh token"
    )]
    RotationNotSaved(StoreError),
    /// The token arrived and the rotated refresh token (if any) is saved, but storing the access
    /// token or the org's metadata failed.
    #[error("the refresh worked but saving its result failed: {0}")]
    SaveFailed(StoreError),
    /// Stopped by the user before the request went out.
    #[error("cancelled before anything was sent")]
    Cancelled,
}

impl RefreshError {
    /// The token error, when the call itself failed.
    pub fn token_error(&self) -> Option<&TokenError> {
        match self {
            Self::Token(e) => Some(e),
            _ => None,
        }
    }
}

async fn blocking<T: Send + 'static>(
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

/// The secrets a refresh needs, read from the keyring.
struct OrgSecrets {
    client_secret: Option<SecretString>,
    refresh_token: SecretString,
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
                drop(lock);
                s.forget_lock(&id);
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
) -> Result<OrgSecrets, RefreshError> {
    let id = org.id.clone();
    let (client_secret, refresh_token) = blocking(store, move |s| {
        Ok((
            s.secret(&id, SecretKind::ClientSecret)?,
            s.secret(&id, SecretKind::RefreshToken)?,
        ))
    })
    .await?;
    let refresh_token =
        refresh_token.ok_or_else(|| RefreshError::NoRefreshToken(org.name.clone()))?;
    Ok(OrgSecrets {
        client_secret,
        refresh_token,
    })
}

/// The one error that loses something: logged loudly as well as returned.
fn rotation_not_saved(org: &str, e: StoreError) -> RefreshError {
    tracing::error!(org, error = %e, "the rotated refresh token was not saved");
    RefreshError::RotationNotSaved(e)
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
/// refresh of the same org (in any process) to finish first, calling `waiting` if it has to.
pub async fn refresh_org(
    store: &Store,
    org: &Org,
    client: ClientFor<'_>,
    waiting: impl FnOnce() + Send + 'static,
) -> Result<Refreshed, RefreshError> {
    refresh_org_until(store, org, client, waiting, &Cancel::default()).await
}

/// [`refresh_org`] that `cancel` can stop until the request goes out.
pub async fn refresh_org_until(
    store: &Store,
    org: &Org,
    client: ClientFor<'_>,
    waiting: impl FnOnce() + Send + 'static,
    cancel: &Cancel,
) -> Result<Refreshed, RefreshError> {
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
    let (lock, now) = cancel.or_cancel(lock_org(store, org, waiting)).await?;
    let secrets = cancel.or_cancel(load_secrets(store, &now, &lock)).await?;
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
    grant_and_store(store, client, &now, &secrets, cancel).await
}

/// The grant itself and storing its result; the org is locked and its secrets loaded.
async fn grant_and_store(
    store: &Store,
    client: &HttpClient,
    org: &Org,
    secrets: &OrgSecrets,
    cancel: &Cancel,
) -> Result<Refreshed, RefreshError> {
    let token_url = org.token_url();
    let request = RefreshRequest {
        token_url: &token_url,
        client_id: &org.client_id,
        client_secret: secrets.client_secret.as_ref(),
        refresh_token: &secrets.refresh_token,
    };
    if cancel.is_cancelled() {
        return Err(RefreshError::Cancelled);
    }
    // From here on nothing stops: the answer may carry the only working refresh token.
    cancel.0.sent.store(true, Ordering::SeqCst);
    let result = refresh_access_token(client, &request).await;
    if let Err(TokenError::NoAccessToken {
        rotated_refresh_token: Some(new_refresh),
        ..
    }) = &result
    {
        // No usable token, but the old refresh token is dead all the same: keep the new one.
        let (id, new_refresh) = (org.id.clone(), new_refresh.clone());
        blocking(store, move |s| {
            s.set_secret(&id, SecretKind::RefreshToken, &new_refresh)
        })
        .await
        .map_err(|e| rotation_not_saved(&org.name, e))?;
    }
    match result {
        Ok(success) => store_success(store, org, success).await,
        Err(err) => {
            let last = LastRefresh {
                at_ms: now_ms(),
                status: err.code(),
                http_status: err.exchange().map(|e| e.status),
                latency_ms: err
                    .exchange()
                    .map(|e| e.latency.as_millis() as u64)
                    .unwrap_or(0),
                // The stored access token is still the one of the last success.
                issued_at: org.last_refresh.as_ref().and_then(|l| l.issued_at.clone()),
            };
            let id = org.id.clone();
            // Best effort: the token error is what the user needs to see.
            let _ = blocking(store, move |s| {
                s.update(&id, |o| o.last_refresh = Some(last))
            })
            .await;
            tracing::warn!(
                org = %org.name,
                code = %err.code(),
                http_status = ?err.exchange().map(|e| e.status),
                "refresh failed"
            );
            Err(RefreshError::Token(err))
        }
    }
}

async fn store_success(
    store: &Store,
    org: &Org,
    success: TokenSuccess,
) -> Result<Refreshed, RefreshError> {
    let id = org.id.clone();
    // Rotation first: the old refresh token is already dead at Salesforce.
    let rotated = match success.token.refresh_token() {
        Some(new_refresh) => {
            let id = id.clone();
            blocking(store, move |s| {
                s.set_secret(&id, SecretKind::RefreshToken, &new_refresh)
            })
            .await
            .map_err(|e| rotation_not_saved(&org.name, e))?;
            true
        }
        None => false,
    };
    let access = success.token.access_token();
    let last = LastRefresh {
        at_ms: now_ms(),
        status: "ok".into(),
        http_status: Some(success.exchange.status),
        latency_ms: success.exchange.latency.as_millis() as u64,
        issued_at: success.token.issued_at().map(str::to_string),
    };
    let instance_url = success.token.instance_url().map(str::to_string);
    // The ids let an import recognise this org later (same org and user).
    let ids = success
        .token
        .str_field("id")
        .and_then(crate::org::ids_from_id_url);
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
            o.last_refresh = Some(last);
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
        "refresh ok"
    );
    Ok(Refreshed {
        org: updated,
        success,
        rotated,
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
                || {},
            ))
    }

    #[test]
    fn a_refresh_of_an_org_removed_meanwhile_leaves_no_lock_file() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
        let org = save_org(&store, "prod", "https://login.salesforce.com", "rt");
        store.remove("prod").unwrap();
        let err = refresh_now(&store, &org).unwrap_err();
        assert!(err.to_string().contains("\"prod\""), "{err}");
        assert!(!config::org_lock_path(tmp.path(), &org.id).exists());
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
            runtime.block_on(refresh_org_until(
                &store,
                &org,
                ClientFor::Build(HttpSettings::default()),
                || {},
                cancel,
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
