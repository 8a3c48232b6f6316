//! Postman: an environment (`values`) or a collection's `variable` list, with the variables of
//! Salesforce's Postman collection (`url`, `site`, `clientId`, `clientSecret`, `_refreshToken`,
//! `_endpoint`, `_userId`, `_orgId`), read into an org; and an org written back as an
//! environment Postman and newman load.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::{Imported, InputError, sanitize_name};
use crate::org::{self, Org};

/// Whether a JSON document looks like a Postman environment or collection.
pub fn looks_like_postman(doc: &Value) -> bool {
    doc.get("values").is_some_and(Value::is_array)
        || doc.get("variable").is_some_and(Value::is_array)
}

/// The enabled variables of an environment or collection, as (key, value) in file order.
fn variables(doc: &Value, origin: &str) -> Result<Vec<(String, String)>, InputError> {
    let (field, list) = match (doc.get("values"), doc.get("variable")) {
        (Some(Value::Array(list)), _) => ("values", list),
        (_, Some(Value::Array(list))) => ("variable", list),
        _ => {
            return Err(InputError::new(
                origin,
                "top level",
                "not a Postman environment (no \"values\" list) or collection (no \"variable\" list)",
            ));
        }
    };
    let mut out = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let Some(key) = entry.get("key").and_then(Value::as_str) else {
            return Err(InputError::new(origin, &at, "has no \"key\" string"));
        };
        // Postman ignores disabled variables too: environments say `"enabled": false`,
        // collections `"disabled": true`.
        if entry.get("enabled").and_then(Value::as_bool) == Some(false)
            || entry.get("disabled").and_then(Value::as_bool) == Some(true)
        {
            continue;
        }
        let value = match entry.get("value") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                return Err(InputError::new(
                    origin,
                    &format!("variable {key:?}"),
                    "its value is not a string",
                ));
            }
        };
        out.push((key.to_string(), value));
    }
    Ok(out)
}

fn plausible_id(id: &str, prefix: &str) -> bool {
    id.starts_with(prefix)
        && matches!(id.len(), 15 | 18)
        && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Reads one org from a Postman environment or collection; `origin` names the file in errors.
pub fn import(doc: &Value, origin: &str) -> Result<Imported, InputError> {
    let vars = variables(doc, origin)?;
    let get = |key: &str| {
        vars.iter()
            .rev() // the last definition wins, as in Postman
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let field = |key: &str| format!("variable {key:?}");
    let err = |key: &str, problem: String| InputError::new(origin, &field(key), problem);

    let login_url =
        match get("url") {
            None => return Err(err(
                "url",
                "is missing or empty; set it to the login URL, e.g. https://login.salesforce.com"
                    .into(),
            )),
            Some(url) => org::parse_login_url(url).map_err(|e| {
                err(
                    "url",
                    e.to_string()
                        .replace("in --site", "in the \"site\" variable"),
                )
            })?,
        };
    let site =
        org::parse_site(get("site").unwrap_or("")).map_err(|e| err("site", e.to_string()))?;
    let client_id = org::parse_client_id(get("clientId").unwrap_or(""))
        .map_err(|e| err("clientId", e.to_string().replace(" (--client-id)", "")))?;
    let no_spaces = |key: &str, value: &str| {
        if value.chars().any(char::is_whitespace) {
            Err(err(
                key,
                "contains spaces; check the value in Postman".into(),
            ))
        } else {
            Ok(SecretString::from(value))
        }
    };
    let client_secret = get("clientSecret")
        .map(|v| no_spaces("clientSecret", v))
        .transpose()?;
    let refresh_token = match get("_refreshToken") {
        Some(v) => no_spaces("_refreshToken", v)?,
        None => {
            return Err(err(
                "_refreshToken",
                "is missing or empty; log in with the collection's OAuth request in Postman first, then export the environment with its current values".into(),
            ));
        }
    };
    let instance_url =
        match get("_endpoint") {
            None => None,
            Some(url) => match reqwest::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "https" | "http") => {
                    Some(url.trim_end_matches('/').to_string())
                }
                _ => return Err(err(
                    "_endpoint",
                    "is not an http(s) URL (the instance URL, e.g. https://acme.my.salesforce.com)"
                        .into(),
                )),
            },
        };
    let sf_id = |key: &str, prefix: &str| match get(key) {
        Some(id) if !plausible_id(id, prefix) => Err(err(
            key,
            format!("is not a Salesforce id (15 or 18 letters and digits starting with {prefix})"),
        )),
        other => Ok(other.map(str::to_string)),
    };
    let org_id = sf_id("_orgId", "00D")?;
    let user_id = sf_id("_userId", "005")?;
    let name = doc
        .get("name")
        .or_else(|| doc.get("info").and_then(|i| i.get("name")))
        .and_then(Value::as_str)
        .map_or_else(|| super::sfdx_url::default_name(&login_url), sanitize_name);
    let mut org = Org::new(name, login_url, client_id);
    org.site = site;
    org.username = get("username").map(str::to_string);
    org.instance_url = instance_url;
    org.salesforce_org_id = org_id;
    org.salesforce_user_id = user_id;
    Ok(Imported {
        org,
        client_secret,
        refresh_token,
    })
}

/// A random version 4 UUID, for the environment's `id`.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // Postman only needs the id to be unlikely to clash; time does that well enough.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        b = nanos.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The org as a Postman environment: the collection's variables, secrets typed `secret`.
/// The text holds secrets, so it is wiped from memory when dropped.
pub fn export_environment(
    org: &Org,
    client_secret: Option<&SecretString>,
    refresh_token: &SecretString,
    access_token: Option<&SecretString>,
    api_version: Option<&str>,
) -> Zeroizing<String> {
    fn expose(s: Option<&SecretString>) -> &str {
        s.map_or("", |s| s.expose_secret())
    }
    let values: Vec<Value> = [
        ("url", org.login_url.as_str(), false),
        ("site", org.site.as_deref().unwrap_or(""), false),
        ("clientId", org.client_id.as_str(), false),
        ("clientSecret", expose(client_secret), true),
        // 203 of the collection's 232 requests build their URL with {{version}}.
        ("version", api_version.unwrap_or(""), false),
        ("username", org.username.as_deref().unwrap_or(""), false),
        ("_refreshToken", refresh_token.expose_secret(), true),
        ("_accessToken", expose(access_token), true),
        (
            "_endpoint",
            org.instance_url.as_deref().unwrap_or(""),
            false,
        ),
        (
            "_userId",
            org.salesforce_user_id.as_deref().unwrap_or(""),
            false,
        ),
        (
            "_orgId",
            org.salesforce_org_id.as_deref().unwrap_or(""),
            false,
        ),
    ]
    .into_iter()
    .map(|(key, value, secret)| {
        json!({
            "key": key,
            "value": value,
            "type": if secret { "secret" } else { "default" },
            "enabled": true,
        })
    })
    .collect();
    let mut env = Map::new();
    env.insert("id".into(), Value::String(uuid_v4()));
    env.insert("name".into(), Value::String(org.name.clone()));
    env.insert("values".into(), Value::Array(values));
    env.insert(
        "_postman_variable_scope".into(),
        Value::String("environment".into()),
    );
    env.insert(
        "_postman_exported_using".into(),
        Value::String(format!("sfkey/{}", env!("CARGO_PKG_VERSION"))),
    );
    let mut text = serde_json::to_string_pretty(&Value::Object(env)).unwrap_or_default();
    text.push('\n');
    Zeroizing::new(text)
}

#[cfg(test)]
mod tests;
