//! Logging in with the browser: the test plays the browser (it visits the fake's authorize URL
//! and follows its redirect to sfkey's loopback listener, or calls the redirect itself with a
//! wrong state), through the library and through the real binary, with the real keyring.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::login::{
    callback, free_port, http_get, lines_until, login_through_browser, newest_login_refresh_token,
    play_browser, rest, runtime, spawn_login, target,
};
use common::steps::stored_refresh_token;
use common::{TestEnv, assert_fails_with, assert_success, stdout};
use sfkey::fake_salesforce::{
    FAKE_ORG_ID, FAKE_USER_ID, FAKE_USERNAME, LOGIN_REFRESH_PREFIX, LoginClient,
};
use sfkey::login::{BrowserLogin, check_name, save};
use sfkey::salesforce::{HttpClient, HttpSettings};

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
    // The same user logged in under another name is that org: refused, or with `replace`
    // stored in it; never a second org.
    let err = save(&store, "browser-lib-2", &target, &logged_in, false).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("already saved as browser-lib (same org id and user: the user ")
            // The library names no command: each front end offers its own way (login_device.rs
            // checks the CLI's `sfkey login NAME --update ...`).
            && !text.contains("sfkey "),
        "{text}"
    );
    assert_eq!(store.orgs().unwrap().len(), 1);
    let again = save(&store, "browser-lib-2", &target, &logged_in, true).unwrap();
    assert!(again.replaced);
    assert_eq!(again.org.name, "browser-lib");
    assert_eq!(again.org.id, saved.org.id);
    assert_eq!(store.orgs().unwrap().len(), 1);
    env.assert_no_secrets_on_disk();
    store.remove("browser-lib").unwrap();
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
    let web = |extra: &[&str]| {
        let mut args = vec![
            "login",
            "web",
            "--login-url",
            &url,
            "--client-id",
            "3MVG9cli",
        ];
        args.extend(["--port", &port_text]);
        args.extend(extra);
        login_through_browser(&env, &args, &format!("{secret}\n"))
    };
    let (out, err) = web(&[]);
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

    // The access token that came with the login is one Salesforce knows.
    let introspected = env.run(&["introspect", "web"], "");
    assert_success(&introspected);
    assert!(
        stdout(&introspected).contains("active:     yes"),
        "{}",
        stdout(&introspected)
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
    let (out, err) = web(&["--update"]);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("Updated org web"), "{err}");
    assert_eq!(
        stored_refresh_token(&env, "web"),
        newest_login_refresh_token(&env.server)
    );
    assert_eq!(env.store().orgs().unwrap().len(), 1);
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
    assert_eq!(out.status.code(), Some(130));
    assert!(err.contains("login cancelled; nothing was saved"), "{err}");
    assert_eq!(err.matches("cancelled").count(), 1, "one short line: {err}");
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

/// The fake checks what Salesforce checks, so the login tests above mean something: a code is
/// good once, only with the verifier of its challenge and the redirect it was issued for.
#[test]
fn the_fake_refuses_a_wrong_verifier_a_reused_code_and_another_redirect() {
    let env = TestEnv::new("login-fake-checks");
    let port = free_port();
    env.server
        .add_login_client(LoginClient::new("PlatformCLI", None, &callback(port)));
    let challenge = sfkey::login::pkce::challenge_of("the-right-verifier-0123456789abcdefghijklmn");
    let authorize = format!(
        "{}/services/oauth2/authorize?response_type=code&client_id=PlatformCLI&redirect_uri={}&state=s&code_challenge={challenge}&code_challenge_method=S256",
        env.server.url(),
        "http%3A%2F%2Flocalhost%3A".to_string() + &port.to_string() + "%2FOauthRedirect",
    );
    let code_of = |location: &str| {
        let query = location.split_once('?').unwrap().1;
        let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
        params.into_iter().find(|(k, _)| k == "code").unwrap().1
    };
    let (status, location, _) = http_get(&authorize);
    assert_eq!(status, 302);
    let code = code_of(&location.unwrap());
    let token_url = format!("{}/services/oauth2/token", env.server.url());
    let client = HttpClient::new(&HttpSettings::default()).unwrap();
    let redirect = callback(port);
    let exchange = |code: String, verifier: &'static str, redirect: String| {
        let (client, token_url) = (client.clone(), token_url.clone());
        runtime().block_on(async move {
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("client_id", "PlatformCLI"),
                ("redirect_uri", redirect.as_str()),
                ("code_verifier", verifier),
            ];
            let (exchange, body) = client.post_form(&token_url, &form).await.unwrap();
            (exchange.status, String::from_utf8(body).unwrap())
        })
    };
    let (status, body) = exchange(
        code.clone(),
        "a-wrong-verifier-0123456789abcdefghijklmnop",
        redirect.clone(),
    );
    assert_eq!(status, 400);
    assert!(body.contains("invalid code verifier"), "{body}");
    // The failed attempt used the code up.
    let (status, body) = exchange(
        code,
        "the-right-verifier-0123456789abcdefghijklmn",
        redirect.clone(),
    );
    assert_eq!(status, 400);
    assert!(body.contains("invalid authorization code"), "{body}");

    let (_, location, _) = http_get(&authorize);
    let code = code_of(&location.unwrap());
    let (status, body) = exchange(
        code.clone(),
        "the-right-verifier-0123456789abcdefghijklmn",
        "http://localhost:1/OauthRedirect".into(),
    );
    assert_eq!(status, 400);
    assert!(body.contains("redirect_uri_mismatch"), "{body}");

    let (_, location, _) = http_get(&authorize);
    let code = code_of(&location.unwrap());
    let (status, body) = exchange(
        code,
        "the-right-verifier-0123456789abcdefghijklmn",
        redirect,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(LOGIN_REFRESH_PREFIX), "{body}");
}
