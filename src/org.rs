//! The org model (no secrets in it), its stable id, and validation of names, login URLs and site paths.

mod host;

use std::fmt;

pub use host::{check_login_host, is_salesforce_host};
use reqwest::Url;
use serde::{Deserialize, Serialize};

pub use crate::org_kind::OrgKind;

/// Why a name, login URL or site path was refused; each message says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    /// The org name is empty or has characters that don't survive a shell.
    #[error(
        "invalid org name {0:?}: use 1 to 64 letters, digits, '.', '_', '-' or '@', not `.` or `..` alone (for example `prod` or `acme-uat`)"
    )]
    BadName(String),
    /// An org id in the orgs file is not one sfkey wrote (ids name lock files and keyring entries).
    #[error(
        "invalid org id \"{0}\" in the orgs file: sfkey writes 1 to 64 letters, digits, '-' or '_'; it was edited by hand: put back the id it had (the keyring entries are stored under it), or remove that org's entry"
    )]
    BadId(String),
    /// The login URL has no `https://` in front.
    #[error("invalid login URL: it must start with https:// (for example {0})")]
    NoScheme(String),
    /// The login URL has a space in it (not repeated: it may be a pasted secret).
    #[error(
        "invalid login URL: it has a space in it (the value is not repeated, in case it was a secret); expected something like https://acme.my.salesforce.com"
    )]
    HasSpace,
    /// A Lightning Experience address, which is not where logins go.
    #[error(
        "invalid login URL https://{given}: that is the Lightning Experience address from the browser, not a login URL; use the org's My Domain: --login-url https://{my_domain}"
    )]
    Lightning {
        /// The host given.
        given: String,
        /// The My Domain host to use instead.
        my_domain: String,
    },
    /// The host is not a Salesforce domain, and `--any-host` was not given.
    #[error(
        "the login host {0} is not a Salesforce domain (salesforce.com, force.com, site.com, cloudforce.com, salesforce-sites.com): sfkey would send the client secret and refresh token there. Check the address for look-alike letters; if the host is right, add --any-host"
    )]
    NotSalesforce(String),
    /// The login URL does not parse as a URL with a host. It is not repeated: a pasted secret
    /// must not end up in the terminal or the log.
    #[error(
        "invalid login URL: not a URL (the value is not repeated, in case it was a secret); expected something like https://login.salesforce.com or https://acme.my.salesforce.com"
    )]
    NotAUrl,
    /// The login URL is not https (plain http is allowed only on loopback).
    #[error(
        "invalid login URL {0:?}: it must start with https:// (http:// is allowed only for loopback: 127.0.0.0/8, localhost, [::1])"
    )]
    NotHttps(String),
    /// An SFDX auth URL was given where a login URL belongs.
    #[error(
        "invalid login URL: that is an SFDX auth URL (force://...), which holds the client secret and refresh token, so it was not echoed; never pass it on the command line. Give its host as --login-url and the secrets at the prompt or on stdin"
    )]
    SfdxAuthUrl,
    /// The login URL carries a path, query, fragment or credentials.
    #[error(
        "invalid login URL {0:?}: it has {1}; give only scheme and host (and port), and put an Experience Cloud site path in --site"
    )]
    ExtraParts(String, &'static str),
    /// The site path is not a plain `/path` (not repeated, like a bad URL).
    #[error(
        "invalid site path: it must start with '/' (for example /partners) and hold only letters, digits, '-', '_', '.', '~' and '/'"
    )]
    BadSite,
    /// A required field is empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// The client id has spaces or control characters.
    #[error("invalid client id: the consumer key has no spaces; check what was pasted")]
    BadClientId,
}

/// What of a rejected (but parseable) login URL may be shown: scheme, host, port and path;
/// never user info or a query, which can hold credentials.
fn shown(url: &Url) -> String {
    let mut out = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    if url.path() != "/" {
        out.push_str(url.path());
    }
    out
}

/// A stable, random id: keyring entries hang off it, so renaming an org keeps its secrets.
/// Read from the orgs file only when it is a plain word (it names lock files).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgId(String);

impl TryFrom<String> for OrgId {
    type Error = OrgError;

    fn try_from(id: String) -> Result<Self, OrgError> {
        let plain = !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if plain {
            Ok(Self(id))
        } else {
            Err(OrgError::BadId(crate::escape::escape(&id)))
        }
    }
}

impl From<OrgId> for String {
    fn from(id: OrgId) -> Self {
        id.0
    }
}

