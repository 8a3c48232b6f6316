//! The checks each kind of org's settings and secrets must pass before they are saved, shared
//! by `sfkey add` and the TUI's form so both refuse the same things with the same words.

use std::fmt;

use secrecy::SecretString;

use crate::org::Setting;
use crate::salesforce::grants::{KeyError, check_private_key, is_shared_login_host};

/// Why a setting or secret cannot serve its kind of org. No message repeats a secret.
/// `Display` names settings as the CLI's options; [`KindError::describe`] takes other names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindError {
    /// Client credentials at login.salesforce.com or test.salesforce.com.
    SharedLoginHost(String),
    /// A JWT bearer org without the user its assertions log in as.
    NoUsername,
    /// A private key protected by a passphrase.
    EncryptedKey,
    /// A private key that cannot sign.
    Key(KeyError),
    /// Text that does not look like a Salesforce session id.
    NotAnAccessToken,
}

impl KindError {
    /// The message, with each setting it asks to change (and the value to give it, if any)
    /// said by `name`.
    pub fn describe(&self, name: impl Fn(Setting, Option<&str>) -> String) -> String {
        match self {
            Self::SharedLoginHost(url) => format!(
                "Salesforce refuses the client credentials flow at {url} (\"request not supported on this domain\"): give the org's My Domain in {}, for example https://acme.my.salesforce.com",
                name(Setting::LoginUrl, None)
            ),
            Self::NoUsername => format!(
                "a JWT bearer org needs a username ({}): the Salesforce user the assertions log in as",
                name(Setting::Username, None)
            ),
            Self::EncryptedKey => "the private key is encrypted with a passphrase; sfkey keeps it in the OS keyring instead, so give it unencrypted (openssl pkey -in KEY -out PLAIN.pem writes one)".into(),
            Self::Key(e) => e.to_string(),
            Self::NotAnAccessToken => "that is not a Salesforce access token (they look like 00D…!…; it is not repeated here): copy the session id again, for example from `sf org display --verbose`".into(),
        }
    }
}

impl fmt::Display for KindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(crate::org::cli_words))
    }
}

impl std::error::Error for KindError {}

impl From<KeyError> for KindError {
    fn from(e: KeyError) -> Self {
        Self::Key(e)
    }
}

/// The client credentials flow runs only on the org's My Domain, never the shared login hosts.
pub fn check_client_credentials_url(login_url: &str) -> Result<(), KindError> {
    if is_shared_login_host(login_url) {
        return Err(KindError::SharedLoginHost(login_url.to_string()));
    }
    Ok(())
}

/// A JWT bearer org's username, trimmed; empty is refused.
pub fn parse_jwt_username(username: &str) -> Result<String, KindError> {
    let username = username.trim();
    if username.is_empty() {
        return Err(KindError::NoUsername);
    }
    Ok(username.to_string())
}

/// A PEM private key, trimmed and checked that it can sign (an encrypted one is refused).
pub fn parse_private_key(pem: &str) -> Result<SecretString, KindError> {
    if pem.contains("ENCRYPTED") {
        return Err(KindError::EncryptedKey);
    }
    let key = SecretString::from(pem.trim().to_string());
    check_private_key(&key)?;
    Ok(key)
}

/// Checks that `token` looks like a Salesforce session id (`00D…!…`), as
/// `sf org login access-token` does.
pub fn check_access_token(token: &str) -> Result<(), KindError> {
    let looks_right = token.starts_with("00D")
        && token.split_once('!').is_some_and(|(org, rest)| {
            (15..=18).contains(&org.len())
                && org.chars().all(|c| c.is_ascii_alphanumeric())
                && !rest.is_empty()
        });
    if looks_right {
        Ok(())
    } else {
        Err(KindError::NotAnAccessToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_refuses_what_salesforce_would() {
        assert!(check_client_credentials_url("https://login.salesforce.com").is_err());
        assert!(check_client_credentials_url("https://test.salesforce.com/").is_err());
        assert!(check_client_credentials_url("https://acme.my.salesforce.com").is_ok());
        assert_eq!(parse_jwt_username("  "), Err(KindError::NoUsername));
        assert_eq!(parse_jwt_username(" ci@acme.com ").unwrap(), "ci@acme.com");
        assert!(check_access_token("00D000000000001!AQ4AQ.token").is_ok());
        assert!(check_access_token("00D1!short-org-id").is_err());
        assert!(check_access_token("not a token").is_err());
        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nTESTSECRET\n";
        assert_eq!(
            parse_private_key(encrypted).unwrap_err(),
            KindError::EncryptedKey
        );
        let err = parse_private_key("TESTSECRET").unwrap_err().to_string();
        assert!(
            err.contains("cannot sign") && !err.contains("TESTSECRET"),
            "{err}"
        );
    }
}
