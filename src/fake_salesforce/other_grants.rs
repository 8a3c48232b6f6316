//! The fake's JWT bearer and client credentials grants. A JWT app is configured with the
//! certificate (or public key) the test made, as a connected app is in Salesforce: the
//! assertion's RS256 signature is checked against it, and a wrong key, audience, expiry or user
//! gets Salesforce's own error. Neither grant issues a refresh token.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::token_answer::{random_hex, token_fields};
use super::wire::json_reply;
use super::{ACCESS_TOKEN_PREFIX, FakeSalesforce, Grant, RecordedRequest, Shared, api};
use crate::salesforce::grants::JWT_BEARER_GRANT;

/// A connected app with "Use digital signatures": who may get tokens with which key.
#[derive(Debug, Clone)]
pub struct JwtApp {
    /// Consumer key (`iss`).
    pub client_id: String,
    /// The uploaded certificate or public key, PEM.
    pub certificate: String,
    /// The `aud` Salesforce accepts here (its login URL).
    pub audience: String,
    /// The pre-authorized user (`sub`).
    pub username: String,
    /// `Some((error, description))`: refuse every assertion with it after the checks pass
    /// (`invalid_app_access`, ...).
    pub refuse: Option<(String, String)>,
    /// How far Salesforce's clock is ahead of this machine's, in seconds: an assertion whose
    /// `exp` has passed by Salesforce's clock is refused (clock skew).
    pub clock_ahead_s: u64,
}

impl JwtApp {
    /// An app that accepts `username`'s assertions for `audience`, signed by the key of
    /// `certificate`.
    pub fn new(client_id: &str, certificate: &str, audience: &str, username: &str) -> Self {
        Self {
            client_id: client_id.into(),
            certificate: certificate.into(),
            audience: audience.into(),
            username: username.into(),
            refuse: None,
            clock_ahead_s: 0,
        }
    }
}

/// A connected app with the client credentials flow enabled and a run-as user.
#[derive(Debug, Clone)]
pub struct ClientCredentialsApp {
    /// Consumer key.
    pub client_id: String,
    /// Consumer secret.
    pub client_secret: String,
    /// `Some((error, description))`: refuse with it once the client checks out.
    pub refuse: Option<(String, String)>,
}

/// The apps the fake knows for these grants.
#[derive(Default)]
pub(super) struct AppState {
    jwt: Vec<JwtApp>,
    client_credentials: Vec<ClientCredentialsApp>,
}

impl FakeSalesforce {
    /// Accepts JWT bearer assertions for `app` from now on.
    pub fn add_jwt_app(&self, app: JwtApp) {
        self.shared.state().apps.jwt.push(app);
    }

    /// Accepts the client credentials grant for `app` from now on.
    pub fn add_client_credentials_app(&self, app: ClientCredentialsApp) {
        self.shared.state().apps.client_credentials.push(app);
    }
}

/// The answer when the request is one of these grants; `None` otherwise.
pub(super) fn answer(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Option<Vec<u8>> {
    if request.method != "POST" || !request.path.ends_with("/services/oauth2/token") {
        return None;
    }
    let result = match request.field("grant_type") {
        Some(JWT_BEARER_GRANT) => jwt_grant(request, shared),
        Some("client_credentials") => client_credentials_grant(request, shared),
        _ => return None,
    };
    let (status, body) = match result {
        Ok(client_id) => (200, issue(&client_id, shared)),
        Err((error, description)) => (
            400,
            serde_json::json!({"error": error, "error_description": description}).to_string(),
        ),
    };
    Some(json_reply(status, &body, gzip, false))
}

type Refusal = (String, String);

fn refusal(error: &str, description: &str) -> Refusal {
    (error.into(), description.into())
}

/// Checks an assertion as Salesforce does; the client id on success.
fn jwt_grant(request: &RecordedRequest, shared: &Shared) -> Result<String, Refusal> {
    let assertion = request.field("assertion").unwrap_or_default();
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(assertion)
        .map_err(|_| refusal("invalid_grant", "invalid assertion"))?;
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let app = shared
        .state()
        .apps
        .jwt
        .iter()
        .find(|a| a.client_id == issuer)
        .cloned()
        .ok_or_else(|| refusal("invalid_client_id", "client identifier invalid"))?;
    let key = DecodingKey::from_rsa_pem(app.certificate.as_bytes())
        .map_err(|_| refusal("invalid_grant", "invalid assertion"))?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&app.audience]);
    validation.leeway = 0;
    validation.reject_tokens_expiring_in_less_than = app.clock_ahead_s;
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    if let Err(e) = jsonwebtoken::decode::<Value>(assertion, &key, &validation) {
        return Err(match e.kind() {
            ErrorKind::ExpiredSignature => refusal("invalid_grant", "expired authorization code"),
            ErrorKind::InvalidAudience => refusal("invalid_grant", "audience is invalid"),
            _ => refusal("invalid_grant", "invalid assertion"),
        });
    }
    if claims.get("sub").and_then(Value::as_str) != Some(app.username.as_str()) {
        return Err(refusal(
            "invalid_grant",
            "user hasn't approved this consumer",
        ));
    }
    match app.refuse {
        Some(refused) => Err(refused),
        None => Ok(app.client_id),
    }
}

/// Checks the client as Salesforce does; the client id on success.
fn client_credentials_grant(request: &RecordedRequest, shared: &Shared) -> Result<String, Refusal> {
    let client_id = request.field("client_id").unwrap_or_default();
    let app = shared
        .state()
        .apps
        .client_credentials
        .iter()
        .find(|a| a.client_id == client_id)
        .cloned()
        .ok_or_else(|| refusal("invalid_client_id", "client identifier invalid"))?;
    if request.field("client_secret") != Some(app.client_secret.as_str()) {
        return Err(refusal("invalid_client", "invalid client credentials"));
    }
    match app.refuse {
        Some(refused) => Err(refused),
        None => Ok(app.client_id),
    }
}

/// A token answer without a refresh token, the access token known to the API endpoints.
fn issue(client_id: &str, shared: &Shared) -> String {
    let access = format!("{ACCESS_TOKEN_PREFIX}{}", random_hex(48));
    {
        let mut state = shared.state();
        state.issued.push(access.clone());
        api::issued(&mut state, &access, "", &Grant::new(client_id, None));
    }
    token_fields(&shared.base_url, Some(&access), None, "", false)
}
