//! A loopback HTTP server that answers like Salesforce's token endpoint: the seed's fields and
//! headers, gzip-compressed and chunked, with rotation and every error on demand. It backs the
//! integration tests, the benchmarks and the hidden `sfkey fake-server`; it never leaves
//! 127.0.0.1.

mod api;
mod faults;
mod frontdoor;
mod login;
mod other_grants;
mod rest;
mod token_answer;
mod wire;

use std::collections::HashMap;
use std::io::{self, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

pub use api::{FAKE_USERNAME, SESSION_SECONDS};
pub use faults::{BOMB_DECODED, HUGE_BODY, REDIRECT_LOCATION};
pub use login::{DeviceScript, LOGIN_REFRESH_PREFIX, LoginClient};
pub use other_grants::{ClientCredentialsApp, JwtApp};
pub use rest::API_VERSION;
pub use token_answer::sign;
use token_answer::{random_hex, token_fields};
pub use wire::http_date;
use wire::{html, json_reply, read_request};

/// The org id and user id the fake server hands out in `id` URLs.
pub const FAKE_ORG_ID: &str = "00D5g000004FAKEEAA";
/// See [`FAKE_ORG_ID`].
pub const FAKE_USER_ID: &str = "0055g00000FAKEUAAQ";
/// Every access token the fake server issues starts with this, so tests can scan for leaks.
pub const ACCESS_TOKEN_PREFIX: &str = "00D5g000004FAKE!AR";
/// Every refresh token the fake server rotates to starts with this.
pub const ROTATED_REFRESH_PREFIX: &str = "5Aep861FAKEROTATED";

/// How the fake answers a refresh with a given refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// A token answer like the seed's sample.
    Ok,
    /// A token answer with a new `refresh_token`; the old one stops working.
    Rotate,
    /// HTTP `status` with Salesforce's `{"error","error_description"}`.
    Error {
        /// HTTP status (400 for every OAuth error).
        status: u16,
        /// `error`.
        error: String,
        /// `error_description`.
        description: String,
    },
    /// Salesforce's "down for maintenance" HTML page with HTTP 503.
    Maintenance,
    /// HTTP 200, `application/json`, a body that is not JSON.
    Garbage,
    /// Reads the request, then closes the connection without answering.
    Hangup,
    /// A hybrid-app answer: Lightning and Visualforce session ids, a CSRF token, and two
    /// `Set-Cookie` headers with another header between them.
    Hybrid,
    /// HTTP 200 with a new `refresh_token` but no `access_token`.
    RefreshTokenOnly,
    /// HTTP 302 to [`REDIRECT_LOCATION`].
    Redirect,
    /// Headers and part of the body, then the connection closes.
    ResetMidBody,
    /// A 50 MB JSON body ([`HUGE_BODY`]).
    Huge,
    /// A gzip body of about 64 KB that decodes to [`BOMB_DECODED`] bytes.
    GzipBomb,
    /// `invalid_grant` / `token request is already being processed` this many times, then a
    /// rotated token as with [`Behaviour::Rotate`].
    Busy(u32),
    /// A token answer whose `signature` was made with another client secret.
    BadSignature,
    /// A rotating answer ([`Behaviour::Rotate`]) with these string fields added or replaced,
    /// and a header of this name and value: what a hostile server or proxy sends.
    Hostile {
        /// Fields added to the answer, or replacing its own.
        fields: Vec<(String, String)>,
        /// One more header line.
        header: (String, String),
    },
}

/// A refresh token the fake accepts and what it does with it.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The client id that must come with it.
    pub client_id: String,
    /// The client secret that must come with it (`None`: the app has none).
    pub client_secret: Option<String>,
    /// The answer.
    pub behaviour: Behaviour,
    /// Wait this long before answering.
    pub delay: Duration,
}

impl Grant {
    /// A plain grant that answers with a token.
    pub fn new(client_id: &str, client_secret: Option<&str>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.map(str::to_string),
            behaviour: Behaviour::Ok,
            delay: Duration::ZERO,
        }
    }

    /// The same grant with another behaviour.
    pub fn with(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// The same grant, answering after `delay`.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// One request the fake received, for assertions.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `POST`.
    pub method: String,
    /// The path, e.g. `/partners/services/oauth2/token`.
    pub path: String,
    /// Request headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The decoded form fields in order.
    pub form: Vec<(String, String)>,
    /// The body's first MiB.
    pub body: Vec<u8>,
    /// The body's whole length.
    pub body_len: u64,
}