impl OrgId {
    /// A fresh random id (16 hex digits).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 8];
        if getrandom::fill(&mut bytes).is_err() {
            // No OS randomness is extraordinary; time and pid still make ids unique on one machine.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            bytes = ((nanos as u64) ^ ((std::process::id() as u64) << 32)).to_le_bytes();
        }
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What happened at the last refresh, kept so lists can show it without a network call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRefresh {
    /// When the refresh finished, in epoch milliseconds.
    pub at_ms: u64,
    /// `ok`, or the error code (`invalid_grant`, `timeout`, ...).
    pub status: String,
    /// The HTTP status, when an answer came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Round trip of the token request in milliseconds.
    pub latency_ms: u64,
    /// Salesforce's `issued_at` (epoch milliseconds as a string) of the access token now stored;
    /// a failed refresh keeps the previous one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
}

impl LastRefresh {
    /// Whether the last refresh succeeded.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }

    /// When the stored access token was issued, in epoch milliseconds. Salesforce sends
    /// milliseconds although its docs say seconds, so small values are taken as seconds.
    pub fn issued_at_ms(&self) -> Option<u64> {
        issued_at_ms(self.issued_at.as_deref()?)
    }
}

/// How to get a first org, for every place that finds none.
pub const FIRST_ORG_HINT: &str = "Log in with `sfkey login NAME` (add --login-url for a My Domain or sandbox), import one with `sfkey import` (an SFDX auth URL, a Postman environment, or --from-sf), add one by hand with `sfkey add NAME --login-url URL --client-id ID`, or try sfkey on demo orgs with `sfkey --demo`.";

/// Production's login URL, `sfkey add` and `sfkey login`'s default.
pub const PRODUCTION_LOGIN_URL: &str = "https://login.salesforce.com";

/// Salesforce's `issued_at` in epoch milliseconds: it sends milliseconds although its docs say
/// seconds, so small values are taken as seconds.
pub fn issued_at_ms(raw: &str) -> Option<u64> {
    let value: u64 = raw.trim().parse().ok()?;
    Some(if value >= 1_000_000_000_000 {
        value
    } else {
        value * 1000
    })
}

/// One saved org: everything but its secrets, which live in the keyring under `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    /// Stable id; keys the keyring entries.
    pub id: OrgId,
    /// Unique, user-chosen name (`prod`, `uat`).
    pub name: String,
    /// Scheme and host (and port) of the login endpoint, no trailing slash.
    pub login_url: String,
    /// Experience Cloud site path (`/partners`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The connected app's consumer key.
    pub client_id: String,
    /// The user the refresh token belongs to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The instance URL from the last successful refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
    /// Salesforce's org id (`00D…`), when a login or userinfo told it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salesforce_org_id: Option<String>,
    /// Salesforce's user id (`005…`) of the refresh token's user, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salesforce_user_id: Option<String>,
    /// Outcome of the last refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_refresh: Option<LastRefresh>,
    /// The stored access token was found dead (see [`Org::dead_access_token`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_dead: Option<DeadToken>,
    /// Whether Salesforce rotated the refresh token in the last successful refresh (unknown
    /// until one succeeded). A rotating org dies when another tool spends its refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotates: Option<bool>,
    /// When the stored refresh token was stored (added, logged in, edited, rotated), epoch ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_since_ms: Option<u64>,
    /// The org's session timeout as the user knows it, in seconds: the access token's expiry
    /// is `issued_at` plus this (Salesforce sends no `expires_in`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_timeout_s: Option<u64>,
    /// The stored access token's expiry as introspect told it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_expiry: Option<AccessExpiry>,
    /// The last [`HISTORY_LEN`] refreshes, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<LastRefresh>,
    /// How the org gets access tokens; orgs saved before kinds existed are refresh-token orgs.
    #[serde(default)]
    pub kind: OrgKind,
}

/// How many refreshes an org remembers.
pub const HISTORY_LEN: usize = 10;

/// An access token's expiry, for the token it was learned about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessExpiry {
    /// Epoch milliseconds.
    pub at_ms: u64,
    /// `issued_at` of the token it belongs to: a token stored later has its own expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
}

/// [`DeadToken::reason`] when the refresh token was revoked, taking its access tokens along:
/// refreshing cannot help then.
pub const REFRESH_TOKEN_REVOKED: &str = "refresh token revoked";

