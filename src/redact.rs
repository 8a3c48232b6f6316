//! Masking secrets for display: tokens show their first characters, never the whole value.

/// Token fields that are credentials and are masked until the user asks to see them; besides
/// these, every `*_token` and `*_sid` field (hybrid apps get `lightning_sid`, `csrf_token`, ...).
pub const SECRET_FIELDS: [&str; 3] = ["access_token", "refresh_token", "signature"];

/// How many leading characters a masked value keeps (enough to tell tokens apart).
const VISIBLE: usize = 6;

/// Words of a field name that mark a credential, whatever else the name says: an unknown
/// field that looks like one is masked rather than shown. (`token` alone is not one:
/// `token_type` is `Bearer`.)
const SECRET_PARTS: [&str; 5] = ["sid", "secret", "session", "cookie", "password"];

/// Whether a token field holds a secret.
pub fn is_secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_FIELDS.contains(&name)
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|part| SECRET_PARTS.contains(&part))
        || lower.ends_with("_token")
        || lower.ends_with("_sid")
}

/// `00D5g0••••••••`: the first 6 characters, then dots. Short values are all dots, so a
/// secret is never shown whole.
pub fn mask(value: &str) -> String {
    let count = value.chars().count();
    let visible = if count > 2 * VISIBLE { VISIBLE } else { 0 };
    let mut out: String = value.chars().take(visible).collect();
    out.push_str("••••••••");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hybrid_session_ids_and_every_token_are_secret() {
        for name in [
            "access_token",
            "refresh_token",
            "signature",
            "id_token",
            "csrf_token",
            "lightning_sid",
            "visualforce_sid",
            "content_sid",
            "cookie-sid_Client",
            "Session_Key",
            "client_secret",
        ] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in [
            "token_type",
            "instance_url",
            "id",
            "issued_at",
            "scope",
            "lightning_domain",
        ] {
            assert!(!is_secret_field(name), "{name}");
        }
    }

    #[test]
    fn long_values_keep_a_prefix_short_ones_keep_nothing() {
        assert_eq!(mask("00D5g000004ABCD!AQ0AQabc"), "00D5g0••••••••");
        assert_eq!(mask("short"), "••••••••");
        assert_eq!(mask("exactly12chr"), "••••••••");
        assert!(!mask("abcdefghijklmnop").contains("ghij"));
    }
}
