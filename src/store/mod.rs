//! The one place orgs and their secrets are kept: metadata in the orgs file, secrets in the keyring.

pub mod backend;
pub mod config;
pub mod file;
pub mod file_key;
mod first_rows;
pub mod locks;
mod native;
pub mod org_secrets;
mod orgs_backup;
pub mod sealed;
#[cfg(target_os = "linux")]
pub mod secret_service;
pub mod secrets;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use secrecy::SecretString;

use crate::org::{Org, OrgId};
pub use config::ConfigError;
pub use locks::OrgLock;
pub use secrets::{KeyringStore, MemoryStore, OrgSecrets, SecretError, SecretKind, SecretStore};

/// What can go wrong when reading or changing the saved orgs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The orgs file or its directory.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The keyring.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// No org by that name.
    #[error("no org named {name:?}. {known}")]
    UnknownOrg {
        /// The name asked for.
        name: String,
        /// A hint listing the known names.
        known: String,
    },
    /// The name is taken.
    #[error("an org named {0:?} already exists; pick another name or remove it first")]
    DuplicateName(String),
}

impl StoreError {
    /// The org was there a moment ago and has been removed since.
    pub fn removed(name: &str) -> Self {
        Self::UnknownOrg {
            name: name.to_string(),
            known: "It was removed meanwhile.".into(),
        }
    }
}

/// The secrets given when an org is added; `None` client secret means the app has none.
#[derive(Debug)]
pub struct NewSecrets {
    /// The consumer secret, if the connected app has one.
    pub client_secret: Option<SecretString>,
    /// The refresh token.
    pub refresh_token: SecretString,
}

/// Secret changes for [`Store::edit`]; `None` keeps what is stored.
#[derive(Debug, Default)]
pub struct SecretChanges {
    /// A new client secret.
    pub client_secret: Option<SecretString>,
    /// Forget the client secret (the app has none).
    pub remove_client_secret: bool,
    /// A new refresh token.
    pub refresh_token: Option<SecretString>,
}

/// Orgs file plus secret store, used alike by the CLI and the TUI.
#[derive(Clone)]
pub struct Store {
    dir: PathBuf,
    secrets: Arc<dyn SecretStore>,
}

