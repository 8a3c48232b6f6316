//! What sfkey reads off a token answer beyond its raw fields: the signature verdict, `issued_at`
//! as local time and age, the org and user ids of `id`, the scopes one by one, and the decoded
//! `id_token`. The token pane and `sfkey refresh` show the same lines.

use serde_json::Value;

use crate::columns::{MAX_VALUE, cut, label, label_width};
use crate::escape::escape;
use crate::humanize;
use crate::org::ids_from_id_url;
use crate::salesforce::TokenResponse;
use crate::salesforce::id_token::{TIME_CLAIMS, decode_jwt};
use crate::salesforce::signature::{SignatureCheck, Unverifiable};

/// How a detail line wants to be seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Ordinary text.
    Plain,
    /// Good news (a verified signature).
    Good,
    /// Worth a look (an unverified id_token).
    Warn,
    /// Something is wrong (a signature mismatch): red and bold on screen.
    Loud,
}

/// One line of detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// The text, already aligned.
    pub text: String,
    /// How to show it.
    pub tone: Tone,
}

impl Detail {
    /// Much of the text comes from the server (id_token claims, scopes): `sfkey refresh` prints
    /// it, so control characters are escaped, and a line is cut at [`MAX_VALUE`] characters.
    fn new(text: impl Into<String>, tone: Tone) -> Self {
        Self {
            text: cut(&escape(&text.into()), MAX_VALUE),
            tone,
        }
    }
}

/// Now, and the local offset to show times in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Epoch milliseconds.
    pub now_ms: u64,
    /// Seconds east of UTC.
    pub utc_offset_s: i32,
}

impl Clock {
    /// `2026-11-26 00:29:30 +00:00 · 2m ago`.
    fn when(&self, epoch_ms: u64) -> String {
        let local = humanize::local_time(epoch_ms, self.utc_offset_s).unwrap_or_default();
        format!("{local} · {}", humanize::relative(epoch_ms, self.now_ms))
    }
}

/// What the common Salesforce OAuth scopes allow, as the connected app settings name them.
fn scope_meaning(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "api" => "data through the APIs",
        "refresh_token" | "offline_access" => "refresh tokens (offline access)",
        "web" => "data through the web UI",
        "full" => "everything the user can do",
        "openid" => "an id_token in each answer",
        "id" | "profile" | "email" | "address" | "phone" => "the identity URL service",
        "chatter_api" => "Chatter and Connect REST APIs",
        "visualforce" => "data through Visualforce",
        "custom_permissions" => "custom permissions",
        "wave_api" => "the Analytics REST API",
        "lightning" => "Lightning applications",
        "content" => "content resources",
        "cdp_query_api" | "cdp_profile_api" | "cdp_ingest_api" | "cdp_api" => "Data Cloud APIs",
        _ => return None,
    })
}

/// The verdict on `signature` (`✓ verified with your client secret`, `✗ MISMATCH`,
/// `unverifiable`), then what it means when that needs saying; loud on a mismatch.
pub fn signature_details(check: SignatureCheck) -> Vec<Detail> {
    let (verdict, tone) = match check {
        SignatureCheck::Verified => ("✓ verified with your client secret", Tone::Good),
        SignatureCheck::Mismatch => ("✗ MISMATCH", Tone::Loud),
        // Nothing to check with is normal for apps without a secret; an answer without what
        // Salesforce always sends is worth a look.
        SignatureCheck::Unverifiable(Unverifiable::NoClientSecret) => ("unverifiable", Tone::Plain),
        SignatureCheck::Unverifiable(_) => ("unverifiable", Tone::Warn),
    };
    let mut out = vec![Detail::new(verdict, tone)];
    out.extend(check.reason().map(|why| Detail::new(why, tone)));
    out
}

fn scope_details(scope: &str) -> Vec<Detail> {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let width = label_width(scopes.iter().copied());
    scopes
        .into_iter()
        .map(|s| {
            let text = match scope_meaning(s) {
                Some(meaning) => format!("{}  {meaning}", label(s, width)),
                None => s.to_string(),
            };
            Detail::new(text, Tone::Plain)
        })
        .collect()
}

fn claim_text(name: &str, value: &Value, clock: Clock) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value.as_u64() {
        Some(secs) if TIME_CLAIMS.contains(&name) => {
            format!("{text} · {}", clock.when(secs.saturating_mul(1000)))
        }
        _ => text,
    }
}

