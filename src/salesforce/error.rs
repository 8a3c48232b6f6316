//! The error taxonomy of a token call: transport failures (from `transport_error.rs`),
//! Salesforce's own error codes with what they mean and what to do, and answers that are not
//! token answers at all.

use std::fmt;

use super::exchange::HttpExchange;
use crate::remedy::{Advice, say};

pub use super::transport_error::{TransportError, TransportKind};

/// Why a token call did not produce a token.
#[derive(Debug, Clone)]
pub enum TokenError {
    /// No complete HTTP answer.
    Transport(TransportError),
    /// Salesforce answered with `{"error", "error_description"}`.
    Salesforce {
        /// Status and headers.
        exchange: HttpExchange,
        /// The `error` code.
        error: String,
        /// The `error_description`, if given.
        description: Option<String>,
    },
    /// A redirect; never followed on a token POST.
    Redirect {
        /// Status and headers.
        exchange: HttpExchange,
        /// Where it pointed.
        location: Option<String>,
    },
    /// An HTML page or anything else that is not a token answer; the body is not kept.
    NotATokenAnswer {
        /// Status and headers.
        exchange: HttpExchange,
        /// The page's `<title>`, if it had one.
        title: Option<String>,
    },
    /// Declared JSON, but does not parse.
    InvalidJson {
        /// Status and headers.
        exchange: HttpExchange,
        /// The parser's complaint (position only, never the content).
        detail: String,
    },
    /// A JSON object without `access_token`.
    NoAccessToken {
        /// Status and headers.
        exchange: HttpExchange,
        /// A `refresh_token` the answer carried anyway; it must still be saved.
        rotated_refresh_token: Option<secrecy::SecretString>,
    },
    /// The body is over the size cap, compressed or decoded.
    TooLarge {
        /// Status and headers.
        exchange: HttpExchange,
    },
    /// The gzip stream is broken.
    BadEncoding {
        /// Status and headers.
        exchange: HttpExchange,
        /// The decoder's complaint.
        detail: String,
    },
}

impl TokenError {
    /// The HTTP side, when an answer came.
    pub fn exchange(&self) -> Option<&HttpExchange> {
        match self {
            Self::Transport(_) => None,
            Self::Salesforce { exchange, .. }
            | Self::Redirect { exchange, .. }
            | Self::NotATokenAnswer { exchange, .. }
            | Self::InvalidJson { exchange, .. }
            | Self::NoAccessToken { exchange, .. }
            | Self::TooLarge { exchange }
            | Self::BadEncoding { exchange, .. } => Some(exchange),
        }
    }

    /// Salesforce's `invalid_grant` / `token request is already being processed`: another
    /// refresh of the same token was in flight, and this one was refused without spending it.
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Salesforce { error, description: Some(d), .. }
            if error.eq_ignore_ascii_case("invalid_grant")
                && d.to_ascii_lowercase().contains("already being processed"))
    }

    /// A short code for the org's last-refresh status: the Salesforce error code, or our own.
    pub fn code(&self) -> String {
        match self {
            Self::Transport(t) => match t.kind {
                TransportKind::Dns => "dns_error",
                TransportKind::Connect => "connect_error",
                TransportKind::Tls => "tls_error",
                TransportKind::Timeout => "timeout",
                TransportKind::Interrupted => "interrupted",
                TransportKind::Other => "request_error",
            }
            .to_string(),
            Self::Salesforce { error, .. } => error.clone(),
            Self::Redirect { .. } => "redirect".into(),
            Self::NotATokenAnswer { .. } => "not_a_token_answer".into(),
            Self::InvalidJson { .. } => "invalid_json".into(),
            Self::NoAccessToken { .. } => "no_access_token".into(),
            Self::TooLarge { .. } => "too_large".into(),
            Self::BadEncoding { .. } => "bad_encoding".into(),
        }
    }

    /// [`code`](Self::code) for people: sfkey's own codes in words (see [`code_words`]).
    pub fn code_words(&self) -> String {
        code_words(&self.code()).to_string()
    }

    /// What a Salesforce error means and what to do, from the table in [`explain`].
    pub fn explanation(&self) -> Option<Explanation> {
        match self {
            Self::Salesforce {
                error, description, ..
            } => Some(explain(error, description.as_deref())),
            _ => None,
        }
    }

    /// [`explanation`](Self::explanation) for an org of `kind`: the JWT bearer and client
    /// credentials grants give some of the refresh grant's codes other meanings.
    pub fn explanation_for(&self, kind: crate::org::OrgKind) -> Option<Explanation> {
        match self {
            Self::Salesforce {
                error, description, ..
            } => Some(super::explain::explain_for(
                kind,
                error,
                description.as_deref(),
            )),
            _ => None,
        }
    }

    /// What it means and what to do, in words alone (no commands, no keys), when we know.
    pub fn hint(&self) -> Option<String> {
        self.advice()
            .map(|a| a.to_string())
            .or_else(|| self.explanation().map(|e| e.to_string()))
    }

    /// What to do about an answer that is not Salesforce's error (those are in
    /// [`explanation`](Self::explanation)), when sfkey knows.
    pub fn advice(&self) -> Option<Advice> {
        const HTML: Advice = Advice(&[say(
            "this is not Salesforce's token endpoint answering, or Salesforce is down for maintenance; check the login URL and site, or try again later",
        )]);
        match self {
            Self::Salesforce { .. } => None,
            Self::Redirect { .. } => Some(
                const {
                    Advice(&[say(
                        "the login URL probably points at the wrong host; use the My Domain URL the redirect names",
                    )])
                },
            ),
            Self::NotATokenAnswer { exchange, .. }
                if exchange.media_type().is_some_and(|t| t.contains("html")) =>
            {
                Some(HTML)
            }
            Self::NotATokenAnswer { .. } => Some(
                const {
                    Advice(&[say(
                        "this is not a token answer; check the login URL and site path",
                    )])
                },
            ),
            Self::TooLarge { .. } => Some(
                const {
                    Advice(&[say(
                        "a token answer is about 2 KiB, so this is not Salesforce's token endpoint; check the login URL and site path",
                    )])
                },
            ),
            Self::InvalidJson { .. } | Self::BadEncoding { .. } => Some(
                const {
                    Advice(&[say(
                        "the answer was damaged on the way (a proxy?) or this is not Salesforce; try again, and check the login URL and HTTPS_PROXY",
                    )])
                },
            ),
            _ => None,
        }
    }
}

