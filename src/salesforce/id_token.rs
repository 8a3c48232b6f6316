//! Reading an `id_token` (a JWT): its header and claims, base64url-decoded. sfkey does not
//! check its RS256 signature against the org's `/id/keys`, so what it shows is unverified.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// The readable parts of a JWT. Its signature part is left out: it is all that makes the token
/// usable by someone else, and it is not checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    /// The JOSE header (`alg`, `kid`, `typ`).
    pub header: Map<String, Value>,
    /// The claims, in the order sent.
    pub claims: Map<String, Value>,
}

/// Why a JWT could not be read. The messages never quote the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not `header.claims.signature`.
    #[error("it is not a JWT (expected three parts separated by dots, found {0})")]
    Shape(usize),
    /// A part is not base64url.
    #[error("its {0} is not base64url")]
    Base64(&'static str),
    /// A part is not a JSON object.
    #[error("its {0} is not a JSON object")]
    Json(&'static str),
}

/// Claims that hold a time in epoch seconds (RFC 7519 and OpenID Connect).
pub const TIME_CLAIMS: [&str; 5] = ["exp", "iat", "nbf", "auth_time", "updated_at"];

fn part(text: &str, name: &'static str) -> Result<Map<String, Value>, JwtError> {
    // Padding is not allowed in JWTs, but tolerate it rather than refuse to show anything.
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| JwtError::Base64(name))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Json(name)),
    }
}

/// Decodes a JWS compact serialisation's header and claims.
pub fn decode_jwt(token: &str) -> Result<DecodedJwt, JwtError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header, claims, _signature] = parts.as_slice() else {
        return Err(JwtError::Shape(parts.len()));
    };
    Ok(DecodedJwt {
        header: part(header, "header")?,
        claims: part(claims, "claims")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_claims_are_decoded_in_order() {
        // {"alg":"RS256","kid":"238"} . {"sub":"x","exp":1700000000,"aud":["a"]} . sig
        let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjIzOCJ9.\
            eyJzdWIiOiJ4IiwiZXhwIjoxNzAwMDAwMDAwLCJhdWQiOlsiYSJdfQ.c2ln";
        let jwt = decode_jwt(token).unwrap();
        assert_eq!(jwt.header["alg"], "RS256");
        assert_eq!(jwt.header["kid"], "238");
        let keys: Vec<&str> = jwt.claims.keys().map(String::as_str).collect();
        assert_eq!(keys, ["sub", "exp", "aud"]);
        assert_eq!(jwt.claims["exp"], 1_700_000_000);
    }

    #[test]
    fn what_is_not_a_jwt_says_why_without_quoting_it() {
        assert_eq!(decode_jwt("SECRETVALUE"), Err(JwtError::Shape(1)));
        assert_eq!(decode_jwt("a.b.c.d.e"), Err(JwtError::Shape(5)));
        assert_eq!(decode_jwt("*!*.e30.x"), Err(JwtError::Base64("header")));
        // "e30" is {}; "WzFd" is [1].
        assert_eq!(decode_jwt("e30.WzFd.x"), Err(JwtError::Json("claims")));
        let err = decode_jwt("SECRETVALUE").unwrap_err().to_string();
        assert!(!err.contains("SECRET"), "{err}");
    }
}
