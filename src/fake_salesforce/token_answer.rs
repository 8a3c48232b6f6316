//! The body of a successful token answer: the seed's fields with real values and a real
//! signature.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{KeyInit, Mac};

use super::{ACCESS_TOKEN_PREFIX, FAKE_ORG_ID, FAKE_USER_ID};

/// The seed's sample answer, with real values and a real signature.
pub(super) fn token_fields(
    base_url: &str,
    access_token: Option<&str>,
    refresh_token: Option<&str>,
    secret: &str,
    hybrid: bool,
) -> String {
    let issued_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
        .to_string();
    let id = format!("{base_url}/id/{FAKE_ORG_ID}/{FAKE_USER_ID}");
    let signature = sign(secret, &id, &issued_at);
    let id_token = fake_id_token(base_url, &issued_at);
    let mut fields = serde_json::Map::new();
    let mut put = |k: &str, v: &str| {
        fields.insert(k.into(), serde_json::Value::String(v.into()));
    };
    if let Some(at) = access_token {
        put("access_token", at);
    }
    if let Some(rt) = refresh_token {
        put("refresh_token", rt);
    }
    put("signature", &signature);
    put("scope", "refresh_token openid api web");
    put("id_token", &id_token);
    put("instance_url", base_url);
    put("id", &id);
    put("token_type", "Bearer");
    put("issued_at", &issued_at);
    if hybrid {
        put("lightning_domain", "acme.lightning.force.com");
        put(
            "lightning_sid",
            &format!("{ACCESS_TOKEN_PREFIX}lsid{}", random_hex(16)),
        );
        put(
            "visualforce_sid",
            &format!("{ACCESS_TOKEN_PREFIX}vsid{}", random_hex(16)),
        );
        put("csrf_token", &format!("FAKE!ARcsrf{}", random_hex(16)));
    }
    serde_json::Value::Object(fields).to_string()
}

/// A token answer's JSON with `extra` string fields added, or replacing its own.
pub(super) fn with_fields(answer: &str, extra: &[(String, String)]) -> String {
    let mut fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(answer).unwrap_or_default();
    for (name, value) in extra {
        fields.insert(name.clone(), serde_json::Value::String(value.clone()));
    }
    serde_json::Value::Object(fields).to_string()
}

/// base64(HMAC-SHA256(client secret, id + issued_at)): Salesforce's `signature`.
pub fn sign(secret: &str, id: &str, issued_at: &str) -> String {
    match hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(id.as_bytes());
            mac.update(issued_at.as_bytes());
            STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

fn fake_id_token(base_url: &str, issued_at: &str) -> String {
    let secs = issued_at.parse::<u64>().unwrap_or_default() / 1000;
    let header = URL_SAFE_NO_PAD.encode(br#"{"kid":"fake","typ":"JWT","alg":"RS256"}"#);
    let claims = serde_json::json!({
        "iss": base_url, "sub": format!("{base_url}/id/{FAKE_ORG_ID}/{FAKE_USER_ID}"),
        "aud": "fake-client", "iat": secs, "exp": secs + 300,
    });
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!(
        "{header}.{claims}.{}",
        URL_SAFE_NO_PAD.encode(random_hex(32))
    )
}

pub(super) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    let _ = getrandom::fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_known_vector() {
        // The well-known HMAC-SHA256 vector: key "key", "The quick brown fox jumps over the lazy dog".
        let sig = sign("key", "The quick brown fox ", "jumps over the lazy dog");
        assert_eq!(sig, "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=");
    }
}
