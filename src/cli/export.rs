//! `sfkey export`: an org's credentials as an SFDX auth URL or a Postman environment. Printing
//! secrets is its job, but not onto a terminal (scrollback, screen sharing) unless `--force`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use super::tokens::{Freshness, access_token, runtime};
use crate::interop::{postman, sfdx_url};
use crate::salesforce::HttpClient;
use crate::salesforce::bearer_calls::latest_api_version;
use crate::store::{SecretKind, Store};

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// `force://<clientId>:<clientSecret>:<refreshToken>@<host>`, for `sf org login sfdx-url`
    SfdxUrl,
    /// A Postman environment (for Salesforce's Postman collection, Postman and newman)
    PostmanEnv,
}

/// Arguments of `sfkey export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The org to export
    pub name: String,
    /// What to write
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write to this file (created with mode 0600) instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print to a terminal anyway, or overwrite FILE
    #[arg(long)]
    pub force: bool,
    /// Export an org whose refresh tokens rotate without asking (the other tool's first
    /// refresh then ends the org in sfkey)
    #[arg(long, short)]
    pub yes: bool,
    /// The Postman environment's `version` (default: the newest API version the org serves)
    #[arg(long, value_name = "VERSION")]
    pub api_version: Option<String>,
    /// For postman-env: refresh first even when an access token is stored (without one, or
    /// without an instance URL, sfkey refreshes anyway so `_accessToken` and `_endpoint` work)
    #[arg(long)]
    pub refresh: bool,
    /// For postman-env: never refresh, export what is stored (`_accessToken` may be empty)
    #[arg(long, conflicts_with = "refresh")]
    pub no_refresh: bool,
}

/// An org whose refresh tokens rotate cannot be shared: neither sf nor Postman stores the
/// rotated token, and Salesforce revokes the whole token family when a spent one comes back.
fn confirm_rotating(org: &crate::org::Org, format: &str, yes: bool) -> anyhow::Result<()> {
    if org.rotates != Some(true) {
        return Ok(());
    }
    eprintln!(
        "warning: {name} rotates its refresh tokens. The first refresh in sf or Postman spends the exported token, and neither stores the new one, so Salesforce then revokes them all: {name} stops working there and in sfkey (log in again to recover). To give a tool this org without a token, use `sfkey exec --proxy {name} -- CMD` instead.",
        name = org.name
    );
    super::secrets_input::confirm(
        yes,
        "Export it anyway?",
        "not exported",
        &format!("sfkey export {} --format {format}", org.name),
    )
}

