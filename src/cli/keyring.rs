//! `sfkey lock` (forget the file backend's cached key) and `sfkey keyring move` (every org's
//! secrets to another backend, the old copies removed only once every new one reads back).

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use secrecy::ExposeSecret;

use crate::org::OrgId;
use crate::preferences::KeyringChoice;
use crate::store::backend::{self, Opened};
use crate::store::config::ConfigLock;
use crate::store::file::FileStore;
use crate::store::file_key::KeyCache;
use crate::store::{OrgSecrets, SecretKind, SecretStore};

/// `sfkey keyring ...`.
#[derive(Debug, Args)]
pub struct KeyringArgs {
    #[command(subcommand)]
    command: KeyringCommand,
}

#[derive(Debug, Subcommand)]
enum KeyringCommand {
    /// Move every org's secrets to another backend (auto, secret-service, keychain, windows, file)
    Move(MoveArgs),
}

#[derive(Debug, Args)]
struct MoveArgs {
    /// The backend to move to
    #[arg(long, value_parser = KeyringChoice::parse)]
    to: KeyringChoice,
    /// The backend to move from (default: the one in use, from SFKEY_KEYRING or config.toml)
    #[arg(long, value_parser = KeyringChoice::parse)]
    from: Option<KeyringChoice>,
}

/// `sfkey lock`: the file backend asks for its passphrase again on the next command.
pub fn lock(opened: &Opened) -> anyhow::Result<ExitCode> {
    let dir = opened.store.dir();
    let file = match &opened.file {
        Some(file) => file.clone(),
        None => std::sync::Arc::new(FileStore::new(
            dir,
            KeyCache::new(opened.selection.preferences.file_key_timeout()),
        )),
    };
    if !file.exists() {
        println!("There is no encrypted secrets file here; nothing to lock.");
    } else if file.forget_key()? {
        println!(
            "Locked: the next command asks for the passphrase of {}.",
            file.path().display()
        );
    } else {
        println!(
            "No key was cached for {}; it is locked.",
            file.path().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `sfkey keyring ...`.
pub fn keyring(opened: &Opened, args: &KeyringArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        KeyringCommand::Move(args) => move_secrets(opened, args),
    }
}

fn resolve(choice: KeyringChoice) -> KeyringChoice {
    match choice {
        KeyringChoice::Auto => backend::native(),
        other => other,
    }
}

fn move_secrets(opened: &Opened, args: &MoveArgs) -> anyhow::Result<ExitCode> {
    let from = resolve(args.from.unwrap_or(opened.selection.choice));
    let to = resolve(args.to);
    for choice in [from, to] {
        if choice != KeyringChoice::File && choice != backend::native() {
            bail!(
                "{} is not a keyring of {}; use {} or file",
                choice.as_str(),
                backend::os_name(),
                backend::native().as_str()
            );
        }
    }
    if from == to {
        bail!(
            "the secrets are already in {}; nothing to move",
            to.as_str()
        );
    }
    let store = &opened.store;
    let dir = store.dir();
    let prefs = &opened.selection.preferences;
    let (source, _) = backend::secret_store(dir, from, prefs);
    let (target, _) = backend::secret_store(dir, to, prefs);
    // Every org lock (no refresh may rotate a token mid-way), then the config lock: that
    // order everywhere.
    let mut orgs = store.orgs()?;
    orgs.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    let mut org_locks = Vec::new();
    for org in &orgs {
        org_locks.push(store.lock_org(&org.id, || {
            eprintln!("Waiting for another sfkey working on {}...", org.name);
        })?);
    }
    let _config = ConfigLock::acquire(dir)?;
    let orgs = store.orgs()?;
    let mut copies: Vec<(OrgId, OrgSecrets)> = Vec::new();
    for org in &orgs {
        let secrets = source.get_all(&org.id).with_context(|| {
            format!(
                "cannot read the secrets of {} from {}",
                org.name,
                from.as_str()
            )
        })?;
        copies.push((org.id.clone(), secrets));
    }
    let found: usize = copies
        .iter()
        .map(|(_, secrets)| {
            SecretKind::ALL
                .iter()
                .filter(|k| secrets.get(**k).is_some())
                .count()
        })
        .sum();
    if found == 0 && !orgs.is_empty() {
        bail!(
            "{} holds no secret of the {} saved org(s); nothing was moved. They may be in another backend: try --from (auto, file), or see `sfkey doctor`",
            from.as_str(),
            orgs.len()
        );
    }
    let kept = format!(
        "nothing was removed from {}: its copies are intact; run the move again once the problem is fixed",
        from.as_str()
    );
    for (id, secrets) in &copies {
        write_all(target.as_ref(), id, secrets).with_context(|| kept.clone())?;
    }
    for ((id, secrets), org) in copies.iter().zip(&orgs) {
        let back = target.get_all(id).with_context(|| kept.clone())?;
        for kind in SecretKind::ALL {
            let same = match (secrets.get(kind), back.get(kind)) {
                (Some(a), Some(b)) => a.expose_secret() == b.expose_secret(),
                (Some(_), None) => false,
                (None, _) => true,
            };
            if !same {
                bail!(
                    "the {} of {} did not read back the same from {}; {kept}",
                    kind.words(),
                    org.name,
                    to.as_str()
                );
            }
        }
    }
    // Every copy reads back: only now do the old ones go.
    for (id, _) in &copies {
        for kind in SecretKind::ALL {
            source.delete(id, kind).with_context(|| {
                format!(
                    "every secret is in {} now, but removing the old copies from {} failed; remove them by running the move again with --from {} --to {}",
                    to.as_str(),
                    from.as_str(),
                    from.as_str(),
                    to.as_str()
                )
            })?;
        }
    }
    drop(org_locks);
    println!(
        "Moved {found} secret(s) of {} org(s) from {} to {}. From now on, use it: `export {}={}` or `keyring = \"{}\"` in {}.",
        orgs.len(),
        from.as_str(),
        to.as_str(),
        backend::KEYRING_ENV,
        to.as_str(),
        to.as_str(),
        dir.join(crate::preferences::PREFERENCES_FILE).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Copies the secrets the org has. A kind the source lacks is left alone in the target: after
/// a move that stopped while removing old copies, running it again must not delete there.
fn write_all(target: &dyn SecretStore, id: &OrgId, secrets: &OrgSecrets) -> anyhow::Result<()> {
    for kind in SecretKind::ALL {
        if let Some(value) = secrets.get(kind) {
            target.set(id, kind, value)?;
        }
    }
    Ok(())
}
