//! Token revocation (`POST {login}{site}/services/oauth2/revoke`): revoking a refresh token
//! also ends every access token issued from it.

use secrecy::{ExposeSecret, SecretString};

use super::bearer_calls::ApiError;
use super::http::{HttpClient, HttpExchange};
use super::introspect::oauth_json;

/// Revokes `token` at `url` (`{login}{site}/services/oauth2/revoke`). Salesforce answers 200
/// with an empty body, or 400 `unsupported_token_type` / `invalid_token`.
pub async fn revoke(
    client: &HttpClient,
    url: &str,
    token: &SecretString,
) -> Result<HttpExchange, ApiError> {
    let (exchange, body) = client
        .post_form(url, &[("token", token.expose_secret())])
        .await?;
    if (200..300).contains(&exchange.status) {
        // The body is empty (or anything): success is the status alone.
        return Ok(exchange);
    }
    match oauth_json(exchange.clone(), &body) {
        Err(e) => Err(e),
        // A JSON object with an error status and no `error` field.
        Ok(_) => Err(ApiError::Unexpected {
            detail: format!("HTTP {} without an error code", exchange.status),
            exchange,
        }),
    }
}

/// Whether Salesforce refused because the token is not valid there (already revoked or expired,
/// or issued by another login URL).
pub fn is_invalid_token(err: &ApiError) -> bool {
    matches!(err, ApiError::Refused { code, .. } if code == "invalid_token")
}
