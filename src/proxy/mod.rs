//! `sfkey proxy`: a loopback gateway that forwards `http://127.0.0.1:PORT/<org>/...` to the
//! org's instance with the org's access token, so scripts and agents use an org without ever
//! holding its tokens. Clients authenticate with a per-run proxy token; an expired session is
//! renewed once (through the one refresh path) and the request replayed.

mod auth;
mod body;
mod forward;
mod log;
mod paths;
mod server;
mod session;
mod timeouts;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::net::TcpListener;

use crate::org::Org;
use crate::salesforce::{CONNECT_TIMEOUT, HttpClient, HttpSettings, TransportError};
use crate::store::Store;

pub use auth::TOKEN_RANDOM_CHARS;
pub use forward::{MAX_REPLAY_BODY, REFRESH_FAILED_HEADER, REFRESHED_HEADER};
pub use log::{Observer, Seen};
pub use paths::encode_org;
pub use session::OpenError;

/// How the proxy listens and how long it waits.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Address to listen on (loopback unless the user says otherwise).
    pub bind: IpAddr,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Origins whose web pages may call the proxy (CORS).
    pub allow_origins: Vec<String>,
    /// How long Salesforce may take to start answering a request.
    pub request_timeout: Duration,
    /// How long a connection (either side) may sit without a byte moving.
    pub idle_timeout: Duration,
    /// TLS roots and the token calls' timeout.
    pub settings: HttpSettings,
    /// Told about every request as it ends (the TUI's live list), when set.
    pub observer: Option<Observer>,
}

impl ProxyConfig {
    /// 127.0.0.1 on a free port, no origins, 5 min for an answer to start, 2 min idle.
    pub fn loopback(settings: HttpSettings) -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            allow_origins: Vec::new(),
            request_timeout: Duration::from_secs(300),
            idle_timeout: Duration::from_secs(120),
            settings,
            observer: None,
        }
    }
}

/// What a client needs to use one served org.
pub struct ServedOrg {
    /// The org's name.
    pub name: String,
    /// `http://127.0.0.1:PORT/<org>`: use it as the instance URL.
    pub url: String,
    /// Send it as `Authorization: Bearer`; it works only with this proxy, for this run.
    pub proxy_token: SecretString,
}

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Where we tried.
        addr: SocketAddr,
        /// Why not.
        source: std::io::Error,
    },
    /// An org could not be made ready.
    #[error("cannot serve org {name:?}: {error}")]
    Org {
        /// The org.
        name: String,
        /// Why not; shown in the message and so not a `source`, or `{:#}` says it three times.
        error: Box<OpenError>,
    },
    /// The HTTP client could not be built (TLS roots).
    #[error("cannot build the HTTP client: {0}")]
    Client(TransportError),
    /// The proxy's thread or runtime could not start.
    #[error("cannot start the proxy: {0}")]
    Start(String),
}

/// A proxy bound to its port with its orgs ready; [`Proxy::serve`] runs it.
pub struct Proxy {
    listener: TcpListener,
    shared: Arc<server::Shared>,
}

impl Proxy {
    /// Binds, then makes each org ready (its access token from the keyring, or a refresh).
    pub async fn open(
        store: &Store,
        orgs: Vec<Org>,
        config: ProxyConfig,
    ) -> Result<Self, ProxyError> {
        let addr = SocketAddr::new(config.bind, config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ProxyError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| ProxyError::Bind { addr, source })?;
        let refresh_client = HttpClient::new(&config.settings).map_err(ProxyError::Client)?;
        let client = HttpClient::tls_builder(&config.settings)
            .map_err(ProxyError::Client)?
            .connect_timeout(CONNECT_TIMEOUT)
            // No read_timeout: it would run from the start of the request (see timeouts.rs).
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                ProxyError::Client(TransportError::from_reqwest(
                    &e,
                    false,
                    config.request_timeout,
                ))
            })?;
        let mut sessions = Vec::new();
        for org in orgs {
            let name = org.name.clone();
            let session = session::OrgSession::open(store, org, &refresh_client)
                .await
                .map_err(|e| ProxyError::Org {
                    name,
                    error: Box::new(e),
                })?;
            sessions.push(Arc::new(session));
        }
        let shown = if local.ip().is_unspecified() {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), local.port())
        } else {
            local
        };
        let mut allowed_hosts = vec![local.to_string(), shown.to_string()];
        if local.ip().is_loopback() || local.ip().is_unspecified() {
            allowed_hosts.push(format!("localhost:{}", local.port()));
        }
        allowed_hosts.dedup();
        let shared = server::Shared {
            sessions,
            allowed_hosts,
            allow_origins: config.allow_origins,
            base_url: format!("http://{shown}"),
            upstream: forward::Upstream {
                client,
                refresh_client,
                limits: timeouts::Limits {
                    request: config.request_timeout,
                    idle: config.idle_timeout,
                },
            },
            idle_timeout: config.idle_timeout,
            observer: config.observer,
        };
        Ok(Self {
            listener,
            shared: Arc::new(shared),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The served orgs, with their URLs and proxy tokens.
    pub fn served(&self) -> Vec<ServedOrg> {
        self.shared
            .sessions
            .iter()
            .map(|s| ServedOrg {
                name: s.org.name.clone(),
                url: format!("{}/{}", self.shared.base_url, encode_org(&s.org.name)),
                proxy_token: s.proxy_token.clone(),
            })
            .collect()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()>) {
        server::serve(self.listener, self.shared, shutdown).await;
    }
}

/// A proxy running on a thread of its own (for `sfkey exec --proxy`); stops when dropped.
pub struct Background {
    /// The proxy's URL.
    pub base_url: String,
    /// The served orgs.
    pub served: Vec<ServedOrg>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Opens the proxy on a new thread and returns once it listens.
    pub fn start(store: &Store, orgs: Vec<Org>, config: ProxyConfig) -> Result<Self, ProxyError> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let store = store.clone();
        let thread = std::thread::Builder::new()
            .name("sfkey-proxy".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(ProxyError::Start(e.to_string())));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Proxy::open(&store, orgs, config).await {
                        Ok(proxy) => {
                            ignore_interrupts();
                            let _ =
                                ready_tx.send(Ok((proxy.base_url().to_string(), proxy.served())));
                            proxy
                                .serve(async {
                                    let _ = stop_rx.await;
                                })
                                .await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(|e| ProxyError::Start(e.to_string()))?;
        let (base_url, served) = ready_rx
            .recv()
            .map_err(|_| ProxyError::Start("the proxy's thread ended".into()))??;
        Ok(Self {
            base_url,
            served,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

/// Ctrl-C is for the child (the terminal sends it to both): sfkey stays to serve it and to pass
/// its exit code on. On Unix the handler is in place when this returns, before the child starts.
fn ignore_interrupts() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut interrupts) = signal(SignalKind::interrupt()) {
            tokio::spawn(async move { while interrupts.recv().await.is_some() {} });
        }
    }
    #[cfg(not(unix))]
    tokio::spawn(async { while tokio::signal::ctrl_c().await.is_ok() {} });
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
