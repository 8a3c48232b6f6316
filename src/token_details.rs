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
mod tests;