/// The id_token's header and claims, marked as not verified.
fn id_token_details(token: &str, clock: Clock) -> Vec<Detail> {
    let jwt = match decode_jwt(token) {
        Ok(jwt) => jwt,
        Err(e) => return vec![Detail::new(format!("cannot decode it: {e}"), Tone::Warn)],
    };
    let mut out = vec![Detail::new(
        "decoded, NOT VERIFIED: sfkey does not check it against the org's /id/keys",
        Tone::Warn,
    )];
    let header: Vec<String> = jwt
        .header
        .iter()
        .map(|(k, v)| {
            format!(
                "{k} {}",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            )
        })
        .collect();
    // Escaped before they are measured: an escape is wider than the character it stands for.
    let names: Vec<String> = jwt.claims.keys().map(|k| escape(k)).collect();
    let width = label_width(names.iter().map(String::as_str).chain(["header"]));
    out.push(Detail::new(
        format!("{}  {}", label("header", width), header.join(" · ")),
        Tone::Plain,
    ));
    for ((name, value), shown) in jwt.claims.iter().zip(&names) {
        out.push(Detail::new(
            format!(
                "{}  {}",
                label(shown, width),
                claim_text(name, value, clock)
            ),
            Tone::Plain,
        ));
    }
    out
}

/// The details of one field of the answer: empty for fields with nothing more to say.
pub fn field_details(
    key: &str,
    value: &Value,
    signature: SignatureCheck,
    clock: Clock,
) -> Vec<Detail> {
    let Some(text) = value.as_str() else {
        return Vec::new();
    };
    match key {
        "signature" => signature_details(signature),
        "issued_at" => crate::org::issued_at_ms(text)
            .map(|ms| vec![Detail::new(clock.when(ms), Tone::Plain)])
            .unwrap_or_default(),
        "id" => ids_from_id_url(text)
            .map(|(org, user)| vec![Detail::new(format!("org {org} · user {user}"), Tone::Plain)])
            .unwrap_or_default(),
        "scope" => scope_details(text),
        "id_token" => id_token_details(text, clock),
        _ => Vec::new(),
    }
}

/// Every field's details in the order of the answer, the signature verdict first when the
/// answer has no `signature` field to show it under.
pub fn all_details(
    token: &TokenResponse,
    signature: SignatureCheck,
    clock: Clock,
) -> Vec<(String, Vec<Detail>)> {
    let mut out = Vec::new();
    if token.str_field("signature").is_none() {
        out.push(("signature".to_string(), signature_details(signature)));
    }
    for (key, value) in token.fields() {
        let details = field_details(key, value, signature, clock);
        if !details.is_empty() {
            out.push((key.clone(), details));
        }
    }
    out
}