/// Why the stored access token is known not to work any more, so nothing hands it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadToken {
    /// When it was found dead, epoch milliseconds.
    pub at_ms: u64,
    /// `expired` (HTTP 401 from the API), `inactive` (introspect said so), `revoked`, or
    /// [`REFRESH_TOKEN_REVOKED`].
    pub reason: String,
    /// `issued_at` of the token found dead: a token stored later (any refresh) is not dead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
}

impl DeadToken {
    /// Whether it died with its refresh token, so only a new login or refresh token helps.
    pub fn refresh_token_gone(&self) -> bool {
        self.reason == REFRESH_TOKEN_REVOKED
    }
}

impl Org {
    /// A new org with a fresh id, no site, username or notes, and no refresh yet.
    pub fn new(
        name: impl Into<String>,
        login_url: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Self {
        Self {
            id: OrgId::generate(),
            name: name.into(),
            login_url: login_url.into(),
            site: None,
            client_id: client_id.into(),
            username: None,
            notes: None,
            instance_url: None,
            salesforce_org_id: None,
            salesforce_user_id: None,
            last_refresh: None,
            access_token_dead: None,
            rotates: None,
            refresh_token_since_ms: None,
            session_timeout_s: None,
            access_expiry: None,
            history: Vec::new(),
            kind: OrgKind::default(),
        }
    }

    /// Records a refresh: the last one, and the history (the last [`HISTORY_LEN`]).
    pub fn record_refresh(&mut self, last: LastRefresh) {
        self.history.push(last.clone());
        let excess = self.history.len().saturating_sub(HISTORY_LEN);
        self.history.drain(..excess);
        self.last_refresh = Some(last);
    }

    /// The stored access token's expiry in epoch ms, when known: introspect's answer about this
    /// very token, else `issued_at` plus the session timeout the user set.
    pub fn access_expires_ms(&self) -> Option<u64> {
        let issued_at = self.last_refresh.as_ref()?.issued_at.as_ref();
        if let Some(expiry) = &self.access_expiry
            && expiry.issued_at.as_ref() == issued_at
        {
            return Some(expiry.at_ms);
        }
        let issued_ms = self.last_refresh.as_ref()?.issued_at_ms()?;
        Some(issued_ms + self.session_timeout_s? * 1000)
    }

    /// Why the stored access token is dead, when it was found so; a token stored since (by a
    /// refresh, so with another `issued_at`) clears the mark.
    pub fn dead_access_token(&self) -> Option<&DeadToken> {
        let current = self
            .last_refresh
            .as_ref()
            .and_then(|l| l.issued_at.as_ref());
        self.access_token_dead
            .as_ref()
            .filter(|d| d.issued_at.as_ref() == current)
    }

    /// The token endpoint: `{login_url}{site}/services/oauth2/token`, exactly as the seed builds it.
    pub fn token_url(&self) -> String {
        self.endpoint("token")
    }

    /// An OAuth endpoint under the login URL and site (`token`, `revoke`, `introspect`).
    pub fn endpoint(&self, name: &str) -> String {
        format!(
            "{}{}/services/oauth2/{name}",
            self.login_url,
            self.site.as_deref().unwrap_or("")
        )
    }
}

/// The org id (`00D…`) and user id (`005…`) at the end of an identity URL such as
/// `https://login.salesforce.com/id/00D…/005…`.
pub fn ids_from_id_url(url: &str) -> Option<(&str, &str)> {
    let path = url.split("/id/").nth(1)?;
    let mut parts = path.trim_end_matches('/').split('/');
    let (org, user) = (parts.next()?, parts.next()?);
    let plausible = |id: &str, prefix: &str| {
        id.starts_with(prefix)
            && matches!(id.len(), 15 | 18)
            && id.chars().all(|c| c.is_ascii_alphanumeric())
    };
    (parts.next().is_none() && plausible(org, "00D") && plausible(user, "005"))
        .then_some((org, user))
}

/// What kind of org a login URL points at, for the badge beside its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// login.salesforce.com
    Production,
    /// test.salesforce.com or a `*.sandbox.my.salesforce.com` My Domain
    Sandbox,
    /// Any other `*.my.salesforce.com` (or custom) My Domain
    MyDomain,
    /// An Experience Cloud site: a site path, or a `*.my.site.com` / `*.force.com` host
    Site,
    /// A loopback address (the demo, local testing)
    Local,
}

