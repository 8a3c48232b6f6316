//! The Salesforce CLI's orgs: `sf org list --json` names them, `sf org auth show-sfdx-auth-url
//! --json -o ALIAS` hands over each one's auth URL on stdout (never through an argument), and
//! the URL is parsed like any other. Orgs authorised with JWT have no refresh token and so no
//! auth URL; they are read from sf's auth file (`sf_jwt`), and access-token logins reported.

use serde_json::Value;

mod run;
use run::run_sf;
use zeroize::Zeroizing;

use super::{Imported, InputError, sanitize_name, sfdx_url};
use crate::org::Org;

/// One org `sf org list` knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfOrg {
    /// Its alias, if it has one.
    pub alias: Option<String>,
    /// The Salesforce username; `sf` keys its orgs by it.
    pub username: String,
    /// The org id (`00D…`).
    pub org_id: Option<String>,
    /// The user id (`005…`), when `sf` lists it.
    pub user_id: Option<String>,
    /// The instance URL.
    pub instance_url: Option<String>,
}

impl SfOrg {
    /// What `-o` gets and what sfkey names the org: the alias, else the username.
    pub fn handle(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.username)
    }
}

/// The lists of `sf org list --json`'s result, in the order they are read; `nonScratchOrgs`
/// repeats `devHubs`, `sandboxes` and `other`, so orgs are kept once per username.
const LISTS: [&str; 5] = [
    "devHubs",
    "sandboxes",
    "other",
    "nonScratchOrgs",
    "scratchOrgs",
];

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The JSON `sf` printed, from stdout or (older versions' errors) stderr.
fn json_of(stdout: &[u8], stderr: &[u8]) -> Option<Value> {
    [stdout, stderr]
        .into_iter()
        .find_map(|bytes| serde_json::from_slice::<Value>(bytes).ok())
}

/// `sf`'s error as one line: its name and message, without anything that looks like an auth URL.
fn sf_error(doc: &Value) -> String {
    let name = str_of(doc, "name").unwrap_or("error");
    let message = str_of(doc, "message").unwrap_or("no message");
    let message = if message.contains("force://") {
        "(its message held an auth URL and is not repeated)"
    } else {
        message
    };
    format!("{name}: {message}")
}

/// Reads the orgs of `sf org list --json`.
pub fn parse_org_list(stdout: &[u8], stderr: &[u8]) -> Result<Vec<SfOrg>, InputError> {
    let origin = "sf org list --json";
    let Some(doc) = json_of(stdout, stderr) else {
        return Err(InputError::new(
            origin,
            "output",
            "is not JSON; run it yourself to see what is wrong",
        ));
    };
    if doc.get("status").and_then(Value::as_i64).unwrap_or(1) != 0 {
        return Err(InputError::new(
            origin,
            "status",
            format!("sf failed: {}", sf_error(&doc)),
        ));
    }
    let Some(result) = doc.get("result").filter(|r| r.is_object()) else {
        return Err(InputError::new(
            origin,
            "result",
            "is missing or not an object",
        ));
    };
    let mut orgs: Vec<SfOrg> = Vec::new();
    for list in LISTS {
        let Some(entries) = result.get(list) else {
            continue;
        };
        let Some(entries) = entries.as_array() else {
            return Err(InputError::new(
                origin,
                &format!("result.{list}"),
                "is not a list",
            ));
        };
        for (i, entry) in entries.iter().enumerate() {
            let Some(username) = str_of(entry, "username") else {
                return Err(InputError::new(
                    origin,
                    &format!("result.{list}[{i}].username"),
                    "is missing",
                ));
            };
            if orgs.iter().any(|o| o.username == username) {
                continue;
            }
            // `alias` is a string; be lenient with a list of them.
            let alias = match entry.get("alias") {
                Some(Value::Array(all)) => all.first().and_then(Value::as_str),
                Some(Value::String(a)) => Some(a.as_str()),
                _ => None,
            };
            orgs.push(SfOrg {
                alias: alias.filter(|a| !a.is_empty()).map(str::to_string),
                username: username.to_string(),
                org_id: str_of(entry, "orgId").map(str::to_string),
                user_id: str_of(entry, "userId").map(str::to_string),
                instance_url: str_of(entry, "instanceUrl").map(str::to_string),
            });
        }
    }
    Ok(orgs)
}

/// What `sf org auth show-sfdx-auth-url --json` answered.
#[derive(Debug)]
pub enum AuthUrlAnswer {
    /// The auth URL (`result.sfdxAuthUrl`).
    Url(Zeroizing<String>),
    /// The org has no refresh token (JWT or access-token login).
    NoRefreshToken,
    /// Anything else went wrong: `sf`'s error name and message.
    Failed(String),
}

/// Reads `sf org auth show-sfdx-auth-url --json`'s answer.
pub fn parse_auth_url_answer(stdout: &[u8], stderr: &[u8]) -> AuthUrlAnswer {
    let Some(doc) = json_of(stdout, stderr) else {
        return AuthUrlAnswer::Failed("sf printed no JSON".into());
    };
    if let Some(url) = doc.pointer("/result/sfdxAuthUrl").and_then(Value::as_str) {
        return AuthUrlAnswer::Url(Zeroizing::new(url.to_string()));
    }
    let name = str_of(&doc, "name").unwrap_or("");
    let message = str_of(&doc, "message").unwrap_or("");
    if name == "NoRefreshTokenError" || message.contains("SFDX Auth URL is not available") {
        return AuthUrlAnswer::NoRefreshToken;
    }
    AuthUrlAnswer::Failed(sf_error(&doc))
}

/// What `--from-sf` found.
#[derive(Debug, Default)]
pub struct SfImport {
    /// The orgs with a refresh token, ready to plan.
    pub orgs: Vec<Imported>,
    /// Aliases (or usernames) of orgs without a refresh token or a private key (access-token
    /// logins).
    pub no_refresh_token: Vec<String>,
    /// JWT orgs, their private key read from the file sf's auth file names.
    pub jwt: Vec<super::sf_jwt::ImportedJwt>,
}

/// Reads `sf alias list --json`: every (alias, username) pair, where `sf org list` shows only
/// one alias per org.
pub fn parse_alias_list(stdout: &[u8], stderr: &[u8]) -> Result<Vec<(String, String)>, InputError> {
    let origin = "sf alias list --json";
    let doc = json_of(stdout, stderr).ok_or_else(|| {
        InputError::new(
            origin,
            "output",
            "is not JSON; run it yourself to see what is wrong",
        )
    })?;
    if doc.get("status").and_then(Value::as_i64).unwrap_or(1) != 0 {
        return Err(InputError::new(
            origin,
            "status",
            format!("sf failed: {}", sf_error(&doc)),
        ));
    }
    let entries = doc
        .get("result")
        .and_then(Value::as_array)
        .ok_or_else(|| InputError::new(origin, "result", "is missing or not a list"))?;
    Ok(entries
        .iter()
        .filter_map(|e| {
            Some((
                str_of(e, "alias")?.to_string(),
                str_of(e, "value")?.to_string(),
            ))
        })
        .collect())
}

/// Picks the orgs named by `wanted` (aliases or usernames; all when empty). A word that is
/// neither an alias `sf org list` shows nor a username is looked up in `aliases()` (asked once,
/// and only then), since an org may have several aliases.
fn select<'a>(
    all: &'a [SfOrg],
    wanted: &[String],
    aliases: impl FnOnce() -> Result<Vec<(String, String)>, InputError>,
) -> Result<Vec<&'a SfOrg>, InputError> {
    if wanted.is_empty() {
        return Ok(all.iter().collect());
    }
    let direct = |w: &str| {
        all.iter()
            .find(|o| o.alias.as_deref() == Some(w) || o.username == w)
    };
    let aliases = if wanted.iter().all(|w| direct(w).is_some()) {
        Vec::new()
    } else {
        aliases()?
    };
    wanted
        .iter()
        .map(|w| {
            direct(w)
                .or_else(|| {
                    let (_, username) = aliases.iter().find(|(alias, _)| alias == w)?;
                    all.iter().find(|o| o.username == *username)
                })
                .ok_or_else(|| {
                    let known: Vec<&str> = all.iter().map(SfOrg::handle).collect();
                    InputError::new(
                        "sf org list",
                        w,
                        format!(
                            "no org with that alias or username; sf knows: {}",
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ),
                    )
                })
        })
        .collect()
}

