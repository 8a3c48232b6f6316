//! Calls about a saved org's stored tokens: userinfo, introspect and revoke. The secrets come
//! from the keyring; what the answers teach is kept: a token Salesforce calls dead is marked so
//! (and never handed out again), userinfo fills in an empty username, a revoked token leaves
//! the keyring. The CLI and the TUI share these.

use secrecy::SecretString;

use crate::escape::escape;
use crate::humanize::now_ms;
use crate::org::{AccessExpiry, DeadToken, Org};
use crate::remedy::{Advice, Remedy, act, say};
use crate::salesforce::revoke::is_invalid_token;
use crate::salesforce::{
    ApiError, HttpClient, HttpExchange, IntrospectRequest, Introspection, TokenKind, UserInfo,
    fetch_userinfo, introspect, revoke,
};
use crate::saved_org::blocking;
use crate::store::{SecretKind, Store, StoreError};

/// Why a call about an org's token did not give its answer.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Reading the org or its secrets failed; nothing was sent.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The keyring holds no access token for the org.
    #[error("org {0:?} has no access token in the keyring")]
    NoAccessToken(String),
    /// The keyring holds no refresh token for the org.
    #[error("org {0:?} has no refresh token in the keyring")]
    NoRefreshToken(String),
    /// The org has no instance URL yet (it comes with the first refresh).
    #[error("org {0:?} has no instance URL yet")]
    NoInstanceUrl(String),
    /// The call failed; for a 401 the stored access token is now marked expired.
    #[error("{0}")]
    Api(ApiError),
    /// Introspect asks as the connected app, and the org holds an access token only (no
    /// client id or secret to ask with): refused before anything is sent.
    #[error(
        "introspect needs the connected app's client id and secret, and {0} holds an access token only"
    )]
    NoClient(String),
    /// Salesforce revoked the token, but removing it from the keyring failed.
    #[error("Salesforce revoked the {0}, but removing it from the keyring failed: {1}")]
    NotCleared(&'static str, StoreError),
}

impl CallError {
    /// What to do about it, when sfkey knows.
    pub fn advice(&self) -> Option<Advice> {
        match self {
            Self::Store(StoreError::Secret(e)) => e.advice(),
            Self::NoAccessToken(_) | Self::NoInstanceUrl(_) => Some(
                const {
                    Advice(&[
                        act("refresh the org first", Remedy::Refresh),
                        say("; the access token and instance URL come with it"),
                    ])
                },
            ),
            Self::NoRefreshToken(_) => Some(
                const {
                    Advice(&[
                        say("nothing to revoke; "),
                        act("store a refresh token", Remedy::EditSecrets),
                    ])
                },
            ),
            Self::NoClient(_) => Some(
                const {
                    Advice(&[act(
                        "userinfo tells whether Salesforce still takes the token",
                        Remedy::Userinfo,
                    )])
                },
            ),
            Self::Api(ApiError::SessionExpired { .. }) => Some(
                const {
                    Advice(&[
                        say("the stored access token is now marked expired; "),
                        act("refresh for a new one", Remedy::Refresh),
                    ])
                },
            ),
            Self::Api(e) if is_invalid_token(e) => Some(
                const {
                    Advice(&[say(
                        "Salesforce does not know this token: it was already revoked or expired, or it belongs to another login URL; nothing was removed from the keyring",
                    )])
                },
            ),
            Self::Api(ApiError::Refused { code, .. }) if code == "invalid_client" => Some(
                const {
                    Advice(&[
                        say("introspection needs the connected app's client id and secret; "),
                        act("check them", Remedy::EditSecrets),
                    ])
                },
            ),
            _ => None,
        }
    }

    /// The HTTP side, when an answer came.
    pub fn exchange(&self) -> Option<&HttpExchange> {
        match self {
            Self::Api(e) => e.exchange(),
            _ => None,
        }
    }
}

/// Whether userinfo (`about_user`) or introspect refreshes first, in the CLI and the TUI
/// alike: without a stored access token there is nothing to ask with. Userinfo asks about the
/// user, so a token marked dead or a missing instance URL is refreshed too; introspect asks
/// about the stored token itself, dead or not.
pub fn refreshes_first(org: &Org, about_user: bool, token_stored: bool) -> bool {
    !token_stored || about_user && (org.dead_access_token().is_some() || org.instance_url.is_none())
}

/// Why introspect must not be sent for `org`, in the CLI and the TUI alike: Salesforce
/// answers it only to the app's client, so for an access-token-only org it would be a 401
/// that reads like a wrong secret.
pub fn introspect_refused(org: &Org) -> Option<CallError> {
    (org.kind == crate::org::OrgKind::AccessToken).then(|| CallError::NoClient(escape(&org.name)))
}

