//! What a user types for an org (its name, login URL, site path and client id), checked and
//! normalised, and why a value was refused. The messages name the setting to change through a
//! [`Setting`], so each front end says it its own way (`--login-url`, or the form's field).

use std::fmt;

use reqwest::Url;

use super::{PRODUCTION_LOGIN_URL, is_salesforce_host};
/// A setting of an org that a message asks the user to change; each front end names it its
/// own way (the CLI as its option, the form as its field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The login URL (or instance URL).
    LoginUrl,
    /// The Experience Cloud site path.
    Site,
    /// The connected app's consumer key.
    ClientId,
    /// The user a JWT bearer org logs in as.
    Username,
    /// Accepting a login host that is not Salesforce's.
    AnyHost,
    /// Where secrets are given (never on a command line).
    Secrets,
}

/// A setting said as `sfkey add` and `sfkey edit` take it (`--login-url URL`).
pub fn cli_words(setting: Setting, value: Option<&str>) -> String {
    match value {
        Some(value) => format!("{} {value}", setting.option()),
        None => setting.option().to_string(),
    }
}

impl Setting {
    /// The setting as `sfkey add` and `sfkey edit` take it.
    pub fn option(self) -> &'static str {
        match self {
            Self::LoginUrl => "--login-url",
            Self::Site => "--site",
            Self::ClientId => "--client-id",
            Self::Username => "--username",
            Self::AnyHost => "--any-host",
            Self::Secrets => "the prompt or stdin",
        }
    }
}

/// Why a name, login URL or site path was refused; each message says what to type instead.
/// `Display` names settings as the CLI's options; [`OrgError::describe`] takes other names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgError {
    /// The org name is empty or has characters that don't survive a shell.
    BadName(String),
    /// An org id in the orgs file is not one sfkey wrote (ids name lock files and keyring entries).
    BadId(String),
    /// The login URL has no `https://` in front.
    NoScheme(String),
    /// The login URL has a space in it (not repeated: it may be a pasted secret).
    HasSpace,
    /// A Lightning Experience address, which is not where logins go.
    Lightning {
        /// The host given.
        given: String,
        /// The My Domain host to use instead.
        my_domain: String,
    },
    /// The host is not a Salesforce domain, and `--any-host` was not given.
    NotSalesforce(String),
    /// The login URL does not parse as a URL with a host. It is not repeated: a pasted secret
    /// must not end up in the terminal or the log.
    NotAUrl,
    /// The login URL is not https (plain http is allowed only on loopback).
    NotHttps(String),
    /// An SFDX auth URL was given where a login URL belongs.
    SfdxAuthUrl,
    /// The login URL carries a path, query, fragment or credentials.
    ExtraParts(String, &'static str),
    /// The site path is not a plain `/path` (not repeated, like a bad URL).
    BadSite,
    /// A required setting is empty.
    Empty(Setting),
    /// The client id has spaces or control characters.
    BadClientId,
}

impl OrgError {
    /// The message, with each setting it asks to change (and the value to give it, if any)
    /// said by `name`.
    pub fn describe(&self, name: impl Fn(Setting, Option<&str>) -> String) -> String {
        match self {
            Self::BadName(given) => format!(
                "invalid org name {given:?}: use 1 to 64 letters, digits, '.', '_', '-' or '@', not `.` or `..` alone (for example `prod` or `acme-uat`)"
            ),
            Self::BadId(id) => format!(
                "invalid org id \"{id}\" in the orgs file: sfkey writes 1 to 64 letters, digits, '-' or '_'; it was edited by hand: put back the id it had (the keyring entries are stored under it), or remove that org's entry"
            ),
            Self::NoScheme(example) => {
                format!("invalid login URL: it must start with https:// (for example {example})")
            }
            Self::HasSpace => "invalid login URL: it has a space in it (the value is not repeated, in case it was a secret); expected something like https://acme.my.salesforce.com".into(),
            Self::Lightning { given, my_domain } => format!(
                "invalid login URL https://{given}: that is the Lightning Experience address from the browser, not a login URL; use the org's My Domain: {}",
                name(Setting::LoginUrl, Some(&format!("https://{my_domain}")))
            ),
            Self::NotSalesforce(host) => format!(
                "the login host {host} is not a Salesforce domain (salesforce.com, force.com, site.com, cloudforce.com, salesforce-sites.com): sfkey would send the client secret and refresh token there. Check the address for look-alike letters; if the host is right, add {}",
                name(Setting::AnyHost, None)
            ),
            Self::NotAUrl => "invalid login URL: not a URL (the value is not repeated, in case it was a secret); expected something like https://login.salesforce.com or https://acme.my.salesforce.com".into(),
            Self::NotHttps(url) => format!(
                "invalid login URL {url:?}: it must start with https:// (http:// is allowed only for loopback: 127.0.0.0/8, localhost, [::1])"
            ),
            Self::SfdxAuthUrl => format!(
                "invalid login URL: that is an SFDX auth URL (force://...), which holds the client secret and refresh token, so it was not echoed. Give its host as {} and the secrets at {}",
                name(Setting::LoginUrl, None),
                name(Setting::Secrets, None)
            ),
            Self::ExtraParts(url, what) => format!(
                "invalid login URL {url:?}: it has {what}; give only scheme and host (and port), and put an Experience Cloud site path in {}",
                name(Setting::Site, None)
            ),
            Self::BadSite => "invalid site path: it must start with '/' (for example /partners) and hold only letters, digits, '-', '_', '.', '~' and '/'".into(),
            Self::Empty(setting) => format!("{} must not be empty", name(*setting, None)),
            Self::BadClientId => {
                "invalid client id: the consumer key has no spaces; check what was pasted".into()
            }
        }
    }
}

impl fmt::Display for OrgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(super::cli_words))
    }
}

impl std::error::Error for OrgError {}

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
        "" => return Err(OrgError::Empty(Setting::LoginUrl)),
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
        return Err(OrgError::Empty(Setting::ClientId));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(OrgError::BadClientId);
    }
    Ok(trimmed.to_string())
}

pub(super) fn is_loopback(host: &str) -> bool {
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
