//! The HTTP side of an answer (status, headers, latency: never the body) and the limits every
//! Salesforce call runs under. The error taxonomy and the client both build on it.

use std::time::Duration;

/// `User-Agent` of every request: sfkey and its version.
pub const USER_AGENT: &str = concat!("sfkey/", env!("CARGO_PKG_VERSION"));
/// Largest body we read, compressed or decoded: a token answer is about 2 KiB.
pub const MAX_BODY: usize = 1024 * 1024;
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take unless [`HttpSettings`] say otherwise.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP side of an answer: no body, so it is safe to keep, log and show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpExchange {
    /// HTTP status code.
    pub status: u16,
    /// Reason phrase (`OK`, `Bad Request`).
    pub reason: String,
    /// Every header in the order received, `Content-Encoding` and `Transfer-Encoding` included.
    pub headers: Vec<(String, String)>,
    /// From sending the request to having the whole body.
    pub latency: Duration,
}

impl HttpExchange {
    /// An answer with a status and a content type only, for the parsers' unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(status: u16, content_type: &str) -> Self {
        Self {
            status,
            reason: String::new(),
            headers: vec![("Content-Type".into(), content_type.into())],
            latency: Duration::ZERO,
        }
    }

    /// The first header with this name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type without parameters, lower-cased (`application/json`).
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type")
            .and_then(|ct| ct.split(';').next())
            .map(|t| t.trim().to_ascii_lowercase())
    }
}
