//! `sfkey login NAME`: log in with the browser (web server flow + PKCE, loopback redirect) or,
//! with `--device`, from a machine without a browser; then store the org.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::secrets_input::read_client_secret;
use crate::escape::escape;
use crate::login::browser::BROWSER_ENV;
use crate::login::{
    self, BrowserLogin, DEFAULT_CLIENT_ID, DEFAULT_PORT, DeviceLogin, DevicePolling, LoggedIn,
    LoginTarget, Opened, SaveError, open_browser,
};
use crate::org::{self, OrgId};
use crate::salesforce::HttpClient;
use crate::signals::{Signals, Stop, Stopped};
use crate::store::{SecretKind, Store};

/// Arguments of `sfkey login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The name to save the org under (e.g. prod, uat)
    pub name: String,
    /// Login URL: https://login.salesforce.com (default), https://test.salesforce.com, a My
    /// Domain or site host; `login` and `test` are shortcuts
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://login.salesforce.com"
    )]
    pub login_url: String,
    /// Experience Cloud site path, e.g. /partners
    #[arg(long, value_name = "PATH")]
    pub site: Option<String>,
    /// Your own connected app's consumer key (default: the Salesforce CLI's PlatformCLI, no
    /// secret); sfkey then asks for its secret (empty if none)
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Port of the redirect http://localhost:PORT/OauthRedirect; the connected app's callback
    /// URL must name the same port
    #[arg(long, default_value_t = DEFAULT_PORT, env = "SFKEY_LOGIN_PORT")]
    pub port: u16,
    /// Log in from another device: show a code to enter at Salesforce's verification page
    /// (needs a connected app with the device flow enabled: --client-id)
    #[arg(long)]
    pub device: bool,
    /// When NAME is taken, store the new refresh token in that org instead of refusing
    #[arg(long, visible_alias = "force")]
    pub update: bool,
    /// Accept a login host outside Salesforce's domains (a proxy, a custom site domain); it is
    /// shown in punycode with a warning
    #[arg(long)]
    pub any_host: bool,
}

