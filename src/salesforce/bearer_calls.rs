//! Calls made with an access token (a bearer token) once it exists (userinfo; introspect and revoke
//! build on the same answer handling): JSON answers, Salesforce's two error shapes, and an
//! expired session told apart from every other refusal.

use std::fmt;

use secrecy::SecretString;
use serde_json::{Map, Value};

use super::error::TokenError;
use super::http::{HttpClient, HttpExchange};
use super::token::page_title;

/// Why a call other than the token grant did not give its answer.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// No usable HTTP answer: transport failure, too large, bad gzip (the token grant's errors).
    Http(TokenError),
    /// HTTP 401: the access token expired or was revoked (`INVALID_SESSION_ID` and the like).
    SessionExpired {
        /// Status and headers.
        exchange: HttpExchange,
    },
    /// Salesforce refused with an error code: OAuth's `{"error","error_description"}` or the
    /// REST API's `[{"errorCode","message"}]`.
    Refused {
        /// Status and headers.
        exchange: HttpExchange,
        /// `error` or `errorCode`.
        code: String,
        /// `error_description` or `message`.
        message: Option<String>,
    },
    /// An answer that is not the JSON this call gives: a redirect, an HTML page, garbage. The
    /// body is never kept.
    Unexpected {
        /// Status and headers.
        exchange: HttpExchange,
        /// What it was instead (page title, redirect target, parser complaint).
        detail: String,
    },
}

impl ApiError {
    /// The HTTP side, when an answer came.
    pub fn exchange(&self) -> Option<&HttpExchange> {
        match self {
            Self::Http(e) => e.exchange(),
            Self::SessionExpired { exchange }
            | Self::Refused { exchange, .. }
            | Self::Unexpected { exchange, .. } => Some(exchange),
        }
    }

    /// Whether the access token is no longer good (so it should be marked expired).
    pub fn is_session_expired(&self) -> bool {
        matches!(self, Self::SessionExpired { .. })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(e) => write!(f, "{e}"),
            Self::SessionExpired { exchange } => write!(
                f,
                "the access token is expired or revoked (HTTP {}); refresh the org first",
                exchange.status
            ),
            Self::Refused {
                exchange,
                code,
                message,
            } => {
                write!(f, "Salesforce refused (HTTP {}): {code}", exchange.status)?;
                match message {
                    Some(m) => write!(f, ": {m}"),
                    None => Ok(()),
                }
            }
            Self::Unexpected { exchange, detail } => write!(
                f,
                "unexpected answer (HTTP {}, {}): {detail}",
                exchange.status,
                exchange
                    .media_type()
                    .as_deref()
                    .unwrap_or("no content type")
            ),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        Self::Http(e)
    }
}

/// Reads a whole answer as a JSON object, or names why it is not one.
pub fn json_object(exchange: HttpExchange, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if (300..400).contains(&exchange.status) {
        let detail = format!(
            "redirect to {} (not followed)",
            exchange.header("location").unwrap_or("nowhere")
        );
        return Err(ApiError::Unexpected { exchange, detail });
    }
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    if exchange.status == 401 {
        return Err(ApiError::SessionExpired { exchange });
    }
    // Printed on the user's terminal: no escape sequences from the network.
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(crate::escape::escape);
    match parsed {
        Ok(Value::Object(fields)) if (200..300).contains(&exchange.status) => Ok(fields),
        Ok(v) if v.get("error").is_some_and(Value::is_string) => Err(ApiError::Refused {
            code: text(&v, "error").unwrap_or_default(),
            message: text(&v, "error_description"),
            exchange,
        }),
        // The REST API's shape: a list with one error.
        Ok(Value::Array(list)) if list.first().is_some_and(|e| e.get("errorCode").is_some()) => {
            let first = &list[0];
            Err(ApiError::Refused {
                code: text(first, "errorCode").unwrap_or_default(),
                message: text(first, "message"),
                exchange,
            })
        }
        Ok(_) => Err(ApiError::Unexpected {
            exchange,
            detail: "JSON of an unexpected shape".into(),
        }),
        Err(e) => {
            let detail = match page_title(body) {
                Some(title) => format!("a page titled {title:?}"),
                None if exchange.media_type().is_some_and(|t| t.contains("json")) => {
                    format!("invalid JSON ({e})")
                }
                None => "not JSON".into(),
            };
            Err(ApiError::Unexpected { exchange, detail })
        }
    }
}

/// Who the access token belongs to, from `/services/oauth2/userinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// `preferred_username`: the Salesforce username.
    pub username: Option<String>,
    /// `organization_id`.
    pub org_id: Option<String>,
    /// `user_id`.
    pub user_id: Option<String>,
    /// Every field in the order received (no secrets in a userinfo answer).
    pub fields: Map<String, Value>,
}

