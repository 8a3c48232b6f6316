//! The device flow, for machines without a browser: ask for a user code, show it with the
//! verification URL, poll the token endpoint at the given interval until the user approves it
//! elsewhere (slowing down when asked, giving up when the code expires).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::time::Instant;

use super::{LoggedIn, LoginError, LoginTarget, SCOPE, complete};
use crate::salesforce::bearer_calls::json_object;
use crate::salesforce::token::parse_token_answer;
use crate::salesforce::{ApiError, HttpClient, TokenError};

/// Polling interval when the answer names none (RFC 8628's default).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// Salesforce's answer names no expiry; its device codes last about 10 minutes.
const DEFAULT_EXPIRY: Duration = Duration::from_secs(600);

/// How polling reacts to `slow_down` (RFC 8628: 5 more seconds each time).
#[derive(Debug, Clone)]
pub struct DevicePolling {
    /// Added to the interval at each `slow_down`.
    pub slow_down_step: Duration,
}

impl Default for DevicePolling {
    fn default() -> Self {
        Self {
            slow_down_step: Duration::from_secs(5),
        }
    }
}

/// A device login waiting for the user to enter `user_code` at `verification_uri`.
pub struct DeviceLogin {
    device_code: SecretString,
    target: LoginTarget,
    /// The code the user types on the verification page.
    pub user_code: String,
    /// Where to type it.
    pub verification_uri: String,
    /// How often to poll.
    pub interval: Duration,
    /// How long the code lasts.
    pub expires_in: Duration,
}

impl fmt::Debug for DeviceLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceLogin")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("interval", &self.interval)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// Failed polls in a row (no answer, or a server error page) that the device flow rides out.
const MAX_POLL_FAILURES: u32 = 3;

/// Whether a poll's failure may pass: no answer at all, or a 5xx that is not an OAuth error.
fn passing(error: &TokenError) -> bool {
    match error {
        TokenError::Transport(_) => true,
        TokenError::Salesforce { .. } | TokenError::Redirect { .. } => false,
        other => other.exchange().is_some_and(|x| x.status >= 500),
    }
}

fn seconds(value: Option<&Value>) -> Option<Duration> {
    let secs = match value? {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

impl DeviceLogin {
    /// `POST token` with `response_type=device_code`: the user code and where to enter it.
    pub async fn start(client: &HttpClient, target: LoginTarget) -> Result<Self, LoginError> {
        let form = [
            ("response_type", "device_code"),
            ("client_id", target.client_id.as_str()),
            ("scope", SCOPE),
        ];
        let (exchange, body) = client
            .post_form(&target.endpoint("token"), &form)
            .await
            .map_err(|e| LoginError::DeviceStart(ApiError::Http(e)))?;
        let fields = json_object(exchange.clone(), &body).map_err(LoginError::DeviceStart)?;
        let text = |k: &str| {
            fields
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let (Some(device_code), Some(user_code), Some(verification_uri)) = (
            text("device_code"),
            text("user_code"),
            text("verification_uri"),
        ) else {
            return Err(LoginError::DeviceStart(ApiError::Unexpected {
                exchange,
                detail: "the answer lacks device_code, user_code or verification_uri".into(),
            }));
        };
        Ok(Self {
            device_code: SecretString::from(device_code),
            target,
            user_code,
            verification_uri,
            // Never faster than once a second, whatever the answer says.
            interval: seconds(fields.get("interval"))
                .unwrap_or(DEFAULT_INTERVAL)
                .max(Duration::from_secs(1)),
            expires_in: seconds(fields.get("expires_in")).unwrap_or(DEFAULT_EXPIRY),
        })
    }

    /// Polls with `grant_type=device` until approved, refused, expired or `cancelled`.
    pub async fn finish(
        self,
        client: &HttpClient,
        polling: &DevicePolling,
        cancelled: impl Future<Output = ()>,
    ) -> Result<LoggedIn, LoginError> {
        let deadline = Instant::now() + self.expires_in;
        let mut interval = self.interval;
        let mut failures = 0;
        tokio::pin!(cancelled);
        loop {
            let next = (Instant::now() + interval).min(deadline);
            tokio::select! {
                () = tokio::time::sleep_until(next) => {}
                () = &mut cancelled => return Err(LoginError::Cancelled),
            }
            if Instant::now() >= deadline {
                return Err(LoginError::DeviceExpired);
            }
            let mut form = vec![
                ("grant_type", "device"),
                ("code", self.device_code.expose_secret()),
                ("client_id", self.target.client_id.as_str()),
            ];
            self.target.push_secret(&mut form);
            let answer = match client
                .post_form(&self.target.endpoint("token"), &form)
                .await
            {
                Ok((exchange, body)) => parse_token_answer(exchange, &body),
                Err(e) => Err(e),
            };
            match answer {
                Ok(success) => return complete(client, success).await,
                Err(TokenError::Salesforce {
                    error, description, ..
                }) => {
                    failures = 0;
                    match error.as_str() {
                        "authorization_pending" => {}
                        "slow_down" => interval += polling.slow_down_step,
                        "expired_token" => return Err(LoginError::DeviceExpired),
                        _ => return Err(LoginError::Denied { error, description }),
                    }
                }
                // A poll asks again for the same thing: a network blip or a 5xx page must not
                // end a login the user is approving on another device.
                Err(e) if passing(&e) && failures < MAX_POLL_FAILURES => {
                    failures += 1;
                    tracing::warn!(failures, "device poll failed; polling on");
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
}
