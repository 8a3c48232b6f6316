//! The running fake: starting and stopping it, what tests ask it, and the acceptor threads that
//! read requests and send the answers.

use std::io::{self, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use super::wire::read_request;
use super::{FakeSalesforce, Grant, RecordedRequest, Shared, State, faults, refresh_grant, rest};

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
            None => match refresh_grant::answer(&request, shared, gzip) {
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