fn write_file(path: &PathBuf, text: &str, force: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists; add --force to overwrite it",
                path.display()
            )
        } else {
            anyhow::anyhow!("cannot write {}: {e}", path.display())
        }
    })?;
    #[cfg(unix)]
    {
        // An existing file kept its mode through the truncate: tighten it too.
        use std::os::unix::fs::PermissionsExt;
        let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The stored access token, or a fresh one when there is none (or no instance URL, or it was
/// found dead, or `refresh`); a failed refresh is said and the export goes on without one.
fn usable_access_token(
    store: &Store,
    org: crate::org::Org,
    refresh: bool,
) -> anyhow::Result<(Option<secrecy::SecretString>, crate::org::Org)> {
    let stored = store.secret(&org.id, SecretKind::AccessToken)?;
    let usable = !refresh && org.instance_url.is_some() && org.dead_access_token().is_none();
    if let Some(token) = stored.filter(|_| usable) {
        return Ok((Some(token), org));
    }
    match access_token(store, org.clone(), &Freshness::always()) {
        Ok((token, org)) => Ok((Some(token), org)),
        Err(e) => {
            eprintln!(
                "warning: {e:#}
The environment's _accessToken and _endpoint stay empty: send the collection's Refresh Token request first."
            );
            Ok((None, org))
        }
    }
}

/// The newest API version `org` serves; `None`, with a warning, when it cannot be asked.
fn newest_api_version(org: &crate::org::Org, access: &secrecy::SecretString) -> Option<String> {
    let instance = org.instance_url.as_deref()?;
    let asked = crate::salesforce::HttpSettings::from_env()
        .map_err(anyhow::Error::from)
        .and_then(|settings| Ok(HttpClient::for_url(instance, &settings)?))
        .and_then(|client| Ok(runtime()?.block_on(latest_api_version(&client, instance, access))?));
    match asked {
        Ok(version) => Some(version),
        Err(e) => {
            eprintln!(
                "warning: cannot ask {} for its API versions ({e:#}); the environment's version is empty: pass --api-version",
                org.name
            );
            None
        }
    }
}

/// The `--format` value as typed.
fn format_name(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::SfdxUrl => "sfdx-url",
        ExportFormat::PostmanEnv => "postman-env",
    }
}

/// `sfkey export`: reads the org's secrets from the keyring and writes them in `format`.
pub fn export(store: &Store, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let org = store.find(&args.name)?;
    let what = match args.format {
        ExportFormat::SfdxUrl => "an SFDX auth URL",
        ExportFormat::PostmanEnv => "a Postman environment",
    };
    if args.output.is_none() && std::io::stdout().is_terminal() && !args.force {
        bail!(
            "not printed: {what} holds the refresh token, a lasting login to {}, and on a terminal it stays in the scrollback. Pipe it (sfkey export {} --format {} | ...), write it with -o FILE, or add --force to print it anyway",
            org.name,
            org.name,
            format_name(args.format)
        );
    }
    if org.kind != crate::org::OrgKind::RefreshToken {
        bail!(
            "{} is a {} org: it has no refresh token, and {what} carries one. Give the other tool the same credentials its own way (for the sf CLI: sf org login jwt or sf org login access-token), or hand it a token with sfkey token {} / sfkey exec {}",
            org.name,
            org.kind.label(),
            org.name,
            org.name
        );
    }
    let rotation_known = org.rotates.is_some();
    confirm_rotating(&org, format_name(args.format), args.yes)?;
    // A Postman environment is for calling the API at once: a working access token, the
    // instance URL and the API version in it (a refresh first may rotate the refresh token,
    // so the secrets are read after it).
    let (org, postman) = match args.format {
        ExportFormat::PostmanEnv => {
            let (access, org) = if args.no_refresh {
                (store.secret(&org.id, SecretKind::AccessToken)?, org)
            } else {
                usable_access_token(store, org, args.refresh)?
            };
            let version = match (&args.api_version, &access) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(access)) if !args.no_refresh => newest_api_version(&org, access),
                _ => None,
            };
            (org, Some((access, version)))
        }
        ExportFormat::SfdxUrl => (org, None),
    };
    if !rotation_known {
        // The refresh a Postman export makes first may be the one that shows rotation.
        confirm_rotating(&org, format_name(args.format), args.yes)?;
        if org.rotates.is_none() {
            eprintln!(
                "note: {name} was never refreshed through sfkey, so whether its refresh tokens rotate is unknown; if they do, the other tool's first refresh ends {name} in sfkey (`sfkey refresh {name}` first tells)",
                name = org.name
            );
        }
    }
    let Some(refresh_token) = store.secret(&org.id, SecretKind::RefreshToken)? else {
        bail!(
            "no refresh token stored for {}; store one with `sfkey edit {} --secrets`",
            org.name,
            org.name
        );
    };
    let client_secret = store.secret(&org.id, SecretKind::ClientSecret)?;
    let text: Zeroizing<String> = match args.format {
        ExportFormat::SfdxUrl => {
            let url = sfdx_url::emit(
                &org.client_id,
                client_secret.as_ref(),
                &refresh_token,
                &org.login_url,
                org.site.as_deref(),
            )?;
            Zeroizing::new(format!("{}\n", url.expose_secret()))
        }
        ExportFormat::PostmanEnv => {
            let (access, version) = postman.unwrap_or_default();
            postman::export_environment(
                &org,
                client_secret.as_ref(),
                &refresh_token,
                access.as_ref(),
                version.as_deref(),
            )
        }
    };
    match &args.output {
        Some(path) => {
            write_file(path, &text, args.force)?;
            eprintln!(
                "Wrote {what} for {} to {} (mode 0600).",
                org.name,
                path.display()
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("cannot write to stdout")?;
        }
    }
    tracing::info!(org = %org.name, format = ?args.format, "exported");
    Ok(ExitCode::SUCCESS)
}
