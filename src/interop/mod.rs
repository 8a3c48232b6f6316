//! Formats users already have: SFDX auth URLs (`sfdx_url`), Postman environments and collections
//! (`postman`), and the Salesforce CLI's own orgs (`sf_cli`). Each source is read and checked
//! whole into [`Imported`] orgs first; [`plan`] then decides add or update against the saved
//! orgs, and only [`apply`] touches the store, so bad input saves nothing.

mod matching;
pub mod postman;
pub mod sf_cli;
pub mod sf_jwt;
pub mod sfdx_url;

pub use matching::{
    Existing, Sameness, candidates, find_duplicate, find_existing, holds_refresh_token,
    resolve_existing,
};

use secrecy::SecretString;

use crate::org::Org;
use crate::store::{NewSecrets, SecretChanges, Store, StoreError};

/// One org read from a source and checked, with its secrets; nothing is saved yet.
#[derive(Debug)]
pub struct Imported {
    /// The org as it would be saved (a fresh id; its name from the source or `--name`).
    pub org: Org,
    /// The consumer secret, if the app has one.
    pub client_secret: Option<SecretString>,
    /// The refresh token.
    pub refresh_token: SecretString,
}

/// Bad input: the source, the field and the problem. Never holds a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {field}: {problem}; nothing was imported")]
pub struct InputError {
    /// The file, `stdin`, `the command line` or `sf`.
    pub origin: String,
    /// The field or part that is wrong.
    pub field: String,
    /// What is wrong with it, and what to do.
    pub problem: String,
}

impl InputError {
    /// An error about `field` of `origin`.
    pub fn new(origin: &str, field: &str, problem: impl Into<String>) -> Self {
        Self {
            origin: origin.to_string(),
            field: field.to_string(),
            problem: problem.into(),
        }
    }
}

/// Makes any label a valid org name: characters outside `[A-Za-z0-9._@-]` become `-`, at most
/// 64 characters, `org` when nothing is left.
pub fn sanitize_name(raw: &str) -> String {
    let mut name: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@') {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    name = name.trim_matches('-').to_string();
    if name.is_empty() { "org".into() } else { name }
}

/// What one imported org will do to the store.
#[derive(Debug)]
pub enum Step {
    /// Save it as a new org.
    Add(Imported),
    /// Replace the settings and secrets of an org already saved (its name and id stay).
    Update {
        /// The org as saved now.
        existing: Box<Org>,
        /// What replaces it.
        imported: Imported,
    },
}

/// Why a source cannot be imported as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The org is already saved and `--update` was not given.
    #[error(
        "{imported} is already saved as {existing} ({why}); nothing was imported. Re-run with --update to replace its settings and secrets{rename}"
    )]
    Duplicate {
        /// The imported org's name.
        imported: String,
        /// The saved org's name.
        existing: String,
        /// Which rule matched.
        why: &'static str,
        /// A hint to pick another name, when only the name matched.
        rename: &'static str,
    },
    /// Several saved orgs match and none has the imported org's name.
    #[error(
        "{imported} matches more than one saved org: {candidates}; nothing was imported. Import it with --name set to the org to update, or remove the extra org first"
    )]
    Ambiguous {
        /// The imported org's name.
        imported: String,
        /// Every saved org it matches, with the rule.
        candidates: String,
    },
    /// Two orgs of one source would get the same name or update the same org.
    #[error(
        "{0} appears twice in this source; nothing was imported. Import them one at a time with --name"
    )]
    Twice(String),
}

/// Decides, for every imported org, add or update; refuses duplicates unless `update`.
/// `same_token(saved, imported)` says whether a saved org holds the imported refresh token; it
/// is asked only about saved orgs at the same login URL and client id, when no org and user
/// rule matched (an auth URL names no user).
pub fn plan(
    existing: &[Org],
    imported: Vec<Imported>,
    update: bool,
    same_token: impl Fn(&Org, &Imported) -> bool,
) -> Result<Vec<Step>, PlanError> {
    let mut steps = Vec::new();
    let mut touched: Vec<String> = Vec::new();
    for item in imported {
        let step = match resolve_existing(existing, &item, &same_token) {
            Existing::New => Step::Add(item),
            Existing::Ambiguous(found) => {
                return Err(PlanError::Ambiguous {
                    imported: item.org.name.clone(),
                    candidates: found
                        .iter()
                        .map(|(o, why)| format!("{} ({})", o.name, why.describe()))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            Existing::One(found, _) if update => Step::Update {
                existing: Box::new(found.clone()),
                imported: item,
            },
            Existing::One(found, why) => {
                return Err(PlanError::Duplicate {
                    imported: item.org.name.clone(),
                    existing: found.name.clone(),
                    why: why.describe(),
                    rename: if why == Sameness::Name {
                        ", or choose another name with --name"
                    } else {
                        ""
                    },
                });
            }
        };
        let target = match &step {
            Step::Add(item) => item.org.name.clone(),
            Step::Update { existing, .. } => existing.name.clone(),
        };
        if touched.contains(&target) {
            return Err(PlanError::Twice(target));
        }
        touched.push(target);
        steps.push(step);
    }
    Ok(steps)
}

/// What an applied step did, with the org as saved.
#[derive(Debug, Clone)]
pub enum Done {
    /// A new org.
    Added(Org),
    /// An org already saved got new settings and secrets.
    Updated(Org),
}

/// Saves the planned steps in order. If one fails, the orgs this call added are removed again
/// (updates already made stay; the error says which org failed).
pub fn apply(store: &Store, steps: Vec<Step>) -> Result<Vec<Done>, StoreError> {
    let mut done = Vec::new();
    for step in steps {
        let result = match step {
            Step::Add(item) => store
                .add(
                    item.org,
                    NewSecrets {
                        client_secret: item.client_secret,
                        refresh_token: item.refresh_token,
                    },
                )
                .map(Done::Added),
            Step::Update { existing, imported } => {
                update(store, &existing, imported).map(Done::Updated)
            }
        };
        match result {
            Ok(d) => done.push(d),
            Err(e) => {
                for d in &done {
                    if let Done::Added(org) = d {
                        let _ = store.remove(&org.name);
                    }
                }
                return Err(e);
            }
        }
    }
    Ok(done)
}

fn update(store: &Store, existing: &Org, imported: Imported) -> Result<Org, StoreError> {
    let new = imported.org;
    let instance_url = new.instance_url.clone();
    let changes = SecretChanges {
        remove_client_secret: imported.client_secret.is_none(),
        client_secret: imported.client_secret,
        refresh_token: Some(imported.refresh_token),
    };
    let edited = store.edit(&existing.name, changes, |o| {
        o.login_url = new.login_url;
        o.site = new.site;
        o.client_id = new.client_id;
        if new.username.is_some() {
            o.username = new.username;
        }
        if new.salesforce_org_id.is_some() {
            o.salesforce_org_id = new.salesforce_org_id;
        }
        if new.salesforce_user_id.is_some() {
            o.salesforce_user_id = new.salesforce_user_id;
        }
    })?;
    // A new refresh token drops the old instance URL; the source's own one is better than none.
    match instance_url {
        Some(url) => store.update(&edited.id, |o| o.instance_url = Some(url)),
        None => Ok(edited),
    }
}

#[cfg(test)]
mod tests;
