//! What Salesforce's errors mean for the JWT bearer and client credentials grants, where some
//! of the refresh grant's codes say something else (`invalid_grant` / `user hasn't approved
//! this consumer` is a user not pre-authorized, not a missing approval click).

use super::explain::{Row, row};
use crate::org_kind::OrgKind;
use crate::remedy::{Remedy, act, say};

/// The rows of the JWT bearer grant, checked before the common table.
const JWT_BEARER: &[Row] = &[
    row(
        "invalid_grant",
        &["hasn't approved", "has not approved"],
        "the user is not pre-authorized for this connected app (the JWT bearer flow has no approval page)",
        &[say(
            "in the app's policies set Permitted Users to \"Admin approved users are pre-authorized\" and add the user's profile or permission set",
        )],
    ),
    row(
        "invalid_grant",
        &["audience"],
        "the assertion's audience (the org's login URL) is not one Salesforce accepts",
        &[act(
            "use https://login.salesforce.com for production, https://test.salesforce.com for a sandbox, or the site's URL for Experience Cloud",
            Remedy::EditLoginUrl,
        )],
    ),
    row(
        "invalid_grant",
        &["expired authorization code", "exp"],
        "Salesforce refused the assertion's expiry time: this machine's clock is off by minutes",
        &[
            say("set the clock right (for example timedatectl set-ntp true), then "),
            act("refresh again", Remedy::Refresh),
        ],
    ),
    row(
        "invalid_grant",
        &["invalid assertion", "signature"],
        "the assertion's signature does not match the certificate uploaded to the connected app",
        &[act(
            "store the private key of that certificate",
            Remedy::StorePrivateKey,
        )],
    ),
    row(
        "invalid_grant",
        &["user"],
        "the username is unknown in this org, or the user is inactive",
        &[say(
            "check the username (sandbox usernames end in .SANDBOXNAME) and the login URL",
        )],
    ),
    row(
        "unsupported_grant_type",
        &[],
        "the connected app does not allow the JWT bearer flow",
        &[say(
            "in the app enable \"Use digital signatures\" and upload the key's certificate",
        )],
    ),
];

/// The rows of the client credentials grant, checked before the common table.
const CLIENT_CREDENTIALS: &[Row] = &[
    row(
        "invalid_grant",
        &["not supported on this domain"],
        "Salesforce runs the client credentials flow only on the org's My Domain, not on login.salesforce.com or test.salesforce.com",
        &[act(
            "use the My Domain URL, https://MYDOMAIN.my.salesforce.com",
            Remedy::EditLoginUrl,
        )],
    ),
    row(
        "invalid_grant",
        &["no client credentials user"],
        "the connected app has no run-as user for the client credentials flow",
        &[say(
            "in the app's policies enable Client Credentials Flow and pick the Run As user",
        )],
    ),
    row(
        "unsupported_grant_type",
        &[],
        "the connected app does not allow the client credentials flow",
        &[say(
            "enable Client Credentials Flow in the app's OAuth settings",
        )],
    ),
];

/// The rows that come before the common table for an org of `kind`.
pub(super) fn rows(kind: OrgKind) -> &'static [Row] {
    match kind {
        OrgKind::JwtBearer => JWT_BEARER,
        OrgKind::ClientCredentials => CLIENT_CREDENTIALS,
        OrgKind::RefreshToken | OrgKind::AccessToken => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::super::explain::{explain, explain_for};
    use super::*;

    #[test]
    fn jwt_errors_mean_what_they_mean_for_jwt() {
        let jwt = |e: &str, d: &str| explain_for(OrgKind::JwtBearer, e, Some(d)).meaning;
        assert!(
            jwt("invalid_grant", "user hasn't approved this consumer").contains("pre-authorized")
        );
        assert!(jwt("invalid_grant", "audience is invalid").contains("audience"));
        assert!(jwt("invalid_grant", "expired authorization code").contains("clock"));
        assert!(jwt("invalid_grant", "invalid assertion").contains("certificate"));
        assert!(
            jwt(
                "invalid_app_access",
                "user is not admin approved to access this app"
            )
            .contains("admin-approved")
        );
        assert!(jwt("unsupported_grant_type", "grant type not supported").contains("JWT bearer"));
        // A refresh-token org keeps the common meaning.
        assert_eq!(
            explain_for(
                OrgKind::RefreshToken,
                "invalid_grant",
                Some("user hasn't approved this consumer")
            ),
            explain("invalid_grant", Some("user hasn't approved this consumer"))
        );
    }

    #[test]
    fn client_credentials_errors_point_to_the_my_domain_and_the_run_as_user() {
        let cc = |e: &str, d: &str| explain_for(OrgKind::ClientCredentials, e, Some(d));
        let domain = cc("invalid_grant", "request not supported on this domain");
        assert!(domain.meaning.contains("My Domain"), "{domain}");
        assert!(
            cc("invalid_grant", "no client credentials user enabled")
                .meaning
                .contains("run-as")
        );
        assert!(
            cc("invalid_client", "invalid client credentials")
                .meaning
                .contains("client secret")
        );
    }
}