/// Turns one org's auth URL into an import, named by its alias.
fn imported(org: &SfOrg, url: &str) -> Result<Imported, InputError> {
    let origin = format!("sf org auth show-sfdx-auth-url -o {}", org.handle());
    let parsed = sfdx_url::parse_from_sf(url)
        .map_err(|e| InputError::new(&origin, "result.sfdxAuthUrl", e.to_string()))?;
    let mut new = Org::new(
        sanitize_name(org.handle()),
        parsed.login_url,
        parsed.client_id,
    );
    new.username = Some(org.username.clone());
    new.instance_url = org.instance_url.clone();
    new.salesforce_org_id = org.org_id.clone();
    new.salesforce_user_id = org.user_id.clone();
    Ok(Imported {
        org: new,
        client_secret: parsed.client_secret,
        refresh_token: parsed.refresh_token,
    })
}

/// How many `sf` processes run at once: each is a Node process of ~100 MB taking a second or two.
const SF_PARALLEL: usize = 4;

/// Asks `sf` for the auth URL of each org, a few at a time; answers come back in order.
fn auth_urls(orgs: &[&SfOrg]) -> Vec<Result<AuthUrlAnswer, InputError>> {
    std::thread::scope(|scope| {
        orgs.chunks(SF_PARALLEL)
            .flat_map(|chunk| {
                let running: Vec<_> = chunk
                    .iter()
                    .map(|org| {
                        scope.spawn(move || {
                            let args = [
                                "org",
                                "auth",
                                "show-sfdx-auth-url",
                                "--json",
                                "-o",
                                org.handle(),
                            ];
                            run_sf(&args).map(|(out, err)| parse_auth_url_answer(&out, &err))
                        })
                    })
                    .collect();
                running
                    .into_iter()
                    .map(|handle| {
                        handle.join().unwrap_or_else(|_| {
                            Err(InputError::new(
                                "sf",
                                "process",
                                "reading its answer failed",
                            ))
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

/// Reads the orgs named by `wanted` (all when empty) from the Salesforce CLI; `asking` is told
/// how many orgs' auth URLs are being fetched, before the wait.
pub fn import(wanted: &[String], asking: impl FnOnce(usize)) -> Result<SfImport, InputError> {
    let (stdout, stderr) = run_sf(&["org", "list", "--json", "--skip-connection-status"])?;
    let all = parse_org_list(&stdout, &stderr)?;
    if all.is_empty() {
        return Err(InputError::new(
            "sf org list",
            "result",
            "the Salesforce CLI has no orgs; log in with sf org login web first",
        ));
    }
    let selected = select(&all, wanted, || {
        let (stdout, stderr) = run_sf(&["alias", "list", "--json"])?;
        parse_alias_list(&stdout, &stderr)
    })?;
    asking(selected.len());
    let mut found = SfImport::default();
    let sfdx_dir = super::sf_jwt::sf_dir();
    for (org, answer) in selected.iter().zip(auth_urls(&selected)) {
        match answer? {
            AuthUrlAnswer::Url(url) => found.orgs.push(imported(org, &url)?),
            AuthUrlAnswer::NoRefreshToken => {
                let jwt = match &sfdx_dir {
                    Some(dir) => super::sf_jwt::read(org, dir)?,
                    None => None,
                };
                match jwt {
                    Some(jwt) => found.jwt.push(jwt),
                    None => found.no_refresh_token.push(org.handle().to_string()),
                }
            }
            AuthUrlAnswer::Failed(why) => {
                return Err(InputError::new(
                    &format!("sf org auth show-sfdx-auth-url -o {}", org.handle()),
                    "answer",
                    why,
                ));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests;
