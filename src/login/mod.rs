//! Getting a refresh token by logging in: the web server flow with PKCE and a loopback redirect
//! (`browser`), and the device flow for machines without a browser (`device`). Both end in
//! [`LoggedIn`], which [`save`] turns into a stored org. The CLI and the TUI share all of it.

pub mod browser;
pub mod device;
pub mod handoff;
pub mod loopback;
pub mod pkce;
mod save;

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::salesforce::{ApiError, HttpClient, TokenError, TokenSuccess, UserInfo, fetch_userinfo};

pub use browser::{BrowserLogin, Opened, open_browser, open_browser_with};
pub use device::{DeviceLogin, DevicePolling};
pub use loopback::{DEFAULT_PORT, Loopback};
pub use save::{SaveError, Saved, check_name, save};

/// The Salesforce CLI's connected app: public, no secret, callback
/// `http://localhost:1717/OauthRedirect`.
pub const DEFAULT_CLIENT_ID: &str = "PlatformCLI";
/// What sfkey asks for: a refresh token, the REST API, and the web UI (for frontdoor).
pub const SCOPE: &str = "refresh_token api web";
/// How long a login waits for the browser or the device approval unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Overrides [`DEFAULT_TIMEOUT`], in seconds.
pub const TIMEOUT_ENV: &str = "SFKEY_LOGIN_TIMEOUT";

/// Where to log in and with which connected app.
#[derive(Clone)]
pub struct LoginTarget {
    /// Normalised login URL (`https://login.salesforce.com`, a My Domain, loopback for tests).
    pub login_url: String,
    /// Experience Cloud site path, if any.
    pub site: Option<String>,
    /// The connected app's consumer key.
    pub client_id: String,
    /// Its consumer secret, when it has one.
    pub client_secret: Option<SecretString>,
}

impl std::fmt::Debug for LoginTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginTarget")
            .field("login_url", &self.login_url)
            .field("site", &self.site)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<hidden>"),
            )
            .finish()
    }
}

impl LoginTarget {
    /// `{login_url}{site}/services/oauth2/{name}`.
    pub fn endpoint(&self, name: &str) -> String {
        format!(
            "{}{}/services/oauth2/{name}",
            self.login_url,
            self.site.as_deref().unwrap_or("")
        )
    }

    fn push_secret<'a>(&'a self, form: &mut Vec<(&'static str, &'a str)>) {
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose_secret()));
        }
    }
}

/// A successful login: the token answer, its refresh token and who logged in.
#[derive(Debug)]
pub struct LoggedIn {
    /// The token answer (access token, instance URL, `id`, ...).
    pub success: TokenSuccess,
    /// The refresh token to store.
    pub refresh_token: SecretString,
    /// Who the token belongs to; an error leaves the org without a username but still saved.
    pub userinfo: Result<UserInfo, String>,
}

/// Why a login did not give a refresh token. Never holds a code, verifier or token.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The redirect port is taken.
    #[error(
        "port {0} is already in use, so the login redirect cannot be received; stop what uses it (another login, `sf org login web`?) or pick another port with --port (the connected app's callback URL must name the same port: http://localhost:PORT/OauthRedirect)"
    )]
    PortInUse(u16),
    /// Binding failed for another reason.
    #[error("cannot listen on 127.0.0.1:{0} for the login redirect: {1}")]
    Listen(u16, String),
    /// The OS gave no randomness.
    #[error("no randomness for the login's state and PKCE verifier: {0}")]
    Random(String),
    /// Nobody finished the login in time.
    #[error(
        "no login within {} (set {TIMEOUT_ENV}=SECONDS to wait longer); nothing was saved",
        wait_text(*.0)
    )]
    TimedOut(Duration),
    /// The user cancelled.
    #[error("login cancelled; nothing was saved")]
    Cancelled,
    /// Salesforce sent an error back on the redirect, or the device approval was refused.
    #[error("{}", denied_text(error, description.as_deref()))]
    Denied {
        /// `error` (`access_denied`, ...).
        error: String,
        /// `error_description`.
        description: Option<String>,
    },
    /// The token endpoint refused or failed.
    #[error("{}", token_text(.0))]
    Token(#[from] TokenError),
    /// The device flow's first call failed.
    #[error("the device login could not start: {0}")]
    DeviceStart(ApiError),
    /// The device code expired before the user approved it.
    #[error(
        "the device code expired before the login was approved; run the login again and enter the new code sooner"
    )]
    DeviceExpired,
    /// The login worked but the org could not be stored.
    #[error("the login worked, but saving the org failed: {0}")]
    Save(String),
    /// The user who logged in is saved under another name: nothing was stored.
    #[error("{0}")]
    AlreadySaved(String),
    /// A token answer without `refresh_token`.
    #[error(
        "Salesforce gave no refresh token: the connected app's OAuth scopes must include \"Perform requests at any time (refresh_token, offline_access)\""
    )]
    NoRefreshToken,
}

/// A token endpoint failure worded for a login (the token error's own text speaks of refreshes).
fn token_text(error: &TokenError) -> String {
    let TokenError::Salesforce {
        exchange,
        error,
        description,
    } = error
    else {
        return error.to_string();
    };
    let said = said(error, description.as_deref());
    let what = match error.as_str() {
        "invalid_grant" => {
            "the code was refused (used already, expired, or not for this app); run the login again"
        }
        other => &explained(other, description.as_deref()),
    };
    format!(
        "Salesforce refused the login's token request (HTTP {}): {said}; {what}",
        exchange.status
    )
}

