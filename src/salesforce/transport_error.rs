//! Failures below HTTP: what kind, the innermost cause in the OS's or TLS library's words, and
//! whether the request may have reached Salesforce.

use std::error::Error as _;
use std::fmt;

/// What failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// Name resolution failed.
    Dns,
    /// Nobody listens there, or the network refused.
    Connect,
    /// TLS handshake or certificate problem.
    Tls,
    /// No (complete) answer within the time limit.
    Timeout,
    /// The connection broke while the answer was arriving.
    Interrupted,
    /// Anything else.
    Other,
}

/// A failure before a complete HTTP answer arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// The kind of failure.
    pub kind: TransportKind,
    /// The innermost cause, as the OS or TLS library said it.
    pub detail: String,
    /// True when the request may have reached Salesforce, so the refresh token may have been spent.
    pub outcome_unknown: bool,
    /// The total time limit that was in force, for the message.
    pub limit: std::time::Duration,
}

/// What rustls and hyper say, lower-cased, when TLS fails: a bad certificate, or a server that
/// does not speak TLS at all ("received corrupt message of type InvalidContentType").
const TLS_WORDS: &[&str] = &[
    "certificate",
    "tls",
    "handshake",
    "corrupt message",
    "invalidcontenttype",
    "peer is incompatible",
    "peer misbehaved",
    "received fatal alert",
];

impl TransportError {
    /// The task building the HTTP client died; nothing was sent.
    pub fn client_task_failed(cause: impl std::fmt::Display, limit: std::time::Duration) -> Self {
        Self {
            kind: TransportKind::Other,
            detail: format!("the task building the HTTP client failed: {cause}"),
            outcome_unknown: false,
            limit,
        }
    }

    /// Classifies a reqwest error. `after_send` marks errors while reading the answer.
    pub fn from_reqwest(
        err: &reqwest::Error,
        after_send: bool,
        limit: std::time::Duration,
    ) -> Self {
        let mut innermost = err.to_string();
        let mut source = err.source();
        let mut text = String::new();
        while let Some(cause) = source {
            innermost = cause.to_string();
            text.push_str(&innermost.to_ascii_lowercase());
            text.push(' ');
            source = cause.source();
        }
        let kind = if err.is_timeout() || text.contains("timed out") {
            TransportKind::Timeout
        } else if text.contains("dns error") || text.contains("failed to lookup") {
            TransportKind::Dns
        } else if TLS_WORDS.iter().any(|w| text.contains(w)) {
            TransportKind::Tls
        } else if after_send || err.is_body() || err.is_decode() {
            TransportKind::Interrupted
        } else if err.is_connect() {
            TransportKind::Connect
        } else {
            TransportKind::Other
        };
        // A timeout or a break after the request was written leaves the outcome unknown.
        let outcome_unknown = after_send
            || matches!(kind, TransportKind::Timeout | TransportKind::Interrupted)
                && !err.is_connect();
        // The resolver's message does not say which name it could not find.
        let detail = match (kind, err.url().and_then(|u| u.host_str())) {
            (TransportKind::Dns, Some(host)) => format!("{host}: {innermost}"),
            _ => innermost,
        };
        Self {
            kind,
            detail,
            outcome_unknown,
            limit,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let timeout;
        let what = match self.kind {
            TransportKind::Dns => {
                "could not resolve the host; check the login URL and your network"
            }
            TransportKind::Connect => {
                "could not connect to the login host; check the login URL, your network or HTTPS_PROXY"
            }
            TransportKind::Tls => {
                "the TLS handshake failed; behind a proxy that inspects TLS, set SFKEY_CA_FILE (added to the system's CAs) or SSL_CERT_FILE (used instead of them) to its CA bundle"
            }
            TransportKind::Timeout => {
                timeout = format!(
                    "no answer in time (connect {} s, total {} s; SFKEY_HTTP_TIMEOUT changes the total)",
                    super::exchange::CONNECT_TIMEOUT.as_secs(),
                    self.limit.as_secs()
                );
                timeout.as_str()
            }
            TransportKind::Interrupted => "the connection broke while the answer was arriving",
            TransportKind::Other => "the request failed",
        };
        write!(f, "{what} ({})", self.detail)?;
        if self.outcome_unknown {
            // What that costs depends on the call: a refresh says it (`RefreshError`).
            f.write_str(". The request may have reached Salesforce")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {}
