//! The accept loop (HTTP/1.1 with keep-alive, an idle timeout, graceful shutdown that finishes
//! requests in flight) and the checks every request passes before it is forwarded.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::auth::{OriginCheck, carries_token, check_origin, host_allowed};
use super::body::{ProxyBody, error_response};
use super::forward::{Upstream, forward};
use super::log::{Logged, RequestLog};
use super::paths::{self, PathError};
use super::session::OrgSession;

/// How long shutting down waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// What every connection shares.
pub struct Shared {
    /// The served orgs by name.
    pub sessions: Vec<Arc<OrgSession>>,
    /// `Host` values that name the proxy.
    pub allowed_hosts: Vec<String>,
    /// Origins given with `--allow-origin`.
    pub allow_origins: Vec<String>,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Clients and limits for Salesforce.
    pub upstream: Upstream,
    /// How long a client connection may sit idle, or take to send its headers.
    pub idle_timeout: Duration,
    /// Told about every request as it ends, when set.
    pub observer: Option<super::log::Observer>,
}

/// Serves connections from `listener` until `shutdown` completes, then lets requests in flight
/// finish (up to [`SHUTDOWN_GRACE`]).
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!("proxy: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let idle = shared.idle_timeout;
        let for_service = Arc::clone(&shared);
        let service = service_fn(move |request| handle(Arc::clone(&for_service), request));
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            // Also ends keep-alive connections that sit idle this long.
            .header_read_timeout(idle)
            .serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that breaks its connection is no news.
            let _ = watched.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("proxy: requests still running after the grace period were cut");
    }
}

/// One request: the proxy's own checks, then forwarding.
async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<ProxyBody>, Infallible> {
    let raw_path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let mut log = RequestLog::new(
        request.method().as_str(),
        &raw_path,
        shared.observer.clone(),
    );
    let origin = check_origin(request.headers(), &shared.allow_origins);
    let mut response = match checked(&shared, &request, &origin, &mut log) {
        Err(refused) => *refused,
        Ok((session, rest)) => {
            let proxy_base = format!(
                "{}/{}",
                shared.base_url,
                paths::encode_org(&session.org.name)
            );
            let (parts, body) = request.into_parts();
            forward(
                &shared.upstream,
                &session,
                parts,
                body,
                &rest,
                &proxy_base,
                &mut log,
            )
            .await
        }
    };
    if let OriginCheck::Allowed(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    if log.status == 0 {
        // Answered by the proxy itself: log it the same way.
        log.status = response.status().as_u16();
        log.latency = log.started.elapsed();
        let (parts, body) = response.into_parts();
        let body = http_body_util::BodyExt::boxed_unsync(Logged::new(body, log));
        response = Response::from_parts(parts, body);
    }
    Ok(response)
}

/// The checks before forwarding; `Err` is the proxy's own answer.
fn checked(
    shared: &Shared,
    request: &Request<Incoming>,
    origin: &OriginCheck,
    log: &mut RequestLog,
) -> Result<(Arc<OrgSession>, String), Box<Response<ProxyBody>>> {
    let headers = request.headers();
    if !host_allowed(headers, &shared.allowed_hosts) {
        return Err(Box::new(error_response(
            StatusCode::MISDIRECTED_REQUEST,
            "SFKEY_PROXY_HOST",
            &format!(
                "the Host header must name this proxy ({}); requests for other names are refused",
                shared.allowed_hosts.join(" or ")
            ),
        )));
    }
    match origin {
        OriginCheck::Refused => {
            return Err(Box::new(error_response(
                StatusCode::FORBIDDEN,
                "SFKEY_PROXY_ORIGIN",
                "requests from web pages (with an Origin header) are refused; start the proxy with --allow-origin ORIGIN to let one in",
            )));
        }
        OriginCheck::Allowed(_)
            if request.method() == Method::OPTIONS
                && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) =>
        {
            return Err(Box::new(preflight(headers)));
        }
        _ => {}
    }
    let target = paths::split(request.uri()).map_err(|e| {
        let status = match e {
            PathError::NoOrg => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        };
        Box::new(error_response(status, "SFKEY_PROXY_PATH", &e.to_string()))
    })?;
    let session = shared
        .sessions
        .iter()
        .find(|s| s.org.name == target.org)
        .ok_or_else(|| {
            Box::new(error_response(
                StatusCode::NOT_FOUND,
                "SFKEY_PROXY_UNKNOWN_ORG",
                &format!("this proxy serves no org named {:?}", target.org),
            ))
        })?;
    log.org = session.org.name.clone();
    log.path = paths::for_log(&target.rest);
    if !carries_token(headers, &session.proxy_token) {
        let mut refused = error_response(
            StatusCode::UNAUTHORIZED,
            "SFKEY_PROXY_TOKEN",
            "send this org's proxy token (printed by sfkey proxy) as Authorization: Bearer TOKEN",
        );
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"sfkey proxy\""),
        );
        return Err(Box::new(refused));
    }
    Ok((Arc::clone(session), target.rest))
}

/// The answer to a CORS preflight from an allowed origin (it carries no credentials).
fn preflight(headers: &hyper::HeaderMap) -> Response<ProxyBody> {
    let mut response = Response::new(super::body::full(""));
    *response.status_mut() = StatusCode::NO_CONTENT;
    let out = response.headers_mut();
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"),
    );
    let asked = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("Authorization, Content-Type"));
    out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    response
}
