//! `refresh`, `token`, `env`, `exec`: getting access tokens out.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use secrecy::{ExposeSecret, SecretString};

use crate::escape::{escape, escape_json};
use crate::org::Org;
use crate::salesforce::{HttpExchange, TokenError};
use crate::saved_org::refresh::{
    ClientFor, RefreshError, RefreshEvent, RefreshOptions, Refreshed, refresh_org_with,
};
use crate::signals::{Signals, Stop, Stopped};
use crate::store::{SecretKind, Store};

use super::details;
use super::remedy::{advice_text, remedy_text};
use super::rescue::{self, Rescued};
use crate::remedy::Remedy;

/// Arguments of `sfkey refresh`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 on success, 1 when the refresh failed, 3 when the token arrived \
(and is saved) but its signature does not match the stored client secret; 130, 143 or 129 when \
stopped by Ctrl-C, SIGTERM or SIGHUP (after the answer, if the request was out, is saved)."
)]
pub struct RefreshArgs {
    /// The org to refresh
    pub name: String,
    /// Print access_token, refresh_token and signature in full
    #[arg(long)]
    pub show_secrets: bool,
}

/// When `token`, `env` and `exec` refresh before handing the token out.
#[derive(Debug, Args)]
pub struct Freshness {
    /// Refresh first even when a token is stored
    #[arg(long)]
    pub refresh: bool,
    /// Refresh first when the stored token is older than this (90m, 2h; 0 always refreshes).
    /// Salesforce sessions end after the org's session timeout, 2 hours by default
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1h",
        value_parser = crate::humanize::parse_duration
    )]
    pub max_age: std::time::Duration,
}

impl Freshness {
    /// Always refresh: for a second try after the stored token was refused.
    pub(super) fn always() -> Self {
        Self {
            refresh: true,
            max_age: std::time::Duration::ZERO,
        }
    }

    /// Whether a stored token of this org may be handed out without refreshing.
    fn accepts(&self, org: &Org) -> bool {
        // A token found dead (401, introspect, revoked) is never handed out.
        if self.refresh || org.dead_access_token().is_some() {
            return false;
        }
        // Nothing can replace an access-token-only org's token: hand it out until it is dead.
        if org.kind == crate::org::OrgKind::AccessToken {
            return true;
        }
        let max_age = self.max_age;
        let issued = org.last_refresh.as_ref().and_then(|l| l.issued_at_ms());
        issued.is_some_and(|at| {
            crate::humanize::now_ms().saturating_sub(at) <= max_age.as_millis() as u64
        })
    }
}

/// Arguments of `sfkey token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The org
    pub name: String,
    /// When to refresh first
    #[command(flatten)]
    pub freshness: Freshness,
}

/// Arguments of `sfkey env`.
#[derive(Debug, Args)]
pub struct EnvArgs {
    /// The org
    pub name: String,
    /// When to refresh first
    #[command(flatten)]
    pub freshness: Freshness,
}

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub(super) fn run_refresh(
    store: &Store,
    org: &Org,
) -> anyhow::Result<Result<Refreshed, RefreshError>> {
    let settings = crate::salesforce::HttpSettings::from_env()?;
    let name = org.name.clone();
    let options = RefreshOptions {
        on_event: Some(std::sync::Arc::new(move |event| match event {
            RefreshEvent::WaitingForLock => {
                eprintln!("Waiting for another sfkey to finish refreshing {name}...");
            }
            RefreshEvent::RetryingBusy { after } => eprintln!(
                "Salesforce says a refresh of this token is already being processed; retrying once in {} s...",
                after.as_secs()
            ),
            RefreshEvent::RefreshTokenSaved | RefreshEvent::RequestSent => {}
        })),
        ..RefreshOptions::default()
    };
    let cancel = options.cancel.clone();
    let name = org.name.clone();
    let runtime = runtime()?;
    let (result, stopped) = runtime.block_on(async {
        let mut signals = Signals::new(&Stop::ALL).context("cannot listen for signals")?;
        let refresh = refresh_org_with(store, org, ClientFor::Build(settings), &options);
        tokio::pin!(refresh);
        let mut stopped = None;
        loop {
            tokio::select! {
                result = &mut refresh => break Ok::<_, anyhow::Error>((result, stopped)),
                stop = signals.recv() => {
                    if !cancel.request_sent() {
                        // Nothing went out yet: stopping loses nothing.
                        cancel.cancel();
                        stopped = Some(stop);
                    } else if stopped.is_none() {
                        stopped = Some(stop);
                        let again = match stop {
                            Stop::Interrupt => "Press Ctrl-C again",
                            _ => "Send the signal again",
                        };
                        eprintln!(
                            "Waiting for Salesforce's answer ({stop}): it may carry a new refresh token, and leaving now would lose it. {again} to leave anyway."
                        );
                    } else {
                        eprintln!(
                            "Left without the answer: if {name} rotates refresh tokens, the stored one may no longer work (sfkey refresh {name} tells)."
                        );
                        std::process::exit(i32::from(stop.exit_code()));
                    }
                }
            }
        }
    })?;
    // A cancelled wait for another sfkey's lock is still blocked in a thread; dropping the
    // runtime would wait for it.
    runtime.shutdown_background();
    if let Err(RefreshError::RotationNotSaved(lost)) = &result {
        match rescue::keep_until_stored(org, lost) {
            Rescued::Stored => bail!(
                "the new refresh token of {name} is stored now, but the access token of that answer was not kept; get one with `sfkey refresh {name}`"
            ),
            Rescued::Printed => bail!(
                "the new refresh token of {name} was not stored: store the token printed above with `sfkey edit {name} --secrets`"
            ),
            Rescued::Lost => {}
        }
    }
    match (stopped, &result) {
        (None, _) => Ok(result),
        // The answer is in and saved: now leave, as the signal asked.
        (Some(stop), Ok(done)) => {
            eprintln!(
                "Refreshed {}{}; stopping for {stop}.",
                done.org.name,
                if done.rotated {
                    " and saved the rotated refresh token"
                } else {
                    ""
                }
            );
            Err(Stopped(stop).into())
        }
        (Some(stop), Err(e)) => {
            eprintln!("sfkey: {:#}", refresh_failed(org, e));
            Err(Stopped(stop).into())
        }
    }
}

