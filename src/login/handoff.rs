//! Handing a URL that holds a session to the browser without putting it in anyone's argv (where
//! `ps` and process accounting see it): the browser is started on a one-time loopback address
//! (`http://127.0.0.1:PORT/open/NONCE`), and that address answers once with a redirect to the
//! real URL, then closes.

use std::io;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::loopback::read_head;
use super::pkce::random_urlsafe;

/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A loopback address that redirects once to a secret URL.
#[derive(Debug)]
pub struct Handoff {
    listener: TcpListener,
    path: String,
    /// The address to open: a nonce, worthless once used or once sfkey stops waiting.
    pub local_url: String,
}

/// How a hand-off ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Handed {
    /// The browser came and was redirected.
    Done,
    /// Nobody came within the time.
    TimedOut,
}

impl Handoff {
    /// Binds 127.0.0.1 on a free port under a random path.
    pub async fn bind() -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let nonce = random_urlsafe(24).map_err(|e| io::Error::other(e.to_string()))?;
        let path = format!("/open/{nonce}");
        Ok(Self {
            local_url: format!("http://127.0.0.1:{port}{path}"),
            listener,
            path,
        })
    }

    /// Serves the redirect to `target` once, to the first request for the right path, or
    /// gives up after `timeout`. Other paths get 404 and the wait goes on.
    pub async fn serve_once(self, target: &SecretString, timeout: Duration) -> Handed {
        let (tx, mut rx) = mpsc::unbounded_channel::<()>();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let Ok((stream, _)) = accepted else {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    };
                    let tx = tx.clone();
                    let path = self.path.clone();
                    let target = target.clone();
                    tokio::spawn(async move {
                        if answer(stream, &path, &target).await {
                            let _ = tx.send(());
                        }
                    });
                }
                Some(()) = rx.recv() => return Handed::Done,
                () = &mut deadline => return Handed::TimedOut,
            }
        }
    }
}

/// Answers one connection; true when it was the hand-off.
async fn answer(mut stream: TcpStream, path: &str, target: &SecretString) -> bool {
    let Ok(Ok(head)) = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await else {
        return false;
    };
    let mut parts = head.lines().next().unwrap_or_default().split_whitespace();
    let matches = parts.next() == Some("GET") && parts.next() == Some(path);
    let reply = if matches {
        // no-store and no-referrer: the session URL stays out of caches and Referer headers.
        format!(
            "HTTP/1.1 302 Found\r\nLocation: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            target.expose_secret()
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
    };
    let sent = stream.write_all(reply.as_bytes()).await.is_ok();
    let _ = stream.shutdown().await;
    matches && sent
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// `127.0.0.1:PORT` of an `http://127.0.0.1:PORT/...` URL.
    fn addr(url: &str) -> String {
        url.trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    async fn get(url: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(addr(url)).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer).await;
        answer
    }

    #[tokio::test]
    async fn redirects_once_on_the_nonce_path_and_404s_elsewhere() {
        let handoff = Handoff::bind().await.expect("bind");
        let url = handoff.local_url.clone();
        let path = url
            .splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_default();
        assert!(path.len() > "/open/".len() + 20, "{path}");
        let target = SecretString::from("https://acme.my.salesforce.com/secur/frontdoor.jsp?otp=X");
        let served =
            tokio::spawn(async move { handoff.serve_once(&target, Duration::from_secs(5)).await });
        let wrong = get(&url, "/open/guess").await;
        assert!(wrong.starts_with("HTTP/1.1 404"), "{wrong}");
        let right = get(&url, &path).await;
        assert!(right.starts_with("HTTP/1.1 302"), "{right}");
        assert!(
            right.contains("Location: https://acme.my.salesforce.com/secur/frontdoor.jsp?otp=X")
        );
        assert!(right.contains("Referrer-Policy: no-referrer"));
        assert_eq!(served.await.expect("join"), Handed::Done);
        // The listener is gone: the nonce cannot be used twice.
        assert!(TcpStream::connect(addr(&url)).await.is_err());
    }

    #[tokio::test]
    async fn nobody_coming_times_out() {
        let handoff = Handoff::bind().await.expect("bind");
        let handed = handoff
            .serve_once(&SecretString::from("https://x"), Duration::from_millis(50))
            .await;
        assert_eq!(handed, Handed::TimedOut);
    }
}
