//! What the proxy refuses, and what happens when Salesforce cannot be reached.

use crate::common::{TestEnv, assert_success};
use crate::harness::{RunningProxy, client, runtime, send};

#[test]
fn only_the_proxy_token_for_the_proxy_host_and_a_safe_path_get_through() {
    let mut env = TestEnv::new("proxy-refusals");
    env.add_org("sec", false, |g| g);
    let proxy = RunningProxy::start(&env, "sec", &["--allow-origin", "http://localhost:3000"]);
    let host = format!("Host: {}", proxy.authority());
    let auth = format!("Authorization: Bearer {}", proxy.token());
    let query = "/sec/services/data/v62.0/query?q=x";
    let get = |path: &str, headers: &[&str]| {
        let head = std::iter::once(format!("GET {path} HTTP/1.1"))
            .chain(headers.iter().map(|h| h.to_string()))
            .collect::<Vec<_>>()
            .join("\r\n");
        proxy.raw(&head)
    };
    let before = env.server.rest_requests().len();

    let (status, answer) = get(query, &[&host]);
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("SFKEY_PROXY_TOKEN"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("www-authenticate: bearer"),
        "{answer}"
    );
    let mut wrong = proxy.token().to_string();
    let last = if wrong.ends_with('A') { 'B' } else { 'A' };
    wrong.pop();
    wrong.push(last);
    for bad in [
        format!("Authorization: Bearer {wrong}"),
        format!("Authorization: Bearer {}", &proxy.token()[..20]),
        "Authorization: Bearer 00D5g000004FAKE!AR0000".to_string(),
    ] {
        assert_eq!(get(query, &[&host, &bad]).0, 401, "{bad}");
    }

    // DNS rebinding: a page on evil.example that resolves to 127.0.0.1 sends its own Host.
    let port = proxy.authority().rsplit(':').next().unwrap().to_string();
    let (status, answer) = get(query, &[&format!("Host: evil.example:{port}"), &auth]);
    assert_eq!(status, 421, "{answer}");

    let (status, answer) = get(query, &[&host, &auth, "Origin: http://evil.example"]);
    assert_eq!(status, 403, "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("access-control"),
        "{answer}"
    );

    for path in [
        "/sec/services/../../x",
        "/sec/services/%2e%2e/%2e%2e/x",
        "/sec//evil.example/services/data",
        "/sec/services%2f..%2fx",
        "http://evil.example/sec/services/data",
    ] {
        let (status, answer) = get(path, &[&host, &auth]);
        assert_eq!(status, 400, "{path}: {answer}");
        assert!(answer.contains("SFKEY_PROXY_PATH"), "{path}: {answer}");
    }
    let (status, answer) = get("/nosuch/services/data", &[&host, &auth]);
    assert_eq!(status, 404, "{answer}");
    assert!(answer.contains("SFKEY_PROXY_UNKNOWN_ORG"), "{answer}");
    assert_eq!(
        env.server.rest_requests().len(),
        before,
        "a refused request went out"
    );

    // An allowed origin gets through, with CORS headers for it only.
    let allowed = "Origin: http://localhost:3000";
    let (status, answer) = get(query, &[&host, &auth, allowed]);
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("access-control-allow-origin: http://localhost:3000"),
        "{answer}"
    );
    let preflight = format!(
        "OPTIONS {query} HTTP/1.1\r\n{host}\r\n{allowed}\r\nAccess-Control-Request-Method: GET"
    );
    assert_eq!(proxy.raw(&preflight).0, 204);
    assert_eq!(env.server.rest_requests().len(), before + 1);
    drop(proxy);
    env.assert_no_secrets_on_disk();
}

#[test]
fn each_org_has_its_own_proxy_token() {
    let mut env = TestEnv::new("proxy-two");
    env.add_org("one", false, |g| g);
    env.add_org("two", false, |g| g);
    let proxy = RunningProxy::start_many(&env, &["one", "two"]);
    let (one, two) = (
        &proxy.exports["SF_ACCESS_TOKEN_ONE"],
        &proxy.exports["SF_ACCESS_TOKEN_TWO"],
    );
    assert_ne!(one, two);
    assert_eq!(
        proxy.exports["SF_INSTANCE_URL_TWO"],
        format!("{}/two", proxy.base)
    );
    let get = |org: &str, token: &str| {
        proxy
            .raw(&format!(
                "GET /{org}/services/data/v62.0/query?q=x HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}",
                proxy.authority()
            ))
            .0
    };
    assert_eq!(get("one", one), 200);
    assert_eq!(get("two", two), 200);
    assert_eq!(get("two", one), 401);
    assert_eq!(get("one", two), 401);
    drop(proxy);
    env.assert_no_secrets_on_disk();
}

#[test]
fn an_unreachable_instance_gets_a_502_and_a_slow_one_a_504_in_json() {
    let mut env = TestEnv::new("proxy-down");
    env.add_org("down", false, |g| g);
    assert_success(&env.run(&["refresh", "down"], ""));
    let proxy = RunningProxy::start(&env, "down", &["--timeout", "1s"]);
    let token = proxy.token().to_string();
    let slow = format!("{}/services/data/v62.0/fake/slow?ms=3000", proxy.url());
    runtime().block_on(async {
        let r = send(client().get(&slow), &token).await;
        assert_eq!(r.status(), 504);
        assert!(r.text().await.unwrap().contains("SFKEY_PROXY_TIMEOUT"));
    });
    drop(proxy);

    // Point the org at a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let store = env.store();
    let org = store.find("down").unwrap();
    store
        .update(&org.id, |o| o.instance_url = Some(dead_url))
        .unwrap();
    let proxy = RunningProxy::start(&env, "down", &[]);
    let query = format!("{}/services/data/v62.0/query?q=x", proxy.url());
    runtime().block_on(async {
        let r = send(client().get(&query), proxy.token()).await;
        assert_eq!(r.status(), 502);
        assert_eq!(
            r.headers()["content-type"],
            "application/json;charset=UTF-8"
        );
        let body = r.text().await.unwrap();
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json[0]["errorCode"], "SFKEY_PROXY_UPSTREAM", "{body}");
        assert!(body.contains("cannot connect"), "{body}");
    });
    drop(proxy);
    env.assert_no_secrets_on_disk();
}

#[test]
fn binding_beyond_loopback_warns_and_still_wants_the_token() {
    let mut env = TestEnv::new("proxy-bind");
    env.add_org("wide", false, |g| g);
    let proxy = RunningProxy::start(&env, "wide", &["--bind", "0.0.0.0"]);
    // The URL to hand out still names loopback.
    assert!(
        proxy.base.starts_with("http://127.0.0.1:"),
        "{}",
        proxy.base
    );
    let query = "/wide/services/data/v62.0/query?q=x";
    let host = format!("Host: {}", proxy.authority());
    let (status, _) = proxy.raw(&format!("GET {query} HTTP/1.1\r\n{host}"));
    assert_eq!(status, 401);
    let (status, answer) = proxy.raw(&format!(
        "GET {query} HTTP/1.1\r\n{host}\r\nAuthorization: Bearer {}",
        proxy.token()
    ));
    assert_eq!(status, 200, "{answer}");
    let (_, stderr) = proxy.terminate();
    assert!(
        stderr.contains("listening on 0.0.0.0 lets other machines reach the proxy"),
        "{stderr}"
    );
    env.assert_no_secrets_on_disk();
}