/// Introspect's answer as `key, text` rows for the CLI and the TUI: `active`, the expiry in
/// words, then every field as received, the times (`exp`, `iat`, `nbf`: epoch seconds) with
/// their date after the raw number.
pub fn introspect_rows(
    info: &crate::salesforce::Introspection,
    offset_s: i32,
    now_ms: u64,
) -> Vec<(String, String)> {
    let yes_no = if info.active { "yes" } else { "no" };
    let mut rows = vec![("active".to_string(), yes_no.to_string())];
    if let Some(exp_ms) = info.exp.and_then(|s| s.checked_mul(1000)) {
        let when = humanize::expiry(exp_ms, now_ms);
        let at = humanize::clock(exp_ms, offset_s);
        rows.push(("expiry".into(), format!("{when} (at {at})")));
    }
    for (key, text) in crate::saved_org::calls::field_rows(&info.fields) {
        let date = match key.as_str() {
            "active" => continue,
            "exp" | "iat" | "nbf" => info
                .fields
                .get(&key)
                .and_then(Value::as_u64)
                .and_then(|s| s.checked_mul(1000))
                .and_then(|ms| humanize::local_time(ms, offset_s)),
            _ => None,
        };
        let text = match date {
            Some(date) => format!("{text} ({date})"),
            None => text,
        };
        rows.push((key, text));
    }
    rows
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CLOCK: Clock = Clock {
        now_ms: 1_795_694_400_000, // 2026-11-26 12:00:00 UTC
        utc_offset_s: 3600,
    };

    fn texts(details: &[Detail]) -> Vec<&str> {
        details.iter().map(|d| d.text.as_str()).collect()
    }

    #[test]
    fn org_and_user_ids_come_from_the_id_url() {
        assert_eq!(
            ids_from_id_url("https://login.salesforce.com/id/00D5g000004ABCD/0055g000001WXYZ"),
            Some(("00D5g000004ABCD", "0055g000001WXYZ"))
        );
        assert_eq!(ids_from_id_url("https://example.com/nothing"), None);
    }

    #[test]
    fn what_the_server_wrote_reaches_the_terminal_without_control_characters() {
        use base64::Engine;
        let b64 = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let jwt = format!(
            "{}.{}.sig",
            b64(json!({"alg": "RS256\u{1b}[2J"})),
            b64(json!({"name": "Eve\u{1b}]52;c;ZXZpbA==\u{7}", "x\u{1b}": 1}))
        );
        let mut all = field_details("id_token", &json!(jwt), SignatureCheck::Verified, CLOCK);
        all.extend(field_details(
            "scope",
            &json!("api\u{1b}[31m web"),
            SignatureCheck::Verified,
            CLOCK,
        ));
        for detail in &all {
            assert!(!detail.text.chars().any(char::is_control), "{detail:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        #[test]
        fn any_scope_and_claims_give_short_escaped_lines(
            scope in crate::escape::hostile_text(),
            name in crate::escape::hostile_text(),
            value in crate::escape::hostile_text(),
        ) {
            use base64::Engine;
            let b64 = |v: serde_json::Value| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
            };
            let jwt = format!("{}.{}.sig", b64(json!({"alg": name})), b64(json!({ name.clone(): value, "exp": 1 })));
            let mut all = field_details("scope", &json!(scope), SignatureCheck::Verified, CLOCK);
            all.extend(field_details("id_token", &json!(jwt), SignatureCheck::Verified, CLOCK));
            for detail in &all {
                proptest::prop_assert!(!detail.text.chars().any(crate::escape::is_unsafe));
                proptest::prop_assert!(detail.text.chars().count() <= crate::columns::MAX_VALUE);
            }
        }
    }

    #[test]
    fn scopes_are_listed_one_by_one_with_their_meaning() {
        let details = field_details(
            "scope",
            &json!("api custom_thing web"),
            SignatureCheck::Verified,
            CLOCK,
        );
        assert_eq!(
            texts(&details),
            [
                "api           data through the APIs",
                "custom_thing",
                "web           data through the web UI",
            ]
        );
    }

    #[test]
    fn issued_at_is_local_time_and_age() {
        let details = field_details(
            "issued_at",
            &json!("1795694280000"),
            SignatureCheck::Verified,
            CLOCK,
        );
        assert_eq!(texts(&details), ["2026-11-26 12:58:00 +01:00 · 2m ago"]);
    }

    #[test]
    fn the_id_token_is_decoded_and_marked_not_verified() {
        // {"alg":"RS256","kid":"238"} . {"sub":"x","exp":1795694700,"aud":["a"]}
        let header = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjIzOCJ9";
        let claims = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            r#"{"sub":"x","exp":1795694700,"aud":["a"]}"#,
        );
        let token = format!("{header}.{claims}.c2ln");
        let details = field_details("id_token", &json!(token), SignatureCheck::Verified, CLOCK);
        assert_eq!(
            texts(&details),
            [
                "decoded, NOT VERIFIED: sfkey does not check it against the org's /id/keys",
                "header  alg RS256 · kid 238",
                "sub     x",
                "exp     1795694700 · 2026-11-26 13:05:00 +01:00 · in 5m",
                "aud     [\"a\"]",
            ]
        );
        assert_eq!(details[0].tone, Tone::Warn);
        let broken = field_details(
            "id_token",
            &json!("SECRETVALUE"),
            SignatureCheck::Verified,
            CLOCK,
        );
        assert!(broken[0].text.starts_with("cannot decode it"), "{broken:?}");
        assert!(!broken[0].text.contains("SECRET"));
    }

    #[test]
    fn a_mismatch_is_loud_and_a_missing_signature_still_gets_its_verdict() {
        let mismatch = signature_details(SignatureCheck::Mismatch);
        assert_eq!(mismatch[0].tone, Tone::Loud);
        assert!(mismatch[0].text.contains("MISMATCH"), "{mismatch:?}");
        let token = TokenResponse::from_fields(
            json!({"access_token": "x", "scope": "api"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let unverifiable = SignatureCheck::Unverifiable(Unverifiable::NoSignature);
        let all = all_details(&token, unverifiable, CLOCK);
        let fields: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(fields, ["signature", "scope"]);
        assert_eq!(
            texts(&all[0].1),
            ["unverifiable", "the answer has no signature"]
        );
        assert_eq!(
            all[0].1[0].tone,
            Tone::Warn,
            "a missing signature is worth a look"
        );
        let no_secret =
            signature_details(SignatureCheck::Unverifiable(Unverifiable::NoClientSecret));
        assert_eq!(no_secret[0].tone, Tone::Plain);
    }

    #[test]
    fn introspect_times_show_as_dates_after_their_raw_number() {
        let fields = serde_json::json!({"active": true, "exp": 1_764_687_600u64, "iat": 1_764_680_400u64, "nbf": 1_764_680_400u64, "sub": "x"});
        let info = crate::salesforce::Introspection {
            active: true,
            exp: Some(1_764_687_600),
            iat: Some(1_764_680_400),
            username: None,
            fields: fields.as_object().unwrap().clone(),
        };
        let rows = introspect_rows(&info, 3600, 1_764_680_400_000);
        let row = |k: &str| {
            rows.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(row("active"), Some("yes"));
        assert_eq!(row("expiry"), Some("expires in 2h 0m (at 16:00)"));
        assert_eq!(row("exp"), Some("1764687600 (2025-12-02 16:00:00 +01:00)"));
        assert_eq!(row("iat"), Some("1764680400 (2025-12-02 14:00:00 +01:00)"));
        assert_eq!(row("nbf"), Some("1764680400 (2025-12-02 14:00:00 +01:00)"));
        assert_eq!(row("sub"), Some("x"));
    }
}