/// Whether the org's metadata alone says no token is left to revoke: its refresh token was
/// revoked (taking its access tokens along) and none was stored since.
pub fn nothing_to_revoke(org: &Org) -> bool {
    org.dead_access_token().is_some_and(|dead| {
        dead.refresh_token_gone() && org.refresh_token_since_ms.is_none_or(|t| t <= dead.at_ms)
    })
}

/// A userinfo answer for a saved org.
#[derive(Debug, Clone)]
pub struct UserinfoDone {
    /// Status and headers.
    pub exchange: HttpExchange,
    /// The answer.
    pub info: UserInfo,
    /// The org's username was empty and is now the answer's.
    pub username_filled: bool,
}

/// An introspection of a saved org's access token.
#[derive(Debug, Clone)]
pub struct IntrospectDone {
    /// Status and headers.
    pub exchange: HttpExchange,
    /// The answer; `active: false` marked the stored token dead.
    pub info: Introspection,
}

/// A revocation of a saved org's token.
#[derive(Debug, Clone)]
pub struct RevokeDone {
    /// Status and headers.
    pub exchange: HttpExchange,
    /// Which token was revoked.
    pub kind: TokenKind,
    /// The keyring entries removed afterwards.
    pub cleared: Vec<SecretKind>,
}

impl RevokeDone {
    /// The keyring entries removed, for people: `refresh token and access token`.
    pub fn cleared_words(&self) -> String {
        let words: Vec<&str> = self.cleared.iter().map(|k| k.words()).collect();
        words.join(" and ")
    }
}

/// An answer's fields as `key, text` rows, in the order received: strings bare, anything else
/// as compact JSON, control characters replaced (see [`escape`]). None of these answers
/// holds a secret.
pub fn field_rows(fields: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => escape(s),
                other => other.to_string(),
            };
            (escape(k), text)
        })
        .collect()
}

/// The org as stored now, and one of its secrets.
async fn org_and_secret(
    store: &Store,
    org: &Org,
    kind: SecretKind,
) -> Result<(Org, Option<SecretString>), CallError> {
    let id = org.id.clone();
    Ok(blocking(store, move |s| {
        let now = s.org_by_id(&id)?;
        let secret = s.secret(&id, kind)?;
        Ok((now, secret))
    })
    .await?)
}

/// Records that the access token of `org` (as read before the call) is dead.
async fn mark_dead(store: &Store, org: &Org, reason: &str) {
    let mark = DeadToken {
        at_ms: now_ms(),
        reason: reason.to_string(),
        issued_at: org.last_refresh.as_ref().and_then(|l| l.issued_at.clone()),
    };
    let id = org.id.clone();
    let result = blocking(store, move |s| {
        s.update(&id, |o| o.access_token_dead = Some(mark))
    })
    .await;
    match result {
        Ok(_) => tracing::info!(org = %org.name, reason, "access token marked dead"),
        Err(e) => {
            tracing::warn!(org = %org.name, error = %e, "marking the access token dead failed")
        }
    }
}

/// Keeps introspect's `exp` (epoch seconds) as the stored access token's expiry.
async fn remember_expiry(store: &Store, org: &Org, exp_s: u64) {
    let expiry = AccessExpiry {
        at_ms: exp_s.saturating_mul(1000),
        issued_at: org.last_refresh.as_ref().and_then(|l| l.issued_at.clone()),
    };
    let id = org.id.clone();
    let kept = blocking(store, move |s| {
        s.update(&id, |o| o.access_expiry = Some(expiry))
    })
    .await;
    if let Err(e) = kept {
        tracing::warn!(org = %org.name, error = %e, "keeping the access token's expiry failed");
    }
}

/// A failed call; a 401 marks the stored access token expired first.
async fn failed(store: &Store, org: &Org, err: ApiError) -> CallError {
    if err.is_session_expired() {
        mark_dead(store, org, "expired").await;
    }
    CallError::Api(err)
}

