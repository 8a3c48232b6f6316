//! PKCE (RFC 7636) and the `state` value: random, base64url without padding, S256 challenge.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// A code verifier and its S256 challenge. The verifier is a secret until the exchange.
pub struct Pkce {
    verifier: SecretString,
    /// `base64url(sha256(verifier))`, sent in the authorize URL.
    pub challenge: String,
}

impl Pkce {
    /// A fresh verifier from 32 random bytes.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let verifier = random_urlsafe(32)?;
        let challenge = challenge_of(&verifier);
        Ok(Self {
            verifier: SecretString::from(verifier),
            challenge,
        })
    }

    /// The verifier, for the code exchange only.
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"<hidden>")
            .field("challenge", &self.challenge)
            .finish()
    }
}

/// The S256 challenge of a verifier.
pub fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `bytes` random bytes, base64url without padding (a verifier, a `state`).
pub fn random_urlsafe(bytes: usize) -> Result<String, getrandom::Error> {
    let mut raw = vec![0u8; bytes];
    getrandom::fill(&mut raw)?;
    Ok(URL_SAFE_NO_PAD.encode(raw))
}

/// Whether `verifier` matches `challenge` under S256 (used by the fake Salesforce).
pub fn verifies(verifier: &SecretString, challenge: &str) -> bool {
    challenge_of(verifier.expose_secret()) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b_vector() {
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_43_urlsafe_chars_and_differ() {
        let a = Pkce::generate().unwrap();
        let b = Pkce::generate().unwrap();
        let v = a.verifier().expose_secret();
        assert_eq!(v.len(), 43);
        assert!(
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(v, b.verifier().expose_secret());
        assert!(verifies(a.verifier(), &a.challenge));
        assert!(!verifies(b.verifier(), &a.challenge));
        assert!(!format!("{a:?}").contains(v));
    }
}
