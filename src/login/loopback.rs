//! The local listener Salesforce redirects the browser to: `http://localhost:PORT/OauthRedirect`.
//! It accepts only that path with the right `state`; anything else gets an error page and the
//! wait goes on, so a stray request never ends a login. The port is freed on every path out.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::LoginError;

/// The path of the redirect, as the Salesforce CLI's connected app registers it.
pub const REDIRECT_PATH: &str = "/OauthRedirect";
/// The Salesforce CLI's port, which its `PlatformCLI` app's callback URL names.
pub const DEFAULT_PORT: u16 = 1717;
/// The longest request head read from the browser.
const MAX_HEAD: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The authorization code from the redirect (a secret until exchanged).
pub struct AuthCode(pub SecretString);

impl fmt::Debug for AuthCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthCode(<hidden>)")
    }
}

/// A bound listener on 127.0.0.1 (and [::1] when it can), waiting for one redirect.
#[derive(Debug)]
pub struct Loopback {
    listener: TcpListener,
    /// `localhost` may resolve to ::1 first: listen there too, so no browser gets "refused".
    listener_v6: Option<TcpListener>,
    port: u16,
}

impl Loopback {
    /// Binds 127.0.0.1:`port`; a taken port is reported with what to do.
    pub async fn bind(port: u16) -> Result<Self, LoginError> {
        let listener = match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => listener,
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                return Err(LoginError::PortInUse(port));
            }
            Err(e) => return Err(LoginError::Listen(port, e.to_string())),
        };
        let port = listener
            .local_addr()
            .map_err(|e| LoginError::Listen(port, e.to_string()))?
            .port();
        let listener_v6 = TcpListener::bind(("::1", port)).await.ok();
        Ok(Self {
            listener,
            listener_v6,
            port,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://localhost:PORT/OauthRedirect`: must match the connected app's callback URL.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}{REDIRECT_PATH}", self.port)
    }

    /// Waits for the redirect with `state`, until `timeout` or until `cancelled` completes.
    /// The listener is dropped (the port freed) whatever happens.
    pub async fn wait_for_code(
        self,
        state: &str,
        timeout: Duration,
        cancelled: impl Future<Output = ()>,
    ) -> Result<AuthCode, LoginError> {
        let (tx, mut rx) = mpsc::unbounded_channel::<Result<AuthCode, LoginError>>();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        tokio::pin!(cancelled);
        let result = loop {
            tokio::select! {
                accepted = accept(&self.listener, self.listener_v6.as_ref()) => {
                    let Ok((stream, _)) = accepted else {
                        // Out of file handles, say: pause rather than spin until the timeout.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    };
                    // Each connection on its own: a browser's idle pre-connection must not
                    // hold up the real redirect.
                    let tx = tx.clone();
                    let state = state.to_string();
                    tokio::spawn(async move {
                        if let Some(outcome) = serve(stream, &state).await {
                            let _ = tx.send(outcome);
                        }
                    });
                }
                Some(outcome) = rx.recv() => break outcome,
                () = &mut deadline => break Err(LoginError::TimedOut(timeout)),
                () = &mut cancelled => break Err(LoginError::Cancelled),
            }
        };
        drop(self.listener);
        drop(self.listener_v6);
        result
    }
}

/// The next connection on either listener.
pub(super) async fn accept(
    v4: &TcpListener,
    v6: Option<&TcpListener>,
) -> io::Result<(TcpStream, SocketAddr)> {
    match v6 {
        Some(v6) => tokio::select! {
            accepted = v4.accept() => accepted,
            accepted = v6.accept() => accepted,
        },
        None => v4.accept().await,
    }
}

/// What a redirect request amounts to.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Not the redirect path: 404, keep waiting.
    NotFound,
    /// The redirect path without the right `state`: 400, keep waiting.
    WrongState,
    /// Salesforce sent an error back (the user denied, the app is blocked, ...).
    Error(String, Option<String>),
    /// The code.
    Code(String),
    /// The right state but neither code nor error.
    Incomplete,
}

fn judge(target: &str, state: &str) -> Verdict {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != REDIRECT_PATH {
        return Verdict::NotFound;
    }
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    if get("state").as_deref() != Some(state) {
        return Verdict::WrongState;
    }
    if let Some(error) = get("error") {
        return Verdict::Error(error, get("error_description"));
    }
    match get("code") {
        Some(code) if !code.is_empty() => Verdict::Code(code),
        _ => Verdict::Incomplete,
    }
}

