//! The table of Salesforce's OAuth errors: each `error` (and, for `invalid_grant`, each known
//! `error_description`) with what it means and what to do. Matching ignores case, since
//! Salesforce varies it ("IP restricted" / "ip restricted").

use std::fmt;

use crate::org::{Org, OrgKind};

/// What an OAuth error means and what to do about it (`NAME` stands for the org).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explanation {
    /// What happened, in the user's terms.
    pub meaning: &'static str,
    /// What to do next.
    pub action: &'static str,
}

/// How the table writes the command that logs in to the org again.
const LOGIN_AGAIN: &str = "sfkey login NAME --update";

/// `sfkey login NAME --update` with the org's login URL and site, so the new login lands where
/// the old one was.
pub fn login_again_command(org: &Org) -> String {
    let mut login = LOGIN_AGAIN.replace("NAME", &org.name);
    if org.login_url != crate::org::PRODUCTION_LOGIN_URL {
        login.push_str(&format!(" --login-url {}", org.login_url));
    }
    if let Some(site) = &org.site {
        login.push_str(&format!(" --site {site}"));
    }
    login
}

impl Explanation {
    /// The action for `org`: `NAME` becomes its name, and the login command is
    /// [`login_again_command`].
    pub fn action_for(&self, org: &Org) -> String {
        self.action
            .replace(LOGIN_AGAIN, &login_again_command(org))
            .replace("NAME", &org.name)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.meaning, self.action)
    }
}

/// One row: an `error` code, the description fragments it needs (none: any description).
pub(super) struct Row {
    error: &'static str,
    description: &'static [&'static str],
    explanation: Explanation,
}

pub(super) const fn row(
    error: &'static str,
    description: &'static [&'static str],
    meaning: &'static str,
    action: &'static str,
) -> Row {
    Row {
        error,
        description,
        explanation: Explanation { meaning, action },
    }
}

/// The first matching row wins, so each code's catch-all comes after its specific rows.
const ROWS: &[Row] = &[
    row(
        "invalid_grant",
        &["expired access/refresh token"],
        "the refresh token was revoked, expired or rotated out",
        "log in again (sfkey login NAME --update), or store a new refresh token (sfkey edit NAME --secrets)",
    ),
    row(
        "invalid_grant",
        &["authentication failure"],
        "the refresh token does not belong to this client id or org",
        "check the login URL (production, sandbox or My Domain), the client id and the token",
    ),
    row(
        "invalid_grant",
        &["inactive user"],
        "the user is deactivated",
        "ask an admin to reactivate it",
    ),
    row(
        "invalid_grant",
        &["ip restricted", "login hours"],
        "the user's profile blocks this IP address or this time of day",
        "connect from an allowed network or within the login hours, or ask an admin",
    ),
    row(
        "invalid_grant",
        &["hasn't approved", "has not approved"],
        "the user has not approved this connected app",
        "log in through the app once, or have an admin pre-authorize it",
    ),
    row(
        "invalid_grant",
        &["locked"],
        "the user is locked out after too many failed logins",
        "wait for the lockout to end, or ask an admin to unlock the user",
    ),
    row(
        "invalid_grant",
        &["already being processed"],
        "another refresh of this token was in flight at Salesforce at the same moment",
        "sfkey already retried once; wait a few seconds and refresh again",
    ),
    row(
        "invalid_grant",
        &["audience"],
        "the JWT audience does not match the login URL",
        "use login.salesforce.com for production and test.salesforce.com for sandboxes",
    ),
    row(
        "invalid_grant",
        &[],
        "Salesforce does not accept the refresh token",
        "log in again (sfkey login NAME --update), or store a new refresh token (sfkey edit NAME --secrets)",
    ),
    row(
        "invalid_client_id",
        &[],
        "the client id is unknown to this org",
        "copy the consumer key again (a new app takes up to 10 minutes to work)",
    ),
    row(
        "invalid_client",
        &[],
        "the client secret is wrong for this client id",
        "copy the consumer secret again and store it (sfkey edit NAME --secrets)",
    ),
    row(
        "unsupported_grant_type",
        &[],
        "the app does not allow the refresh-token grant",
        "check its OAuth settings (the refresh_token scope and refresh token policy)",
    ),
    row(
        "invalid_request",
        &[],
        "the request is malformed or lacks a parameter",
        "check the client id and the login URL",
    ),
    row(
        "inactive_user",
        &[],
        "the user is inactive",
        "ask an admin to reactivate it",
    ),
    row(
        "inactive_org",
        &[],
        "the org is locked, closed or suspended",
        "ask the org's admin or Salesforce support",
    ),
    row(
        "rate_limit_exceeded",
        &[],
        "too many token requests from this user or app",
        "wait a few minutes, then try again",
    ),
    row(
        "invalid_scope",
        &[],
        "the app is not allowed the requested scope",
        "check its OAuth scopes (refresh_token, api)",
    ),
    row(
        "oauth_app_blocked",
        &[],
        "an admin blocked this connected app",
        "ask them to unblock it",
    ),
    row(
        "invalid_app_access",
        &[],
        "the user is not admin-approved for this app",
        "ask an admin to add the user's profile or permission set to the app",
    ),
    row(
        "authorization_pending",
        &[],
        "the device login is not approved yet",
        "finish the login in the browser, then try again",
    ),
];

