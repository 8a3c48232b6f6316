//! `sfkey import`: an SFDX auth URL (argument, stdin or file), the JSON of `sf org auth
//! show-sfdx-auth-url --json`, a Postman environment or collection, or the Salesforce CLI's
//! orgs. Everything is read and checked first; nothing is saved unless all of it is good.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::bail;
use clap::Args;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::interop::{self, Done, Imported, InputError, postman, sf_cli, sfdx_url};
use crate::org;
use crate::store::{SecretKind, Store};

/// What to import from: an auth URL, `-` or a path. Its `Debug` never shows an auth URL.
#[derive(Clone)]
pub struct SourceArg(Zeroizing<String>);

impl FromStr for SourceArg {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(Zeroizing::new(s.to_string())))
    }
}

impl std::fmt::Debug for SourceArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if is_auth_url(&self.0) {
            f.write_str("SourceArg(force://<redacted>)")
        } else {
            write!(f, "SourceArg({:?})", self.0.as_str())
        }
    }
}

fn is_auth_url(text: &str) -> bool {
    text.trim_start().starts_with("force://")
}

/// Arguments of `sfkey import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// `-` to read stdin, a file (an auth URL, the JSON of `sf org auth show-sfdx-auth-url
    /// --json`, or a Postman environment or collection), or an auth URL itself (then it is in
    /// your shell history and `ps`: prefer stdin)
    #[arg(
        value_name = "SOURCE",
        required_unless_present = "from_sf",
        conflicts_with = "from_sf"
    )]
    pub source: Option<SourceArg>,
    /// Import the Salesforce CLI's orgs through `sf` (all of them, or those with these aliases
    /// or usernames), each named by its alias
    #[arg(long, num_args = 0.., value_name = "ALIAS")]
    pub from_sf: Option<Vec<String>>,
    /// Save the org under this name (default: from the source)
    #[arg(long)]
    pub name: Option<String>,
    /// Replace an org already saved (same org and user, same login URL + client id + username,
    /// or same name) instead of refusing
    #[arg(long)]
    pub update: bool,
    /// Accept a login host outside Salesforce's domains (a proxy, a custom site domain); it is
    /// shown in punycode with a warning
    #[arg(long)]
    pub any_host: bool,
}

/// The most `import` reads from a file or stdin: far more than any environment or collection,
/// and a stop for `/dev/zero` or a wrong pipe.
const MAX_SOURCE: u64 = 64 * 1024 * 1024;

/// Reads all of `reader` as text, refusing more than [`MAX_SOURCE`] bytes.
fn read_capped(reader: impl Read, text: &mut String) -> std::io::Result<()> {
    reader.take(MAX_SOURCE + 1).read_to_string(text)?;
    if text.len() as u64 > MAX_SOURCE {
        return Err(std::io::Error::other(format!(
            "is over {} MiB, so it is no auth URL, environment or collection",
            MAX_SOURCE / 1024 / 1024
        )));
    }
    Ok(())
}

