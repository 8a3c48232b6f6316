//! Who may use the proxy: a per-run proxy token per org (shaped like a Salesforce access token,
//! compared in constant time), a `Host` that names the proxy itself (DNS-rebinding defence),
//! and no `Origin` unless allowed.

use hyper::HeaderMap;
use hyper::header::{AUTHORIZATION, HOST, HeaderValue, ORIGIN};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// How many random characters follow the `!` of a proxy token.
pub const TOKEN_RANDOM_CHARS: usize = 48;

/// A fresh proxy token for the org with this Salesforce org id: `00D...!` and
/// [`TOKEN_RANDOM_CHARS`] random letters and digits, the shape clients such as the sf CLI check
/// (`00D\w{12,15}![.\w]*`).
pub fn new_proxy_token(salesforce_org_id: &str) -> Result<SecretString, getrandom::Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut token = format!("{salesforce_org_id}!");
    let mut buf = [0u8; 64];
    while token.len() < salesforce_org_id.len() + 1 + TOKEN_RANDOM_CHARS {
        getrandom::fill(&mut buf)?;
        // 248 = 4 * 62: bytes above it are dropped so every character is equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if token.len() == salesforce_org_id.len() + 1 + TOKEN_RANDOM_CHARS {
                break;
            }
            token.push(char::from(ALPHABET[usize::from(*b % 62)]));
        }
    }
    Ok(SecretString::from(token))
}

/// Whether the request's `Authorization: Bearer` is `expected`, in time independent of where
/// they differ.
pub fn carries_token(headers: &HeaderMap, expected: &SecretString) -> bool {
    let Some(given) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
    else {
        return false;
    };
    given
        .as_bytes()
        .ct_eq(expected.expose_secret().as_bytes())
        .into()
}

/// The token of a `Bearer` (or `OAuth`, which Salesforce also takes) credential.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then(|| token.trim())
}

/// Whether the `Host` header names the proxy itself (one of `allowed`, e.g. `127.0.0.1:8080`
/// and `localhost:8080`); a page served from a rebound DNS name sends its own name.
pub fn host_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| allowed.iter().any(|a| a.eq_ignore_ascii_case(host.trim())))
}

/// What to do about the request's `Origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginCheck {
    /// No `Origin`: not a browser's cross-site request.
    None,
    /// An origin given with `--allow-origin`: answer with CORS headers for it.
    Allowed(HeaderValue),
    /// Any other origin: refused.
    Refused,
}

/// Checks `Origin` against the origins allowed with `--allow-origin`.
pub fn check_origin(headers: &HeaderMap, allowed: &[String]) -> OriginCheck {
    match headers.get(ORIGIN) {
        None => OriginCheck::None,
        Some(origin) => match origin.to_str() {
            Ok(text) if allowed.iter().any(|a| a.eq_ignore_ascii_case(text.trim())) => {
                OriginCheck::Allowed(origin.clone())
            }
            _ => OriginCheck::Refused,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn a_proxy_token_has_the_org_id_and_48_random_word_characters() {
        let token = new_proxy_token("00D5g000004FAKEEAA").unwrap();
        let token = token.expose_secret();
        let (id, random) = token.split_once('!').unwrap();
        assert_eq!(id, "00D5g000004FAKEEAA");
        assert_eq!(random.len(), TOKEN_RANDOM_CHARS);
        assert!(
            random.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{random}"
        );
        let other = new_proxy_token("00D5g000004FAKEEAA").unwrap();
        assert_ne!(token, other.expose_secret());
    }

    #[test]
    fn only_the_exact_token_passes() {
        let token = SecretString::from("00Dx!abc");
        assert!(carries_token(
            &headers(&[("authorization", "Bearer 00Dx!abc")]),
            &token
        ));
        assert!(carries_token(
            &headers(&[("authorization", "OAuth 00Dx!abc")]),
            &token
        ));
        for bad in [
            "Bearer 00Dx!abd",
            "Bearer 00Dx!ab",
            "Basic 00Dx!abc",
            "00Dx!abc",
        ] {
            assert!(
                !carries_token(&headers(&[("authorization", bad)]), &token),
                "{bad}"
            );
        }
        assert!(!carries_token(&HeaderMap::new(), &token));
    }

    #[test]
    fn host_and_origin_checks() {
        let allowed = vec!["127.0.0.1:8080".to_string(), "localhost:8080".to_string()];
        assert!(host_allowed(
            &headers(&[("host", "127.0.0.1:8080")]),
            &allowed
        ));
        assert!(host_allowed(
            &headers(&[("host", "LOCALHOST:8080")]),
            &allowed
        ));
        assert!(!host_allowed(
            &headers(&[("host", "evil.example:8080")]),
            &allowed
        ));
        assert!(!host_allowed(&HeaderMap::new(), &allowed));

        let origins = vec!["http://localhost:3000".to_string()];
        assert_eq!(check_origin(&HeaderMap::new(), &origins), OriginCheck::None);
        assert_eq!(
            check_origin(&headers(&[("origin", "http://evil.example")]), &origins),
            OriginCheck::Refused
        );
        assert!(matches!(
            check_origin(&headers(&[("origin", "http://localhost:3000")]), &origins),
            OriginCheck::Allowed(_)
        ));
    }
}
