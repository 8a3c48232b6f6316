//! `edit` and `show`: changing and inspecting one org.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use secrecy::ExposeSecret;

use super::secrets_input::read_secret_updates;
use crate::columns::pad;
use crate::escape::{escape, escape_json};
use crate::humanize;
use crate::org::{self, Org};
use crate::redact;
use crate::store::{SecretChanges, SecretKind, Store};

/// Arguments of `sfkey edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The org to change
    pub name: String,
    /// Rename the org (its keyring entries stay with it)
    #[arg(long, value_name = "NEW_NAME")]
    pub rename: Option<String>,
    /// A new login URL (`login` and `test` are shortcuts)
    #[arg(long, value_name = "URL")]
    pub login_url: Option<String>,
    /// A new site path; an empty value removes it
    #[arg(long, value_name = "PATH")]
    pub site: Option<String>,
    /// A new consumer key
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// A new username; an empty value removes it
    #[arg(long, value_name = "U")]
    pub username: Option<String>,
    /// New notes; an empty value removes them
    #[arg(long)]
    pub notes: Option<String>,
    /// The org's session timeout (2h, 30m; 0 forgets it): the access token's expiry is then
    /// known from its issue time (`sfkey status`)
    #[arg(long, value_name = "DURATION", value_parser = crate::humanize::parse_duration)]
    pub session_timeout: Option<std::time::Duration>,
    /// Prompt for a new client secret and refresh token (or read them from stdin, one per line);
    /// an empty answer keeps the stored one
    #[arg(long)]
    pub secrets: bool,
    /// Forget the client secret (the connected app has none)
    #[arg(long, conflicts_with = "secrets")]
    pub no_client_secret: bool,
    /// Accept a login host outside Salesforce's domains (a proxy, a custom site domain); it is
    /// shown in punycode with a warning
    #[arg(long)]
    pub any_host: bool,
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// `sfkey edit`: validates every new value before asking for secrets or saving anything.
pub fn edit(store: &Store, args: EditArgs) -> anyhow::Result<ExitCode> {
    if let Some(new_name) = &args.rename {
        org::validate_name(new_name)?;
    }
    let login_url = match &args.login_url {
        Some(url) => {
            let url = org::parse_login_url(url)?;
            super::check_host(&url, args.any_host)?;
            Some(url)
        }
        None => None,
    };
    let site = match &args.site {
        Some(site) => Some(org::parse_site(site)?),
        None => None,
    };
    let client_id = match &args.client_id {
        Some(id) => Some(org::parse_client_id(id)?),
        None => None,
    };
    let nothing_given = args.rename.is_none()
        && args.login_url.is_none()
        && args.site.is_none()
        && args.client_id.is_none()
        && args.username.is_none()
        && args.notes.is_none()
        && args.session_timeout.is_none()
        && !args.secrets
        && !args.no_client_secret;
    let before = store.find(&args.name)?;
    if nothing_given {
        anyhow::bail!(
            "nothing to change for org {}: give a setting (see sfkey edit --help) or --secrets",
            before.name
        );
    }
    let mut changes = SecretChanges {
        remove_client_secret: args.no_client_secret,
        ..SecretChanges::default()
    };
    // Another kind's one secret (key, client secret, access token) replaces the stored one.
    let mut other_secret = None;
    if args.secrets && before.kind != crate::org::OrgKind::RefreshToken {
        other_secret = Some(super::add_kinds::read_new_secret(before.kind)?);
    } else if args.secrets {
        let updates = read_secret_updates()?;
        changes.client_secret = updates.client_secret;
        changes.refresh_token = updates.refresh_token;
    }
    if let Some((kind, secret)) = &other_secret {
        store.set_secret(&before.id, *kind, secret)?;
    }
    let new_access_token = matches!(other_secret, Some((SecretKind::AccessToken, _)));
    let secrets_changed = changes.remove_client_secret
        || changes.client_secret.is_some()
        || changes.refresh_token.is_some()
        || other_secret.is_some();
    let edited = store.edit(&args.name, changes, |o| {
        if let Some(name) = args.rename {
            o.name = name;
        }
        if new_access_token {
            // A new token: the old one's dead mark no longer applies.
            o.access_token_dead = None;
        }
        if let Some(url) = login_url {
            o.login_url = url;
        }
        if let Some(site) = site {
            o.site = site;
        }
        if let Some(id) = client_id {
            o.client_id = id;
        }
        if let Some(username) = args.username {
            o.username = optional(&username);
        }
        if let Some(notes) = args.notes {
            o.notes = optional(&notes);
        }
        if let Some(timeout) = args.session_timeout {
            o.session_timeout_s = Some(timeout.as_secs()).filter(|s| *s > 0);
        }
    })?;
    if edited == before && !secrets_changed {
        eprintln!(
            "Org {} already had these settings; nothing changed.",
            edited.name
        );
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("Updated org {}.", edited.name);
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `sfkey show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The org
    pub name: String,
    /// Print JSON (which secrets are stored, never their values)
    #[arg(long)]
    pub json: bool,
}

/// Which secrets an org has in the keyring; the access token only as a masked prefix.
struct StoredSecrets {
    client_secret: bool,
    refresh_token: bool,
    access_token: Option<String>,
    private_key: bool,
}

fn stored_secrets(store: &Store, org: &Org) -> anyhow::Result<StoredSecrets> {
    Ok(StoredSecrets {
        client_secret: store.secret(&org.id, SecretKind::ClientSecret)?.is_some(),
        refresh_token: store.secret(&org.id, SecretKind::RefreshToken)?.is_some(),
        private_key: store.secret(&org.id, SecretKind::PrivateKey)?.is_some(),
        access_token: store
            .secret(&org.id, SecretKind::AccessToken)?
            .map(|t| redact::mask(t.expose_secret())),
    })
}

/// `sfkey show`: everything about one org, secrets only as "stored" or a masked prefix.
pub fn show(store: &Store, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let org = store.find(&args.name)?;
    let secrets = stored_secrets(store, &org)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut value = serde_json::to_value(&org)?;
        value["token_url"] = org.token_url().into();
        value["secrets"] = serde_json::json!({
            "client_secret": secrets.client_secret,
            "refresh_token": secrets.refresh_token,
            "access_token": secrets.access_token.is_some(),
            "private_key": secrets.private_key,
        });
        writeln!(
            out,
            "{}",
            escape_json(&serde_json::to_string_pretty(&value)?)
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let stored = |yes: bool| if yes { "stored in the keyring" } else { "none" };
    let last = match &org.last_refresh {
        None => "never".to_string(),
        Some(l) => format!(
            "{}, {}{}, {} ms",
            humanize::ago(l.at_ms, humanize::now_ms()),
            crate::salesforce::error::code_in_words(&l.status),
            l.http_status
                .map(|s| format!(" (HTTP {s})"))
                .unwrap_or_default(),
            l.latency_ms
        ),
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let rows = [
        ("name", org.name.clone()),
        ("id", org.id.to_string()),
        ("kind", org.kind.label().into()),
        ("login URL", org.login_url.clone()),
        ("site", dash(&org.site)),
        ("token URL", org.token_url()),
        ("client id", org.client_id.clone()),
        ("username", dash(&org.username)),
        ("notes", dash(&org.notes)),
        ("instance URL", dash(&org.instance_url)),
        (
            "org/user id",
            format!(
                "{} / {}",
                dash(&org.salesforce_org_id),
                dash(&org.salesforce_user_id)
            ),
        ),
        ("last refresh", last),
        ("client secret", stored(secrets.client_secret).into()),
        ("refresh token", stored(secrets.refresh_token).into()),
        ("private key", stored(secrets.private_key).into()),
        (
            "access token",
            match (secrets.access_token, org.dead_access_token()) {
                (None, _) => "none".into(),
                (Some(m), None) => format!("{m} (sfkey token {})", org.name),
                (Some(m), Some(dead)) => format!(
                    "{m}, {} {} (sfkey token {} refreshes)",
                    dead.reason,
                    humanize::ago(dead.at_ms, humanize::now_ms()),
                    org.name
                ),
            },
        ),
    ];
    for (label, value) in rows {
        // Every value may come from a hand-edited orgs file or a server's answer.
        writeln!(out, "{} {}", pad(&format!("{label}:"), 14), escape(&value))?;
    }
    Ok(ExitCode::SUCCESS)
}
