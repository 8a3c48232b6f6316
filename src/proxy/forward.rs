//! Sending a client's request on to the org's instance with the org's access token, and its
//! answer back: hop-by-hop headers dropped both ways (RFC 9110 section 7.6.1), bodies streamed
//! untouched (gzip stays gzip), `Location` pointed back at the proxy, and on Salesforce's
//! `INVALID_SESSION_ID` one renewal of the token and one replay when the body allows it.
//! Upstream, reqwest offers HTTP/2 and HTTP/1.1 in the TLS handshake (ALPN) and pools the
//! connections: one multiplexed HTTP/2 connection per instance that takes it, kept-alive
//! HTTP/1.1 connections otherwise (and to plain-HTTP loopback servers).

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::request;
use hyper::{Response, StatusCode, Version};
use secrecy::ExposeSecret;

use super::body::{BoxError, ProxyBody, Start, error_response, read_start};
use super::log::{Logged, RequestLog};
use super::session::OrgSession;
use super::timeouts::{self, Idle, Limits, Progress};
use crate::salesforce::HttpClient;

/// Request bodies up to this size are kept so the request can be replayed after a renewal.
pub const MAX_REPLAY_BODY: usize = 8 * 1024 * 1024;
/// How much of a 401 answer is read to see whether it says `INVALID_SESSION_ID`.
const MAX_401_BODY: usize = 64 * 1024;
/// Set on a 401 passed through after the token was renewed: a retry will work.
pub const REFRESHED_HEADER: &str = "sfkey-token-refreshed";
/// Set on a 401 passed through because renewing the token failed (see the proxy's log).
pub const REFRESH_FAILED_HEADER: &str = "sfkey-refresh-failed";

/// The upstream side: clients and limits shared by every request.
pub struct Upstream {
    /// Keeps connections to each instance alive between requests (HTTP/2 where offered).
    pub client: reqwest::Client,
    /// For the token calls of renewals.
    pub refresh_client: HttpClient,
    /// How long Salesforce may take to answer, and either side's body may stay silent.
    pub limits: Limits,
}

/// The request's body as it will be sent.
enum Outgoing {
    /// Small enough to keep: can be sent again.
    Kept(Bytes),
    /// Streams through once, telling how far it has come.
    Streaming(Option<(reqwest::Body, Arc<Progress>)>),
}

impl Outgoing {
    fn take(&mut self) -> Option<(reqwest::Body, Arc<Progress>)> {
        match self {
            Self::Kept(bytes) => Some((
                reqwest::Body::from(bytes.clone()),
                Arc::new(Progress::ended()),
            )),
            Self::Streaming(body) => body.take(),
        }
    }
}

