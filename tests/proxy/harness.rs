//! A running `sfkey proxy` (the real binary) and an HTTP client for it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::common::TestEnv;

/// `sfkey proxy ORG ...` started for one org; killed when dropped.
pub struct RunningProxy {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The `export` lines, unquoted.
    pub exports: HashMap<String, String>,
}

impl RunningProxy {
    /// Starts the proxy for `org` with `extra` arguments and reads its first lines.
    pub fn start(env: &TestEnv, org: &str, extra: &[&str]) -> Self {
        Self::start_lines(env, &[org], extra, 6)
    }

    /// Starts the proxy for several orgs: the URL, then two `export` lines each.
    pub fn start_many(env: &TestEnv, orgs: &[&str]) -> Self {
        Self::start_lines(env, orgs, &[], 1 + 2 * orgs.len())
    }

    fn start_lines(env: &TestEnv, orgs: &[&str], extra: &[&str], count: usize) -> Self {
        let mut args = vec!["proxy"];
        args.extend_from_slice(orgs);
        args.extend_from_slice(&["--port", "0"]);
        args.extend_from_slice(extra);
        let mut child = env
            .cmd(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sfkey proxy");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut lines = Vec::new();
        for _ in 0..count {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                let mut err = String::new();
                let _ = child
                    .stderr
                    .take()
                    .expect("stderr")
                    .read_to_string(&mut err);
                panic!("sfkey proxy ended before printing its URL and exports: {err}");
            }
            lines.push(line.trim_end().to_string());
        }
        let base = lines[0].clone();
        let exports = lines[1..]
            .iter()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
            .collect();
        Self {
            child,
            base,
            exports,
        }
    }

    /// The org's URL through the proxy.
    pub fn url(&self) -> &str {
        &self.exports["SF_INSTANCE_URL"]
    }

    /// The org's proxy token.
    pub fn token(&self) -> &str {
        &self.exports["SF_ACCESS_TOKEN"]
    }

    /// `host:port` of the proxy.
    pub fn authority(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// [`raw`] to this proxy.
    pub fn raw(&self, head: &str) -> (u16, String) {
        raw(self.authority(), head)
    }

    /// Asks the proxy to stop (SIGTERM) and waits for it; returns its stderr.
    pub fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("wait");
        let mut err = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        (status, err)
    }

    /// The proxy's peak resident memory in KiB (Linux).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }
}

impl Drop for RunningProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `head` (request line and headers, no final blank line) as is to `authority`, and
/// returns the status code and the whole answer: for what an HTTP client would not send (`..`,
/// odd Host headers, absolute URLs).
pub fn raw(authority: &str, head: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(stream, "{head}\r\nConnection: close\r\n\r\n").expect("write");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

/// A client that talks to the proxy only (no system proxy) and leaves gzip alone.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

/// Sends `request` with the proxy token `token`.
pub async fn send(request: reqwest::RequestBuilder, token: &str) -> reqwest::Response {
    request
        .bearer_auth(token)
        .send()
        .await
        .expect("a request through the proxy")
}

/// A current-thread runtime for one test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The proxy's log file in the test's config dir.
pub fn log(env: &TestEnv) -> String {
    std::fs::read_to_string(env.dir.join("log").join("sfkey.log")).unwrap_or_default()
}
