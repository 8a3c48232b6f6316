//! `userinfo`, `introspect`, `revoke`: calls about an org's stored tokens. Only `userinfo`
//! refreshes first (no token stored, or the stored one known dead): it asks about the user.
//! `introspect` and `revoke` are about the stored token itself, so they never replace it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::anyhow;
use clap::Args;

use crate::columns;
use crate::escape::{escape, escape_json};
use crate::org::Org;
use crate::salesforce::{HttpClient, TokenKind};
use crate::saved_org::calls::{
    self, CallError, IntrospectDone, RevokeDone, UserinfoDone, field_rows,
};
use crate::store::{SecretKind, Store};

use super::tokens::{refresh_failed, run_refresh, runtime};

/// Arguments of `sfkey userinfo`.
#[derive(Debug, Args)]
pub struct UserinfoArgs {
    /// The org
    pub name: String,
    /// Print the answer's JSON as received
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `sfkey introspect`.
#[derive(Debug, Args)]
pub struct IntrospectArgs {
    /// The org
    pub name: String,
    /// Print the answer's JSON as received
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `sfkey revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The org
    pub name: String,
    /// Revoke the refresh token (and with it every access token issued from it), not just the
    /// stored access token
    #[arg(long)]
    pub refresh_token: bool,
    /// Don't ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
    /// Print what was done as JSON
    #[arg(long)]
    pub json: bool,
}

/// A client for `url` (plain loopback http skips loading TLS roots).
fn client_for(url: &str) -> anyhow::Result<HttpClient> {
    Ok(HttpClient::for_url(
        url,
        &crate::salesforce::HttpSettings::from_env()?,
    )?)
}

/// The one error line of a failed call, plus a `hint:` line when we know what to do.
fn call_failed(what: &str, name: &str, err: &CallError) -> anyhow::Error {
    let hint = err
        .advice()
        .map(|a| format!("\nhint: {}", super::advice_text(&a, name)))
        .unwrap_or_default();
    anyhow!("{what} of {name} failed: {err}{hint}")
}

/// `key: value` rows, aligned; strings bare, anything else as compact JSON.
fn print_fields(out: &mut impl Write, rows: &[(String, String)]) -> std::io::Result<()> {
    let width = columns::label_width(rows.iter().map(|(k, _)| k.as_str())) + 1;
    for (key, value) in rows {
        let key = columns::cut(key, columns::MAX_LABEL);
        let value = columns::cut(value, columns::MAX_VALUE);
        writeln!(out, "{} {value}", columns::pad(&format!("{key}:"), width))?;
    }
    Ok(())
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        escape_json(&serde_json::to_string_pretty(value)?)
    )?;
    Ok(())
}

/// `sfkey userinfo`: who the stored access token belongs to. When the keyring holds no access
/// token, or the stored one is marked dead, it refreshes first, as `sfkey token` does: the
/// question is about the user, not that token.
pub fn userinfo(store: &Store, args: &UserinfoArgs) -> anyhow::Result<ExitCode> {
    let org = refresh_first_if_needed(store, store.find(&args.name)?, true)?;
    let client = client_for(org.instance_url.as_deref().unwrap_or(&org.login_url))?;
    let done: UserinfoDone = runtime()?
        .block_on(calls::userinfo(store, &org, &client))
        .map_err(|e| call_failed("userinfo", &org.name, &e))?;
    if args.json {
        print_json(&done.info.fields)?;
    } else {
        let mut out = std::io::stdout().lock();
        print_fields(&mut out, &field_rows(&done.info.fields))?;
    }
    if done.username_filled
        && let Some(username) = &done.info.username
    {
        eprintln!(
            "Saved {} as the username of {}.",
            escape(username),
            org.name
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The org with a live access token for a call, refreshing first when
/// [`calls::refreshes_first`] says so (the TUI's `u` and `i` follow the same rule).
fn refresh_first_if_needed(store: &Store, org: Org, about_user: bool) -> anyhow::Result<Org> {
    let stored = store.secret(&org.id, SecretKind::AccessToken)?.is_some();
    if !calls::refreshes_first(&org, about_user, stored) {
        return Ok(org);
    }
    eprintln!(
        "No live access token stored for {}: refreshing first.",
        org.name
    );
    let done = run_refresh(store, &org)?.map_err(|e| refresh_failed(&org, &e))?;
    // Warned, not refused, as `sfkey token` does.
    super::details::warn_on_mismatch(&done);
    Ok(done.org)
}

/// `sfkey introspect`: whether Salesforce still takes the stored access token, and until when.
/// It refreshes first only when no access token is stored: a stored one, dead or not, is what
/// it asks about.
pub fn introspect(
    store: &Store,
    args: &IntrospectArgs,
    local_offset_s: Option<i32>,
) -> anyhow::Result<ExitCode> {
    let org = store.find(&args.name)?;
    if let Some(refused) = calls::introspect_refused(&org) {
        return Err(call_failed("introspect", &org.name, &refused));
    }
    let org = refresh_first_if_needed(store, org, false)?;
    let client = client_for(&org.login_url)?;
    let done: IntrospectDone = runtime()?
        .block_on(calls::introspect_access_token(store, &org, &client))
        .map_err(|e| call_failed("introspect", &org.name, &e))?;
    if args.json {
        print_json(&done.info.fields)?;
    } else {
        let rows = crate::token_details::introspect_rows(
            &done.info,
            local_offset_s.unwrap_or(0),
            crate::humanize::now_ms(),
        );
        let mut out = std::io::stdout().lock();
        print_fields(&mut out, &rows)?;
    }
    if !done.info.active {
        eprintln!(
            "Salesforce says the stored access token of {0} is not active; it is marked expired, and `sfkey token {0}` will refresh.",
            org.name
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `sfkey revoke`: revokes the stored access token, or with `--refresh-token` the refresh
/// token, then removes what died from the keyring. Asks first on a terminal.
pub fn revoke(store: &Store, args: &RevokeArgs) -> anyhow::Result<ExitCode> {
    let org = store.find(&args.name)?;
    let kind = if args.refresh_token {
        TokenKind::RefreshToken
    } else {
        TokenKind::AccessToken
    };
    let flag = if args.refresh_token {
        " --refresh-token"
    } else {
        ""
    };
    let consequence = match kind {
        TokenKind::RefreshToken => {
            "its access tokens stop working too, and you will have to log in again"
        }
        TokenKind::AccessToken => "the refresh token stays",
    };
    super::secrets_input::confirm(
        args.yes,
        &format!(
            "Revoke the {} of {} at Salesforce ({consequence})?",
            kind.words(),
            org.name
        ),
        "not revoked",
        &format!("sfkey revoke {}{flag}", org.name),
    )?;
    let client = client_for(&org.login_url)?;
    let done: RevokeDone = runtime()?
        .block_on(calls::revoke_token(store, &org, &client, kind, {
            let name = org.name.clone();
            move || eprintln!("Waiting for another sfkey to finish refreshing {name}...")
        }))
        .map_err(|e| call_failed("revoke", &org.name, &e))?;
    let cleared: Vec<&str> = done.cleared.iter().map(|k| k.as_str()).collect();
    if args.json {
        print_json(&serde_json::json!({
            "org": org.name,
            "revoked": kind.as_str(),
            "http_status": done.exchange.status,
            "removed_from_keyring": cleared,
        }))?;
    }
    eprintln!(
        "Revoked the {} of {} (HTTP {}); removed the {} from the keyring.",
        kind.words(),
        org.name,
        done.exchange.status,
        done.cleared_words()
    );
    if kind == TokenKind::RefreshToken {
        eprintln!(
            "To use {0} again, store a new refresh token: sfkey edit {0} --secrets",
            org.name
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        #[test]
        fn any_answer_prints_as_short_escaped_rows(
            key in crate::escape::hostile_text(),
            value in crate::escape::hostile_text(),
        ) {
            let fields = serde_json::json!({ key: value, "name": "x" });
            let mut out = Vec::new();
            print_fields(&mut out, &field_rows(fields.as_object().unwrap_or(&serde_json::Map::new())))
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&out);
            proptest::prop_assert!(!text.chars().any(|c| c != '\n' && crate::escape::is_unsafe(c)));
            for line in text.lines() {
                proptest::prop_assert!(line.chars().count() <= columns::MAX_LABEL + columns::MAX_VALUE + 2);
            }
        }
    }
}
