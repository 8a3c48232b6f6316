//! SFDX auth URLs, `force://<clientId>:<clientSecret>:<refreshToken>@<host[:port]>`, parsed and
//! emitted by the rules of `@salesforce/core` (`AuthInfo.parseSfdxAuthUrl`, `getSfdxAuthUrl`),
//! plus one extension: `@http://<loopback host>` for local test servers.
//!
//! The URL holds the client secret and the refresh token, so no error here ever repeats it:
//! errors name the part that is wrong, never its value.

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use crate::org;

/// What an auth URL holds. `Debug` shows no secret (secrecy redacts them).
#[derive(Debug, Clone)]
pub struct AuthUrl {
    /// The connected app's consumer key (`PlatformCLI` for the CLI's own app).
    pub client_id: String,
    /// The consumer secret; `None` when the URL has an empty one, as the CLI's app does.
    pub client_secret: Option<SecretString>,
    /// The refresh token.
    pub refresh_token: SecretString,
    /// `https://host[:port]` (`http://` only when the URL says so for a loopback host).
    pub login_url: String,
}

/// Why an auth URL was refused: the part, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthUrlError {
    /// It does not start with `force://`.
    #[error(
        "not an SFDX auth URL: it must start with force:// (the format is force://<clientId>:<clientSecret>:<refreshToken>@<host>, with no https://)"
    )]
    Scheme,
    /// No `@` between the credentials and the host.
    #[error("malformed SFDX auth URL: no '@' before the host")]
    NoAt,
    /// Not exactly client id, secret and refresh token before the `@`.
    #[error(
        "malformed SFDX auth URL: expected three parts <clientId>:<clientSecret>:<refreshToken> before the '@', found {0}"
    )]
    Parts(usize),
    /// A part is empty where it may not be, or has characters the CLI does not accept.
    #[error(
        "malformed SFDX auth URL: the {0} {1} (allowed: letters, digits, '.', '_', '-', then up to two '=')"
    )]
    BadPart(&'static str, &'static str),
    /// The host is missing or not a host name.
    #[error("malformed SFDX auth URL: the host {0}")]
    BadHost(String),
    /// An org that cannot be written as an auth URL.
    #[error("cannot write an SFDX auth URL: {0}")]
    NotRepresentable(String),
}

/// The characters `@salesforce/core` allows in each credential part: `[a-zA-Z0-9._-]`, then at
/// most two `=` (base64 padding).
fn part_ok(part: &str, may_be_empty: bool) -> bool {
    let body = part.trim_end_matches('=');
    part.len() - body.len() <= 2
        && (may_be_empty || !body.is_empty())
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The Salesforce CLI's own connected app, which has no secret.
const PLATFORM_CLI: &str = "PlatformCLI";

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-')
}

