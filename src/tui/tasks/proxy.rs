//! The task behind `P`: a proxy for one org on the app's runtime, its requests forwarded to the
//! app as they end, and word when it stopped.

use tokio::sync::mpsc;

use super::Tasks;
use crate::org::Org;
use crate::proxy::{Proxy, ProxyConfig};
use crate::tui::message::Message;
use crate::tui::state::{ProxyStop, RunningProxy};

impl Tasks {
    /// Opens a proxy for `org`, tells the app, forwards what it serves, and tells when it
    /// stopped (its handle sent to or dropped).
    pub(super) async fn run_proxy(&self, org: Org) {
        let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
        let config = ProxyConfig {
            observer: Some(seen_tx),
            ..ProxyConfig::loopback(self.settings.clone())
        };
        let id = org.id.clone();
        let proxy = match Proxy::open(&self.store, vec![org], config).await {
            Ok(proxy) => proxy,
            Err(e) => {
                let result = Err(e.to_string());
                return self.send(Message::ProxyStarted { id, result });
            }
        };
        let Some(served) = proxy.served().into_iter().next() else {
            let result = Err("the proxy serves no org".into());
            return self.send(Message::ProxyStarted { id, result });
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let running = RunningProxy {
            url: served.url,
            token: served.proxy_token,
            stop: ProxyStop(stop_tx),
            requests: std::collections::VecDeque::new(),
        };
        self.send(Message::ProxyStarted {
            id: id.clone(),
            result: Ok(Box::new(running)),
        });
        let (tasks, seen_id) = (self.clone(), id.clone());
        tokio::spawn(async move {
            // Ends when the proxy is gone (its sender with it).
            while let Some(seen) = seen_rx.recv().await {
                let id = seen_id.clone();
                tasks.send(Message::ProxySeen { id, seen });
            }
        });
        proxy
            .serve(async {
                let _ = stop_rx.await;
            })
            .await;
        self.send(Message::ProxyStopped(id));
    }
}
