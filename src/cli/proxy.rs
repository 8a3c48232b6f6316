//! `sfkey proxy`, and the proxy of `sfkey exec --proxy`: scripts get a URL and a proxy token,
//! never a Salesforce token.

use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow};
use clap::Args;
use secrecy::{ExposeSecret, SecretString};

use crate::proxy::{Background, Proxy, ProxyConfig, ServedOrg};
use crate::store::Store;

use super::tokens::{runtime, shell_quote};

/// Arguments of `sfkey proxy`.
#[derive(Debug, Args)]
#[command(
    after_help = "Prints the base URL on its first line, then `export` lines with each org's \
proxy URL and proxy token (for `eval`). Clients call http://127.0.0.1:PORT/ORG/services/... with \
`Authorization: Bearer PROXY_TOKEN`; the proxy puts the org's access token in its place and \
refreshes it once when Salesforce says the session expired. Runs until Ctrl-C or SIGTERM, \
finishing requests in flight."
)]
pub struct ProxyArgs {
    /// The orgs to serve (none: every saved org)
    pub orgs: Vec<String>,
    /// Port to listen on (0: a free one, printed on the first line)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on. Anything but loopback lets other machines try the proxy
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Let web pages from this origin (e.g. http://localhost:3000) call the proxy; repeatable
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// How long Salesforce may take to start answering a request
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = crate::humanize::parse_duration)]
    pub timeout: Duration,
    /// How long a connection may sit without a byte moving
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = crate::humanize::parse_duration)]
    pub idle_timeout: Duration,
}

/// The variables that point a client at `served` through the proxy: the names the sf CLI,
/// jsforce and simple-salesforce read, with the proxy's URL and token.
pub(super) fn proxy_variables(served: &ServedOrg) -> Vec<(&'static str, SecretString)> {
    let url = || SecretString::from(served.url.clone());
    vec![
        ("SF_ACCESS_TOKEN", served.proxy_token.clone()),
        ("SF_TARGET_ORG", served.proxy_token.clone()),
        ("SF_INSTANCE_URL", url()),
        ("SF_ORG_INSTANCE_URL", url()),
        ("SF_ORG_NAME", SecretString::from(served.name.clone())),
    ]
}

/// `sfkey proxy`: serves until Ctrl-C or SIGTERM.
pub fn proxy(store: &Store, args: ProxyArgs) -> anyhow::Result<ExitCode> {
    let orgs = if args.orgs.is_empty() {
        store.orgs()?
    } else {
        args.orgs
            .iter()
            .map(|name| store.find(name))
            .collect::<Result<_, _>>()?
    };
    if orgs.is_empty() {
        return Err(anyhow!(
            "no org is saved yet: add one with `sfkey login` or `sfkey add`"
        ));
    }
    if !args.bind.is_loopback() {
        eprintln!(
            "sfkey: warning: listening on {} lets other machines reach the proxy; only its proxy tokens keep them out",
            args.bind
        );
    }
    let config = ProxyConfig {
        bind: args.bind,
        port: args.port,
        allow_origins: args.allow_origins,
        request_timeout: args.timeout,
        idle_timeout: args.idle_timeout,
        ..ProxyConfig::loopback(crate::salesforce::HttpSettings::from_env()?)
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let proxy = Proxy::open(store, orgs, config).await?;
        print_start(&proxy).context("cannot write to stdout")?;
        proxy.serve(stop_signal()).await;
        eprintln!("sfkey: proxy stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// The base URL, then `export` lines: the sf variables for one org; `SF_INSTANCE_URL_<ORG>`
/// and `SF_ACCESS_TOKEN_<ORG>` for each of several.
fn print_start(proxy: &Proxy) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", proxy.base_url())?;
    let served = proxy.served();
    if let [one] = served.as_slice() {
        for (name, value) in proxy_variables(one) {
            writeln!(out, "export {name}={}", shell_quote(value.expose_secret()))?;
        }
    } else {
        for org in &served {
            let suffix: String = org
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            writeln!(
                out,
                "export SF_INSTANCE_URL_{suffix}={}",
                shell_quote(&org.url)
            )?;
            let token = org.proxy_token.expose_secret();
            writeln!(
                out,
                "export SF_ACCESS_TOKEN_{suffix}={}",
                shell_quote(token)
            )?;
        }
    }
    out.flush()?;
    let names: Vec<&str> = served.iter().map(|s| s.name.as_str()).collect();
    eprintln!(
        "sfkey: proxy for {} at {}; Ctrl-C stops it",
        crate::escape::escape(&names.join(", ")),
        proxy.base_url()
    );
    Ok(())
}

/// Completes at Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// For `sfkey exec --proxy ORG`: a proxy for the org on a free port, and the variables for the
/// child. The proxy stops when the returned handle is dropped.
pub(super) fn for_exec(
    store: &Store,
    name: &str,
) -> anyhow::Result<(Background, Vec<(&'static str, SecretString)>)> {
    let org = store.find(name)?;
    let proxy = Background::start(
        store,
        vec![org],
        ProxyConfig::loopback(crate::salesforce::HttpSettings::from_env()?),
    )?;
    let vars = proxy
        .served
        .first()
        .map(proxy_variables)
        .ok_or_else(|| anyhow!("the proxy serves no org"))?;
    Ok((proxy, vars))
}