/// Reads the source's text: the argument itself, stdin, or a file.
fn read_source(arg: &str) -> Result<(String, Zeroizing<String>), InputError> {
    if is_auth_url(arg) {
        return Ok(("the command line".into(), Zeroizing::new(arg.to_string())));
    }
    let mut text = Zeroizing::new(String::new());
    if arg == "-" && std::io::stdin().is_terminal() {
        // Typed or pasted at a terminal: one hidden line, like the other secret prompts.
        let line =
            super::secrets_input::prompt_hidden("SFDX auth URL (hidden)", true).map_err(|e| {
                InputError::new("the terminal", "auth URL", format!("cannot be read: {e:#}"))
            })?;
        return Ok(("the terminal".into(), Zeroizing::new(line)));
    }
    if arg == "-" {
        read_capped(std::io::stdin(), &mut text)
            .map_err(|e| InputError::new("stdin", "text", format!("cannot be read: {e}")))?;
        return Ok(("stdin".into(), text));
    }
    let path = std::path::Path::new(arg);
    let problem = match std::fs::File::open(path).and_then(|f| read_capped(f, &mut text)) {
        Ok(()) => return Ok((arg.to_string(), text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "no such file (give an auth URL on stdin with `-`, a file, or --from-sf)".to_string()
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => "is not UTF-8 text".to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::Other => e.to_string(),
        Err(e) => format!("cannot be read: {e}"),
    };
    // A long word that is no path may be a pasted token: name it without repeating it.
    let looks_like_path = arg.contains('/') || arg.contains(".json") || arg.len() <= 40;
    let origin = if looks_like_path {
        arg
    } else {
        "the argument (not repeated, in case it was a secret)"
    };
    Err(InputError::new(origin, "file", problem))
}

/// One org from an auth URL's text, named `name` or after its host.
fn from_auth_url(
    origin: &str,
    field: &str,
    url: &str,
    name: Option<&str>,
) -> Result<Imported, InputError> {
    let parsed = sfdx_url::parse(url).map_err(|e| InputError::new(origin, field, e.to_string()))?;
    let name = name.map_or_else(|| sfdx_url::default_name(&parsed.login_url), str::to_string);
    Ok(Imported {
        org: crate::org::Org::new(name, parsed.login_url, parsed.client_id),
        client_secret: parsed.client_secret,
        refresh_token: parsed.refresh_token,
    })
}

/// Reads whatever the text holds into one org.
fn parse_source(origin: &str, text: &str, name: Option<&str>) -> Result<Imported, InputError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(InputError::new(origin, "text", "is empty"));
    }
    if is_auth_url(trimmed) {
        return from_auth_url(origin, "auth URL", trimmed, name);
    }
    if !trimmed.starts_with('{') {
        return Err(InputError::new(
            origin,
            "text",
            "is neither an SFDX auth URL (force://…) nor JSON (sf's --json output, or a Postman environment or collection)",
        ));
    }
    // serde_json's messages give line and column, never the text itself.
    let doc: Value = serde_json::from_str(trimmed)
        .map_err(|e| InputError::new(origin, "JSON", format!("does not parse: {e}")))?;
    // Where `sf org login sfdx-url --sfdx-url-file` looks: `result.sfdxAuthUrl`, else a
    // top-level `sfdxAuthUrl`.
    for (pointer, field) in [
        ("/result/sfdxAuthUrl", "result.sfdxAuthUrl"),
        ("/sfdxAuthUrl", "sfdxAuthUrl"),
    ] {
        if let Some(url) = doc.pointer(pointer) {
            let Some(url) = url.as_str() else {
                return Err(InputError::new(origin, field, "is not a string"));
            };
            return from_auth_url(origin, field, url, name);
        }
    }
    if doc
        .get("status")
        .and_then(Value::as_i64)
        .is_some_and(|s| s != 0)
    {
        // sf's own error says why (no such org, expired session); it holds no secret.
        let said = ["name", "message"]
            .iter()
            .filter_map(|k| doc.get(k).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(": ");
        return Err(InputError::new(
            origin,
            "status",
            format!(
                "this is the JSON of a failed sf command{}, with no result.sfdxAuthUrl",
                if said.is_empty() {
                    String::new()
                } else {
                    format!(" ({said})")
                }
            ),
        ));
    }
    if postman::looks_like_postman(&doc) {
        let mut imported = postman::import(&doc, origin)?;
        if let Some(name) = name {
            imported.org.name = name.to_string();
        }
        return Ok(imported);
    }
    Err(InputError::new(
        origin,
        "top level",
        "not the JSON of `sf org auth show-sfdx-auth-url --json` (no result.sfdxAuthUrl) nor a Postman environment (\"values\") or collection (\"variable\")",
    ))
}

/// A re-run of `--from-sf` adds what is new and skips, with a reason each, what is saved
/// already (`--update` replaces those instead), so one known org does not block the others.
fn skip_known(
    saved: &[crate::org::Org],
    orgs: Vec<Imported>,
    same_token: impl Fn(&crate::org::Org, &Imported) -> bool,
) -> (Vec<Imported>, Vec<String>) {
    let mut new = Vec::new();
    let mut known = Vec::new();
    for item in orgs {
        match interop::find_existing(saved, &item, &same_token) {
            None => new.push(item),
            Some((_, interop::Sameness::Name)) => known.push(format!(
                "{}: another org is saved under that name; import it with --from-sf {} --name NEW_NAME",
                item.org.name, item.org.name
            )),
            Some((found, why)) => known.push(format!(
                "{}: already saved as {} ({}); --update replaces it",
                item.org.name,
                crate::escape::escape(&found.name),
                why.describe()
            )),
        }
    }
    (new, known)
}

/// Saves the sf CLI's JWT orgs (private key into the keyring), skipping any already saved;
/// what was added, and why others were skipped.
fn add_jwt_orgs(
    store: &Store,
    saved: &[crate::org::Org],
    jwt: Vec<interop::sf_jwt::ImportedJwt>,
) -> anyhow::Result<(Vec<Done>, Vec<String>)> {
    let (mut done, mut known) = (Vec::new(), Vec::new());
    for item in jwt {
        if let Some((found, why)) = interop::find_duplicate(saved, &item.org) {
            known.push(format!(
                "{}: already saved as {} ({})",
                item.org.name,
                found.name,
                why.describe()
            ));
            continue;
        }
        let secrets = vec![(SecretKind::PrivateKey, Some(item.private_key))];
        done.push(Done::Added(store.add_with(item.org, secrets)?));
    }
    Ok((done, known))
}

/// `sfkey import`: read and check everything, decide add or update, then save.
pub fn import(store: &Store, args: ImportArgs) -> anyhow::Result<ExitCode> {
    if let Some(name) = &args.name {
        org::validate_name(name)?;
    }
    let mut skipped = Vec::new();
    let mut jwt = Vec::new();
    let (origin, orgs) = match (&args.source, &args.from_sf) {
        (_, Some(wanted)) => {
            let found = sf_cli::import(wanted, |n| {
                eprintln!(
                    "Asking sf for the auth URL of {n} org{}…",
                    if n == 1 { "" } else { "s" }
                );
            })?;
            skipped = found.no_refresh_token;
            let mut orgs = found.orgs;
            jwt = found.jwt;
            if let Some(name) = &args.name {
                if orgs.len() + jwt.len() > 1 {
                    bail!(
                        "--name names one org, but sf has {} to import; give one alias after --from-sf",
                        orgs.len() + jwt.len()
                    );
                }
                orgs.iter_mut().for_each(|o| o.org.name = name.clone());
                jwt.iter_mut().for_each(|o| o.org.name = name.clone());
            }
            ("sf".to_string(), orgs)
        }
        (Some(source), None) => {
            let (origin, text) = read_source(&source.0)?;
            if origin == "the command line" {
                eprintln!(
                    "note: the auth URL was an argument, so your shell history and `ps` saw its refresh token; next time pipe it in: ... | sfkey import -"
                );
            }
            let org = parse_source(&origin, &text, args.name.as_deref())?;
            (origin, vec![org])
        }
        (None, None) => {
            bail!("nothing to import: give an auth URL on stdin (-), a file, or --from-sf")
        }
    };
    for imported in &orgs {
        // Names from sources are sanitised already; --name was checked above.
        org::validate_name(&imported.org.name)?;
        super::check_host(&imported.org.login_url, args.any_host)?;
    }
    // An auth URL names no user: the same refresh token is how a re-import is recognised.
    let same_token =
        |saved: &crate::org::Org, new: &Imported| interop::holds_refresh_token(store, saved, new);
    let saved = store.orgs()?;
    let (orgs, known) = if args.from_sf.is_some() && !args.update {
        skip_known(&saved, orgs, same_token)
    } else {
        (orgs, Vec::new())
    };
    for item in &jwt {
        org::validate_name(&item.org.name)?;
    }
    let steps = interop::plan(&saved, orgs, args.update, same_token)?;
    let mut done = interop::apply(store, steps)?;
    let (added, jwt_known) = add_jwt_orgs(store, &saved, jwt)?;
    done.extend(added);
    for d in &done {
        let (verb, org) = match d {
            Done::Added(org) => ("Added", org),
            Done::Updated(org) => ("Updated", org),
        };
        tracing::info!(org = %org.name, origin = %origin, "{} by import", verb.to_lowercase());
        // The client id and username came from the imported file.
        let line = format!(
            "{verb} {} from {origin}: {}{}, client id {}{}; secrets in {}.",
            org.name,
            org.login_url,
            org.site.as_deref().unwrap_or(""),
            org.client_id,
            org.username
                .as_deref()
                .map(|u| format!(", user {u}"))
                .unwrap_or_default(),
            store.secrets_place(),
        );
        eprintln!("{}", crate::escape::escape(&line));
    }
    for handle in &skipped {
        eprintln!(
            "Skipped {handle}: sf has no refresh token for it, and no auth file in ~/.sfdx names a private key (an access-token login), so there is nothing to import; log in to it with `sf org login web` or `sf org login jwt`, or add it with sfkey add --jwt."
        );
    }
    for why in known.iter().chain(&jwt_known) {
        eprintln!("Skipped {why}");
    }
    if done.is_empty() {
        bail!("nothing was imported");
    }
    if let [Done::Added(org) | Done::Updated(org)] = &done[..] {
        eprintln!("Next: sfkey refresh {}", org.name);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests;