fn print_exchange(out: &mut impl Write, exchange: &HttpExchange) -> std::io::Result<()> {
    writeln!(out, "Response Status Code = {}", exchange.status)?;
    writeln!(out, "Response Header:")?;
    for (name, value) in &exchange.headers {
        writeln!(out, "{}: {}", escape(name), escape(value))?;
    }
    Ok(())
}

/// `sfkey refresh`: prints what the seed's program prints, secrets masked unless asked.
pub fn refresh(store: &Store, args: &RefreshArgs, utc_offset_s: i32) -> anyhow::Result<ExitCode> {
    let org = store.find(&args.name)?;
    let outcome = run_refresh(store, &org)?;
    // One write for the whole answer: stdout alone writes each of its 30-odd lines apart.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match outcome {
        Ok(done) => {
            writeln!(out, "Response Body:")?;
            writeln!(
                out,
                "{}",
                escape_json(&done.success.token.to_pretty_json(args.show_secrets))
            )?;
            print_exchange(&mut out, &done.success.exchange)?;
            details::print_details(&mut out, &done, utc_offset_s)?;
            out.flush()?;
            if done.rotated {
                eprintln!(
                    "Salesforce rotated the refresh token; the new one is saved in {}.",
                    store.secrets_place()
                );
            }
            eprintln!(
                "Refreshed {} in {}; the access token is saved in {} (sfkey token {}).",
                done.org.name,
                crate::humanize::millis(done.success.exchange.latency),
                store.secrets_place(),
                done.org.name
            );
            if details::warn_on_mismatch(&done) {
                // The token is saved and works; 3 tells a script the answer did not check out.
                return Ok(ExitCode::from(details::SIGNATURE_MISMATCH_EXIT));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            if let Some(token_err) = err.token_error() {
                print_failed_answer(&mut out, token_err)?;
            }
            out.flush()?;
            Err(refresh_failed(&org, &err))
        }
    }
}

/// The one error line of a failed refresh, plus a `hint:` line naming this org when we know
/// what to do.
pub(super) fn refresh_failed(org: &Org, err: &RefreshError) -> anyhow::Error {
    let name = &org.name;
    let hint = match err {
        // This process ends now, and the only working refresh token with it.
        RefreshError::RotationNotSaved(_) => Some(format!(
            "hint: fix the keyring (unlock it), then log in again ({}) or store a new refresh token ({})",
            remedy_text(Remedy::LoginAgain, org),
            remedy_text(Remedy::EditSecrets, org),
        )),
        // Salesforce's own error: what it means on a line of its own, then what to do.
        _ => match err.explanation(org.kind) {
            Some(x) => Some(format!(
                "means: {}\nhint: {}",
                x.meaning,
                advice_text(&x.action, org)
            )),
            None => err
                .advice(org.kind)
                .map(|a| format!("hint: {}", advice_text(&a, org))),
        },
    }
    .map(|h| format!("\n{h}"))
    .unwrap_or_default();
    anyhow!("refresh of {name} failed: {err}{hint}")
}

