//! Time limits, as `--timeout` and `--idle-timeout` promise: a body (the client's or
//! Salesforce's) may send nothing for the idle timeout while it is read; an upload may take as
//! long as it keeps moving; once the request is all sent, Salesforce has the request timeout to
//! start answering. reqwest's own `read_timeout` runs from the start of the request instead,
//! so it would cut long uploads and late answers: the proxy does not use it. Also the proxy's
//! 408, 502 and 504 answers.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::{Response, StatusCode};

use super::body::{BoxError, ProxyBody, error_response};

/// The two limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long Salesforce may take to start answering once the request is sent.
    pub request: Duration,
    /// How long either side's body may send nothing.
    pub idle: Duration,
}

/// A body's source sent nothing for the idle timeout.
#[derive(Debug, thiserror::Error)]
#[error("nothing came for {:?} (the idle timeout)", .0)]
pub struct IdleTimeout(pub Duration);

/// How far an upload has come: when its last chunk went, and whether it ended.
#[derive(Debug)]
pub struct Progress(Mutex<(Instant, bool)>);

impl Progress {
    /// An upload that has not started yet.
    pub fn started() -> Self {
        Self(Mutex::new((Instant::now(), false)))
    }

    /// A body sent in one go (kept in memory), as good as ended now.
    pub fn ended() -> Self {
        Self(Mutex::new((Instant::now(), true)))
    }

    fn moved(&self, ended: bool) {
        let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *state = (Instant::now(), state.1 || ended);
    }

    /// When the wait for the answer ends (the idle limit after the last chunk of an upload
    /// still going, the request limit after the end of one that ended), and whether it ended.
    fn deadline(&self, limits: Limits) -> (tokio::time::Instant, bool) {
        let (at, ended) = *self.0.lock().unwrap_or_else(|p| p.into_inner());
        let wait = if ended { limits.request } else { limits.idle };
        (tokio::time::Instant::from_std(at + wait), ended)
    }
}

/// Sends `request` (whose body reports to `progress`) and waits for the answer's head within
/// the limits. `Err` is the proxy's own answer: 408 when the client's body went silent, 504
/// when Salesforce took too long, 502 when it could not be reached.
pub async fn send(
    request: reqwest::RequestBuilder,
    progress: &Progress,
    limits: Limits,
) -> Result<reqwest::Response, Response<ProxyBody>> {
    let send = request.send();
    tokio::pin!(send);
    loop {
        let (deadline, _) = progress.deadline(limits);
        tokio::select! {
            sent = &mut send => {
                return sent.map_err(|e| {
                    if caused_by_idle(&e) {
                        client_silent(limits.idle)
                    } else {
                        upstream_failed(&e, limits.request)
                    }
                });
            }
            () = tokio::time::sleep_until(deadline) => {
                // The upload may have moved or ended meanwhile: then wait on from there.
                let (due, ended) = progress.deadline(limits);
                if due <= tokio::time::Instant::now() {
                    return Err(if ended { timed_out(limits.request) } else { upstream_idle(limits.idle) });
                }
            }
        }
    }
}

/// The proxy's answer when reading the client's body failed.
pub fn client_body_failed(e: &BoxError, idle: Duration) -> Response<ProxyBody> {
    if e.is::<IdleTimeout>() {
        return client_silent(idle);
    }
    error_response(
        StatusCode::BAD_REQUEST,
        "SFKEY_PROXY_BAD_BODY",
        &format!("the request body could not be read: {e}"),
    )
}

/// The proxy's answer when reading Salesforce's body failed before anything was sent on.
pub fn answer_body_failed(e: &BoxError, limits: Limits) -> Response<ProxyBody> {
    if e.is::<IdleTimeout>() {
        return upstream_idle(limits.idle);
    }
    upstream_failed(&**e, limits.request)
}

/// Whether `e` or one of its causes is an [`IdleTimeout`] (the client's body, sent upstream).
fn caused_by_idle(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<IdleTimeout>() {
            return true;
        }
        cause = c.source();
    }
    false
}

