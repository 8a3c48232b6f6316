//! The grant of a locked org with its secrets loaded, and storing what it yields: a rotated
//! refresh token first, alone, then the access token and the org's metadata at once.

use secrecy::SecretString;

use crate::humanize::now_ms;
use crate::saved_org::rotation::save_refresh_token;

use crate::org::{LastRefresh, Org, OrgKind};
use crate::salesforce::{
    Assertion, HttpClient, RefreshRequest, SignatureCheck, TokenError, TokenGrant, TokenSuccess,
    TransportError, check_signature, request_token,
};
use crate::store::{SecretKind, Store};

use super::blocking;
use super::refresh::{
    BUSY_BACKOFF, OrgSecrets, RefreshError, RefreshEvent, RefreshOptions, Refreshed,
};

/// Saves a live refresh token (retrying), telling the caller when it is in the keyring.
pub(super) async fn keep_refresh_token(
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

pub(super) fn transport(e: TransportError) -> RefreshError {
    RefreshError::Token(TokenError::Transport(e))
}

/// The `aud` of a JWT bearer org's assertions, as Salesforce documents it and the sf CLI sends
/// it: login.salesforce.com for production and its My Domains, test.salesforce.com for
/// sandboxes, the site's URL for Experience Cloud, and a loopback test server's own URL.
pub(super) fn jwt_audience(org: &Org) -> String {
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
pub(super) async fn grant_and_store(
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
    cancel.mark_sent();
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

pub(super) async fn store_success(
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
