//! HTTP/2 to instances that offer it: a real TLS server on loopback (certificate from a CA made
//! per run, trusted through `SFKEY_CA_FILE`) in front of the fake Salesforce, offering `h2` and
//! `http/1.1` in ALPN, or `http/1.1` only. It records the HTTP version of every request and how
//! many connections the proxy opened.

use std::convert::Infallible;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::header::{CONNECTION, HOST, TRANSFER_ENCODING};
use hyper::service::service_fn;
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use sfkey::fake_salesforce::{API_VERSION, Behaviour};

use crate::common::TestEnv;
use crate::common::certs::{make_certificates, server_config};
use crate::harness::{RunningProxy, client, log, runtime, send};

/// The TLS instance: what it saw.
struct TlsInstance {
    /// `https://127.0.0.1:PORT`.
    url: String,
    /// The HTTP version of each request, in arrival order.
    versions: Arc<Mutex<Vec<Version>>>,
    /// TCP connections accepted.
    connections: Arc<AtomicUsize>,
}

impl TlsInstance {
    /// Serves on a thread of its own (for the rest of the test process), passing each request
    /// on to `backend` over plain HTTP/1.1 and its answer back untouched.
    fn start(certs: &Path, backend: String, offer_h2: bool) -> Self {
        let mut config = server_config(certs);
        config.alpn_protocols = if offer_h2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let versions = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (seen, count) = (Arc::clone(&versions), Arc::clone(&connections));
        std::thread::spawn(move || {
            runtime().block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let forwarder = client();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        continue;
                    };
                    count.fetch_add(1, Ordering::SeqCst);
                    let (acceptor, seen) = (acceptor.clone(), Arc::clone(&seen));
                    let (forwarder, backend) = (forwarder.clone(), backend.clone());
                    tokio::spawn(async move {
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let h2 = tls.get_ref().1.alpn_protocol() == Some(&b"h2"[..]);
                        let service = service_fn(move |request| {
                            pass_on(request, forwarder.clone(), backend.clone(), seen.clone())
                        });
                        let io = TokioIo::new(tls);
                        // The proxy closing its connection is no news.
                        let _ = if h2 {
                            hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                                .serve_connection(io, service)
                                .await
                        } else {
                            hyper::server::conn::http1::Builder::new()
                                .serve_connection(io, service)
                                .await
                        };
                    });
                }
            });
        });
        Self {
            url,
            versions,
            connections,
        }
    }

    fn versions(&self) -> Vec<Version> {
        self.versions.lock().unwrap().clone()
    }
}

/// Records the request's version and sends it on to the fake, streaming both bodies.
async fn pass_on(
    request: Request<Incoming>,
    forwarder: reqwest::Client,
    backend: String,
    seen: Arc<Mutex<Vec<Version>>>,
) -> Result<Response<reqwest::Body>, Infallible> {
    seen.lock().unwrap().push(request.version());
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers;
    headers.remove(HOST);
    let answer = forwarder
        .request(parts.method, format!("{backend}{path}"))
        .headers(headers)
        .body(reqwest::Body::wrap(body))
        .send()
        .await
        .expect("the fake Salesforce answers");
    let mut answer: Response<reqwest::Body> = answer.into();
    // Connection-level headers of the fake's HTTP/1.1 answer have no place in HTTP/2.
    for name in [CONNECTION, TRANSFER_ENCODING] {
        answer.headers_mut().remove(name);
    }
    Ok(answer)
}

/// An org whose instance is a TLS server in front of the fake (its token answers say so, so a
/// renewal keeps it there), and a proxy for it that trusts the server's CA.
fn tls_org(test: &str, offer_h2: bool) -> (TestEnv, TlsInstance, RunningProxy) {
    let mut env = TestEnv::new(test);
    let certs = env.dir.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    make_certificates(&certs);
    let instance = TlsInstance::start(&certs, env.server.url().to_string(), offer_h2);
    env.vars.push((
        "SFKEY_CA_FILE",
        Some(certs.join("ca.pem").display().to_string()),
    ));
    let there = instance.url.clone();
    env.add_org("tls", false, |g| {
        g.with(Behaviour::Hostile {
            fields: vec![("instance_url".into(), there)],
            header: ("x-fake".into(), "1".into()),
        })
    });
    let proxy = RunningProxy::start(&env, "tls", &[]);
    (env, instance, proxy)
}

