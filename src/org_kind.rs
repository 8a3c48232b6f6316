//! How an org gets its access tokens: a refresh token (the default), a JWT bearer assertion,
//! the client credentials grant, or nothing (an access token alone, usable until it dies).

use serde::{Deserialize, Serialize};

/// The kind of an org; orgs files written before kinds existed hold refresh-token orgs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A refresh token from a login (web server, device flow) or pasted in.
    #[default]
    RefreshToken,
    /// A new RS256 assertion signed with a private key kept in the keyring, for each token.
    JwtBearer,
    /// The connected app's client id and secret, run as the app's execution user.
    ClientCredentials,
    /// An access token alone (like `sf org login access-token`): no way to get another.
    AccessToken,
}

impl OrgKind {
    /// The name in the orgs file, JSON and `--kind`-like output: `refresh_token`, `jwt_bearer`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RefreshToken => "refresh_token",
            Self::JwtBearer => "jwt_bearer",
            Self::ClientCredentials => "client_credentials",
            Self::AccessToken => "access_token",
        }
    }

    /// For people: `refresh token`, `JWT bearer`, `client credentials`, `access token only`.
    pub fn label(self) -> &'static str {
        match self {
            Self::RefreshToken => "refresh token",
            Self::JwtBearer => "JWT bearer",
            Self::ClientCredentials => "client credentials",
            Self::AccessToken => "access token only",
        }
    }

    /// At most 7 characters, for narrow lists: `refresh`, `jwt`, `client`, `token`.
    pub fn short_label(self) -> &'static str {
        match self {
            Self::RefreshToken => "refresh",
            Self::JwtBearer => "jwt",
            Self::ClientCredentials => "client",
            Self::AccessToken => "token",
        }
    }

    /// Whether sfkey can get a new access token for this kind of org by itself.
    pub fn can_refresh(self) -> bool {
        self != Self::AccessToken
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Org;

    #[test]
    fn an_org_without_a_kind_is_a_refresh_token_org_and_kinds_round_trip() {
        let old = "id = \"0123456789abcdef\"\nname = \"prod\"\nlogin_url = \"https://login.salesforce.com\"\nclient_id = \"PlatformCLI\"\n";
        let org: Org = toml::from_str(old).unwrap();
        assert_eq!(org.kind, OrgKind::RefreshToken);
        for kind in [
            OrgKind::RefreshToken,
            OrgKind::JwtBearer,
            OrgKind::ClientCredentials,
            OrgKind::AccessToken,
        ] {
            let mut org = org.clone();
            org.kind = kind;
            let text = toml::to_string(&org).unwrap();
            assert!(
                text.contains(&format!("kind = \"{}\"", kind.as_str())),
                "{text}"
            );
            assert_eq!(toml::from_str::<Org>(&text).unwrap().kind, kind);
        }
    }
}