/// Forwards one request for `session`'s org; `rest` is the path and query on the instance, and
/// `proxy_base` the proxy's URL for this org (for `Location`).
pub async fn forward(
    upstream: &Upstream,
    session: &OrgSession,
    parts: request::Parts,
    body: Incoming,
    rest: &str,
    proxy_base: &str,
    log: &mut RequestLog,
) -> Response<ProxyBody> {
    let limits = upstream.limits;
    let mut outgoing = match prepare_body(&parts.headers, body, limits.idle).await {
        Ok(outgoing) => outgoing,
        Err(e) => return timeouts::client_body_failed(&e, limits.idle),
    };
    let mut headers = parts.headers;
    strip_hop_by_hop(&mut headers);
    // The proxy token goes no further; Host is the instance's; the proxy answers 100-continue
    // itself; CORS is the proxy's business, not Salesforce's.
    for name in [
        header::AUTHORIZATION,
        header::HOST,
        header::EXPECT,
        header::ORIGIN,
    ] {
        headers.remove(name);
    }
    let mut attempt = 0;
    loop {
        let current = session.current();
        let url = format!("{}{rest}", current.instance_url);
        let Some((body, progress)) = outgoing.take() else {
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SFKEY_PROXY_NO_REPLAY",
                "the request body was already sent",
            );
        };
        let request = upstream
            .client
            .request(parts.method.clone(), &url)
            .headers(headers.clone())
            .bearer_auth(current.access_token.expose_secret())
            .body(body);
        let answer: hyper::http::Response<reqwest::Body> =
            match timeouts::send(request, &progress, limits).await {
                Ok(answer) => answer.into(),
                Err(refused) => return refused,
            };
        let (mut head, answer_body) = answer.into_parts();
        let answer_body = Idle::new(answer_body, limits.idle, None);
        if head.status != StatusCode::UNAUTHORIZED || attempt > 0 {
            return respond(head, answer_body, session, proxy_base, log);
        }
        attempt += 1;
        let start = match read_start(answer_body, MAX_401_BODY).await {
            Ok(start) => start,
            Err(e) => return timeouts::answer_body_failed(&e, limits),
        };
        let whole = match start {
            Start::Whole(bytes) if says_invalid_session(&head.headers, &bytes) => bytes,
            Start::Whole(bytes) => {
                return respond(
                    head,
                    http_body_util::Full::new(bytes),
                    session,
                    proxy_base,
                    log,
                );
            }
            Start::Longer(rest) => return respond(head, rest, session, proxy_base, log),
        };
        log.refreshed = true;
        let renewed = session
            .renew(current.generation, &upstream.refresh_client)
            .await;
        let replayable = matches!(outgoing, Outgoing::Kept(_));
        match renewed {
            Ok(()) if replayable => continue,
            Ok(()) => mark(&mut head.headers, REFRESHED_HEADER),
            Err(e) => {
                tracing::warn!(org = %session.org.name, "proxy: renewing the access token failed: {e}");
                mark(&mut head.headers, REFRESH_FAILED_HEADER);
            }
        }
        let body = http_body_util::Full::new(whole);
        return respond(head, body, session, proxy_base, log);
    }
}

fn mark(headers: &mut HeaderMap, name: &'static str) {
    headers.insert(HeaderName::from_static(name), HeaderValue::from_static("1"));
}

/// Keeps bodies up to [`MAX_REPLAY_BODY`] (so a renewal can replay them); larger ones stream.
/// A client that stops sending for `idle` ends either with [`timeouts::IdleTimeout`].
async fn prepare_body(
    headers: &HeaderMap,
    body: Incoming,
    idle: Duration,
) -> Result<Outgoing, BoxError> {
    use http_body::Body as _;
    if body.is_end_stream() {
        return Ok(Outgoing::Kept(Bytes::new()));
    }
    let progress = Arc::new(Progress::started());
    let body = Idle::new(body, idle, Some(Arc::clone(&progress)));
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_REPLAY_BODY as u64) {
        return Ok(Outgoing::Streaming(Some((
            reqwest::Body::wrap(body),
            progress,
        ))));
    }
    Ok(match read_start(body, MAX_REPLAY_BODY).await? {
        Start::Whole(bytes) => Outgoing::Kept(bytes),
        Start::Longer(rest) => Outgoing::Streaming(Some((reqwest::Body::wrap(rest), progress))),
    })
}

/// Whether a 401 is Salesforce's "session expired or invalid" (gzip or not).
fn says_invalid_session(headers: &HeaderMap, body: &[u8]) -> bool {
    let gzipped = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    let mut decoded = Vec::new();
    let text = if gzipped {
        let read = flate2::read::GzDecoder::new(body)
            .take(MAX_401_BODY as u64)
            .read_to_end(&mut decoded);
        if read.is_err() {
            return false;
        }
        &decoded[..]
    } else {
        body
    };
    text.windows(18).any(|w| w == b"INVALID_SESSION_ID")
}

