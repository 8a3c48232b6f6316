//! The token grants besides the refresh-token grant: JWT bearer (a fresh RS256 assertion signed
//! with the org's private key) and client credentials. The answers are read like a refresh's.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::error::TokenError;
use super::http::HttpClient;
use super::token::{RefreshRequest, TokenSuccess, parse_token_answer, refresh_access_token};

/// The `grant_type` of the JWT bearer flow (RFC 7523).
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// How long an assertion is valid: Salesforce refuses one whose `exp` is more than 3 minutes
/// away, so stay under it with room for a slightly fast clock.
pub const ASSERTION_LIFETIME_S: u64 = 150;

/// One token request, whichever grant it uses.
pub enum TokenGrant<'a> {
    /// The refresh-token grant.
    Refresh(RefreshRequest<'a>),
    /// The JWT bearer grant with a signed assertion.
    JwtBearer {
        /// `{login_url}{site}/services/oauth2/token`.
        token_url: &'a str,
        /// The signed assertion (a secret: it is a bearer credential for 150 s).
        assertion: &'a SecretString,
    },
    /// The client credentials grant.
    ClientCredentials {
        /// `{my_domain}/services/oauth2/token`.
        token_url: &'a str,
        /// The connected app's consumer key.
        client_id: &'a str,
        /// The consumer secret.
        client_secret: &'a SecretString,
    },
}

/// Runs one grant: `POST` form-urlencoded, the answer read as any token answer.
pub async fn request_token(
    client: &HttpClient,
    grant: &TokenGrant<'_>,
) -> Result<TokenSuccess, TokenError> {
    let (url, form): (&str, Vec<(&str, &str)>) = match grant {
        TokenGrant::Refresh(request) => return refresh_access_token(client, request).await,
        TokenGrant::JwtBearer {
            token_url,
            assertion,
        } => (
            token_url,
            vec![
                ("grant_type", JWT_BEARER_GRANT),
                ("assertion", assertion.expose_secret()),
            ],
        ),
        TokenGrant::ClientCredentials {
            token_url,
            client_id,
            client_secret,
        } => (
            token_url,
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", client_secret.expose_secret()),
            ],
        ),
    };
    let (exchange, body) = client.post_form(url, &form).await?;
    parse_token_answer(exchange, &body)
}

/// The claims Salesforce reads from a JWT bearer assertion.
#[derive(Debug, Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
}

/// Why no assertion could be made. The key itself is never part of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the private key cannot sign ({0}); it must be an unencrypted RSA key in PEM (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY), the one whose certificate is uploaded to the connected app"
)]
pub struct KeyError(String);

/// What of a jsonwebtoken error may be shown: its kind, never key material.
fn key_error(e: &jsonwebtoken::errors::Error) -> KeyError {
    use jsonwebtoken::errors::ErrorKind;
    KeyError(
        match e.kind() {
            ErrorKind::InvalidKeyFormat => "not a PEM key",
            ErrorKind::InvalidRsaKey(_) => "not a valid RSA private key",
            ErrorKind::RsaFailedSigning | ErrorKind::Signing(_) => "signing failed",
            ErrorKind::InvalidAlgorithm => "not an RSA key",
            _ => "unreadable",
        }
        .into(),
    )
}

/// The inputs of a JWT bearer assertion.
pub struct Assertion<'a> {
    /// `iss`: the connected app's consumer key.
    pub client_id: &'a str,
    /// `sub`: the Salesforce username.
    pub username: &'a str,
    /// `aud`: the login URL (`https://login.salesforce.com`, `https://test.salesforce.com`, or
    /// an Experience Cloud site's URL).
    pub audience: &'a str,
    /// The RSA private key in PEM.
    pub private_key: &'a SecretString,
}

impl Assertion<'_> {
    /// Signs the assertion (RS256), valid for [`ASSERTION_LIFETIME_S`] from `now_s`.
    pub fn sign_at(&self, now_s: u64) -> Result<SecretString, KeyError> {
        let key = EncodingKey::from_rsa_pem(self.private_key.expose_secret().as_bytes())
            .map_err(|e| key_error(&e))?;
        let claims = Claims {
            iss: self.client_id,
            sub: self.username,
            aud: self.audience,
            exp: now_s + ASSERTION_LIFETIME_S,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key)
            .map(SecretString::from)
            .map_err(|e| key_error(&e))
    }

    /// Signs the assertion, valid for [`ASSERTION_LIFETIME_S`] from now.
    pub fn sign(&self) -> Result<SecretString, KeyError> {
        let now_s = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        self.sign_at(now_s)
    }
}

/// Checks that `pem` is a private key that can sign, before it is stored.
pub fn check_private_key(pem: &SecretString) -> Result<(), KeyError> {
    Assertion {
        client_id: "check",
        username: "check",
        audience: "check",
        private_key: pem,
    }
    .sign_at(0)
    .map(drop)
}

/// Whether a login URL is one of Salesforce's shared login hosts, where the client credentials
/// flow is refused (it runs only on the org's My Domain).
pub fn is_shared_login_host(login_url: &str) -> bool {
    matches!(
        login_url.trim_end_matches('/'),
        "https://login.salesforce.com" | "https://test.salesforce.com"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_not_a_key_is_refused_without_echoing_it() {
        let err = check_private_key(&SecretString::from("TESTSECRET not a key")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("PEM"), "{text}");
        assert!(!text.contains("TESTSECRET"), "{text}");
        let pem = "-----BEGIN PRIVATE KEY-----\nTESTSECRETAAAA\n-----END PRIVATE KEY-----\n";
        let err = check_private_key(&SecretString::from(pem)).unwrap_err();
        assert!(!err.to_string().contains("TESTSECRET"), "{err}");
    }

    #[test]
    fn shared_login_hosts() {
        assert!(is_shared_login_host("https://login.salesforce.com"));
        assert!(is_shared_login_host("https://test.salesforce.com/"));
        assert!(!is_shared_login_host("https://acme.my.salesforce.com"));
        assert!(!is_shared_login_host("http://127.0.0.1:9"));
    }
}
