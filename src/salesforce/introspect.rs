//! Token introspection (`POST {login}{site}/services/oauth2/introspect`, RFC 7662): whether a
//! token is active, and until when.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::bearer_calls::{ApiError, json_object};
use super::http::{HttpClient, HttpExchange};

/// Which kind of token is asked about (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An access token.
    AccessToken,
    /// A refresh token.
    RefreshToken,
}

impl TokenKind {
    /// The wire name: `access_token` or `refresh_token`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
        }
    }

    /// For people: `access token` or `refresh token`.
    pub fn words(self) -> &'static str {
        match self {
            Self::AccessToken => "access token",
            Self::RefreshToken => "refresh token",
        }
    }
}

/// What an introspection needs. The client authenticates with its id and secret.
#[derive(Debug, Clone, Copy)]
pub struct IntrospectRequest<'a> {
    /// `{login}{site}/services/oauth2/introspect`.
    pub url: &'a str,
    /// The token asked about.
    pub token: &'a SecretString,
    /// Its kind, sent as `token_type_hint`.
    pub kind: TokenKind,
    /// The connected app's consumer key.
    pub client_id: &'a str,
    /// Its consumer secret, when it has one.
    pub client_secret: Option<&'a SecretString>,
}

/// Salesforce's answer about a token. It holds no token, so it is safe to print whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Introspection {
    /// Whether the token works now.
    pub active: bool,
    /// When it expires, epoch seconds.
    pub exp: Option<u64>,
    /// When it was issued, epoch seconds.
    pub iat: Option<u64>,
    /// The user's username.
    pub username: Option<String>,
    /// Every field in the order received.
    pub fields: Map<String, Value>,
}

/// Asks Salesforce whether `request.token` is active.
pub async fn introspect(
    client: &HttpClient,
    request: &IntrospectRequest<'_>,
) -> Result<(HttpExchange, Introspection), ApiError> {
    let mut form = vec![
        ("token", request.token.expose_secret()),
        ("token_type_hint", request.kind.as_str()),
        ("client_id", request.client_id),
    ];
    if let Some(secret) = request.client_secret {
        form.push(("client_secret", secret.expose_secret()));
    }
    let (exchange, body) = client.post_form(request.url, &form).await?;
    let fields = oauth_json(exchange.clone(), &body)?;
    let number = |k: &str| fields.get(k).and_then(Value::as_u64);
    let info = Introspection {
        active: fields.get("active").and_then(Value::as_bool) == Some(true),
        exp: number("exp"),
        iat: number("iat"),
        username: fields
            .get("username")
            .and_then(Value::as_str)
            .map(str::to_string),
        fields: fields.clone(),
    };
    Ok((exchange, info))
}

/// [`json_object`] for the OAuth endpoints (introspect, revoke): there a 401 with an OAuth error
/// is about the client's credentials, not an expired session.
pub(super) fn oauth_json(
    exchange: HttpExchange,
    body: &[u8],
) -> Result<Map<String, Value>, ApiError> {
    if exchange.status == 401
        && let Ok(Value::Object(v)) = serde_json::from_slice::<Value>(body)
        && let Some(code) = v.get("error").and_then(Value::as_str)
    {
        return Err(ApiError::Refused {
            code: code.to_string(),
            message: v
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_string),
            exchange,
        });
    }
    json_object(exchange, body)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_401_with_an_oauth_error_is_a_refusal_not_an_expired_session() {
        let exchange = HttpExchange {
            status: 401,
            reason: String::new(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            latency: Duration::ZERO,
        };
        let body =
            br#"{"error":"invalid_client","error_description":"invalid client credentials"}"#;
        let err = oauth_json(exchange.clone(), body).unwrap_err();
        assert!(!err.is_session_expired(), "{err}");
        assert!(err.to_string().contains("invalid_client"), "{err}");
        let rest =
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
        assert!(oauth_json(exchange, rest).unwrap_err().is_session_expired());
    }
}
