//! The org model (no secrets in it), its stable id, and validation of names, login URLs and site paths.

mod host;
mod input;

use std::fmt;

pub use host::{check_login_host, is_salesforce_host};
pub use input::{
    OrgError, Setting, cli_words, parse_client_id, parse_login_url, parse_site, validate_name,
};
use serde::{Deserialize, Serialize};

pub use crate::org_kind::OrgKind;

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
        if input::is_loopback(&host) {
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

#[cfg(test)]
mod tests;