/// Whether a host (with an optional port) is this machine.
fn is_loopback(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    name.eq_ignore_ascii_case("localhost")
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The login URL for an auth URL's host: `https://` as the CLI always prepends, also for a
/// loopback host (an org exported from sf or sfkey over https must come back the same).
fn login_url_for(scheme: &str, host: &str) -> Result<String, AuthUrlError> {
    org::parse_login_url(&format!("{scheme}://{host}")).map_err(|_| {
        AuthUrlError::BadHost(format!("{host:?} is not a host name with an optional port"))
    })
}

/// Parses an auth URL as `sf org login sfdx-url` does; surrounding whitespace is ignored, and so
/// is anything after the host (the CLI's pattern stops there).
pub fn parse(text: &str) -> Result<AuthUrl, AuthUrlError> {
    parse_with(text, false)
}

/// Parses what `sf org auth show-sfdx-auth-url` prints: as [`parse`], and also an org sf holds
/// without a client id (a legacy login), which it writes as `force://TOKEN@host` or
/// `force://:TOKEN@host` and refreshes with its own app: read as PlatformCLI, no secret.
pub fn parse_from_sf(text: &str) -> Result<AuthUrl, AuthUrlError> {
    parse_with(text, true)
}

fn parse_with(text: &str, legacy: bool) -> Result<AuthUrl, AuthUrlError> {
    let rest = text
        .trim()
        .strip_prefix("force://")
        .ok_or(AuthUrlError::Scheme)?;
    let (credentials, after) = rest.split_once('@').ok_or(AuthUrlError::NoAt)?;
    let parts: Vec<&str> = credentials.split(':').collect();
    let [client_id, client_secret, refresh_token] = match parts[..] {
        [token] | ["", token] if legacy => [PLATFORM_CLI, "", token],
        [id, secret, token] => [id, secret, token],
        _ => return Err(AuthUrlError::Parts(parts.len())),
    };
    if !part_ok(client_id, false) {
        return Err(AuthUrlError::BadPart(
            "client id",
            "is empty or has other characters",
        ));
    }
    if !part_ok(client_secret, true) {
        return Err(AuthUrlError::BadPart(
            "client secret",
            "has other characters",
        ));
    }
    if !part_ok(refresh_token, false) {
        return Err(AuthUrlError::BadPart(
            "refresh token",
            "is empty or has other characters",
        ));
    }
    // sfkey's one extension: `@http://` before a loopback host, for local test servers that
    // speak plain HTTP (sf refuses it, and talks only HTTPS).
    let (scheme, after) = match after.strip_prefix("http://") {
        Some(rest) => ("http", rest),
        None => ("https", after),
    };
    if after.starts_with("https://") || after.starts_with("http://") {
        return Err(AuthUrlError::BadHost(
            "has a scheme: write it without https:// (the Salesforce CLI adds it)".into(),
        ));
    }
    let host_len = after.find(|c| !is_host_char(c)).unwrap_or(after.len());
    let host = &after[..host_len];
    if host.is_empty() {
        return Err(AuthUrlError::BadHost("is missing after the '@'".into()));
    }
    // `@bad host` would otherwise be saved as https://bad.
    if after[host_len..].starts_with(char::is_whitespace) {
        return Err(AuthUrlError::BadHost(
            "has a space in it: copy the auth URL again, whole".into(),
        ));
    }
    if scheme == "http" && !is_loopback(host) {
        return Err(AuthUrlError::BadHost(
            "has http://, which sfkey accepts for a loopback host only (Salesforce speaks HTTPS): write it without a scheme".into(),
        ));
    }
    Ok(AuthUrl {
        client_id: client_id.to_string(),
        client_secret: (!client_secret.is_empty()).then(|| SecretString::from(client_secret)),
        refresh_token: SecretString::from(refresh_token),
        login_url: login_url_for(scheme, host)?,
    })
}

/// Writes the auth URL `sf org login sfdx-url` accepts for an org at `login_url` (no site path:
/// the format has no room for one).
pub fn emit(
    client_id: &str,
    client_secret: Option<&SecretString>,
    refresh_token: &SecretString,
    login_url: &str,
    site: Option<&str>,
) -> Result<SecretString, AuthUrlError> {
    if site.is_some() {
        return Err(AuthUrlError::NotRepresentable(
            "the org has a site path, which an SFDX auth URL cannot carry (the CLI keeps only the host); use --format postman-env".into(),
        ));
    }
    let secret = client_secret.map_or("", |s| s.expose_secret());
    for (name, value, may_be_empty) in [
        ("client id", client_id, false),
        ("client secret", secret, true),
        ("refresh token", refresh_token.expose_secret(), false),
    ] {
        if !part_ok(value, may_be_empty) {
            return Err(AuthUrlError::NotRepresentable(format!(
                "the stored {name} has characters the format does not allow"
            )));
        }
    }
    let url = Url::parse(login_url)
        .map_err(|_| AuthUrlError::NotRepresentable("the login URL does not parse".into()))?;
    let host = url
        .host_str()
        .ok_or_else(|| AuthUrlError::NotRepresentable("the login URL has no host".into()))?;
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    // Plain HTTP is only ever a loopback test server's; say so, or it would come back as https.
    let host = if url.scheme() == "http" {
        format!("http://{host}")
    } else {
        host
    };
    Ok(SecretString::from(format!(
        "force://{client_id}:{secret}:{}@{host}",
        refresh_token.expose_secret()
    )))
}

/// A default org name from an auth URL's login URL: the first label of a My Domain host
/// (`acme--uat` from `acme--uat.sandbox.my.salesforce.com`), `prod` or `sandbox` for
/// Salesforce's two login hosts, else the host with dots.
pub fn default_name(login_url: &str) -> String {
    let host = login_url
        .split_once("://")
        .map_or(login_url, |(_, rest)| rest);
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let name = match host {
        "login.salesforce.com" => "prod".to_string(),
        "test.salesforce.com" => "sandbox".to_string(),
        h if h.contains(".my.salesforce.com") || h.contains(".my.site.com") => {
            h.split('.').next().unwrap_or(h).to_string()
        }
        h => h.to_string(),
    };
    super::sanitize_name(&name)
}

#[cfg(test)]
mod tests;