impl Store {
    /// A store over the orgs file in `dir` and the given secret store.
    pub fn new(dir: impl Into<PathBuf>, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            dir: dir.into(),
            secrets,
        }
    }

    /// The config dir this store uses.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// All orgs, in the order they were added. Reads no secret.
    pub fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        Ok(config::load(&self.dir)?)
    }

    /// [`Store::orgs`], handing `first` the first rows of a long file early (before the rest
    /// is parsed and the whole checked), for a list to draw while it loads.
    pub fn orgs_first_rows_early(
        &self,
        first: impl FnOnce(Vec<Org>),
    ) -> Result<Vec<Org>, StoreError> {
        Ok(first_rows::load(&self.dir, first)?)
    }

    /// Locks one org against concurrent refreshes and edits, in this and other processes;
    /// `waiting` is called if another holds it.
    pub fn lock_org(&self, id: &OrgId, waiting: impl FnOnce()) -> Result<OrgLock, StoreError> {
        Ok(OrgLock::acquire(id, waiting)?)
    }

    /// The org with this id, as saved now (it may have been renamed or edited meanwhile).
    pub fn org_by_id(&self, id: &OrgId) -> Result<Org, StoreError> {
        let orgs = self.orgs()?;
        orgs.iter()
            .find(|o| &o.id == id)
            .cloned()
            .ok_or_else(|| StoreError::removed(id.as_str()))
    }

    /// The org with this name.
    pub fn find(&self, name: &str) -> Result<Org, StoreError> {
        let orgs = self.orgs()?;
        find_in(&orgs, name).cloned()
    }

    /// Adds an org: secrets go to the keyring first, so a saved org always has its secrets.
    pub fn add(&self, org: Org, new: NewSecrets) -> Result<Org, StoreError> {
        self.add_with(
            org,
            vec![
                (SecretKind::ClientSecret, new.client_secret),
                (SecretKind::RefreshToken, Some(new.refresh_token)),
            ],
        )
    }

    /// Adds an org with any set of secrets (`None`: make sure there is none of that kind),
    /// keyring first, so a saved org always has its secrets.
    pub fn add_with(
        &self,
        org: Org,
        secrets: Vec<(SecretKind, Option<SecretString>)>,
    ) -> Result<Org, StoreError> {
        let _lock = config::ConfigLock::acquire(&self.dir)?;
        let mut orgs = config::load(&self.dir)?;
        if orgs.iter().any(|o| o.name == org.name) {
            return Err(StoreError::DuplicateName(org.name));
        }
        let mut org = org;
        org.refresh_token_since_ms = Some(crate::humanize::now_ms());
        let stored = self.put_secrets(&org.id, &secrets);
        let saved = stored.and_then(|()| {
            orgs.push(org.clone());
            config::save(&self.dir, &orgs).map_err(StoreError::from)
        });
        if let Err(e) = saved {
            tracing::warn!(org = %org.name, error = %e, "add failed; its secrets were removed again");
            // Nothing half-added: drop whatever secrets made it in.
            for kind in SecretKind::ALL {
                let _ = self.secrets.delete(&org.id, kind);
            }
            return Err(e);
        }
        tracing::info!(org = %org.name, id = %org.id, kind = org.kind.as_str(), "org added");
        Ok(org)
    }

    fn put_secrets(
        &self,
        id: &OrgId,
        secrets: &[(SecretKind, Option<SecretString>)],
    ) -> Result<(), StoreError> {
        for (kind, value) in secrets {
            match value {
                Some(secret) => self.secrets.set(id, *kind, secret)?,
                None => self.secrets.delete(id, *kind)?,
            }
        }
        Ok(())
    }

    /// Removes an org and its keyring entries; if the keyring fails, the org stays so it can be retried.
    pub fn remove(&self, name: &str) -> Result<Org, StoreError> {
        let (org_lock, _lock, mut orgs, index) = self.lock_by_name(name)?;
        let org = orgs[index].clone();
        for kind in SecretKind::ALL {
            self.secrets.delete(&org.id, kind)?;
        }
        orgs.retain(|o| o.id != org.id);
        config::save(&self.dir, &orgs)?;
        org_lock.forget();
        tracing::info!(org = %org.name, id = %org.id, "org removed");
        Ok(org)
    }

    /// Takes the org lock, then the config lock (that order everywhere, so no refresh is
    /// mid-way), and finds the org again: it must still be the one that was locked.
    #[allow(clippy::type_complexity)]
    fn lock_by_name(
        &self,
        name: &str,
    ) -> Result<(OrgLock, config::ConfigLock, Vec<Org>, usize), StoreError> {
        let id = self.find(name)?.id;
        let org_lock = self.lock_org(&id, || {})?;
        let lock = config::ConfigLock::acquire(&self.dir)?;
        let orgs = config::load(&self.dir)?;
        let index = orgs
            .iter()
            .position(|o| o.id == id && o.name == name)
            .ok_or_else(|| StoreError::UnknownOrg {
                name: name.to_string(),
                known: "It was renamed or removed meanwhile; try again.".into(),
            })?;
        Ok((org_lock, lock, orgs, index))
    }

    /// Edits the org named `name` under the lock: new secrets (if any) go to the keyring first,
    /// then the metadata. A new refresh token, login URL, site or client id drops the stored
    /// access token, which belonged to the old settings.
    pub fn edit(
        &self,
        name: &str,
        secrets: SecretChanges,
        change: impl FnOnce(&mut Org),
    ) -> Result<Org, StoreError> {
        let (_org_lock, _lock, mut orgs, index) = self.lock_by_name(name)?;
        let before = orgs[index].clone();
        let mut edited = before.clone();
        change(&mut edited);
        if edited.name != before.name && orgs.iter().any(|o| o.name == edited.name) {
            return Err(StoreError::DuplicateName(edited.name));
        }
        let endpoint_changed = (&edited.login_url, &edited.site, &edited.client_id)
            != (&before.login_url, &before.site, &before.client_id);
        if secrets.remove_client_secret {
            self.secrets.delete(&before.id, SecretKind::ClientSecret)?;
        } else if let Some(secret) = &secrets.client_secret {
            self.secrets
                .set(&before.id, SecretKind::ClientSecret, secret)?;
        }
        if let Some(token) = &secrets.refresh_token {
            self.secrets
                .set(&before.id, SecretKind::RefreshToken, token)?;
        }
        let secrets_changed = secrets.remove_client_secret
            || secrets.client_secret.is_some()
            || secrets.refresh_token.is_some();
        if edited == before && !secrets_changed {
            // Nothing to do: no rewrite, no log line.
            return Ok(before);
        }
        if endpoint_changed || secrets.refresh_token.is_some() {
            self.secrets.delete(&before.id, SecretKind::AccessToken)?;
            edited.instance_url = None;
            edited.last_refresh = None;
        }
        if secrets.refresh_token.is_some() {
            edited.refresh_token_since_ms = Some(crate::humanize::now_ms());
        }
        orgs[index] = edited.clone();
        config::save(&self.dir, &orgs)?;
        tracing::info!(org = %edited.name, id = %edited.id, "org edited");
        Ok(edited)
    }

    /// Changes one org's metadata under the lock, re-reading the file first so no other change is lost.
    pub fn update(&self, id: &OrgId, change: impl FnOnce(&mut Org)) -> Result<Org, StoreError> {
        let _lock = config::ConfigLock::acquire(&self.dir)?;
        let mut orgs = config::load(&self.dir)?;
        let Some(org) = orgs.iter_mut().find(|o| &o.id == id) else {
            return Err(StoreError::removed(id.as_str()));
        };
        change(org);
        let updated = org.clone();
        config::save(&self.dir, &orgs)?;
        Ok(updated)
    }

    /// Reads one secret of an org.
    pub fn secret(&self, id: &OrgId, kind: SecretKind) -> Result<Option<SecretString>, StoreError> {
        Ok(self.secrets.get(id, kind)?)
    }

    /// Where secrets go, for messages ("the OS keyring", "the encrypted secrets file").
    pub fn secrets_place(&self) -> &'static str {
        self.secrets.place()
    }

    /// Reads every secret of an org, in one keyring round trip where the backend allows it.
    pub fn secrets(&self, id: &OrgId) -> Result<OrgSecrets, StoreError> {
        Ok(self.secrets.get_all(id)?)
    }

    /// Stores one secret of an org.
    pub fn set_secret(
        &self,
        id: &OrgId,
        kind: SecretKind,
        value: &SecretString,
    ) -> Result<(), StoreError> {
        Ok(self.secrets.set(id, kind, value)?)
    }

    /// Removes one secret of an org; removing one that is not there is fine.
    pub fn delete_secret(&self, id: &OrgId, kind: SecretKind) -> Result<(), StoreError> {
        Ok(self.secrets.delete(id, kind)?)
    }
}

fn find_in<'a>(orgs: &'a [Org], name: &str) -> Result<&'a Org, StoreError> {
    orgs.iter()
        .find(|o| o.name == name)
        .ok_or_else(|| unknown(orgs, name))
}

fn unknown(orgs: &[Org], name: &str) -> StoreError {
    StoreError::UnknownOrg {
        name: name.to_string(),
        known: if orgs.is_empty() {
            format!("No orgs are saved yet. {}", crate::org::FIRST_ORG_HINT)
        } else {
            let names: Vec<&str> = orgs.iter().map(|o| o.name.as_str()).collect();
            let guess = crate::suggest::closest(name, names.iter().copied())
                .map(|n| format!("Did you mean {n}? "))
                .unwrap_or_default();
            format!("{guess}Saved orgs: {}.", names.join(", "))
        },
    }
}

#[cfg(test)]
mod tests;
