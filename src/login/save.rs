//! Storing a login: the org (or new secrets for an existing one with `--update`), then the
//! access token that came with it, so `sfkey token` works at once. A login of a user already
//! saved under another name updates that org with `--update` and is refused without it.

use crate::interop::Sameness;
use crate::org::{LastRefresh, Org};
use crate::store::{NewSecrets, SecretChanges, SecretKind, Store, StoreError};

use super::{LoggedIn, LoginTarget};

/// What was stored, for the report after a login (no secrets).
#[derive(Debug, Clone)]
pub struct Saved {
    /// The org as saved.
    pub org: Org,
    /// An existing org got the new refresh token (`--update`).
    pub replaced: bool,
    /// The Salesforce org id (`00D…`), from userinfo or the token's `id` URL.
    pub org_id: Option<String>,
    /// The Salesforce user id (`005…`).
    pub user_id: Option<String>,
    /// Why userinfo could not name the user, if it could not.
    pub userinfo_error: Option<String>,
}

/// Why a login was not stored.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The orgs file or the keyring failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The user who logged in is already saved under another name, and `replace` was not given.
    /// Each front end offers its own way to store the login there (`login --update`, a question).
    #[error(
        "already saved as {existing} ({why}: {user}), so {name} would double it; nothing was saved"
    )]
    AlreadySaved {
        /// The name asked for.
        name: String,
        /// The saved org with the same user.
        existing: String,
        /// Which rule matched.
        why: &'static str,
        /// Who logged in, in words.
        user: String,
    },
}

/// Refuses a taken name unless `replace`; call it before the login starts.
pub fn check_name(store: &Store, name: &str, replace: bool) -> Result<bool, StoreError> {
    let taken = store.orgs()?.iter().any(|o| o.name == name);
    if taken && !replace {
        return Err(StoreError::DuplicateName(name.to_string()));
    }
    Ok(taken)
}

/// Stores the login under `name`: a new org, or (with `replace`) new secrets and settings for
/// the existing one. The refresh token goes to the keyring before anything else.
pub fn save(
    store: &Store,
    name: &str,
    target: &LoginTarget,
    login: &LoggedIn,
    replace: bool,
) -> Result<Saved, SaveError> {
    let info = login.userinfo.as_ref().ok();
    let token = &login.success.token;
    // `id` is https://login.salesforce.com/id/<org id>/<user id>.
    let mut id_parts = token.str_field("id").unwrap_or_default().rsplit('/');
    let id_user = id_parts
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let id_org = id_parts
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let username = info.and_then(|i| i.username.clone());
    let org_id = info.and_then(|i| i.org_id.clone()).or(id_org);
    let user_id = info.and_then(|i| i.user_id.clone()).or(id_user);
    // The duplicates rule of every way in: the same org and user (or login URL + client id +
    // username) saved under another name is that org, not a new one.
    let mut who = Org::new(name, &target.login_url, &target.client_id);
    who.username.clone_from(&username);
    who.salesforce_org_id.clone_from(&org_id);
    who.salesforce_user_id.clone_from(&user_id);
    let orgs = store.orgs()?;
    let name = match crate::interop::find_duplicate(&orgs, &who) {
        Some((existing, why)) if existing.name != name && why != Sameness::Name => {
            if !replace {
                return Err(SaveError::AlreadySaved {
                    name: name.to_string(),
                    existing: existing.name.clone(),
                    why: why.describe(),
                    user: username.clone().map_or_else(
                        || format!("user {}", user_id.as_deref().unwrap_or("?")),
                        |u| format!("the user {u}"),
                    ),
                });
            }
            existing.name.clone()
        }
        _ => name.to_string(),
    };
    let name = name.as_str();
    let taken = check_name(store, name, replace)?;
    let org = if taken {
        store.edit(
            name,
            SecretChanges {
                client_secret: target.client_secret.clone(),
                remove_client_secret: target.client_secret.is_none(),
                refresh_token: Some(login.refresh_token.clone()),
            },
            |org| {
                org.login_url = target.login_url.clone();
                org.site = target.site.clone();
                org.client_id = target.client_id.clone();
                // A login brings a refresh token: a JWT, client credentials or
                // access-token-only org becomes a refresh-token org.
                org.kind = crate::org::OrgKind::RefreshToken;
            },
        )?
    } else {
        let mut org = Org::new(name, &target.login_url, &target.client_id);
        org.site = target.site.clone();
        store.add(
            org,
            NewSecrets {
                client_secret: target.client_secret.clone(),
                refresh_token: login.refresh_token.clone(),
            },
        )?
    };
    // The access token is a bonus: the org is saved even if keeping it fails.
    let access_saved = match token.access_token() {
        Some(access) => store
            .set_secret(&org.id, SecretKind::AccessToken, &access)
            .inspect_err(|e| tracing::warn!(org = %org.name, error = %e, "access token of the login not kept"))
            .is_ok(),
        None => false,
    };
    let exchange = &login.success.exchange;
    let last = LastRefresh {
        at_ms: crate::humanize::now_ms(),
        status: "ok".into(),
        http_status: Some(exchange.status),
        latency_ms: exchange.latency.as_millis() as u64,
        issued_at: token.issued_at().map(str::to_string),
    };
    let instance_url = token.instance_url().map(str::to_string);
    let updated = store.update(&org.id, |o| {
        if username.is_some() {
            o.username.clone_from(&username);
        }
        o.instance_url = instance_url;
        o.salesforce_org_id.clone_from(&org_id);
        o.salesforce_user_id.clone_from(&user_id);
        if access_saved {
            o.last_refresh = Some(last);
        }
    });
    let org = match updated {
        Ok(org) => org,
        Err(e) => {
            tracing::warn!(org = %org.name, error = %e, "username of the login not kept");
            org
        }
    };
    tracing::info!(org = %org.name, replaced = taken, "logged in");
    Ok(Saved {
        org,
        replaced: taken,
        org_id,
        user_id,
        userinfo_error: login.userinfo.as_ref().err().cloned(),
    })
}
