//! `sfkey open`: the org in the browser, already logged in, like `sf org open`. The login URL
//! holds a session, so it never goes into another process's argv or the log: the browser gets a
//! one-time loopback address that redirects to it (`login::handoff`), or `--url-only` prints it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use secrecy::{ExposeSecret, SecretString};

use super::tokens::{Freshness, access_token, runtime};
use crate::open_org::{HANDOFF_TIMEOUT, OpenOrgError, hand_over};
use crate::org::Org;
use crate::salesforce::frontdoor::{FrontDoor, check_path, front_door};
use crate::salesforce::{ApiError, HttpClient};
use crate::store::Store;

/// Arguments of `sfkey open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The org
    pub name: String,
    /// The page to land on, a path in the org (default: the home page)
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Print the login URL (single-use) instead of opening a browser
    #[arg(long)]
    pub url_only: bool,
    /// The browser command to run (default: SFKEY_BROWSER, else the system's opener)
    #[arg(long, value_name = "CMD")]
    pub browser: Option<String>,
    /// When to refresh first
    #[command(flatten)]
    pub freshness: Freshness,
}

/// `sfkey open`.
pub fn open(store: &Store, args: &OpenArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.path {
        check_path(path).map_err(|e| anyhow!("invalid --path: {e}"))?;
    }
    let org = store.find(&args.name)?;
    let door = login_url(store, org.clone(), args)?;
    if args.url_only {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", door.url.expose_secret()).context("cannot write to stdout")?;
        eprintln!("This is {}; open it soon.", door.kind.words());
        return Ok(ExitCode::SUCCESS);
    }
    let opened = runtime()?.block_on(hand_over(&door, args.browser.as_deref(), |program| {
        eprintln!("Opening {} in the browser ({program})...", org.name)
    }));
    match opened {
        Ok(_) => {
            eprintln!(
                "Opened {} with {}, handed to the browser through a one-time loopback redirect.",
                org.name,
                door.kind.words()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(OpenOrgError::NoBrowser(why)) => bail!(
            "no browser to open here ({why}); run `sfkey open {} --url-only` and open the URL yourself",
            org.name
        ),
        Err(OpenOrgError::TimedOut) => bail!(
            "the browser did not come for the login URL within {} s; nothing was opened. Try `sfkey open {} --url-only`",
            HANDOFF_TIMEOUT.as_secs(),
            org.name
        ),
        Err(e) => Err(e.into()),
    }
}

/// A login URL for `org`: with the stored (or a fresh) access token, and once more with a fresh
/// one when Salesforce says the session ended.
fn login_url(store: &Store, org: Org, args: &OpenArgs) -> anyhow::Result<FrontDoor> {
    let name = org.name.clone();
    let (token, org) = access_token(store, org, &args.freshness)?;
    match ask(&org, &token, args.path.as_deref()) {
        Err(e)
            if e.downcast_ref::<ApiError>()
                .is_some_and(ApiError::is_session_expired) =>
        {
            let (token, org) = access_token(store, org, &Freshness::always())?;
            ask(&org, &token, args.path.as_deref())
        }
        other => other,
    }
    .map_err(|e| anyhow!("cannot open {name}: {e:#}"))
}

fn ask(org: &Org, token: &SecretString, path: Option<&str>) -> anyhow::Result<FrontDoor> {
    let Some(instance) = org.instance_url.as_deref() else {
        bail!(
            "no instance URL is known yet; run `sfkey refresh {}` first",
            org.name
        );
    };
    let client = HttpClient::for_url(instance, &crate::salesforce::HttpSettings::from_env()?)?;
    runtime()?
        .block_on(front_door(&client, instance, token, path))
        .map_err(anyhow::Error::from)
}
