//! A loopback HTTP server that answers like Salesforce's token endpoint: the seed's fields and
//! headers, gzip-compressed and chunked, with rotation and every error on demand. It backs the
//! integration tests, the benchmarks and the hidden `sfkey fake-server`; it never leaves
//! 127.0.0.1.

mod api;
mod faults;
mod frontdoor;
mod login;
mod other_grants;
mod refresh_grant;
mod rest;
mod server;
mod token_answer;
mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use api::{FAKE_USERNAME, SESSION_SECONDS};
pub use faults::{BOMB_DECODED, HUGE_BODY, REDIRECT_LOCATION};
pub use login::{DeviceScript, LOGIN_REFRESH_PREFIX, LoginClient};
pub use other_grants::{ClientCredentialsApp, JwtApp};
pub use rest::API_VERSION;
pub use token_answer::sign;
pub use wire::http_date;

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