/// The answer for the client: hop-by-hop headers dropped, `Location` rewritten, any header
/// that would carry the access token dropped, the body streamed through a counter.
fn respond<B>(
    mut head: hyper::http::response::Parts,
    body: B,
    session: &OrgSession,
    proxy_base: &str,
    log: &mut RequestLog,
) -> Response<ProxyBody>
where
    B: http_body::Body<Data = Bytes> + Unpin + Send + 'static,
    B::Error: Into<super::body::BoxError>,
{
    strip_hop_by_hop(&mut head.headers);
    // Salesforce may have answered over HTTP/2; the client speaks HTTP/1.1 with the proxy.
    head.version = Version::HTTP_11;
    let current = session.current();
    if let Some(location) = head.headers.get(header::LOCATION)
        && let Some(moved) = location
            .to_str()
            .ok()
            .and_then(|l| rewrite_location(l, &current.instance_url, proxy_base))
            .and_then(|l| HeaderValue::from_str(&l).ok())
    {
        head.headers.insert(header::LOCATION, moved);
    }
    let token = current.access_token.expose_secret().as_bytes();
    let leaking: Vec<HeaderName> = head
        .headers
        .iter()
        .filter(|(_, v)| !token.is_empty() && v.as_bytes().windows(token.len()).any(|w| w == token))
        .map(|(k, _)| k.clone())
        .collect();
    for name in leaking {
        head.headers.remove(name);
    }
    log.status = head.status.as_u16();
    log.latency = log.started.elapsed();
    let body = Logged::new(body.map_err(Into::into), log.clone()).boxed_unsync();
    Response::from_parts(head, body)
}

/// `Location` on the instance (absolute, or a path) as the same place through the proxy.
pub fn rewrite_location(location: &str, instance_url: &str, proxy_base: &str) -> Option<String> {
    if let Some(rest) = location.get(..instance_url.len())
        && rest.eq_ignore_ascii_case(instance_url)
    {
        let tail = &location[instance_url.len()..];
        if tail.is_empty() || tail.starts_with('/') || tail.starts_with('?') {
            return Some(format!("{proxy_base}{tail}"));
        }
    }
    if location.starts_with('/') && !location.starts_with("//") {
        return Some(format!("{proxy_base}{location}"));
    }
    None
}

/// Drops the headers that concern one connection only: the fixed list of RFC 9110 section
/// 7.6.1 and every header named in `Connection`.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ] {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_go_and_end_to_end_ones_stay() {
        let mut headers = HeaderMap::new();
        for (k, v) in [
            ("connection", "keep-alive, x-private"),
            ("keep-alive", "timeout=5"),
            ("x-private", "1"),
            ("te", "trailers"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "h2c"),
            ("proxy-authorization", "Basic x"),
            ("content-encoding", "gzip"),
            ("content-type", "application/json"),
        ] {
            headers.append(k, HeaderValue::from_static(v));
        }
        strip_hop_by_hop(&mut headers);
        let left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(left, ["content-encoding", "content-type"]);
    }

    #[test]
    fn locations_on_the_instance_point_back_at_the_proxy() {
        let (instance, proxy) = ("https://acme.my.salesforce.com", "http://127.0.0.1:9/prod");
        let moved = |l: &str| rewrite_location(l, instance, proxy);
        assert_eq!(
            moved("https://acme.my.salesforce.com/services/data/v62.0/sobjects/Account/001x")
                .as_deref(),
            Some("http://127.0.0.1:9/prod/services/data/v62.0/sobjects/Account/001x")
        );
        assert_eq!(
            moved("/services/data/v62.0").as_deref(),
            Some("http://127.0.0.1:9/prod/services/data/v62.0")
        );
        assert_eq!(moved("https://login.salesforce.com/x"), None);
        assert_eq!(moved("https://acme.my.salesforce.com.evil.example/x"), None);
        assert_eq!(moved("//evil.example/x"), None);
    }

    #[test]
    fn only_invalid_session_401s_count() {
        let body =
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
        assert!(says_invalid_session(&HeaderMap::new(), body));
        assert!(!says_invalid_session(
            &HeaderMap::new(),
            b"[{\"errorCode\":\"X\"}]"
        ));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, body).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        assert!(says_invalid_session(&headers, &gz.finish().unwrap()));
    }
}