/// `GET {instance_url}/services/oauth2/userinfo` with the access token.
pub async fn fetch_userinfo(
    client: &HttpClient,
    instance_url: &str,
    access_token: &SecretString,
) -> Result<(HttpExchange, UserInfo), ApiError> {
    let url = format!(
        "{}/services/oauth2/userinfo",
        instance_url.trim_end_matches('/')
    );
    let (exchange, body) = client.get_with_bearer(&url, access_token).await?;
    let fields = json_object(exchange.clone(), &body)?;
    // The username is saved and listed: no control characters.
    let text = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .map(crate::escape::escape)
    };
    let info = UserInfo {
        username: text("preferred_username"),
        org_id: text("organization_id"),
        user_id: text("user_id"),
        fields: fields.clone(),
    };
    Ok((exchange, info))
}

/// The newest API version an org serves (`62.0`), from `GET {instance_url}/services/data/`.
pub async fn latest_api_version(
    client: &HttpClient,
    instance_url: &str,
    access_token: &SecretString,
) -> Result<String, ApiError> {
    let url = format!("{}/services/data/", instance_url.trim_end_matches('/'));
    let (exchange, body) = client.get_with_bearer(&url, access_token).await?;
    let unexpected = |exchange: HttpExchange| ApiError::Unexpected {
        exchange,
        detail: "not a list of API versions".into(),
    };
    if !(200..300).contains(&exchange.status) {
        // An error answer: let the shared reader name it.
        json_object(exchange.clone(), &body)?;
        return Err(unexpected(exchange));
    }
    let Ok(Value::Array(list)) = serde_json::from_slice::<Value>(&body) else {
        return Err(unexpected(exchange));
    };
    newest_version(&list).ok_or_else(|| unexpected(exchange))
}

/// The highest `version` (compared as numbers: 100.0 after 99.0) of a versions list.
fn newest_version(list: &[Value]) -> Option<String> {
    let number = |v: &str| -> Option<(u32, u32)> {
        let (major, minor) = v.split_once('.')?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    };
    list.iter()
        .filter_map(|e| e.get("version").and_then(Value::as_str))
        .filter_map(|v| Some((number(v)?, v)))
        .max_by_key(|(n, _)| *n)
        .map(|(_, v)| crate::escape::escape(v))
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_newest_version_is_compared_as_numbers() {
        let list = serde_json::json!([
            {"version": "99.0"}, {"version": "100.0"}, {"version": "62.0"}, {"version": "bad"}, {}
        ]);
        assert_eq!(
            newest_version(list.as_array().unwrap()).as_deref(),
            Some("100.0")
        );
        assert_eq!(newest_version(&[]), None);
    }

    use super::*;

    fn exchange(status: u16, content_type: &str) -> HttpExchange {
        HttpExchange::for_tests(status, content_type)
    }

    #[test]
    fn a_401_is_an_expired_session() {
        let body =
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
        let err = json_object(exchange(401, "application/json"), body).unwrap_err();
        assert!(err.is_session_expired(), "{err}");
    }

    #[test]
    fn both_error_shapes_are_refusals_with_their_code() {
        let rest = br#"[{"message":"no access","errorCode":"INSUFFICIENT_ACCESS"}]"#;
        let err = json_object(exchange(403, "application/json"), rest).unwrap_err();
        assert!(
            err.to_string().contains("INSUFFICIENT_ACCESS: no access"),
            "{err}"
        );
        let oauth = br#"{"error":"invalid_token","error_description":"invalid token"}"#;
        let err = json_object(exchange(400, "application/json"), oauth).unwrap_err();
        assert!(
            err.to_string().contains("invalid_token: invalid token"),
            "{err}"
        );
    }

    #[test]
    fn control_characters_in_a_refusal_never_reach_the_terminal() {
        let rest =
            br#"[{"message":"no\u001b]52;c;ZXZpbA==\u0007access","errorCode":"X\u001b[31m"}]"#;
        let text = json_object(exchange(403, "application/json"), rest)
            .unwrap_err()
            .to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        let oauth = br#"{"error":"invalid_token\r","error_description":"a\u001b[2Jb"}"#;
        let text = json_object(exchange(400, "application/json"), oauth)
            .unwrap_err()
            .to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }

    #[test]
    fn pages_and_redirects_are_named_not_dumped() {
        let page = b"<html><title>Down</title><body>secret=1</body></html>";
        let err = json_object(exchange(503, "text/html"), page).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("\"Down\"") && !text.contains("secret=1"),
            "{text}"
        );
        let mut moved = exchange(302, "text/html");
        moved
            .headers
            .push(("Location".into(), "https://x/y".into()));
        let err = json_object(moved, b"").unwrap_err();
        assert!(err.to_string().contains("https://x/y"), "{err}");
    }
}