/// Salesforce's `error` and `error_description`, cleaned of control characters: they come from
/// the network (here even through the browser's address bar) and are printed on a terminal.
fn said(error: &str, description: Option<&str>) -> String {
    match description {
        Some(d) => crate::escape::escape(&format!("{error}: {d}")),
        None => crate::escape::escape(error),
    }
}

/// The errors table's explanation without its commands, which name a saved org (`NAME`) that a
/// login does not have yet.
fn explained(error: &str, description: Option<&str>) -> String {
    let mut text = crate::salesforce::error::explain(error, description).to_string();
    while let Some(at) = text.find("NAME") {
        let open = text[..at].rfind(" (").unwrap_or(at);
        let close = text[at..].find(')').map_or(text.len(), |c| at + c + 1);
        text.replace_range(open..close, "");
    }
    format!("nothing was saved: {text}")
}

fn denied_text(error: &str, description: Option<&str>) -> String {
    let said = said(error, description);
    let what = match error {
        "access_denied" => {
            "you clicked Deny (or the org does not let this user approve the app); run the login again and click Allow".to_string()
        }
        "redirect_uri_mismatch" => {
            "the connected app's callback URL must be exactly the redirect sfkey uses (http://localhost:PORT/OauthRedirect)".to_string()
        }
        _ => explained(error, description),
    };
    format!("Salesforce refused the login ({said}); {what}")
}

/// The app's redirect port: `SFKEY_LOGIN_PORT` (as `sfkey login --port`), else 1717.
pub fn app_port() -> u16 {
    std::env::var("SFKEY_LOGIN_PORT")
        .ok()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(DEFAULT_PORT)
}

/// "5 minutes", "90 seconds".
pub fn wait_text(wait: Duration) -> String {
    let secs = wait.as_secs();
    match secs {
        60 => "1 minute".into(),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        1 => "1 second".into(),
        s => format!("{s} seconds"),
    }
}

/// The wait from [`TIMEOUT_ENV`], else [`DEFAULT_TIMEOUT`].
pub fn timeout_from_env() -> Result<Duration, String> {
    match std::env::var(TIMEOUT_ENV) {
        Err(_) => Ok(DEFAULT_TIMEOUT),
        Ok(raw) => match raw.trim().parse::<u64>() {
            Ok(secs) if secs > 0 => Ok(Duration::from_secs(secs)),
            _ => Err(format!(
                "{TIMEOUT_ENV}={raw:?} is not a positive whole number of seconds"
            )),
        },
    }
}

/// After a token answer: the refresh token out of it, then userinfo for the username.
async fn complete(client: &HttpClient, success: TokenSuccess) -> Result<LoggedIn, LoginError> {
    let refresh_token = success
        .token
        .refresh_token()
        .ok_or(LoginError::NoRefreshToken)?;
    let userinfo = match (success.token.access_token(), success.token.instance_url()) {
        (Some(access), Some(instance)) => fetch_userinfo(client, instance, &access)
            .await
            .map(|(_, info)| info)
            .map_err(|e| e.to_string()),
        _ => Err("the answer has no access token or instance URL to ask userinfo with".into()),
    };
    Ok(LoggedIn {
        success,
        refresh_token,
        userinfo,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::HttpExchange;

    #[test]
    fn refusals_name_no_org_and_print_no_control_characters() {
        let refused = LoginError::Denied {
            error: "invalid_client".into(),
            description: Some(
                "invalid client credentials\u{1b}]52;c;Zm9v\u{7}\nhint: run rm".into(),
            ),
        };
        let text = refused.to_string();
        assert!(!text.contains("NAME"), "{text}");
        assert!(!text.contains("sfkey edit"), "{text}");
        assert!(text.contains("nothing was saved: "), "{text}");
        assert!(text.contains("consumer secret"), "{text}");
        assert!(!text.chars().any(char::is_control), "{text:?}");
        let expired = LoginError::Denied {
            error: "invalid_grant".into(),
            description: Some("expired access/refresh token".into()),
        };
        let text = expired.to_string();
        assert!(!text.contains("NAME") && !text.contains("()"), "{text}");
        assert!(
            text.contains("log in again, or store a new refresh token"),
            "{text}"
        );
    }

    #[test]
    fn refusals_say_what_happened_in_login_words() {
        let denied = LoginError::Denied {
            error: "access_denied".into(),
            description: Some("end-user denied authorization".into()),
        };
        let text = denied.to_string();
        assert!(
            text.contains("access_denied: end-user denied authorization"),
            "{text}"
        );
        assert!(text.contains("clicked Deny"), "{text}");
        let refused = LoginError::Token(TokenError::Salesforce {
            exchange: HttpExchange {
                status: 400,
                reason: "Bad Request".into(),
                headers: Vec::new(),
                latency: Duration::ZERO,
            },
            error: "invalid_grant".into(),
            description: Some("invalid code verifier".into()),
        });
        let text = refused.to_string();
        assert!(text.contains("login's token request (HTTP 400)"), "{text}");
        assert!(text.contains("run the login again"), "{text}");
        assert!(!text.contains("refresh"), "{text}");
        assert_eq!(wait_text(DEFAULT_TIMEOUT), "5 minutes");
        assert_eq!(wait_text(Duration::from_secs(1)), "1 second");
    }
}