fn client_silent(idle: Duration) -> Response<ProxyBody> {
    error_response(
        StatusCode::REQUEST_TIMEOUT,
        "SFKEY_PROXY_CLIENT_TIMEOUT",
        &format!("the request body stopped coming for {idle:?} (the idle timeout)"),
    )
}

fn upstream_idle(idle: Duration) -> Response<ProxyBody> {
    error_response(
        StatusCode::GATEWAY_TIMEOUT,
        "SFKEY_PROXY_TIMEOUT",
        &format!("the org's instance moved no data for {idle:?} (the idle timeout)"),
    )
}

/// 504 when Salesforce's answer took too long, 502 for any other failure to reach it.
fn upstream_failed(e: &(dyn std::error::Error + 'static), limit: Duration) -> Response<ProxyBody> {
    let reqwest_error = e.downcast_ref::<reqwest::Error>();
    if reqwest_error.is_some_and(reqwest::Error::is_timeout) {
        return timed_out(limit);
    }
    let what = if reqwest_error.is_some_and(reqwest::Error::is_connect) {
        "cannot connect to the org's instance"
    } else {
        "the org's instance did not answer properly"
    };
    // reqwest's message names the URL, never the headers; the chain says why.
    let mut detail = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    error_response(
        StatusCode::BAD_GATEWAY,
        "SFKEY_PROXY_UPSTREAM",
        &format!("{what}: {detail}"),
    )
}

fn timed_out(limit: Duration) -> Response<ProxyBody> {
    error_response(
        StatusCode::GATEWAY_TIMEOUT,
        "SFKEY_PROXY_TIMEOUT",
        &format!(
            "the org's instance did not answer within {} s",
            limit.as_secs()
        ),
    )
}

/// A body that fails with [`IdleTimeout`] when its source sends nothing for `limit` while it
/// is being read (time its reader spends elsewhere does not count), and tells `progress` of
/// each chunk.
pub struct Idle<B> {
    inner: B,
    limit: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
    armed: bool,
    progress: Option<Arc<Progress>>,
}

impl<B> Idle<B> {
    /// Wraps `inner`.
    pub fn new(inner: B, limit: Duration, progress: Option<Arc<Progress>>) -> Self {
        Self {
            inner,
            limit,
            timer: Box::pin(tokio::time::sleep(limit)),
            armed: false,
            progress,
        }
    }
}

impl<B> Body for Idle<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if !this.armed {
            // The wait starts now, not when the previous chunk was handed on.
            let deadline = tokio::time::Instant::now() + this.limit;
            this.timer.as_mut().reset(deadline);
            this.armed = true;
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(polled) => {
                this.armed = false;
                if let Some(progress) = &this.progress {
                    progress.moved(polled.is_none() || this.inner.is_end_stream());
                }
                Poll::Ready(polled.map(|frame| frame.map_err(Into::into)))
            }
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(IdleTimeout(this.limit))))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    /// A body fed through a channel.
    struct Channel(tokio::sync::mpsc::Receiver<Bytes>);

    impl Body for Channel {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            self.0.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
        }
    }

    #[tokio::test]
    async fn a_silent_source_times_out_and_a_slow_reader_does_not() {
        let limit = Duration::from_millis(200);
        let (_keep, silent) = tokio::sync::mpsc::channel::<Bytes>(1);
        let err = Idle::new(Channel(silent), limit, None)
            .collect()
            .await
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("nothing came for 200ms (the idle timeout)")
        );

        // Chunks that are there at once, read with long pauses: no timeout, progress noted.
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(2);
        tx.send(Bytes::from_static(b"ab")).await.unwrap();
        tx.send(Bytes::from_static(b"cd")).await.unwrap();
        drop(tx);
        let progress = Arc::new(Progress::started());
        let limits = Limits {
            request: limit * 10,
            idle: limit,
        };
        assert!(!progress.deadline(limits).1);
        let mut body = Idle::new(Channel(rx), limit, Some(Arc::clone(&progress)));
        for _ in 0..2 {
            tokio::time::sleep(limit * 3).await;
            assert!(body.frame().await.unwrap().is_ok());
        }
        assert!(body.frame().await.is_none());
        assert!(progress.deadline(limits).1, "the upload ended");
    }
}