impl Environment {
    /// A short label: `production`, `sandbox`, `My Domain`, `site`, `local`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Sandbox => "sandbox",
            Self::MyDomain => "My Domain",
            Self::Site => "site",
            Self::Local => "local",
        }
    }

    /// At most 7 characters, for narrow lists: `prod`, `sandbox`, `domain`, `site`, `local`.
    pub fn short_label(self) -> &'static str {
        match self {
            Self::Production => "prod",
            Self::MyDomain => "domain",
            other => other.label(),
        }
    }
}

impl Org {
    /// The environment the org's login URL points at.
    pub fn environment(&self) -> Environment {
        let host = self
            .login_url
            .split_once("://")
            .map_or(self.login_url.as_str(), |(_, rest)| rest);
        let host = host.rsplit_once(':').map_or(host, |(h, port)| {
            // Only strip a port, not part of an IPv6 address.
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        let host = host.to_ascii_lowercase();
        if is_loopback(&host) {
            Environment::Local
        } else if self.site.is_some()
            || host.ends_with(".my.site.com")
            || host.ends_with(".force.com")
        {
            Environment::Site
        } else if host == "login.salesforce.com" {
            Environment::Production
        } else if host == "test.salesforce.com" || host.ends_with(".sandbox.my.salesforce.com") {
            Environment::Sandbox
        } else {
            Environment::MyDomain
        }
    }
}

/// Checks an org name: 1 to 64 of `[A-Za-z0-9._@-]`, so it works unquoted in a shell.
pub fn validate_name(name: &str) -> Result<(), OrgError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        // Names are path segments of the proxy's URLs.
        && name != "."
        && name != "..";
    if ok {
        Ok(())
    } else {
        Err(OrgError::BadName(name.to_string()))
    }
}

/// Parses and normalises a login URL to `scheme://host[:port]`: https only, except http to a
/// loopback address for local testing. `login`/`production`/`prod` and `test`/`sandbox` are
/// shortcuts for Salesforce's two login hosts.
pub fn parse_login_url(input: &str) -> Result<String, OrgError> {
    let trimmed = input.trim();
    match trimmed {
        "" => return Err(OrgError::Empty("the login URL")),
        "login" | "production" | "prod" => return Ok(PRODUCTION_LOGIN_URL.into()),
        "test" | "sandbox" => return Ok("https://test.salesforce.com".into()),
        _ => {}
    }
    if trimmed.to_ascii_lowercase().starts_with("force://") {
        return Err(OrgError::SfdxAuthUrl);
    }
    if trimmed.chars().any(char::is_whitespace) {
        return Err(OrgError::HasSpace);
    }
    if !trimmed.contains("://") && trimmed.contains('.') {
        return Err(OrgError::NoScheme(with_scheme(trimmed)));
    }
    let url = Url::parse(trimmed).map_err(|_| OrgError::NotAUrl)?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(OrgError::NotHttps(shown(&url)));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(OrgError::NotAUrl)?;
    if url.scheme() == "http" && !is_loopback(host) {
        return Err(OrgError::NotHttps(shown(&url)));
    }
    if url.port() == Some(0) {
        return Err(OrgError::NotAUrl);
    }
    let extra = if !url.username().is_empty() || url.password().is_some() {
        Some("a user name or password")
    } else if url.query().is_some() {
        Some("a query (?...)")
    } else if url.fragment().is_some() {
        Some("a fragment (#...)")
    } else if url.path() != "/" && !url.path().is_empty() {
        Some("a path")
    } else {
        None
    };
    if let Some(extra) = extra {
        return Err(OrgError::ExtraParts(shown(&url), extra));
    }
    Ok(url.origin().ascii_serialization())
}

/// `https://` before a bare Salesforce host typed without it; anything else is not repeated
/// (it may be a pasted secret), and an example stands in for it.
fn with_scheme(text: &str) -> String {
    let host = text.split(['/', ':']).next().unwrap_or_default();
    if is_salesforce_host(host)
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '/'))
    {
        format!(
            "https://{}",
            text.trim_end_matches('/').to_ascii_lowercase()
        )
    } else {
        "https://acme.my.salesforce.com".into()
    }
}

