//! The form's fields and choices, and which fields each kind of org shows.

use crate::org::OrgKind;

/// Salesforce's two login hosts, or any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginChoice {
    /// https://login.salesforce.com
    Production,
    /// https://test.salesforce.com
    Sandbox,
    /// A My Domain or any other URL, typed in.
    Custom,
}

impl LoginChoice {
    /// Every choice, in display order.
    pub const ALL: [Self; 3] = [Self::Production, Self::Sandbox, Self::Custom];

    /// The label in the form.
    pub fn label(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Sandbox => "sandbox",
            Self::Custom => "custom",
        }
    }

    /// The login URL it stands for; `None` for a typed one.
    pub fn url(self) -> Option<&'static str> {
        match self {
            Self::Production => Some("https://login.salesforce.com"),
            Self::Sandbox => Some("https://test.salesforce.com"),
            Self::Custom => None,
        }
    }

    /// The choice for a saved login URL.
    pub fn for_url(url: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.url() == Some(url))
            .unwrap_or(Self::Custom)
    }
}

/// Every kind of org, in the order the form offers them.
pub const KINDS: [OrgKind; 4] = [
    OrgKind::RefreshToken,
    OrgKind::JwtBearer,
    OrgKind::ClientCredentials,
    OrgKind::AccessToken,
];

/// One line on what a kind of org is, shown under the kind while it has the cursor.
pub fn kind_help(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::RefreshToken => "a refresh token from a login, pasted (sf org display, Postman)",
        OrgKind::JwtBearer => "a private key signs each token request (like sf org login jwt)",
        OrgKind::ClientCredentials => "the app's id and secret, as its Run As user; My Domain only",
        OrgKind::AccessToken => "a session id alone, used until it dies; no refresh",
    }
}

/// The item after (or before) `current` in `all`, wrapping around.
pub fn cycle<T: Copy + PartialEq>(all: &[T], current: T, forward: bool) -> T {
    let at = all.iter().position(|c| *c == current).unwrap_or(0);
    let n = all.len();
    all[if forward {
        (at + 1) % n
    } else {
        (at + n - 1) % n
    }]
}

/// The form's fields, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Which kind of org (only when adding one; above the name, which has the cursor first).
    Kind,
    /// Org name.
    Name,
    /// Production, sandbox or custom.
    Login,
    /// The custom login URL, a client credentials org's My Domain, or an instance URL.
    LoginUrl,
    /// Experience Cloud site path.
    Site,
    /// Consumer key.
    ClientId,
    /// The user a JWT bearer org's assertions log in as.
    Username,
    /// Consumer secret.
    ClientSecret,
    /// A JWT bearer org's private key (PEM, pasted).
    PrivateKey,
    /// Refresh token.
    RefreshToken,
    /// An access-token-only org's token.
    AccessToken,
}

impl Field {
    /// Every field, in order.
    pub const ALL: [Self; 11] = [
        Self::Kind,
        Self::Name,
        Self::Login,
        Self::LoginUrl,
        Self::Site,
        Self::ClientId,
        Self::Username,
        Self::ClientSecret,
        Self::PrivateKey,
        Self::RefreshToken,
        Self::AccessToken,
    ];

    /// The label in the form; the URL field is named for what it holds in each kind.
    pub fn label(self, kind: OrgKind) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Kind => "Kind",
            Self::Login => "Login",
            Self::LoginUrl => match kind {
                OrgKind::ClientCredentials => "My Domain URL",
                OrgKind::AccessToken => "Instance URL",
                _ => "Login URL",
            },
            Self::Site => "Site path",
            Self::ClientId => "Client id",
            Self::Username => "Username",
            Self::ClientSecret => "Client secret",
            Self::PrivateKey => "Private key",
            Self::RefreshToken => "Refresh token",
            Self::AccessToken => "Access token",
        }
    }

    /// Whether the field holds a secret (drawn as dots, kept only in the keyring).
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            Self::ClientSecret | Self::PrivateKey | Self::RefreshToken | Self::AccessToken
        )
    }

    /// Whether the field is a choice cycled with ←/→ rather than typed.
    pub fn is_choice(self) -> bool {
        matches!(self, Self::Kind | Self::Login)
    }
}

/// What the form is shown for, as far as its fields go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// The org's kind.
    pub kind: OrgKind,
    /// The kind can still be chosen (adding an org).
    pub choose_kind: bool,
    /// Logging in with the browser: no refresh token is typed.
    pub login: bool,
    /// Production, sandbox or custom.
    pub login_choice: LoginChoice,
}

impl Shape {
    /// The fields shown, top to bottom: only those the kind uses.
    pub fn fields(self) -> Vec<Field> {
        use OrgKind::{AccessToken, ClientCredentials, JwtBearer, RefreshToken};
        let kind = self.kind;
        let shown = |field: Field| match field {
            Field::Name => true,
            Field::Kind => self.choose_kind,
            Field::Login => matches!(kind, RefreshToken | JwtBearer),
            Field::LoginUrl => {
                matches!(kind, ClientCredentials | AccessToken)
                    || self.login_choice == LoginChoice::Custom
            }
            Field::Site => kind == RefreshToken,
            Field::ClientId => kind != AccessToken,
            Field::Username | Field::PrivateKey => kind == JwtBearer,
            Field::ClientSecret => matches!(kind, RefreshToken | ClientCredentials),
            Field::RefreshToken => kind == RefreshToken && !self.login,
            Field::AccessToken => kind == AccessToken,
        };
        Field::ALL.into_iter().filter(|f| shown(*f)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(kind: OrgKind) -> Shape {
        Shape {
            kind,
            choose_kind: false,
            login: false,
            login_choice: LoginChoice::Production,
        }
    }

    #[test]
    fn each_kind_shows_only_its_fields() {
        use Field::*;
        assert_eq!(
            shape(OrgKind::RefreshToken).fields(),
            [Name, Login, Site, ClientId, ClientSecret, RefreshToken]
        );
        assert_eq!(
            shape(OrgKind::JwtBearer).fields(),
            [Name, Login, ClientId, Username, PrivateKey]
        );
        assert_eq!(
            shape(OrgKind::ClientCredentials).fields(),
            [Name, LoginUrl, ClientId, ClientSecret]
        );
        assert_eq!(
            shape(OrgKind::AccessToken).fields(),
            [Name, LoginUrl, AccessToken]
        );
        let adding_custom = Shape {
            choose_kind: true,
            login_choice: LoginChoice::Custom,
            ..shape(OrgKind::JwtBearer)
        };
        assert_eq!(
            adding_custom.fields(),
            [Kind, Name, Login, LoginUrl, ClientId, Username, PrivateKey]
        );
        let login = Shape {
            login: true,
            ..shape(OrgKind::RefreshToken)
        };
        assert!(!login.fields().contains(&RefreshToken));
    }

    #[test]
    fn choices_cycle_both_ways() {
        assert_eq!(
            cycle(&LoginChoice::ALL, LoginChoice::Custom, true),
            LoginChoice::Production
        );
        assert_eq!(
            cycle(&KINDS, OrgKind::RefreshToken, false),
            OrgKind::AccessToken
        );
        assert_eq!(
            LoginChoice::for_url("https://test.salesforce.com"),
            LoginChoice::Sandbox
        );
    }
}