/// `GET {instance_url}/services/oauth2/userinfo` with the stored access token; fills in the
/// org's username when it was empty.
pub async fn userinfo(
    store: &Store,
    org: &Org,
    client: &HttpClient,
) -> Result<UserinfoDone, CallError> {
    let (org, token) = org_and_secret(store, org, SecretKind::AccessToken).await?;
    let token = token.ok_or_else(|| CallError::NoAccessToken(org.name.clone()))?;
    let instance_url = org
        .instance_url
        .clone()
        .ok_or_else(|| CallError::NoInstanceUrl(org.name.clone()))?;
    let (exchange, info) = match fetch_userinfo(client, &instance_url, &token).await {
        Ok(answer) => answer,
        Err(e) => return Err(failed(store, &org, e).await),
    };
    let mut username_filled = false;
    if org.username.as_deref().is_none_or(str::is_empty)
        && let Some(username) = info.username.clone()
    {
        let id = org.id.clone();
        blocking(store, move |s| {
            s.update(&id, |o| {
                if o.username.as_deref().is_none_or(str::is_empty) {
                    o.username = Some(username);
                }
            })
        })
        .await?;
        username_filled = true;
    }
    tracing::info!(org = %org.name, status = exchange.status, "userinfo ok");
    Ok(UserinfoDone {
        exchange,
        info,
        username_filled,
    })
}

/// `POST {login}{site}/services/oauth2/introspect` about the stored access token; an inactive
/// token is marked dead.
pub async fn introspect_access_token(
    store: &Store,
    org: &Org,
    client: &HttpClient,
) -> Result<IntrospectDone, CallError> {
    if let Some(refused) = introspect_refused(org) {
        return Err(refused);
    }
    let (org, token) = org_and_secret(store, org, SecretKind::AccessToken).await?;
    let token = token.ok_or_else(|| CallError::NoAccessToken(org.name.clone()))?;
    let id = org.id.clone();
    let client_secret = blocking(store, move |s| s.secret(&id, SecretKind::ClientSecret)).await?;
    let url = org.endpoint("introspect");
    let request = IntrospectRequest {
        url: &url,
        token: &token,
        kind: TokenKind::AccessToken,
        client_id: &org.client_id,
        client_secret: client_secret.as_ref(),
    };
    let (exchange, info) = match introspect(client, &request).await {
        Ok(answer) => answer,
        Err(e) => return Err(failed(store, &org, e).await),
    };
    if !info.active {
        mark_dead(store, &org, "inactive").await;
    } else if let Some(exp) = info.exp {
        remember_expiry(store, &org, exp).await;
    }
    tracing::info!(org = %org.name, active = info.active, "introspect ok");
    Ok(IntrospectDone { exchange, info })
}

/// `POST {login}{site}/services/oauth2/revoke` for the stored access token, or the refresh
/// token (which ends its access tokens too); then removes what died from the keyring. It holds
/// the org's lock throughout, calling `waiting` if another refresh holds it first: a refresh
/// meanwhile would rotate the refresh token, or store a new access token that the clean-up
/// would then delete unrevoked.
pub async fn revoke_token(
    store: &Store,
    org: &Org,
    client: &HttpClient,
    kind: TokenKind,
    waiting: impl FnOnce() + Send + 'static,
) -> Result<RevokeDone, CallError> {
    let secret_kind = match kind {
        TokenKind::AccessToken => SecretKind::AccessToken,
        TokenKind::RefreshToken => SecretKind::RefreshToken,
    };
    let id = org.id.clone();
    let lock = blocking(store, move |s| s.lock_org(&id, waiting)).await?;
    let (org, token) = org_and_secret(store, org, secret_kind).await?;
    let token = token.ok_or_else(|| match kind {
        TokenKind::AccessToken => CallError::NoAccessToken(org.name.clone()),
        TokenKind::RefreshToken => CallError::NoRefreshToken(org.name.clone()),
    })?;
    let exchange = revoke(client, &org.endpoint("revoke"), &token)
        .await
        .map_err(CallError::Api)?;
    // Dead at Salesforce: the access token goes in both cases (a revoked refresh token ends
    // its access tokens), the refresh token only when it was the one revoked.
    let cleared = match kind {
        TokenKind::AccessToken => vec![SecretKind::AccessToken],
        TokenKind::RefreshToken => vec![SecretKind::RefreshToken, SecretKind::AccessToken],
    };
    let (id, to_clear) = (org.id.clone(), cleared.clone());
    blocking(store, move |s| {
        to_clear
            .iter()
            .try_for_each(|kind| s.delete_secret(&id, *kind))
    })
    .await
    .map_err(|e| CallError::NotCleared(kind.words(), e))?;
    let reason = match kind {
        TokenKind::AccessToken => "revoked",
        TokenKind::RefreshToken => crate::org::REFRESH_TOKEN_REVOKED,
    };
    mark_dead(store, &org, reason).await;
    drop(lock);
    tracing::info!(org = %org.name, token = kind.as_str(), "revoked");
    Ok(RevokeDone {
        exchange,
        kind,
        cleared,
    })
}

#[cfg(test)]
mod tests;
