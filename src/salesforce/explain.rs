//! The table of Salesforce's OAuth errors: each `error` (and, for `invalid_grant`, each known
//! `error_description`) with what it means and what to do. Matching ignores case, since
//! Salesforce varies it ("IP restricted" / "ip restricted").

use std::fmt;

use crate::org_kind::OrgKind;
use crate::remedy::{Advice, Remedy, Step, act, say};

/// What an OAuth error means and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explanation {
    /// What happened, in the user's terms.
    pub meaning: &'static str,
    /// What to do next; each front end says its remedies its own way.
    pub action: Advice,
}

/// Log in again, or store a new refresh token: what a dead refresh token needs.
const LOG_IN_OR_STORE: &[Step] = &[
    act("log in again", Remedy::LoginAgain),
    act(", or store a new refresh token", Remedy::EditSecrets),
];

/// The words alone (no commands, no keys), for logs and tests.
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
    action: &'static [Step],
) -> Row {
    Row {
        error,
        description,
        explanation: Explanation {
            meaning,
            action: Advice(action),
        },
    }
}

/// The first matching row wins, so each code's catch-all comes after its specific rows.
const ROWS: &[Row] = &[
    row(
        "invalid_grant",
        &["expired access/refresh token"],
        "the refresh token was revoked, expired or rotated out",
        LOG_IN_OR_STORE,
    ),
    row(
        "invalid_grant",
        &["authentication failure"],
        "the refresh token does not belong to this client id or org",
        &[say(
            "check the login URL (production, sandbox or My Domain), the client id and the token",
        )],
    ),
    row(
        "invalid_grant",
        &["inactive user"],
        "the user is deactivated",
        &[say("ask an admin to reactivate it")],
    ),
    row(
        "invalid_grant",
        &["ip restricted", "login hours"],
        "the user's profile blocks this IP address or this time of day",
        &[say(
            "connect from an allowed network or within the login hours, or ask an admin",
        )],
    ),
    row(
        "invalid_grant",
        &["hasn't approved", "has not approved"],
        "the user has not approved this connected app",
        &[say(
            "log in through the app once, or have an admin pre-authorize it",
        )],
    ),
    row(
        "invalid_grant",
        &["locked"],
        "the user is locked out after too many failed logins",
        &[say(
            "wait for the lockout to end, or ask an admin to unlock the user",
        )],
    ),
    row(
        "invalid_grant",
        &["already being processed"],
        "another refresh of this token was in flight at Salesforce at the same moment",
        &[
            say("sfkey already retried once; wait a few seconds and "),
            act("refresh again", Remedy::Refresh),
        ],
    ),
    row(
        "invalid_grant",
        &["audience"],
        "the JWT audience does not match the login URL",
        &[say(
            "use login.salesforce.com for production and test.salesforce.com for sandboxes",
        )],
    ),
    row(
        "invalid_grant",
        &[],
        "Salesforce does not accept the refresh token",
        LOG_IN_OR_STORE,
    ),
    row(
        "invalid_client_id",
        &[],
        "the client id is unknown to this org",
        &[say(
            "copy the consumer key again (a new app takes up to 10 minutes to work)",
        )],
    ),
    row(
        "invalid_client",
        &[],
        "the client secret is wrong for this client id",
        &[act(
            "copy the consumer secret again and store it",
            Remedy::EditSecrets,
        )],
    ),
    row(
        "unsupported_grant_type",
        &[],
        "the app does not allow the refresh-token grant",
        &[say(
            "check its OAuth settings (the refresh_token scope and refresh token policy)",
        )],
    ),
    row(
        "invalid_request",
        &[],
        "the request is malformed or lacks a parameter",
        &[say("check the client id and the login URL")],
    ),
    row(
        "inactive_user",
        &[],
        "the user is inactive",
        &[say("ask an admin to reactivate it")],
    ),
    row(
        "inactive_org",
        &[],
        "the org is locked, closed or suspended",
        &[say("ask the org's admin or Salesforce support")],
    ),
    row(
        "rate_limit_exceeded",
        &[],
        "too many token requests from this user or app",
        &[say("wait a few minutes, then try again")],
    ),
    row(
        "invalid_scope",
        &[],
        "the app is not allowed the requested scope",
        &[say("check its OAuth scopes (refresh_token, api)")],
    ),
    row(
        "oauth_app_blocked",
        &[],
        "an admin blocked this connected app",
        &[say("ask them to unblock it")],
    ),
    row(
        "invalid_app_access",
        &[],
        "the user is not admin-approved for this app",
        &[say(
            "ask an admin to add the user's profile or permission set to the app",
        )],
    ),
    row(
        "authorization_pending",
        &[],
        "the device login is not approved yet",
        &[say("finish the login in the browser, then try again")],
    ),
];

/// `invalid_client` when no client secret was sent: not a wrong secret, a missing one.
pub const NO_CLIENT_SECRET: Explanation = Explanation {
    meaning: "the connected app needs a client secret, and none is stored for this org",
    action: Advice(&[act(
        "copy the consumer secret from the connected app and store it",
        Remedy::EditSecrets,
    )]),
};

/// For a code the table does not know: still says where to look.
pub const UNKNOWN: Explanation = Explanation {
    meaning: "Salesforce refused with an error sfkey does not know",
    action: Advice(&[say(
        "read its description; the org's Login History (Setup) and the connected app's OAuth policies usually say more",
    )]),
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
        assert!(!got.action.0.is_empty());
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
                .remedies()
                .any(|r| r == Remedy::EditSecrets)
        );
    }

    #[test]
    fn a_dead_refresh_token_offers_both_remedies_and_no_command() {
        for description in ["expired access/refresh token", "something new"] {
            let dead = explain("invalid_grant", Some(description));
            assert_eq!(
                dead.action.remedies().collect::<Vec<_>>(),
                [Remedy::LoginAgain, Remedy::EditSecrets]
            );
            assert!(!dead.to_string().contains("sfkey"), "{dead}");
        }
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
        assert!(none.action.to_string().contains("log in again"), "{none}");
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