/// Checks a connected app's consumer key: trimmed, not empty, no spaces.
pub fn parse_client_id(input: &str) -> Result<String, OrgError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(OrgError::Empty("the client id (--client-id)"));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(OrgError::BadClientId);
    }
    Ok(trimmed.to_string())
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// Parses a site path: `/name[/more]`, trailing slash dropped; `""` or `"/"` mean no site.
pub fn parse_site(input: &str) -> Result<Option<String>, OrgError> {
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed == "/" {
        return Ok(None);
    }
    // Plain path segments only: nothing that could change the host or be normalised away.
    let body = trimmed.trim_end_matches('/');
    let valid = body.len() > 1
        && body.starts_with('/')
        && body[1..].split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
        });
    if !valid {
        return Err(OrgError::BadSite);
    }
    Ok(Some(trimmed.trim_end_matches('/').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_badges_follow_the_login_host() {
        let env = |url: &str, site: Option<&str>| {
            let mut org = Org::new("x", url, "id");
            org.site = site.map(str::to_string);
            org.environment()
        };
        assert_eq!(
            env("https://login.salesforce.com", None),
            Environment::Production
        );
        assert_eq!(
            env("https://test.salesforce.com", None),
            Environment::Sandbox
        );
        assert_eq!(
            env("https://acme--uat.sandbox.my.salesforce.com", None),
            Environment::Sandbox
        );
        assert_eq!(
            env("https://acme.my.salesforce.com", None),
            Environment::MyDomain
        );
        assert_eq!(env("https://acme.my.site.com", None), Environment::Site);
        assert_eq!(
            env("https://login.salesforce.com", Some("/partners")),
            Environment::Site
        );
        assert_eq!(env("http://127.0.0.1:8080", None), Environment::Local);
        assert_eq!(env("http://[::1]:8080", Some("/x")), Environment::Local);
        assert_eq!(env("http://localhost:1", None), Environment::Local);
    }

    #[test]
    fn login_urls_are_normalised_to_origin() {
        assert_eq!(
            parse_login_url("https://login.salesforce.com/").as_deref(),
            Ok("https://login.salesforce.com")
        );
        assert_eq!(
            parse_login_url(" https://Acme.my.salesforce.com ").as_deref(),
            Ok("https://acme.my.salesforce.com")
        );
        assert_eq!(
            parse_login_url("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert_eq!(
            parse_login_url("http://localhost:1717").as_deref(),
            Ok("http://localhost:1717")
        );
        assert_eq!(
            parse_login_url("http://[::1]:9").as_deref(),
            Ok("http://[::1]:9")
        );
    }

    #[test]
    fn bad_login_urls_say_why() {
        assert!(matches!(
            parse_login_url("login.salesforce.com"),
            Err(OrgError::NoScheme(_))
        ));
        assert!(matches!(
            parse_login_url("http://login.salesforce.com"),
            Err(OrgError::NotHttps(_))
        ));
        assert!(matches!(
            parse_login_url("ftp://login.salesforce.com"),
            Err(OrgError::NotHttps(_))
        ));
        assert!(matches!(
            parse_login_url("http://10.0.0.1"),
            Err(OrgError::NotHttps(_))
        ));
        assert!(matches!(
            parse_login_url("https://acme.my.site.com/partners"),
            Err(OrgError::ExtraParts(_, "a path"))
        ));
        assert!(matches!(
            parse_login_url("https://user:pw@acme.my.salesforce.com"),
            Err(OrgError::ExtraParts(..))
        ));
        assert!(matches!(parse_login_url(""), Err(OrgError::Empty(_))));
        let pasted = parse_login_url("5Aep861TESTSECRETxyz")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            pasted.contains("not a URL") && !pasted.contains("5Aep861"),
            "{pasted}"
        );
        let site = parse_site("5Aep861TESTSECRETxyz")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!site.contains("5Aep861"), "{site}");
        let leak = parse_login_url("https://user:hunter2@acme.my.salesforce.com?token=abc")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(leak.contains("acme.my.salesforce.com"), "{leak}");
        assert!(!leak.contains("hunter2") && !leak.contains("abc"), "{leak}");
        let sfdx = parse_login_url("force://PlatformCLI::5Aep861SECRET@acme.my.salesforce.com")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            sfdx.contains("SFDX auth URL") && !sfdx.contains("5Aep861"),
            "{sfdx}"
        );
        assert_eq!(
            parse_login_url("test").as_deref(),
            Ok("https://test.salesforce.com")
        );
        assert_eq!(
            parse_login_url("login").as_deref(),
            Ok("https://login.salesforce.com")
        );
        assert!(matches!(
            parse_login_url("file:///etc/passwd"),
            Err(OrgError::NotHttps(_))
        ));
        assert!(matches!(
            parse_login_url("https://login.salesforce.com:0"),
            Err(OrgError::NotAUrl)
        ));
    }

    #[test]
    fn site_paths() {
        assert_eq!(parse_site(""), Ok(None));
        assert_eq!(parse_site("/"), Ok(None));
        assert_eq!(parse_site("/partners/"), Ok(Some("/partners".into())));
        assert_eq!(parse_site("/a/b"), Ok(Some("/a/b".into())));
        assert!(parse_site("partners").is_err());
        assert!(parse_site("/a b").is_err());
        assert!(parse_site("/a?x=1").is_err());
        assert!(parse_site("//evil.example").is_err());
        assert!(parse_site("@127.0.0.1:9").is_err());
        assert!(parse_site(".evil.com").is_err());
        assert!(parse_site("/..").is_err());
        assert!(parse_site("/a/./b").is_err());
        assert!(parse_site("/a%2e").is_err());
        assert!(parse_site("//").is_err());
        assert!(parse_site("///").is_err());
    }

    #[test]
    fn names() {
        assert!(validate_name("prod").is_ok());
        assert!(validate_name("acme-uat.2").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("my org").is_err());
        assert!(validate_name(&"x".repeat(65)).is_err());
        assert!(validate_name(".").is_err());
        assert!(validate_name("..").is_err());
        assert!(validate_name("...").is_ok());
    }

    #[test]
    fn ids_read_from_the_file_must_be_plain_words() {
        let read = |id: &str| serde_json::from_value::<OrgId>(serde_json::json!(id));
        assert!(read("5f1c2a9be0d34a17").is_ok());
        let err = read("../../etc/x").expect_err("a path").to_string();
        assert!(
            err.contains("invalid org id") && err.contains("../../etc/x"),
            "{err}"
        );
        assert!(read("").is_err());
        assert!(read("a\u{1b}b").is_err());
    }

    #[test]
    fn login_urls_with_a_space_no_scheme_or_a_query_say_which() {
        assert_eq!(parse_login_url("https://bad host"), Err(OrgError::HasSpace));
        assert_eq!(
            parse_login_url("acme.my.salesforce.com").map_err(|e| e.to_string()),
            Err(
                "invalid login URL: it must start with https:// (for example https://acme.my.salesforce.com)"
                    .into()
            )
        );
        let hidden = parse_login_url("5Aep861TESTSECRET.xyz").expect_err("no scheme");
        assert!(!hidden.to_string().contains("5Aep861"), "{hidden}");
        let query = parse_login_url("https://acme.my.salesforce.com?x=1").expect_err("query");
        assert!(query.to_string().contains("a query"), "{query}");
    }

    #[test]
    fn token_url_joins_login_site_and_path() {
        let mut org = Org::new("p", "https://acme.my.site.com", "c");
        org.site = Some("/partners".into());
        assert_eq!(
            org.token_url(),
            "https://acme.my.site.com/partners/services/oauth2/token"
        );
        org.site = None;
        assert_eq!(
            org.token_url(),
            "https://acme.my.site.com/services/oauth2/token"
        );
    }

    #[test]
    fn issued_at_is_read_as_milliseconds_even_when_sent_as_seconds() {
        let mut last = LastRefresh {
            at_ms: 0,
            status: "ok".into(),
            http_status: Some(200),
            latency_ms: 1,
            issued_at: Some("1700148885123".into()),
        };
        assert_eq!(last.issued_at_ms(), Some(1_700_148_885_123));
        last.issued_at = Some("1700148885".into());
        assert_eq!(last.issued_at_ms(), Some(1_700_148_885_000));
        last.issued_at = Some("<timestamp>".into());
        assert_eq!(last.issued_at_ms(), None);
    }

    #[test]
    fn a_dead_mark_holds_only_for_the_token_it_was_made_for() {
        let mut org = Org::new("prod", "https://login.salesforce.com", "3MVG9");
        let last = |issued: &str| LastRefresh {
            at_ms: 0,
            status: "ok".into(),
            http_status: Some(200),
            latency_ms: 1,
            issued_at: Some(issued.into()),
        };
        org.last_refresh = Some(last("1700148885123"));
        org.access_token_dead = Some(DeadToken {
            at_ms: 5,
            reason: "expired".into(),
            issued_at: Some("1700148885123".into()),
        });
        assert_eq!(
            org.dead_access_token().map(|d| d.reason.as_str()),
            Some("expired")
        );
        // Another process stored a newer token: the mark is stale.
        org.last_refresh = Some(last("1700148999999"));
        assert!(org.dead_access_token().is_none());
    }

    #[test]
    fn ids_are_random_hex() {
        let a = OrgId::generate();
        let b = OrgId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 16);
        assert!(a.as_str().chars().all(|c| c.is_ascii_hexdigit()));
    }
}
