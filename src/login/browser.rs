//! The web server flow with PKCE: bind the loopback port, build the authorize URL, open the
//! browser (or say where to go), wait for the redirect, exchange the code.

use std::future::Future;
use std::process::{Command, Stdio};
use std::time::Duration;

use secrecy::ExposeSecret;

use super::loopback::Loopback;
use super::pkce::{Pkce, random_urlsafe};
use super::{LoggedIn, LoginError, LoginTarget, SCOPE, complete};
use crate::salesforce::HttpClient;
use crate::salesforce::token::parse_token_answer;

/// Chooses how the authorize URL is opened: `none` only prints it, any other value is a
/// command (with arguments) that gets the URL as its last argument.
pub const BROWSER_ENV: &str = "SFKEY_BROWSER";

/// A login waiting for its redirect: the port is held until [`finish`](Self::finish) ends.
#[derive(Debug)]
pub struct BrowserLogin {
    loopback: Loopback,
    pkce: Pkce,
    state: String,
    target: LoginTarget,
    /// The URL to open: it holds no secret (the state and challenge are not secrets once sent).
    pub authorize_url: String,
}

impl BrowserLogin {
    /// Binds 127.0.0.1:`port` and builds the authorize URL.
    pub async fn start(target: LoginTarget, port: u16) -> Result<Self, LoginError> {
        let loopback = Loopback::bind(port).await?;
        let pkce = Pkce::generate().map_err(|e| LoginError::Random(e.to_string()))?;
        let state = random_urlsafe(24).map_err(|e| LoginError::Random(e.to_string()))?;
        let query = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", target.client_id.as_str()),
            ("redirect_uri", loopback.redirect_uri().as_str()),
            ("state", state.as_str()),
            ("scope", SCOPE),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
            // Always the login page: a session already open in the browser may be another org.
            ("prompt", "login"),
        ])
        .unwrap_or_default();
        let authorize_url = format!("{}?{query}", target.endpoint("authorize"));
        Ok(Self {
            loopback,
            pkce,
            state,
            target,
            authorize_url,
        })
    }

    /// The redirect URL Salesforce must send the browser to.
    pub fn redirect_uri(&self) -> String {
        self.loopback.redirect_uri()
    }

    /// The port held.
    pub fn port(&self) -> u16 {
        self.loopback.port()
    }

    /// Waits for the redirect (the port is freed on every path), exchanges the code with the
    /// verifier, then asks userinfo who logged in.
    pub async fn finish(
        self,
        client: &HttpClient,
        timeout: Duration,
        cancelled: impl Future<Output = ()>,
    ) -> Result<LoggedIn, LoginError> {
        let redirect_uri = self.loopback.redirect_uri();
        let code = self
            .loopback
            .wait_for_code(&self.state, timeout, cancelled)
            .await?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.0.expose_secret()),
            ("client_id", self.target.client_id.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", self.pkce.verifier().expose_secret()),
        ];
        self.target.push_secret(&mut form);
        let (exchange, body) = client
            .post_form(&self.target.endpoint("token"), &form)
            .await?;
        let success = parse_token_answer(exchange, &body)?;
        complete(client, success).await
    }
}

/// What became of opening the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// This command was started with the URL.
    Started(String),
    /// Not tried: why, and what the user should do instead.
    NotTried(String),
    /// The command could not be started.
    Failed(String),
}

/// How the browser would be opened on `os` (`std::env::consts::OS`), from the environment
/// (pure, for tests).
fn choose(os: &str, var: impl Fn(&str) -> Option<String>) -> Result<Vec<String>, String> {
    let set = |k: &str| var(k).filter(|v| !v.trim().is_empty());
    if let Some(choice) = set(BROWSER_ENV) {
        if choice.trim().eq_ignore_ascii_case("none") {
            return Err(format!("{BROWSER_ENV}=none"));
        }
        return Ok(choice.split_whitespace().map(str::to_string).collect());
    }
    if set("SSH_CONNECTION").is_some() || set("SSH_TTY").is_some() {
        return Err("this is an SSH session".into());
    }
    match os {
        "macos" => return Ok(vec!["open".into()]),
        // The default browser, through the URL handler; not `cmd /c start`, whose shell would
        // split the URL at every `&`.
        "windows" => {
            return Ok(vec![
                "rundll32.exe".into(),
                "url.dll,FileProtocolHandler".into(),
            ]);
        }
        _ => {}
    }
    if set("WSL_DISTRO_NAME").is_some() {
        return Ok(vec!["wslview".into()]);
    }
    if set("DISPLAY").is_none() && set("WAYLAND_DISPLAY").is_none() {
        return Err("there is no display (DISPLAY and WAYLAND_DISPLAY are unset)".into());
    }
    Ok(vec!["xdg-open".into()])
}

/// Opens `url` in the browser unless there is none to open here. The URL goes in argv: it holds
/// no secret. The opener's output is discarded, so it never draws over a terminal UI.
pub fn open_browser(url: &str) -> Opened {
    open_browser_with(None, url)
}

/// As [`open_browser`], with `command` (a program and its arguments, as `SFKEY_BROWSER` takes
/// them) in place of the one the environment chooses.
pub fn open_browser_with(command: Option<&str>, url: &str) -> Opened {
    let chosen = match command {
        Some(command) => Ok(command.split_whitespace().map(str::to_string).collect()),
        None => choose(std::env::consts::OS, |k| std::env::var(k).ok()),
    };
    let command: Vec<String> = match chosen {
        Ok(command) => command,
        Err(why) => return Opened::NotTried(why),
    };
    let Some((program, args)) = command.split_first() else {
        return Opened::NotTried(format!("{BROWSER_ENV} is empty"));
    };
    let spawned = Command::new(program)
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Reap it, so no zombie is left behind.
            let _ = std::thread::Builder::new()
                .name("browser-opener".into())
                .spawn(move || child.wait());
            Opened::Started(program.clone())
        }
        Err(e) => Opened::Failed(format!("cannot run {program}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn ssh_or_no_display_only_prints_and_sfkey_browser_wins() {
        let linux = |vars| choose("linux", vars);
        assert!(linux(env(&[("DISPLAY", ":0"), ("SSH_CONNECTION", "1 2 3 4")])).is_err());
        assert!(linux(env(&[("DISPLAY", ":0"), ("SSH_TTY", "/dev/pts/1")])).is_err());
        assert!(linux(env(&[])).unwrap_err().contains("no display"));
        assert_eq!(
            linux(env(&[("WAYLAND_DISPLAY", "wayland-0")])).unwrap(),
            ["xdg-open"]
        );
        assert!(linux(env(&[("DISPLAY", ":0"), (BROWSER_ENV, "none")])).is_err());
        assert_eq!(
            linux(env(&[
                (BROWSER_ENV, "firefox --new-window"),
                ("SSH_TTY", "x")
            ]))
            .unwrap(),
            ["firefox", "--new-window"]
        );
    }

    #[test]
    fn macos_and_windows_open_the_default_browser_without_a_display() {
        assert_eq!(choose("macos", env(&[])).unwrap(), ["open"]);
        assert_eq!(
            choose("windows", env(&[])).unwrap(),
            ["rundll32.exe", "url.dll,FileProtocolHandler"]
        );
        assert!(choose("windows", env(&[("SSH_CONNECTION", "1 2 3 4")])).is_err());
        assert_eq!(
            choose("macos", env(&[(BROWSER_ENV, "firefox")])).unwrap(),
            ["firefox"]
        );
    }
}