fn print_failed_answer(out: &mut impl Write, err: &TokenError) -> std::io::Result<()> {
    let Some(exchange) = err.exchange() else {
        return Ok(());
    };
    if let TokenError::Salesforce {
        error, description, ..
    } = err
    {
        let body = serde_json::json!({"error": error, "error_description": description});
        writeln!(out, "Response Body:")?;
        writeln!(
            out,
            "{}",
            escape_json(&serde_json::to_string_pretty(&body).unwrap_or_default())
        )?;
    }
    print_exchange(out, exchange)?;
    writeln!(out, "Failed.")
}

/// The stored access token if `freshness` accepts it, else a fresh one; with the org as it
/// stands afterwards (a refresh fills in the instance URL).
pub(super) fn access_token(
    store: &Store,
    org: Org,
    freshness: &Freshness,
) -> anyhow::Result<(SecretString, Org)> {
    if freshness.accepts(&org)
        && let Some(token) = store.secret(&org.id, SecretKind::AccessToken)?
    {
        return Ok((token, org));
    }
    if let Some(fresh) = refreshed_meanwhile(store, &org, freshness)? {
        return Ok(fresh);
    }
    let done = run_refresh(store, &org)?.map_err(|e| refresh_failed(&org, &e))?;
    // Warned, not refused: see `warn_on_mismatch`.
    details::warn_on_mismatch(&done);
    let token = done
        .success
        .token
        .access_token()
        .ok_or_else(|| anyhow!("the answer had no access token"))?;
    Ok((token, done.org))
}

/// When another sfkey is refreshing this org right now, waits for it and takes its token if
/// `freshness` accepts it, instead of spending a second refresh (and, with rotation, a second
/// refresh token) on the same need.
fn refreshed_meanwhile(
    store: &Store,
    org: &Org,
    freshness: &Freshness,
) -> anyhow::Result<Option<(SecretString, Org)>> {
    if freshness.refresh {
        return Ok(None);
    }
    let mut waited = false;
    let lock = store.lock_org(&org.id, || {
        waited = true;
        eprintln!(
            "Waiting for another sfkey to finish refreshing {}...",
            org.name
        );
    })?;
    if !waited {
        return Ok(None);
    }
    let now = store.org_by_id(&org.id);
    if now.is_err() {
        // Removed while we waited: leave no lock file behind.
        lock.forget();
    }
    let now = now?;
    if freshness.accepts(&now)
        && let Some(token) = store.secret(&now.id, SecretKind::AccessToken)?
    {
        return Ok(Some((token, now)));
    }
    Ok(None)
}

/// `sfkey token`: the token alone on stdout, for `$(sfkey token prod)`.
pub fn token(store: &Store, args: &TokenArgs) -> anyhow::Result<ExitCode> {
    let (token, _) = access_token(store, store.find(&args.name)?, &args.freshness)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", token.expose_secret())?;
    Ok(ExitCode::SUCCESS)
}

/// The variables `env` and `exec` set.
pub(super) fn variables(
    store: &Store,
    name: &str,
    freshness: &Freshness,
) -> anyhow::Result<Vec<(&'static str, SecretString)>> {
    let (token, org) = access_token(store, store.find(name)?, freshness)?;
    // SF_TARGET_ORG and SF_ORG_INSTANCE_URL are what the sf CLI reads (it takes a token there).
    let mut vars = vec![("SF_ACCESS_TOKEN", token.clone()), ("SF_TARGET_ORG", token)];
    if let Some(url) = org.instance_url {
        vars.push(("SF_INSTANCE_URL", SecretString::from(url.clone())));
        vars.push(("SF_ORG_INSTANCE_URL", SecretString::from(url)));
    }
    vars.push(("SF_ORG_NAME", SecretString::from(org.name)));
    Ok(vars)
}

pub(super) fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// `sfkey env`: `export` lines for `eval "$(sfkey env prod)"`.
pub fn env(store: &Store, args: &EnvArgs) -> anyhow::Result<ExitCode> {
    let vars = variables(store, &args.name, &args.freshness)?;
    let mut out = std::io::stdout().lock();
    for (name, value) in vars {
        writeln!(out, "export {name}={}", shell_quote(value.expose_secret()))?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests;
