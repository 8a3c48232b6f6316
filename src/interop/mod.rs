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
mod tests {
    use std::sync::Arc;

    use secrecy::ExposeSecret;

    use super::*;
    use crate::store::{MemoryStore, SecretKind};

    fn imported(name: &str, username: Option<&str>) -> Imported {
        let mut org = Org::new(name, "https://acme.my.salesforce.com", "PlatformCLI");
        org.username = username.map(str::to_string);
        Imported {
            org,
            client_secret: None,
            refresh_token: SecretString::from(format!("rt-{name}")),
        }
    }

    fn no_token(_: &Org, _: &Imported) -> bool {
        false
    }

    #[test]
    fn the_same_refresh_token_under_another_name_is_the_same_org() {
        let saved = imported("acme", None).org;
        let existing = vec![saved.clone()];
        let same = |o: &Org, i: &Imported| {
            o.id == saved.id && i.refresh_token.expose_secret() == "rt-acme2"
        };
        let err = plan(&existing, vec![imported("acme2", None)], false, same)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("already saved as acme (same login URL, client id and refresh token)"),
            "{err}"
        );
        let steps = plan(&existing, vec![imported("other", None)], false, same).unwrap();
        assert!(matches!(&steps[..], [Step::Add(_)]));
    }

    #[test]
    fn names_are_made_valid() {
        assert_eq!(sanitize_name("Acme Prod (EU)"), "Acme-Prod--EU");
        assert_eq!(sanitize_name("admin@acme.com"), "admin@acme.com");
        assert_eq!(sanitize_name("  "), "org");
        assert_eq!(sanitize_name(&"x".repeat(80)).len(), 64);
    }

    #[test]
    fn duplicates_by_ids_then_login_client_user_then_name() {
        let mut saved = imported("prod", Some("Admin@Acme.com")).org;
        saved.salesforce_org_id = Some("00D5g000004ABCDEAA".into());
        saved.salesforce_user_id = Some("0055g000001XYZAAA".into());
        let existing = vec![saved.clone()];

        let mut by_ids = imported("other", None).org;
        by_ids.login_url = "https://elsewhere.my.salesforce.com".into();
        by_ids.salesforce_org_id = Some("00D5g000004ABCD".into());
        by_ids.salesforce_user_id = Some("0055g000001XYZAAA".into());
        assert_eq!(
            find_duplicate(&existing, &by_ids).map(|(o, s)| (o.name.as_str(), s)),
            Some(("prod", Sameness::OrgAndUser))
        );
        let by_user = imported("other", Some("admin@acme.com")).org;
        assert_eq!(
            find_duplicate(&existing, &by_user).map(|(_, s)| s),
            Some(Sameness::LoginClientUser)
        );
        let other_user = imported("other", Some("someone@acme.com")).org;
        assert!(find_duplicate(&existing, &other_user).is_none());
        // `sf org list` names the org and username but no user id; the login URL may differ
        // (sf's auth URL carries the instance host).
        let mut from_sf = imported("other", Some("admin@acme.com")).org;
        from_sf.login_url = "https://acme.my.salesforce.com:8443".into();
        from_sf.salesforce_org_id = Some("00D5g000004ABCDEAA".into());
        assert_eq!(
            find_duplicate(&existing, &from_sf).map(|(_, s)| s),
            Some(Sameness::OrgAndUser)
        );
        from_sf.username = Some("someone@acme.com".into());
        assert!(find_duplicate(&existing, &from_sf).is_none());
        let by_name = imported("prod", Some("someone@acme.com")).org;
        assert_eq!(
            find_duplicate(&existing, &by_name).map(|(_, s)| s),
            Some(Sameness::Name)
        );
    }

    #[test]
    fn a_duplicate_is_refused_without_update_and_updated_with_it() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
        let steps = plan(
            &[],
            vec![imported("prod", Some("a@acme.com"))],
            false,
            no_token,
        )
        .unwrap();
        let done = apply(&store, steps).unwrap();
        assert!(matches!(&done[..], [Done::Added(o)] if o.name == "prod"));
        let saved = store.orgs().unwrap();

        let mut again = imported("prod2", Some("a@acme.com"));
        again.refresh_token = SecretString::from("rt-new");
        again.org.instance_url = Some("https://acme.my.salesforce.com".into());
        let err = plan(&saved, vec![again], false, no_token)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("already saved as prod") && err.contains("--update"),
            "{err}"
        );

        let mut again = imported("prod2", Some("a@acme.com"));
        again.refresh_token = SecretString::from("rt-new");
        again.org.instance_url = Some("https://acme.my.salesforce.com".into());
        let done = apply(&store, plan(&saved, vec![again], true, no_token).unwrap()).unwrap();
        let [Done::Updated(org)] = &done[..] else {
            panic!("{done:?}");
        };
        assert_eq!(org.name, "prod");
        assert_eq!(org.id, saved[0].id);
        assert_eq!(
            org.instance_url.as_deref(),
            Some("https://acme.my.salesforce.com")
        );
        assert_eq!(store.orgs().unwrap().len(), 1);
        let rt = store
            .secret(&org.id, SecretKind::RefreshToken)
            .unwrap()
            .unwrap();
        assert_eq!(rt.expose_secret(), "rt-new");
    }

    #[test]
    fn the_same_name_wins_and_any_other_ambiguity_is_refused() {
        let one = imported("one", Some("a@acme.com")).org;
        let two = imported("two", Some("a@acme.com")).org;
        let existing = vec![one, two];
        let steps = plan(
            &existing,
            vec![imported("two", Some("a@acme.com"))],
            true,
            no_token,
        );
        let [
            Step::Update {
                existing: target, ..
            },
        ] = &steps.unwrap()[..]
        else {
            panic!("not one update");
        };
        assert_eq!(target.name, "two");
        let err = plan(
            &existing,
            vec![imported("three", Some("a@acme.com"))],
            true,
            no_token,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("one (same login URL, client id and username), two (same login URL, client id and username)"), "{err}");
    }

    #[test]
    fn one_source_cannot_name_the_same_org_twice() {
        let err = plan(
            &[],
            vec![imported("a", None), imported("a", None)],
            false,
            no_token,
        )
        .unwrap_err();
        assert_eq!(err, PlanError::Twice("a".into()));
    }
}