/// `invalid_client` when no client secret was sent: not a wrong secret, a missing one.
pub const NO_CLIENT_SECRET: Explanation = Explanation {
    meaning: "the connected app needs a client secret, and none is stored for this org",
    action: "copy the consumer secret from the connected app and store it (sfkey edit NAME --secrets)",
};

/// For a code the table does not know: still says where to look.
pub const UNKNOWN: Explanation = Explanation {
    meaning: "Salesforce refused with an error sfkey does not know",
    action: "read its description; the org's Login History (Setup) and the connected app's OAuth policies usually say more",
};

/// What a Salesforce OAuth error means and what to do, matched case-insensitively; an unknown
/// code gets [`UNKNOWN`].
pub fn explain(error: &str, description: Option<&str>) -> Explanation {
    find(ROWS, error, description).unwrap_or(UNKNOWN)
}

/// [`explain`] for an org of `kind`: its grant's own rows first (see
/// [`super::explain_grants`]), then the common table.
pub fn explain_for(kind: OrgKind, error: &str, description: Option<&str>) -> Explanation {
    find(super::explain_grants::rows(kind), error, description)
        .unwrap_or_else(|| explain(error, description))
}

/// The first row of `rows` matching the code and description, case-insensitively.
fn find(rows: &[Row], error: &str, description: Option<&str>) -> Option<Explanation> {
    let error = error.trim().to_ascii_lowercase();
    let description = description.unwrap_or_default().to_ascii_lowercase();
    rows.iter()
        .find(|r| {
            r.error == error
                && (r.description.is_empty()
                    || r.description.iter().any(|d| description.contains(d)))
        })
        .map(|r| r.explanation)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts `error`/`description` gets the row whose meaning mentions `meaning`.
    #[track_caller]
    fn means(error: &str, description: &str, meaning: &str) {
        let got = explain(error, Some(description));
        assert!(
            got.meaning.contains(meaning),
            "{error}/{description}: {got}"
        );
        assert!(!got.action.is_empty());
        assert_ne!(got, UNKNOWN, "{error}/{description}");
    }

    #[test]
    fn expired_refresh_token() {
        means(
            "invalid_grant",
            "expired access/refresh token",
            "revoked, expired or rotated out",
        );
        assert!(
            explain("invalid_grant", Some("expired access/refresh token"))
                .action
                .contains("sfkey edit NAME --secrets")
        );
    }

    #[test]
    fn the_action_names_the_org_and_logs_in_where_it_lives() {
        let expired = explain("invalid_grant", Some("expired access/refresh token"));
        let prod = Org::new("prod", "https://login.salesforce.com", "PlatformCLI");
        assert_eq!(
            expired.action_for(&prod),
            "log in again (sfkey login prod --update), or store a new refresh token (sfkey edit prod --secrets)"
        );
        let mut portal = Org::new("portal", "https://acme.my.site.com", "3MVG9");
        portal.site = Some("/partners".into());
        let action = expired.action_for(&portal);
        assert!(
            action.contains(
                "sfkey login portal --update --login-url https://acme.my.site.com --site /partners"
            ),
            "{action}"
        );
        let other = explain("invalid_grant", Some("something new"));
        assert!(
            other
                .action_for(&portal)
                .contains("sfkey login portal --update --login-url"),
            "{other}"
        );
    }

    #[test]
    fn authentication_failure() {
        means("invalid_grant", "authentication failure", "does not belong");
    }

    #[test]
    fn inactive_user_description() {
        means("invalid_grant", "inactive user", "deactivated");
    }

    #[test]
    fn ip_restricted_in_any_case() {
        means(
            "invalid_grant",
            "IP restricted or invalid login hours",
            "IP address",
        );
        means(
            "INVALID_GRANT",
            "ip restricted or invalid login hours",
            "IP address",
        );
        means("invalid_grant", "invalid login hours", "time of day");
    }

    #[test]
    fn not_approved() {
        means(
            "invalid_grant",
            "user hasn't approved this consumer",
            "not approved",
        );
    }

    #[test]
    fn user_locked() {
        means("invalid_grant", "user is locked", "locked out");
    }

    #[test]
    fn already_being_processed() {
        means(
            "invalid_grant",
            "token request is already being processed",
            "in flight",
        );
    }

    #[test]
    fn audience() {
        means("invalid_grant", "Audience validation failed", "audience");
    }

    #[test]
    fn an_unknown_invalid_grant_description_still_says_log_in_again() {
        means("invalid_grant", "something new", "does not accept");
        let none = explain("invalid_grant", None);
        assert!(none.action.contains("log in again"), "{none}");
    }

    #[test]
    fn client_id() {
        means(
            "invalid_client_id",
            "client identifier invalid",
            "client id",
        );
    }

    #[test]
    fn client_secret() {
        means(
            "invalid_client",
            "invalid client credentials",
            "client secret",
        );
    }

    #[test]
    fn grant_type() {
        means(
            "unsupported_grant_type",
            "grant type not supported",
            "refresh-token grant",
        );
    }

    #[test]
    fn invalid_request() {
        means("invalid_request", "invalid request", "malformed");
    }

    #[test]
    fn inactive_user_code() {
        means("inactive_user", "user is inactive", "inactive");
    }

    #[test]
    fn inactive_org() {
        means("inactive_org", "org is inactive", "suspended");
    }

    #[test]
    fn rate_limit() {
        means("rate_limit_exceeded", "rate limit exceeded", "too many");
    }

    #[test]
    fn invalid_scope() {
        means("invalid_scope", "invalid scope", "scope");
    }

    #[test]
    fn app_blocked_in_salesforce_case() {
        means(
            "OAUTH_APP_BLOCKED",
            "this app is blocked by admin",
            "blocked",
        );
    }

    #[test]
    fn app_access() {
        means(
            "invalid_app_access",
            "user is not admin approved to access this app",
            "admin-approved",
        );
    }

    #[test]
    fn authorization_pending() {
        means(
            "authorization_pending",
            "authorization pending",
            "not approved yet",
        );
    }

    #[test]
    fn an_unknown_code_still_says_where_to_look() {
        let got = explain("something_new", Some("whatever"));
        assert_eq!(got, UNKNOWN);
        assert!(got.to_string().contains("Login History"), "{got}");
        assert_eq!(explain("", None), UNKNOWN);
    }
}