#[test]
fn http2_is_used_to_an_instance_that_offers_it_with_one_connection_for_everything() {
    let (env, instance, proxy) = tls_org("proxy-h2", true);
    let token = proxy.token().to_string();
    let api = format!("{}/services/data/v{API_VERSION}", proxy.url());
    const DOWNLOAD: u64 = 20 * 1024 * 1024;
    runtime().block_on(async {
        let client = client();
        let query = format!("{api}/query?q=SELECT+Id+FROM+Organization");
        let r = send(client.get(&query), &token).await;
        assert_eq!(r.status(), 200);
        // The client still gets HTTP/1.1 from the proxy.
        assert_eq!(r.version(), Version::HTTP_11);
        assert!(r.text().await.unwrap().contains("\"totalSize\":1"));

        let r = send(
            client.post(format!("{api}/fake/echo")).body("over h2"),
            &token,
        )
        .await;
        assert!(r.text().await.unwrap().contains("\"body\":\"over h2\""));

        // gzip passes through untouched, and a big answer streams.
        let r = send(client.get(&query).header("accept-encoding", "gzip"), &token).await;
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(&r.bytes().await.unwrap()[..2], &[0x1f, 0x8b]);
        let mut r = send(
            client.get(format!("{api}/fake/large?bytes={DOWNLOAD}")),
            &token,
        )
        .await;
        let mut got = 0u64;
        while let Some(chunk) = r.chunk().await.unwrap() {
            got += chunk.len() as u64;
        }
        assert_eq!(got, DOWNLOAD);

        // An expired session under twenty concurrent requests: one renewal, all replayed.
        env.server.expire_access_tokens();
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (client, token) = (client.clone(), token.clone());
            let url = format!("{api}/fake/echo");
            tasks.push(tokio::spawn(async move {
                let r = send(client.post(url).body(format!("n{i}")), &token).await;
                (r.status().as_u16(), r.text().await.unwrap())
            }));
        }
        for task in tasks {
            let (status, body) = task.await.unwrap();
            assert_eq!(status, 200, "{body}");
        }
    });
    assert_eq!(env.server.token_requests(), 2, "one renewal for the storm");
    let versions = instance.versions();
    assert!(versions.len() >= 24, "{versions:?}");
    assert!(
        versions.iter().all(|v| *v == Version::HTTP_2),
        "not every request went over HTTP/2: {versions:?}"
    );
    assert_eq!(
        instance.connections.load(Ordering::SeqCst),
        1,
        "HTTP/2 multiplexes every request on one connection"
    );
    proxy.terminate();
    assert!(log(&env).contains("refreshed=true"));
    env.assert_no_secrets_on_disk();
}

#[test]
fn http1_1_is_used_to_an_instance_that_offers_only_that_with_the_connection_kept_alive() {
    let (env, instance, proxy) = tls_org("proxy-h1-tls", false);
    let token = proxy.token().to_string();
    let query = format!(
        "{}/services/data/v{API_VERSION}/query?q=SELECT+Id+FROM+Organization",
        proxy.url()
    );
    runtime().block_on(async {
        let client = client();
        for _ in 0..5 {
            let r = send(client.get(&query), &token).await;
            assert_eq!(r.status(), 200);
            assert!(r.text().await.unwrap().contains("\"totalSize\":1"));
        }
    });
    assert_eq!(instance.versions(), vec![Version::HTTP_11; 5]);
    assert_eq!(
        instance.connections.load(Ordering::SeqCst),
        1,
        "the connection was not reused"
    );
    drop(proxy);
    env.assert_no_secrets_on_disk();
}