impl RecordedRequest {
    /// A request header by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    grants: HashMap<String, Grant>,
    /// When set, unknown refresh tokens get this grant (benchmarks).
    accept_any: Option<Grant>,
    requests: Vec<RecordedRequest>,
    issued: Vec<String>,
    /// Access tokens expired on purpose: the API answers them with 401.
    expired: Vec<String>,
    /// Each issued access token's refresh token, client and issue time (introspect, revoke).
    origins: HashMap<String, api::Origin>,
    login: login::LoginState,
    frontdoor: frontdoor::FrontdoorState,
    /// JWT bearer and client credentials apps.
    apps: other_grants::AppState,
}

struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
    /// Connections accepted so far (keep-alive tests).
    connections: AtomicUsize,
    base_url: String,
    /// Acceptor threads waiting in `accept`, and all of them (see [`acceptor`]).
    idle: AtomicUsize,
    acceptors: AtomicUsize,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running fake; stops when dropped.
pub struct FakeSalesforce {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FakeSalesforce {
    /// Starts on a free port of 127.0.0.1.
    pub fn start() -> io::Result<Self> {
        Self::bind("127.0.0.1:0")
    }

    /// Starts on the given loopback address.
    pub fn bind(addr: &str) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            return Err(io::Error::other(
                "the fake Salesforce listens on loopback only",
            ));
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            base_url: format!("http://{addr}"),
            idle: AtomicUsize::new(0),
            acceptors: AtomicUsize::new(0),
        });
        let listener = Arc::new(listener);
        for _ in 0..ACCEPTORS {
            start_acceptor(&listener, &shared)?;
        }
        Ok(Self { addr, shared })
    }

    /// `http://127.0.0.1:PORT`: use it as an org's login URL.
    pub fn url(&self) -> &str {
        &self.shared.base_url
    }

    /// Accepts `refresh_token` from now on.
    pub fn add_grant(&self, refresh_token: &str, grant: Grant) {
        self.shared
            .state()
            .grants
            .insert(refresh_token.into(), grant);
    }

    /// Answers every unknown refresh token with `grant` (for benchmarks).
    pub fn accept_any(&self, grant: Grant) {
        self.shared.state().accept_any = Some(grant);
    }

    /// Whether `refresh_token` is currently accepted.
    pub fn is_live(&self, refresh_token: &str) -> bool {
        self.shared.state().grants.contains_key(refresh_token)
    }

    /// The refresh tokens currently accepted.
    pub fn live_refresh_tokens(&self) -> Vec<String> {
        self.shared.state().grants.keys().cloned().collect()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// How many token requests (refreshes) arrived so far.
    pub fn token_requests(&self) -> usize {
        let state = self.shared.state();
        let token = |r: &&RecordedRequest| r.path.ends_with("/services/oauth2/token");
        state.requests.iter().filter(token).count()
    }

    /// How many connections clients opened so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The requests to the REST API (`/services/data/...`) so far.
    pub fn rest_requests(&self) -> Vec<RecordedRequest> {
        let state = self.shared.state();
        let rest = |r: &&RecordedRequest| r.path.starts_with("/services/data");
        state.requests.iter().filter(rest).cloned().collect()
    }

    /// Ends every access token issued so far, as a session timeout would: the API answers 401.
    pub fn expire_access_tokens(&self) {
        let mut state = self.shared.state();
        let issued = state.issued.clone();
        state.expired.extend(issued);
    }

    /// Every access and refresh token issued so far.
    pub fn issued_secrets(&self) -> Vec<String> {
        self.shared.state().issued.clone()
    }

    /// Answers `/services/oauth2/singleaccess` with 404 from now on, as an org without it.
    pub fn without_single_access(&self) {
        self.shared.state().frontdoor.no_single_access = true;
    }
}

impl Drop for FakeSalesforce {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake every acceptor blocked in `accept` so its thread can end.
        for _ in 0..self.shared.acceptors.load(Ordering::SeqCst) {
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        }
    }
}

/// Acceptor threads started with the server.
const ACCEPTORS: usize = 2;

