//! The `signature` of a token answer: base64(HMAC-SHA256(client secret, `id` + `issued_at`)),
//! checked in constant time. It shows that whoever answered knows the client secret; it covers
//! `id` and `issued_at` only, not the tokens.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};

use super::token::TokenResponse;

/// The verdict on a token answer's `signature`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The signature matches the client secret stored for the org.
    Verified,
    /// The signature does not match: a wrong client secret is stored, or the answer was altered.
    Mismatch,
    /// Nothing to check it with, or nothing to check.
    Unverifiable(Unverifiable),
}

/// Why a signature could not be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unverifiable {
    /// No client secret is stored for the org (apps such as `PlatformCLI` have none).
    NoClientSecret,
    /// The answer has no `signature` field.
    NoSignature,
    /// The answer has no `id` field, which the signature covers.
    NoId,
    /// The answer has no `issued_at` field, which the signature covers.
    NoIssuedAt,
}

impl fmt::Display for Unverifiable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoClientSecret => "no client secret is stored for this org",
            Self::NoSignature => "the answer has no signature",
            Self::NoId => "the answer has no id, which the signature covers",
            Self::NoIssuedAt => "the answer has no issued_at, which the signature covers",
        })
    }
}

impl SignatureCheck {
    /// One word for the verdict: `verified`, `MISMATCH`, `unverifiable`.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::Mismatch => "MISMATCH",
            Self::Unverifiable(_) => "unverifiable",
        }
    }

    /// What the verdict means, when it needs saying (a mismatch, or why it is unverifiable).
    pub fn reason(&self) -> Option<String> {
        match self {
            Self::Verified => None,
            Self::Mismatch => Some(
                "the answer does not match your client secret: the stored client secret is \
                 wrong, or the answer was altered on the way"
                    .into(),
            ),
            Self::Unverifiable(why) => Some(why.to_string()),
        }
    }
}

/// Checks `token`'s signature against the org's client secret, in constant time.
pub fn check_signature(
    token: &TokenResponse,
    client_secret: Option<&SecretString>,
) -> SignatureCheck {
    let Some(secret) = client_secret.filter(|s| !s.expose_secret().is_empty()) else {
        return SignatureCheck::Unverifiable(Unverifiable::NoClientSecret);
    };
    let Some(signature) = token.str_field("signature") else {
        return SignatureCheck::Unverifiable(Unverifiable::NoSignature);
    };
    let Some(id) = token.str_field("id") else {
        return SignatureCheck::Unverifiable(Unverifiable::NoId);
    };
    let Some(issued_at) = token.str_field("issued_at") else {
        return SignatureCheck::Unverifiable(Unverifiable::NoIssuedAt);
    };
    // A signature that is not even base64 cannot match.
    let Ok(expected) = STANDARD.decode(signature.trim()) else {
        return SignatureCheck::Mismatch;
    };
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.expose_secret().as_bytes())
    else {
        // HMAC takes keys of any length; this cannot happen.
        return SignatureCheck::Mismatch;
    };
    mac.update(id.as_bytes());
    mac.update(issued_at.as_bytes());
    // verify_slice compares in constant time.
    match mac.verify_slice(&expected) {
        Ok(()) => SignatureCheck::Verified,
        Err(_) => SignatureCheck::Mismatch,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};

    use super::*;

    // A vector computed outside sfkey, with Python's hmac and with openssl:
    //   printf '%s' "$ID$ISSUED_AT" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
    const SECRET: &str = "8E5B3C1A9D7F4E2B6A0C8D1E3F5A7B9C";
    const ID: &str = "https://login.salesforce.com/id/00D5g000004ABCDEAA/0055g000001XYZWAAQ";
    const ISSUED_AT: &str = "1700148885123";
    const SIGNATURE: &str = "7DexZD1vZYYh6Vd7/67lMpj6FGKt4/s+kYJtYgezQy0=";

    fn answer(fields: &[(&str, &str)]) -> TokenResponse {
        let map: Map<String, Value> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        TokenResponse::from_fields(map)
    }

    fn check(fields: &[(&str, &str)], secret: Option<&str>) -> SignatureCheck {
        let secret = secret.map(SecretString::from);
        check_signature(&answer(fields), secret.as_ref())
    }

    #[test]
    fn the_known_vector_verifies() {
        let fields = [
            ("signature", SIGNATURE),
            ("id", ID),
            ("issued_at", ISSUED_AT),
        ];
        assert_eq!(check(&fields, Some(SECRET)), SignatureCheck::Verified);
    }

    #[test]
    fn anything_tampered_is_a_mismatch() {
        let other_user = ID.replace("XYZW", "XYZX");
        let cases: [[(&str, &str); 3]; 5] = [
            [
                ("signature", SIGNATURE),
                ("id", &other_user),
                ("issued_at", ISSUED_AT),
            ],
            [
                ("signature", SIGNATURE),
                ("id", ID),
                ("issued_at", "1700148885124"),
            ],
            [
                ("signature", "8DexZD1vZYYh6Vd7/67lMpj6FGKt4/s+kYJtYgezQy0="),
                ("id", ID),
                ("issued_at", ISSUED_AT),
            ],
            // Cut short, and not base64 at all.
            [
                ("signature", "7DexZD1vZYYh6Vd7"),
                ("id", ID),
                ("issued_at", ISSUED_AT),
            ],
            [
                ("signature", "not base64!"),
                ("id", ID),
                ("issued_at", ISSUED_AT),
            ],
        ];
        for fields in cases {
            assert_eq!(
                check(&fields, Some(SECRET)),
                SignatureCheck::Mismatch,
                "{fields:?}"
            );
        }
        let fields = [
            ("signature", SIGNATURE),
            ("id", ID),
            ("issued_at", ISSUED_AT),
        ];
        assert_eq!(
            check(&fields, Some("8E5B3C1A9D7F4E2B6A0C8D1E3F5A7B9D")),
            SignatureCheck::Mismatch,
            "another client secret"
        );
    }

    #[test]
    fn missing_pieces_are_unverifiable_with_the_reason() {
        let full = [
            ("signature", SIGNATURE),
            ("id", ID),
            ("issued_at", ISSUED_AT),
        ];
        let without = |name: &str| -> Vec<(&str, &str)> {
            full.iter().copied().filter(|(k, _)| *k != name).collect()
        };
        let cases = [
            (check(&full, None), Unverifiable::NoClientSecret),
            (check(&full, Some("")), Unverifiable::NoClientSecret),
            (
                check(&without("signature"), Some(SECRET)),
                Unverifiable::NoSignature,
            ),
            (check(&without("id"), Some(SECRET)), Unverifiable::NoId),
            (
                check(&without("issued_at"), Some(SECRET)),
                Unverifiable::NoIssuedAt,
            ),
        ];
        for (got, why) in cases {
            assert_eq!(got, SignatureCheck::Unverifiable(why));
        }
        assert_eq!(
            check(&full, None).reason().as_deref(),
            Some("no client secret is stored for this org")
        );
    }

    #[test]
    fn the_fake_salesforce_signs_the_same_way() {
        let signature = crate::fake_salesforce::sign(SECRET, ID, ISSUED_AT);
        assert_eq!(signature, SIGNATURE);
    }
}