/// Reads one request, answers it, and says whether it ends the wait.
async fn serve(mut stream: TcpStream, state: &str) -> Option<Result<AuthCode, LoginError>> {
    let head = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream))
        .await
        .ok()?
        .ok()?;
    let request_line = head.lines().next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let verdict = if method == "GET" {
        judge(target, state)
    } else {
        Verdict::NotFound
    };
    let (status, title, text, outcome) = match verdict {
        Verdict::NotFound => (
            "404 Not Found",
            "Not found",
            "sfkey is waiting for Salesforce's redirect to /OauthRedirect.",
            None,
        ),
        Verdict::WrongState => (
            "400 Bad Request",
            "Not this login",
            "This redirect does not belong to the login sfkey is waiting for (its state does not match). sfkey goes on waiting.",
            None,
        ),
        Verdict::Incomplete => (
            "400 Bad Request",
            "No code",
            "The redirect carries neither a code nor an error. sfkey goes on waiting.",
            None,
        ),
        Verdict::Error(error, description) => (
            "200 OK",
            "Login failed",
            "Salesforce did not grant access. Go back to the terminal to see why; you can close this tab.",
            Some(Err(LoginError::Denied { error, description })),
        ),
        Verdict::Code(code) => (
            "200 OK",
            "Logged in",
            "sfkey got the authorization. You can close this tab and go back to the terminal.",
            Some(Ok(AuthCode(SecretString::from(code)))),
        ),
    };
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>sfkey: {title}</title></head>\n<body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>\n"
    );
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
    outcome
}

pub(super) async fn read_head(stream: &mut TcpStream) -> io::Result<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() >= MAX_HEAD {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_redirect_path_with_the_right_state_counts() {
        assert_eq!(judge("/favicon.ico", "s1"), Verdict::NotFound);
        assert_eq!(
            judge("/OauthRedirect?code=c&state=s2", "s1"),
            Verdict::WrongState
        );
        assert_eq!(judge("/OauthRedirect?code=c", "s1"), Verdict::WrongState);
        assert_eq!(
            judge("/OauthRedirect?code=aPrx%3D%3D&state=s1", "s1"),
            Verdict::Code("aPrx==".into())
        );
        assert_eq!(
            judge(
                "/OauthRedirect?error=access_denied&error_description=end-user+denied+authorization&state=s1",
                "s1"
            ),
            Verdict::Error(
                "access_denied".into(),
                Some("end-user denied authorization".into())
            )
        );
        assert_eq!(judge("/OauthRedirect?state=s1", "s1"), Verdict::Incomplete);
    }

    /// Sends one GET to `addr` and returns the status line.
    async fn get(addr: (&str, u16), target: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await.unwrap();
        reply.lines().next().unwrap_or_default().to_string()
    }

    #[test]
    fn the_redirect_is_taken_on_ipv6_too_after_stray_requests() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let loopback = Loopback::bind(0).await.unwrap();
            let port = loopback.port();
            // Where [::1] cannot be bound (IPv6 off), the IPv4 listener alone must do.
            let host = if loopback.listener_v6.is_some() {
                "::1"
            } else {
                "127.0.0.1"
            };
            let browser = tokio::spawn(async move {
                let idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                let stray = get((host, port), "/OauthRedirect?code=x&state=other").await;
                let done = get((host, port), "/OauthRedirect?code=c0de&state=s1").await;
                drop(idle);
                (stray, done)
            });
            let code = loopback
                .wait_for_code("s1", Duration::from_secs(10), std::future::pending())
                .await
                .unwrap();
            let (stray, done) = browser.await.unwrap();
            assert_eq!(stray, "HTTP/1.1 400 Bad Request");
            assert_eq!(done, "HTTP/1.1 200 OK");
            assert_eq!(secrecy::ExposeSecret::expose_secret(&code.0), "c0de");
        });
    }

    #[test]
    fn a_code_is_hidden_from_debug() {
        let code = AuthCode(SecretString::from("aPrxSECRETCODE"));
        assert!(!format!("{code:?}").contains("SECRET"));
    }
}