/// `sfkey login`: checks everything it can before the user goes to the browser.
pub fn login(store: &Store, args: &LoginArgs) -> anyhow::Result<ExitCode> {
    org::validate_name(&args.name)?;
    let login_url = org::parse_login_url(&args.login_url)?;
    super::check_host(&login_url, args.any_host)?;
    let site = match &args.site {
        Some(s) => org::parse_site(s)?,
        None => None,
    };
    let timeout = login::timeout_from_env().map_err(anyhow::Error::msg)?;
    let settings = crate::salesforce::HttpSettings::from_env()?;
    if login::check_name(store, &args.name, args.update).is_err() {
        anyhow::bail!(
            "an org named {:?} already exists: pick another name, or add --update to store the new login in it",
            args.name
        );
    }
    // A keyring that cannot be reached is found now, not after the user has logged in.
    store.secret(&OrgId::generate(), SecretKind::RefreshToken)?;
    let (client_id, client_secret) = match &args.client_id {
        Some(id) => (org::parse_client_id(id)?, read_client_secret()?),
        None => (DEFAULT_CLIENT_ID.to_string(), None),
    };
    let target = LoginTarget {
        login_url,
        site,
        client_id,
        client_secret,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let client = HttpClient::for_url(&target.login_url, &settings)?;
    let target_copy = target.clone();
    let logged_in = runtime.block_on(async {
        if args.device {
            device_login(&client, target_copy, args.client_id.is_none()).await
        } else {
            browser_login(&client, target_copy, args.port, timeout).await
        }
    });
    let logged_in = match logged_in {
        // Ctrl-C: one short line and 130, as every other Ctrl-C of sfkey.
        Err(e) if matches!(e.downcast_ref(), Some(login::LoginError::Cancelled)) => {
            eprintln!("sfkey: {e}");
            return Err(Stopped(Stop::Interrupt).into());
        }
        other => other?,
    };
    let saved = match login::save(store, &args.name, &target, &logged_in, args.update) {
        Ok(saved) => saved,
        Err(SaveError::AlreadySaved {
            name,
            existing,
            why,
            user,
        }) => anyhow::bail!(
            "already saved as {existing} ({why}: {user}), so {name} would double it; nothing was saved. Store this login in {existing} with `{}` (or remove {existing} first)",
            login_again(args, &target, &existing)
        ),
        Err(e) => return Err(e.into()),
    };
    let org = &saved.org;
    // The user, ids and instance are Salesforce's answer.
    let line = format!(
        "{} org {}: user {} ({}), org id {}, instance {}. Refresh token saved in {}{}.",
        if saved.replaced { "Updated" } else { "Saved" },
        org.name,
        org.username.as_deref().unwrap_or("unknown"),
        saved.user_id.as_deref().unwrap_or("id unknown"),
        saved.org_id.as_deref().unwrap_or("unknown"),
        org.instance_url.as_deref().unwrap_or("unknown"),
        store.secrets_place(),
        if target.client_secret.is_some() {
            " with the client secret"
        } else {
            ""
        }
    );
    eprintln!("{}", escape(&line));
    if org.name != args.name {
        eprintln!(
            "({} was already saved as {} with the same user, so that org was updated; no org named {} was added.)",
            escape(org.username.as_deref().unwrap_or("this login")),
            org.name,
            args.name
        );
    }
    if let Some(why) = &saved.userinfo_error {
        eprintln!(
            "sfkey: could not ask who logged in (userinfo): {}",
            escape(&why.to_string())
        );
    }
    eprintln!("Next: sfkey token {}", org.name);
    Ok(ExitCode::SUCCESS)
}

/// `sfkey login EXISTING --update` with the flags the user gave this time, so the same kind of
/// login (device or browser, app, login URL, site, port) lands in the saved org.
fn login_again(args: &LoginArgs, target: &LoginTarget, existing: &str) -> String {
    let mut command = format!("sfkey login {existing} --update");
    if args.device {
        command.push_str(" --device");
    }
    if let Some(id) = &args.client_id {
        command.push_str(&format!(" --client-id {id}"));
    }
    if target.login_url != org::PRODUCTION_LOGIN_URL {
        command.push_str(&format!(" --login-url {}", target.login_url));
    }
    if let Some(site) = &target.site {
        command.push_str(&format!(" --site {site}"));
    }
    if args.port != DEFAULT_PORT && !args.device {
        command.push_str(&format!(" --port {}", args.port));
    }
    command
}

/// Ctrl-C (and Ctrl-Break on Windows), listened for from this call on: call it before saying
/// "Ctrl-C cancels".
fn ctrl_c() -> impl std::future::Future<Output = ()> {
    let interrupt = Signals::new(&[Stop::Interrupt]);
    async move {
        match interrupt {
            Ok(mut interrupt) => {
                interrupt.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    }
}

async fn browser_login(
    client: &HttpClient,
    target: LoginTarget,
    port: u16,
    timeout: std::time::Duration,
) -> anyhow::Result<LoggedIn> {
    let login = BrowserLogin::start(target, port).await?;
    let cancelled = ctrl_c();
    let url = login.authorize_url.clone();
    match open_browser(&url) {
        Opened::Started(program) => {
            eprintln!("Opened your browser ({program}) at:\n\n  {url}\n");
            eprintln!("If it did not open, open the URL above yourself.");
        }
        Opened::NotTried(why) | Opened::Failed(why) => {
            eprintln!("Not opening a browser ({why}). Open this URL in a browser:\n\n  {url}\n");
            eprintln!(
                "The login ends with a redirect to {}: on another machine, forward the port first (ssh -L {port}:localhost:{port} HOST). {BROWSER_ENV}=COMMAND picks the browser.",
                login.redirect_uri(),
                port = login.port()
            );
        }
    }
    eprintln!(
        "Waiting for the login (up to {}; Ctrl-C cancels)…",
        login::wait_text(timeout)
    );
    Ok(login.finish(client, timeout, cancelled).await?)
}

/// Polls until approved or until the code expires (its own limit, not the browser's timeout).
async fn device_login(
    client: &HttpClient,
    target: LoginTarget,
    default_app: bool,
) -> anyhow::Result<LoggedIn> {
    if default_app {
        eprintln!(
            "Note: Salesforce blocked the device flow for the Salesforce CLI's app (PlatformCLI) in 2025; if it is refused, use your own connected app with the device flow enabled (--client-id)."
        );
    }
    let login = DeviceLogin::start(client, target).await?;
    let cancelled = ctrl_c();
    let expires = login.expires_in;
    let bold = std::io::stderr().is_terminal();
    let code = if bold {
        format!("\x1b[1m{}\x1b[0m", escape(&login.user_code))
    } else {
        escape(&login.user_code)
    };
    eprintln!(
        "On any device with a browser, open\n\n  {}\n\nand enter the code\n\n  {code}\n",
        escape(&login.verification_uri)
    );
    eprintln!(
        "Waiting for the approval (the code lasts {}; Ctrl-C cancels)…",
        login::wait_text(expires)
    );
    let polling = DevicePolling::default();
    Ok(login.finish(client, &polling, cancelled).await?)
}
