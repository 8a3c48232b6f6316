//! Logging in: the browser flow (the test plays the browser: it visits the fake's authorize
//! URL and follows its redirect to sfkey's loopback listener, or calls the redirect itself with
//! a wrong state) and the device flow, through the library and through the real binary, with
//! the real keyring.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{TestEnv, assert_fails_with, assert_success, stdout};
use secrecy::{ExposeSecret, SecretString};
use sfkey::fake_salesforce::{
    DeviceScript, FAKE_ORG_ID, FAKE_USER_ID, FAKE_USERNAME, LOGIN_REFRESH_PREFIX, LoginClient,
};
use sfkey::login::{
    BrowserLogin, DeviceLogin, DevicePolling, LoginError, LoginTarget, check_name, save,
};
use sfkey::salesforce::{HttpClient, HttpSettings};
use sfkey::store::SecretKind;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn callback(port: u16) -> String {
    format!("http://localhost:{port}/OauthRedirect")
}

/// A plain HTTP/1.1 GET, as a browser would send it: status, `Location`, body.
fn http_get(url: &str) -> (u16, Option<String>, String) {
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
fn with_state(redirect: &str, state: &str) -> String {
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
fn play_browser(authorize_url: &str) -> (u16, String) {
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

fn target(env: &TestEnv, client_id: &str, secret: Option<&str>) -> LoginTarget {
    LoginTarget {
        login_url: env.server.url().to_string(),
        site: None,
        client_id: client_id.into(),
        client_secret: secret.map(SecretString::from),
    }
}

#[test]
fn browser_login_stores_an_org_whose_refresh_token_works() {
    let mut env = TestEnv::new("login-browser-lib");
    let port = free_port();
    let secret = format!("cs-TESTSECRET-{}", common::random_hex(6));
    env.secrets_used.push(secret.clone());
    env.server.add_login_client(LoginClient::new(
        "3MVG9login",
        Some(&secret),
        &callback(port),
    ));
    let target = target(&env, "3MVG9login", Some(&secret));
    let rt = runtime();
    let client = HttpClient::new(&HttpSettings::default()).unwrap();
    let login = rt
        .block_on(BrowserLogin::start(target.clone(), port))
        .unwrap();
    let debug = format!("{login:?}");
    assert!(!debug.contains(&secret), "{debug}");
    let url = login.authorize_url.clone();
    assert!(url.starts_with(&format!("{}/services/oauth2/authorize?", env.server.url())));
    for part in [
        "response_type=code",
        "client_id=3MVG9login",
        "code_challenge_method=S256",
        "scope=refresh_token+api+web",
        "redirect_uri=http%3A%2F%2Flocalhost%3A",
    ] {
        assert!(url.contains(part), "{part} missing from {url}");
    }
    let browser = std::thread::spawn(move || play_browser(&url));
    let logged_in = rt
        .block_on(login.finish(&client, Duration::from_secs(30), std::future::pending()))
        .unwrap();
    let (status, page) = browser.join().unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("close this tab"), "{page}");
    // The port is free again.
    drop(TcpListener::bind(("127.0.0.1", port)).unwrap());

    let exchange = env
        .server
        .requests()
        .into_iter()
        .find(|r| r.field("grant_type") == Some("authorization_code"))
        .unwrap();
    assert_eq!(
        exchange.field("redirect_uri"),
        Some(callback(port).as_str())
    );
    let verifier = exchange.field("code_verifier").unwrap();
    assert_eq!(verifier.len(), 43);
    assert!(!debug.contains(verifier), "{debug}");

    let store = env.store();
    let saved = save(&store, "browser-lib", &target, &logged_in, false).unwrap();
    assert_eq!(saved.org.username.as_deref(), Some(FAKE_USERNAME));
    assert_eq!(saved.org_id.as_deref(), Some(FAKE_ORG_ID));
    assert_eq!(saved.org.salesforce_org_id.as_deref(), Some(FAKE_ORG_ID));
    assert_eq!(saved.org.salesforce_user_id.as_deref(), Some(FAKE_USER_ID));
    assert!(saved.org.last_refresh.as_ref().unwrap().is_ok());
    assert!(check_name(&store, "browser-lib", false).is_err());
    // The stored refresh token is the one the login issued, and it refreshes.
    let out = env.run(&["refresh", "browser-lib"], "");
    assert_success(&out);
    assert!(stdout(&out).contains("Response Status Code = 200"));
    assert!(
        env.server
            .live_refresh_tokens()
            .iter()
            .any(|t| t.starts_with(LOGIN_REFRESH_PREFIX))
    );
    env.assert_no_secrets_on_disk();
    store.remove("browser-lib").unwrap();
}

/// Runs `sfkey login` with stdin `input`; its stderr lines arrive on the receiver.
fn spawn_login(env: &TestEnv, args: &[&str], input: &str) -> (Child, mpsc::Receiver<String>) {
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
fn lines_until(rx: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
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

fn rest(rx: &mpsc::Receiver<String>) -> String {
    rx.iter().collect::<Vec<_>>().join("\n")
}

#[test]
fn cli_browser_login_then_refresh() {
    let mut env = TestEnv::new("login-browser-cli");
    let port = free_port();
    let secret = format!("cs-TESTSECRET-{}", common::random_hex(6));
    env.secrets_used.push(secret.clone());
    env.server
        .add_login_client(LoginClient::new("3MVG9cli", Some(&secret), &callback(port)));
    let url = env.server.url().to_string();
    let port_text = port.to_string();
    let (child, rx) = spawn_login(
        &env,
        &[
            "login",
            "web",
            "--login-url",
            &url,
            "--client-id",
            "3MVG9cli",
            "--port",
            &port_text,
        ],
        &format!("{secret}\n"),
    );
    let lines = lines_until(&rx, "/services/oauth2/authorize?");
    let authorize = lines.last().unwrap().trim().to_string();
    let (status, page) = play_browser(&authorize);
    assert_eq!(status, 200, "{page}");
    let out = child.wait_with_output().unwrap();
    let err = format!("{}\n{}", lines.join("\n"), rest(&rx));
    assert!(out.status.success(), "{err}");
    assert!(err.contains("SFKEY_BROWSER=none"), "{err}");
    assert!(
        err.contains(&format!("ssh -L {port}:localhost:{port}")),
        "{err}"
    );
    assert!(err.contains("Saved org web"), "{err}");
    assert!(
        err.contains(FAKE_USERNAME) && err.contains(FAKE_ORG_ID),
        "{err}"
    );
    assert!(
        !err.contains(LOGIN_REFRESH_PREFIX),
        "a token was printed: {err}"
    );

    assert_success(&env.run(&["refresh", "web"], ""));
    let listed = stdout(&env.run(&["list", "--json"], ""));
    assert!(listed.contains(FAKE_USERNAME), "{listed}");
    let shown = stdout(&env.run(&["show", "web"], ""));
    assert!(
        shown.contains(&format!("{FAKE_ORG_ID} / {FAKE_USER_ID}")),
        "{shown}"
    );

    // The name is taken now: refused before any browser, unless --update.
    let out = env.run(
        &["login", "web", "--login-url", &url, "--port", &port_text],
        "",
    );
    assert_fails_with(&out, "--update");

    // With --update the new login replaces the stored refresh token.
    let (child, rx) = spawn_login(
        &env,
        &[
            "login",
            "web",
            "--login-url",
            &url,
            "--client-id",
            "3MVG9cli",
            "--port",
            &port_text,
            "--update",
        ],
        &format!("{secret}\n"),
    );
    let lines = lines_until(&rx, "/services/oauth2/authorize?");
    let (status, _) = play_browser(lines.last().unwrap().trim());
    assert_eq!(status, 200);
    let out = child.wait_with_output().unwrap();
    let err = rest(&rx);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("Updated org web"), "{err}");
    let store = env.store();
    let org = store.find("web").unwrap();
    let stored = store
        .secret(&org.id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    let newest = env
        .server
        .issued_secrets()
        .into_iter()
        .rfind(|t| t.starts_with(LOGIN_REFRESH_PREFIX))
        .unwrap();
    assert_eq!(stored.expose_secret(), newest);
    assert_eq!(store.orgs().unwrap().len(), 1);
    env.assert_no_secrets_on_disk();
    assert_success(&env.run(&["remove", "web", "--yes"], ""));
}

#[test]
fn denied_login_stores_nothing_and_says_why() {
    let env = TestEnv::new("login-denied");
    let port = free_port();
    let mut client = LoginClient::new("PlatformCLI", None, &callback(port));
    client.deny = Some("access_denied".into());
    env.server.add_login_client(client);
    let url = env.server.url().to_string();
    let port_text = port.to_string();
    let (child, rx) = spawn_login(
        &env,
        &["login", "denied", "--login-url", &url, "--port", &port_text],
        "",
    );
    let lines = lines_until(&rx, "/services/oauth2/authorize?");
    let (status, location, _) = http_get(lines.last().unwrap().trim());
    assert_eq!(status, 302);
    let (status, _, _) = http_get(&location.unwrap());
    assert_eq!(status, 200);
    let out = child.wait_with_output().unwrap();
    let err = rest(&rx);
    assert!(!out.status.success());
    assert!(
        err.contains("access_denied") && err.contains("Deny"),
        "{err}"
    );
    let listed = stdout(&env.run(&["list", "--json"], ""));
    assert_eq!(listed.trim(), "[]");
}

#[test]
fn a_login_nobody_finishes_times_out_and_frees_the_port() {
    let env = TestEnv::new("login-timeout");
    let port = free_port();
    let url = env.server.url().to_string();
    let port_text = port.to_string();
    let started = Instant::now();
    let out = env
        .cmd(&["login", "late", "--login-url", &url, "--port", &port_text])
        .env("SFKEY_BROWSER", "none")
        .env("SFKEY_LOGIN_TIMEOUT", "1")
        .output()
        .unwrap();
    assert_fails_with(&out, "no login within 1 second");
    assert!(started.elapsed() < Duration::from_secs(15));
    drop(TcpListener::bind(("127.0.0.1", port)).expect("the port is free again"));
}

#[test]
fn ctrl_c_cancels_a_waiting_login_and_frees_the_port() {
    let env = TestEnv::new("login-ctrl-c");
    let port = free_port();
    let url = env.server.url().to_string();
    let port_text = port.to_string();
    let (child, rx) = spawn_login(
        &env,
        &["login", "stop", "--login-url", &url, "--port", &port_text],
        "",
    );
    lines_until(&rx, "Ctrl-C cancels");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = rest(&rx);
    assert!(!out.status.success());
    assert!(err.contains("login cancelled; nothing was saved"), "{err}");
    drop(TcpListener::bind(("127.0.0.1", port)).expect("the port is free again"));
    assert_eq!(stdout(&env.run(&["list", "--json"], "")).trim(), "[]");
}

#[test]
fn an_unreachable_keyring_stops_the_login_before_the_browser() {
    let env = TestEnv::new("login-no-keyring");
    let url = env.server.url().to_string();
    let port = free_port().to_string();
    let out = env
        .cmd(&["login", "nokeyring", "--login-url", &url, "--port", &port])
        .env("SFKEY_BROWSER", "none")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/sfkey-test-bus",
        )
        .output()
        .unwrap();
    let err = assert_fails_with(&out, "keyring");
    assert!(!err.contains("/services/oauth2/authorize"), "{err}");
}

#[test]
fn a_taken_port_is_named_with_what_to_do() {
    let env = TestEnv::new("login-port");
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port().to_string();
    let url = env.server.url().to_string();
    let out = env
        .cmd(&["login", "busy", "--login-url", &url, "--port", &port])
        .env("SFKEY_BROWSER", "none")
        .output()
        .unwrap();
    let err = assert_fails_with(&out, &format!("port {port} is already in use"));
    assert!(
        err.contains("--port") && err.contains("callback URL"),
        "{err}"
    );
}

#[test]
fn cli_device_login_polls_through_pending_then_stores() {
    let mut env = TestEnv::new("login-device-cli");
    let secret = format!("cs-TESTSECRET-{}", common::random_hex(6));
    env.secrets_used.push(secret.clone());
    let mut client = LoginClient::new("3MVG9device", Some(&secret), "unused");
    client.device = DeviceScript {
        slow_down: 0,
        pending: 2,
        interval_s: 1,
        expires_in_s: None,
    };
    env.server.add_login_client(client);
    let url = env.server.url().to_string();
    let (child, rx) = spawn_login(
        &env,
        &[
            "login",
            "dev",
            "--device",
            "--login-url",
            &url,
            "--client-id",
            "3MVG9device",
        ],
        &format!("{secret}\n"),
    );
    let lines = lines_until(&rx, "/setup/connect");
    let out = child.wait_with_output().unwrap();
    let err = format!("{}\n{}", lines.join("\n"), rest(&rx));
    assert!(out.status.success(), "{err}");
    assert!(err.contains("enter the code"), "{err}");
    assert!(err.contains("Saved org dev"), "{err}");
    let gaps = env.server.device_poll_gaps();
    assert_eq!(gaps.len(), 2, "three polls: pending, pending, success");
    assert!(
        gaps.iter().all(|g| *g >= Duration::from_millis(900)),
        "{gaps:?}"
    );
    assert_success(&env.run(&["refresh", "dev"], ""));
    env.assert_no_secrets_on_disk();
    assert_success(&env.run(&["remove", "dev", "--yes"], ""));
}

fn device_target(env: &TestEnv, script: DeviceScript) -> LoginTarget {
    let mut client = LoginClient::new("3MVG9dev", None, "unused");
    client.device = script;
    env.server.add_login_client(client);
    target(env, "3MVG9dev", None)
}

#[test]
fn device_login_slows_down_when_asked() {
    let env = TestEnv::new("login-device-slow");
    let target = device_target(
        &env,
        DeviceScript {
            slow_down: 1,
            pending: 1,
            interval_s: 1,
            expires_in_s: None,
        },
    );
    let rt = runtime();
    let client = HttpClient::new(&HttpSettings::default()).unwrap();
    let polling = DevicePolling {
        slow_down_step: Duration::from_secs(1),
    };
    let logged_in = rt.block_on(async {
        let login = DeviceLogin::start(&client, target).await.unwrap();
        assert_eq!(login.interval, Duration::from_secs(1));
        assert!(!login.user_code.is_empty());
        login
            .finish(&client, &polling, std::future::pending())
            .await
            .unwrap()
    });
    assert!(logged_in.userinfo.is_ok());
    let gaps = env.server.device_poll_gaps();
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    // After slow_down the interval is 1 s + the 1 s step.
    assert!(gaps[0] >= Duration::from_millis(1900), "{gaps:?}");
}

#[test]
fn device_login_gives_up_when_the_code_expires() {
    let env = TestEnv::new("login-device-expiry");
    let target = device_target(
        &env,
        DeviceScript {
            slow_down: 0,
            pending: u32::MAX,
            interval_s: 1,
            expires_in_s: Some(2),
        },
    );
    let rt = runtime();
    let client = HttpClient::new(&HttpSettings::default()).unwrap();
    let started = Instant::now();
    let err = rt
        .block_on(async {
            let login = DeviceLogin::start(&client, target).await.unwrap();
            login
                .finish(&client, &DevicePolling::default(), std::future::pending())
                .await
        })
        .unwrap_err();
    assert!(matches!(err, LoginError::DeviceExpired), "{err}");
    assert!(err.to_string().contains("expired"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(6));
}