/// sfkey's own failure codes (from [`TokenError::code`]), which are not Salesforce's, in
/// words; anything else (Salesforce's `invalid_grant`, `ok`) as it is. JSON output keeps the code.
pub fn code_words(code: &str) -> &str {
    match code {
        "dns_error" => "host not found",
        "connect_error" => "could not connect",
        "tls_error" => "TLS handshake failed",
        "timeout" => "no answer in time",
        "interrupted" => "connection broke",
        "request_error" => "request failed",
        "redirect" => "redirected elsewhere",
        "not_a_token_answer" => "not a token answer",
        "invalid_json" => "answer is broken JSON",
        "no_access_token" => "answer has no access token",
        "too_large" => "answer too large",
        "bad_encoding" => "answer does not decode",
        other => other,
    }
}

/// [`code_words`] with sfkey's own code kept after the words (`not a token answer
/// (not_a_token_answer)`), for detail views; other codes as they are.
pub fn code_in_words(code: &str) -> String {
    match code_words(code) {
        words if words == code => code.to_string(),
        words => format!("{words} ({code})"),
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(t) => write!(f, "{t}")?,
            Self::Salesforce {
                exchange,
                error,
                description,
            } => {
                write!(
                    f,
                    "Salesforce refused the refresh (HTTP {}): {error}",
                    exchange.status
                )?;
                if let Some(d) = description {
                    write!(f, ": {d}")?;
                }
            }
            Self::Redirect { exchange, location } => write!(
                f,
                "the token endpoint answered HTTP {} redirecting to {} (not followed)",
                exchange.status,
                location.as_deref().unwrap_or("nowhere")
            )?,
            Self::NotATokenAnswer { exchange, title } => {
                write!(
                    f,
                    "the answer is not a token response: HTTP {} with {}",
                    exchange.status,
                    exchange
                        .media_type()
                        .as_deref()
                        .unwrap_or("no content type")
                )?;
                if let Some(t) = title {
                    write!(f, " titled {t:?}")?;
                }
            }
            Self::InvalidJson { exchange, detail } => write!(
                f,
                "the answer (HTTP {}) says it is JSON but is not valid JSON: {detail}",
                exchange.status
            )?,
            Self::NoAccessToken { exchange, .. } => write!(
                f,
                "the answer (HTTP {}) is JSON but has no access_token",
                exchange.status
            )?,
            Self::TooLarge { exchange } => write!(
                f,
                "the answer (HTTP {}) is over 1 MiB; not a token response, reading stopped",
                exchange.status
            )?,
            Self::BadEncoding { exchange, detail } => write!(
                f,
                "the answer (HTTP {}) is gzip-encoded but does not decode: {detail}",
                exchange.status
            )?,
        }
        Ok(())
    }
}

impl std::error::Error for TokenError {}

pub use super::explain::{Explanation, explain};
