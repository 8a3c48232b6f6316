//! Unit tests of `token_details`.

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
    let no_secret = signature_details(SignatureCheck::Unverifiable(Unverifiable::NoClientSecret));
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