fn start_acceptor(listener: &Arc<TcpListener>, shared: &Arc<Shared>) -> io::Result<()> {
    let (listener, shared) = (Arc::clone(listener), Arc::clone(shared));
    shared.acceptors.fetch_add(1, Ordering::SeqCst);
    let started = thread::Builder::new()
        .name("fake-salesforce".into())
        .spawn({
            let shared = Arc::clone(&shared);
            move || acceptor(&listener, &shared)
        });
    if started.is_err() {
        shared.acceptors.fetch_sub(1, Ordering::SeqCst);
    }
    started.map(|_| ())
}

/// Accepts a connection and serves it on the same thread, then accepts again; a new acceptor
/// starts only when none is left waiting. A thread started after each accept put a thread
/// start in every request's path: curl took about 1 ms longer against `sfkey fake-server`
/// than against a plain Python server, which flattered sfkey's ratio to curl in benches/cli.sh.
fn acceptor(listener: &Arc<TcpListener>, shared: &Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        shared.idle.fetch_add(1, Ordering::SeqCst);
        let accepted = listener.accept();
        let idle_now = shared.idle.fetch_sub(1, Ordering::SeqCst) - 1;
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok((stream, _)) = accepted else { continue };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        if idle_now == 0 {
            let _ = start_acceptor(listener, shared);
        }
        serve_connection(stream, shared);
    }
    shared.acceptors.fetch_sub(1, Ordering::SeqCst);
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    // Keep-alive: serve requests until the client closes.
    while let Ok(Some(request)) = read_request(&mut reader) {
        let close = request
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        shared.state().requests.push(request.clone());
        let gzip = request
            .header("accept-encoding")
            .is_some_and(|e| e.to_ascii_lowercase().contains("gzip"));
        let reply = match rest::answer(&request, shared, gzip) {
            Some(rest::Reply::Large(len)) => {
                if rest::write_large(&mut writer, len).is_err() || close {
                    break;
                }
                continue;
            }
            Some(rest::Reply::Bytes(reply)) => reply,
            None => match answer(&request, shared, gzip) {
                Some(reply) => reply,
                None => break,
            },
        };
        if writer
            .write_all(&reply)
            .and_then(|()| writer.flush())
            .is_err()
            || close
            || faults::closes(&reply)
        {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// The bytes to send back; `None` hangs up.
fn answer(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Option<Vec<u8>> {
    if let Some(reply) = login::answer(request, shared, gzip) {
        return Some(reply);
    }
    if let Some(reply) = other_grants::answer(request, shared, gzip) {
        return Some(reply);
    }
    if let Some(reply) = api::answer(request, shared, gzip) {
        return Some(reply);
    }
    if request.method != "POST" || !request.path.ends_with("/services/oauth2/token") {
        return Some(html(404, "Not Found", "URL No Longer Exists"));
    }
    let mut cookies = false;
    let (status, body) = match decide(request, shared) {
        Decision::Token(fields, hybrid, delay, Some((name, value))) => {
            thread::sleep(delay);
            let mut reply = json_reply(200, &fields, gzip, hybrid);
            // Right after the status line, as any other header.
            let at = reply
                .windows(2)
                .position(|w| w == b"\r\n")
                .map_or(0, |i| i + 2);
            let line = format!("{name}: {value}\r\n");
            reply.splice(at..at, line.into_bytes());
            return Some(reply);
        }
        Decision::Token(fields, hybrid, delay, None) => {
            thread::sleep(delay);
            cookies = hybrid;
            (200, fields)
        }
        Decision::Hangup(delay) => {
            thread::sleep(delay);
            return None;
        }
        Decision::Error(status, error, description, delay) => {
            thread::sleep(delay);
            let body = serde_json::json!({"error": error, "error_description": description});
            (status, body.to_string())
        }
        Decision::Maintenance(delay) => {
            thread::sleep(delay);
            return Some(html(
                503,
                "Service Unavailable",
                "We are down for maintenance.",
            ));
        }
        Decision::Garbage(delay) => {
            thread::sleep(delay);
            (200, "{\"access_token\": \"00D5g0<html>oops".to_string())
        }
        Decision::Fault(fault, delay) => {
            thread::sleep(delay);
            return Some(faults::reply(&fault));
        }
    };
    Some(json_reply(status, &body, gzip, cookies))
}

enum Decision {
    /// Fields, whether it is a hybrid answer, delay, one more header.
    Token(String, bool, Duration, Option<(String, String)>),
    Hangup(Duration),
    Error(u16, String, String, Duration),
    Maintenance(Duration),
    Garbage(Duration),
    /// A wire-level fault from `faults.rs`.
    Fault(Behaviour, Duration),
}

fn oauth_error(error: &str, description: &str, delay: Duration) -> Decision {
    Decision::Error(400, error.into(), description.into(), delay)
}

fn decide(request: &RecordedRequest, shared: &Shared) -> Decision {
    if request.field("grant_type") != Some("refresh_token") {
        return oauth_error(
            "unsupported_grant_type",
            "grant type not supported",
            Duration::ZERO,
        );
    }
    let refresh_token = request
        .field("refresh_token")
        .unwrap_or_default()
        .to_string();
    let mut state = shared.state();
    let grant = match state.grants.get(&refresh_token) {
        Some(g) => g.clone(),
        None => match &state.accept_any {
            Some(g) => g.clone(),
            None => {
                return oauth_error(
                    "invalid_grant",
                    "expired access/refresh token",
                    Duration::ZERO,
                );
            }
        },
    };
    let delay = grant.delay;
    if request.field("client_id") != Some(grant.client_id.as_str()) {
        return oauth_error("invalid_client_id", "client identifier invalid", delay);
    }
    let sent_secret = request.field("client_secret").filter(|s| !s.is_empty());
    if sent_secret != grant.client_secret.as_deref() {
        return oauth_error("invalid_client", "invalid client credentials", delay);
    }
    match &grant.behaviour {
        Behaviour::Error {
            status,
            error,
            description,
        } => Decision::Error(*status, error.clone(), description.clone(), delay),
        Behaviour::Maintenance => Decision::Maintenance(delay),
        Behaviour::Garbage => Decision::Garbage(delay),
        Behaviour::Hangup => Decision::Hangup(delay),
        Behaviour::Redirect | Behaviour::ResetMidBody | Behaviour::Huge | Behaviour::GzipBomb => {
            Decision::Fault(grant.behaviour.clone(), delay)
        }
        Behaviour::Busy(times) => {
            let next = match times {
                0 | 1 => Behaviour::Rotate,
                n => Behaviour::Busy(n - 1),
            };
            state.grants.insert(refresh_token, grant.clone().with(next));
            oauth_error(
                "invalid_grant",
                "token request is already being processed",
                delay,
            )
        }
        Behaviour::Ok
        | Behaviour::Rotate
        | Behaviour::Hybrid
        | Behaviour::RefreshTokenOnly
        | Behaviour::BadSignature
        | Behaviour::Hostile { .. } => {
            let rotates = matches!(
                grant.behaviour,
                Behaviour::Rotate | Behaviour::RefreshTokenOnly | Behaviour::Hostile { .. }
            );
            let rotated = rotates.then(|| {
                let new_token = format!("{ROTATED_REFRESH_PREFIX}{}", random_hex(24));
                // The old token dies at once, as with Salesforce's rotation.
                state.grants.remove(&refresh_token);
                state.grants.insert(new_token.clone(), grant.clone());
                state.issued.push(new_token.clone());
                api::rotated(&mut state, &refresh_token, &new_token);
                new_token
            });
            let access_token = (grant.behaviour != Behaviour::RefreshTokenOnly)
                .then(|| format!("{ACCESS_TOKEN_PREFIX}{}", random_hex(48)));
            state.issued.extend(access_token.clone());
            if let Some(access) = &access_token {
                let from = rotated.as_deref().unwrap_or(&refresh_token);
                api::issued(&mut state, access, from, &grant);
            }
            drop(state);
            let hybrid = grant.behaviour == Behaviour::Hybrid;
            let mut signing_secret = grant.client_secret.clone().unwrap_or_default();
            if grant.behaviour == Behaviour::BadSignature {
                signing_secret.push_str("-not-the-real-one");
            }
            let mut fields = token_fields(
                &shared.base_url,
                access_token.as_deref(),
                rotated.as_deref(),
                &signing_secret,
                hybrid,
            );
            let mut header = None;
            if let Behaviour::Hostile {
                fields: extra,
                header: line,
            } = &grant.behaviour
            {
                fields = token_answer::with_fields(&fields, extra);
                header = Some(line.clone());
            }
            Decision::Token(fields, hybrid, delay, header)
        }
    }
}
