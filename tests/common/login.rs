//! Playing the browser and driving `sfkey login` for the login tests.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use sfkey::fake_salesforce::{FakeSalesforce, LOGIN_REFRESH_PREFIX};
use sfkey::login::LoginTarget;

use super::TestEnv;

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn callback(port: u16) -> String {
    format!("http://localhost:{port}/OauthRedirect")
}

/// A plain HTTP/1.1 GET, as a browser would send it: status, `Location`, body.
pub fn http_get(url: &str) -> (u16, Option<String>, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let port = host.rsplit(':').next().unwrap();
    let mut stream = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let location = head
        .lines()
        .find_map(|l| l.strip_prefix("Location: "))
        .map(str::to_string);
    (status, location, body.to_string())
}

/// The redirect URL with every query parameter kept but `state` replaced.
pub fn with_state(redirect: &str, state: &str) -> String {
    let (base, query) = redirect.split_once('?').unwrap();
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let params: Vec<(String, String)> = params
        .into_iter()
        .map(|(k, v)| {
            if k == "state" {
                (k, state.into())
            } else {
                (k, v)
            }
        })
        .collect();
    format!("{base}?{}", serde_urlencoded::to_string(params).unwrap())
}

/// Plays the browser: visits the authorize URL, then first calls the redirect with a wrong
/// state (which must be refused and ignored), then follows the real one.
pub fn play_browser(authorize_url: &str) -> (u16, String) {
    let (status, location, _) = http_get(authorize_url);
    assert_eq!(status, 302, "the authorize page should redirect");
    let location = location.unwrap();
    assert!(
        location.contains("code=") || location.contains("error="),
        "{location}"
    );
    let (wrong, _, page) = http_get(&with_state(&location, "not-the-state"));
    assert_eq!(wrong, 400, "a wrong state must be refused: {page}");
    let (stray, _, _) = http_get(&location.replace("/OauthRedirect", "/favicon.ico"));
    assert_eq!(stray, 404);
    let (status, _, page) = http_get(&location);
    (status, page)
}

pub fn target(env: &TestEnv, client_id: &str, secret: Option<&str>) -> LoginTarget {
    LoginTarget {
        login_url: env.server.url().to_string(),
        site: None,
        client_id: client_id.into(),
        client_secret: secret.map(SecretString::from),
    }
}

/// Runs `sfkey login` with stdin `input`; its stderr lines arrive on the receiver.
pub fn spawn_login(env: &TestEnv, args: &[&str], input: &str) -> (Child, mpsc::Receiver<String>) {
    let mut cmd = env.cmd(args);
    cmd.env("SFKEY_BROWSER", "none")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Reads stderr lines until one contains `needle`; returns every line read.
pub fn lines_until(rx: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut lines = Vec::new();
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let found = line.contains(needle);
                lines.push(line);
                if found {
                    return lines;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    panic!("no line with {needle:?} in {lines:#?}");
}

pub fn rest(rx: &mpsc::Receiver<String>) -> String {
    rx.iter().collect::<Vec<_>>().join("\n")
}

/// Runs `sfkey login` with `args` and stdin `input`, plays the browser at the authorize URL it
/// prints (the page must answer 200) and waits for it to end; returns how it ended and all it
/// wrote to stderr.
pub fn login_through_browser(env: &TestEnv, args: &[&str], input: &str) -> (Output, String) {
    let (child, rx) = spawn_login(env, args, input);
    let lines = lines_until(&rx, "/services/oauth2/authorize?");
    let (status, page) = play_browser(lines.last().unwrap().trim());
    assert_eq!(status, 200, "{page}");
    let out = child.wait_with_output().unwrap();
    (out, format!("{}\n{}", lines.join("\n"), rest(&rx)))
}

/// The refresh token the latest login issued.
pub fn newest_login_refresh_token(server: &FakeSalesforce) -> String {
    let issued = server.issued_secrets().into_iter();
    let mut logins = issued.filter(|t| t.starts_with(LOGIN_REFRESH_PREFIX));
    logins.next_back().expect("a login issued a refresh token")
}

/// A browser that only writes down the URL it was started with, for the test to play it.
pub struct FakeBrowser {
    _dir: tempfile::TempDir,
    /// The program to start as the browser (`--browser` or `SFKEY_BROWSER`).
    pub script: std::path::PathBuf,
    argv: std::path::PathBuf,
}

impl FakeBrowser {
    /// A new one in a temp dir of its own.
    pub fn new() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let argv = dir.path().join("argv");
        let script = dir.path().join("browser");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$@\" > {}.tmp && mv {0}.tmp {0}\n",
                argv.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self {
            _dir: dir,
            script,
            argv,
        }
    }

    /// The URL it was started with, once it was (waits up to 10 s; empty if never).
    pub fn started_with(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(text) = std::fs::read_to_string(&self.argv) {
                return text.trim().to_string();
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        String::new()
    }
}
