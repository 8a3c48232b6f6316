//! One log line per proxied request, written when its answer's body ends (or the client goes
//! away): org, method, path without query values, status, latency, bytes, whether a refresh
//! happened. Never a token or a query value. The body wrapper that counts the bytes lives here.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use super::paths;

/// One proxied request as a front end shows it live (the TUI's proxy pane): like the log line,
/// never a token or a query value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The org's name, `-` when the request never got that far.
    pub org: String,
    /// `GET`, `POST`...
    pub method: String,
    /// The path with query values removed.
    pub path: String,
    /// The status sent to the client.
    pub status: u16,
    /// From arrival to the answer's headers, in ms.
    pub latency_ms: u64,
    /// Whether a refresh of the org's token happened for it.
    pub refreshed: bool,
    /// Whether the whole body went through.
    pub complete: bool,
}

/// Where the proxy tells each request once it ends.
pub type Observer = tokio::sync::mpsc::UnboundedSender<Seen>;

/// What the log line of one request says; filled in as the request goes.
#[derive(Debug, Clone)]
pub struct RequestLog {
    /// The org's name, `-` when the request never got that far.
    pub org: String,
    /// `GET`, `POST`...
    pub method: String,
    /// The path with query values removed.
    pub path: String,
    /// When the request arrived.
    pub started: Instant,
    /// The status sent to the client.
    pub status: u16,
    /// From arrival to the answer's headers.
    pub latency: Duration,
    /// Whether a refresh of the org's token happened for it (or it waited for one).
    pub refreshed: bool,
    /// Told about the request too, when set.
    pub observer: Option<Observer>,
}

impl RequestLog {
    /// A log line for a request that just arrived; `raw_path` may carry a query.
    pub fn new(method: &str, raw_path: &str, observer: Option<Observer>) -> Self {
        Self {
            observer,
            org: "-".into(),
            method: method.to_string(),
            path: paths::for_log(raw_path),
            started: Instant::now(),
            status: 0,
            latency: Duration::ZERO,
            refreshed: false,
        }
    }

    /// Writes the line: `complete` is false when the body stopped early (client gone, upstream
    /// broke).
    fn write(&self, bytes: u64, complete: bool) {
        tracing::info!(
            org = %self.org,
            method = %self.method,
            path = %self.path,
            status = self.status,
            latency_ms = %format_args!("{:.1}", self.latency.as_secs_f64() * 1000.0),
            duration_ms = self.started.elapsed().as_millis() as u64,
            bytes,
            refreshed = self.refreshed,
            complete,
            "proxy request"
        );
        if let Some(observer) = &self.observer {
            // The watcher may be gone (the TUI stopped watching): the proxy goes on.
            let _ = observer.send(Seen {
                org: self.org.clone(),
                method: self.method.clone(),
                path: self.path.clone(),
                status: self.status,
                latency_ms: u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX),
                refreshed: self.refreshed,
                complete,
            });
        }
    }
}

/// A response body that counts what goes through and logs the request once, when it ends or
/// is dropped.
pub struct Logged<B: Body> {
    inner: B,
    log: Option<RequestLog>,
    bytes: u64,
}

impl<B: Body> Logged<B> {
    /// Wraps `inner`; the log line is written when it ends.
    pub fn new(inner: B, log: RequestLog) -> Self {
        Self {
            inner,
            log: Some(log),
            bytes: 0,
        }
    }

    fn finish(&mut self, complete: bool) {
        if let Some(log) = self.log.take() {
            log.write(self.bytes, complete);
        }
    }
}

impl<B: Body> Drop for Logged<B> {
    fn drop(&mut self) {
        // Dropped before the end: the client went away or the connection broke (an empty
        // body is complete without ever being polled).
        let complete = self.inner.is_end_stream();
        self.finish(complete);
    }
}

impl<B> Body for Logged<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.bytes += data.len() as u64;
                }
                if self.inner.is_end_stream() {
                    self.finish(true);
                }
            }
            Poll::Ready(None) => self.finish(true),
            Poll::Ready(Some(Err(_))) => self.finish(false),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
