//! One served org: its proxy token, its current access token and instance, and the
//! single-flight renewal when Salesforce says the session is over.

use std::sync::RwLock;

use secrecy::{ExposeSecret, SecretString};

use crate::org::Org;
use crate::salesforce::HttpClient;
use crate::saved_org::blocking;
use crate::saved_org::refresh::{ClientFor, RefreshError, RefreshOptions, refresh_org_with};
use crate::store::{SecretKind, Store};

use super::auth::new_proxy_token;

/// The access token requests use now. `generation` moves on at every renewal, so a request
/// that got a 401 with generation N knows whether someone already renewed past it.
#[derive(Clone)]
pub struct Current {
    /// Bumped at every renewal.
    pub generation: u64,
    /// The org's access token (never leaves the proxy).
    pub access_token: SecretString,
    /// `https://acme.my.salesforce.com`, no trailing slash.
    pub instance_url: String,
}

/// Why an org cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The refresh it needed first failed.
    #[error("{0}")]
    Refresh(#[from] RefreshError),
    /// The keyring could not be read.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Salesforce's answer lacked what the proxy needs.
    #[error("org {0:?}: {1}")]
    Incomplete(String, &'static str),
    /// No randomness for the proxy token.
    #[error("no randomness for the proxy token: {0}")]
    Random(getrandom::Error),
}

/// The org id the proxy token starts with. An access-token-only org was never refreshed, so
/// its id is known only from the token, which starts with it (`00D…!…`); no refresh can help.
fn org_id_of(org: &Org, access_token: &SecretString) -> Option<String> {
    if let Some(id) = &org.salesforce_org_id {
        return Some(id.clone());
    }
    if org.kind != crate::org::OrgKind::AccessToken {
        return None;
    }
    let (id, _) = access_token.expose_secret().split_once('!')?;
    crate::kind_checks::check_access_token(access_token.expose_secret())
        .ok()
        .map(|()| id.to_string())
}

/// A served org.
pub struct OrgSession {
    /// The org as saved when the proxy started (its name and id).
    pub org: Org,
    /// What clients must send in `Authorization: Bearer` for this org.
    pub proxy_token: SecretString,
    current: RwLock<Current>,
    /// Held while renewing: one renewal at a time per org, the others wait for it.
    renewing: tokio::sync::Mutex<()>,
    store: Store,
}

impl OrgSession {
    /// Reads the org's access token from the keyring, refreshing first when there is none or
    /// the org's id or instance is not known yet.
    pub async fn open(store: &Store, org: Org, client: &HttpClient) -> Result<Self, OpenError> {
        let id = org.id.clone();
        let stored = blocking(store, move |s| s.secret(&id, SecretKind::AccessToken)).await?;
        let (org, access_token) = match stored {
            Some(token) if org.instance_url.is_some() && org_id_of(&org, &token).is_some() => {
                (org, token)
            }
            _ => {
                let options = RefreshOptions::default();
                let done =
                    refresh_org_with(store, &org, ClientFor::Ready(client), &options).await?;
                let token = done.success.token.access_token().ok_or_else(|| {
                    OpenError::Incomplete(
                        org.name.clone(),
                        "the refresh answer had no access token",
                    )
                })?;
                (done.org, token)
            }
        };
        let instance_url = org
            .instance_url
            .clone()
            .ok_or_else(|| OpenError::Incomplete(org.name.clone(), "no instance URL is known"))?;
        let org_id = org_id_of(&org, &access_token).ok_or_else(|| {
            OpenError::Incomplete(org.name.clone(), "its Salesforce org id is not known")
        })?;
        let proxy_token = new_proxy_token(&org_id).map_err(OpenError::Random)?;
        Ok(Self {
            org,
            proxy_token,
            current: RwLock::new(Current {
                generation: 0,
                access_token,
                instance_url: instance_url.trim_end_matches('/').to_string(),
            }),
            renewing: tokio::sync::Mutex::new(()),
            store: store.clone(),
        })
    }

    /// The access token and instance to use now.
    pub fn current(&self) -> Current {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// After a 401 for a request sent with generation `failed`: makes sure a newer access
    /// token is in place, refreshing at most once however many requests ask at the same time.
    pub async fn renew(&self, failed: u64, client: &HttpClient) -> Result<(), RefreshError> {
        let _one_at_a_time = self.renewing.lock().await;
        let now = self.current();
        if now.generation != failed {
            // Renewed while we waited for the lock: just replay.
            return Ok(());
        }
        // Another sfkey (a refresh, another proxy) may have stored a newer token already.
        let id = self.org.id.clone();
        let stored = blocking(&self.store, move |s| s.secret(&id, SecretKind::AccessToken)).await?;
        if let Some(token) = stored
            && token.expose_secret() != now.access_token.expose_secret()
        {
            tracing::info!(org = %self.org.name, "proxy: using the access token another sfkey stored");
            self.replace(token, None);
            return Ok(());
        }
        let options = RefreshOptions::default();
        let done =
            refresh_org_with(&self.store, &self.org, ClientFor::Ready(client), &options).await?;
        let token = done.success.token.access_token().ok_or_else(|| {
            RefreshError::Token(crate::salesforce::TokenError::NoAccessToken {
                exchange: done.success.exchange.clone(),
                rotated_refresh_token: None,
            })
        })?;
        self.replace(token, done.org.instance_url.as_deref());
        Ok(())
    }

    fn replace(&self, access_token: SecretString, instance_url: Option<&str>) {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        current.generation += 1;
        current.access_token = access_token;
        if let Some(url) = instance_url {
            current.instance_url = url.trim_end_matches('/').to_string();
        }
    }
}
