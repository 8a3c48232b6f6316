//! Bodies between the client and Salesforce: the proxy's one answer body type, a JSON error
//! body, and a body whose first chunks were already read (to buffer for replay, or to look at
//! a 401) followed by the rest of the stream.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};

/// Any error of a body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// What the proxy answers with.
pub type ProxyBody = UnsyncBoxBody<Bytes, BoxError>;

/// A whole body.
pub fn full(bytes: impl Into<Bytes>) -> ProxyBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// The proxy's own error answer, shaped like Salesforce's REST errors so clients show it:
/// `[{"errorCode":"SFKEY_PROXY_...","message":"..."}]`.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response<ProxyBody> {
    let body = serde_json::json!([{ "errorCode": code, "message": message }]).to_string();
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

/// Chunks already read, then the rest of `inner`.
pub struct Prefixed<B> {
    prefix: VecDeque<Bytes>,
    inner: B,
}

impl<B> Prefixed<B> {
    /// `prefix` first, then whatever `inner` still has.
    pub fn new(prefix: VecDeque<Bytes>, inner: B) -> Self {
        Self { prefix, inner }
    }
}

impl<B> Body for Prefixed<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        if let Some(chunk) = self.prefix.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.prefix.is_empty() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let already: u64 = self.prefix.iter().map(|c| c.len() as u64).sum();
        let rest = self.inner.size_hint();
        let mut hint = SizeHint::new();
        hint.set_lower(rest.lower() + already);
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper + already);
        }
        hint
    }
}

/// What reading the start of a body found.
pub enum Start<B> {
    /// The whole body, at most `limit` bytes.
    Whole(Bytes),
    /// More than `limit`: what was read, and the rest still to come.
    Longer(Prefixed<B>),
}

/// Reads a body until it ends or passes `limit` bytes; trailers are dropped.
pub async fn read_start<B>(mut body: B, limit: usize) -> Result<Start<B>, B::Error>
where
    B: Body<Data = Bytes> + Unpin,
{
    let mut chunks = VecDeque::new();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        len += data.len();
        chunks.push_back(data);
        if len > limit {
            return Ok(Start::Longer(Prefixed::new(chunks, body)));
        }
    }
    let mut whole = Vec::with_capacity(len);
    for chunk in chunks {
        whole.extend_from_slice(&chunk);
    }
    Ok(Start::Whole(Bytes::from(whole)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body that arrives in these chunks.
    fn chunks(parts: &[&'static str]) -> Prefixed<http_body_util::Empty<Bytes>> {
        let parts = parts.iter().map(|p| Bytes::from_static(p.as_bytes()));
        Prefixed::new(parts.collect(), http_body_util::Empty::new())
    }

    #[tokio::test]
    async fn a_short_body_is_read_whole_and_a_long_one_keeps_every_byte() {
        match read_start(chunks(&["ab", "cd"]), 4).await.unwrap() {
            Start::Whole(b) => assert_eq!(&b[..], b"abcd"),
            Start::Longer(_) => panic!("4 bytes fit a limit of 4"),
        }
        match read_start(chunks(&["ab", "cd", "ef", "gh"]), 3)
            .await
            .unwrap()
        {
            Start::Whole(_) => panic!("8 bytes do not fit a limit of 3"),
            Start::Longer(rest) => {
                let all = rest.collect().await.unwrap().to_bytes();
                assert_eq!(&all[..], b"abcdefgh");
            }
        }
    }
}
