//! `sfkey proxy` and `sfkey exec --proxy`: the real binary in front of the loopback fake
//! Salesforce, with the real keyring.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod harness;
mod refusals;
mod streaming;
mod timeouts;
mod upstream_tls;

use common::{TestEnv, assert_success, stdout};
use harness::{RunningProxy, client, log, runtime, send};
use secrecy::ExposeSecret;
use sfkey::fake_salesforce::{ACCESS_TOKEN_PREFIX, API_VERSION, Behaviour, FAKE_ORG_ID};
use sfkey::store::SecretKind;

/// `/services/data/vNN.0/RESOURCE` through the proxy.
fn api(proxy: &RunningProxy, resource: &str) -> String {
    format!("{}/services/data/v{API_VERSION}/{resource}", proxy.url())
}

#[test]
fn requests_reach_the_org_with_its_token_and_answers_come_back_untouched() {
    let mut env = TestEnv::new("proxy-forward");
    env.add_org("fwd", false, |g| g);
    let proxy = RunningProxy::start(&env, "fwd", &[]);
    assert!(
        proxy.base.starts_with("http://127.0.0.1:"),
        "{}",
        proxy.base
    );
    assert_eq!(proxy.url(), format!("{}/fwd", proxy.base));
    assert_eq!(proxy.exports["SF_ORG_INSTANCE_URL"], proxy.url());
    let token = proxy.token().to_string();
    assert_eq!(proxy.exports["SF_TARGET_ORG"], token);
    // Shaped like an access token of this org, yet not one.
    assert!(token.starts_with(&format!("{FAKE_ORG_ID}!")), "{token}");
    assert!(!token.starts_with(ACCESS_TOKEN_PREFIX));
    let client = client();
    let mut answers = Vec::new();
    runtime().block_on(async {
        let query = api(&proxy, "query?q=SELECT+Id+FROM+Organization");
        let r = send(client.get(&query), &token).await;
        assert_eq!(r.status(), 200);
        answers.push(format!("{:?}", r.headers()));
        let body = r.text().await.unwrap();
        assert!(body.contains("\"totalSize\":1"), "{body}");
        answers.push(body);

        // Hop-by-hop headers (also those named in Connection) stay with the proxy.
        let r = send(
            client
                .post(api(&proxy, "fake/echo"))
                .header("connection", "x-private")
                .header("x-private", "1")
                .header("x-kept", "yes")
                .body("hello"),
            &token,
        )
        .await;
        assert_eq!(r.status(), 200);
        let echo: serde_json::Value = r.json_text().await;
        let headers = &echo["headers"];
        assert_eq!(headers["x-kept"], "yes", "{echo}");
        assert!(headers.get("x-private").is_none(), "{echo}");
        assert_eq!(echo["body"], "hello");
        let fake_host = env.server.url().trim_start_matches("http://");
        assert_eq!(headers["host"], fake_host, "{echo}");
        answers.push(echo.to_string());

        // gzip passes through as gzip.
        let r = send(client.get(&query).header("accept-encoding", "gzip"), &token).await;
        assert_eq!(r.headers()["content-encoding"], "gzip");
        let raw = r.bytes().await.unwrap();
        assert_eq!(&raw[..2], &[0x1f, 0x8b]);

        // A Location on the instance points back at the proxy.
        let r = send(
            client
                .post(api(&proxy, "sobjects/Account"))
                .header("content-type", "application/json")
                .body(r#"{"Name":"Acme"}"#),
            &token,
        )
        .await;
        assert_eq!(r.status(), 201);
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let want = format!(
            "{}/services/data/v{API_VERSION}/sobjects/Account/001",
            proxy.url()
        );
        assert!(location.starts_with(&want), "{location}");
        answers.push(format!("{:?}", r.headers()));

        // Connections to the org are kept alive and reused (the client's too).
        let opened = env.server.connections();
        for _ in 0..10 {
            assert_eq!(send(client.get(&query), &token).await.status(), 200);
        }
        assert!(
            env.server.connections() - opened <= 1,
            "the proxy reconnected"
        );

        // A header that would carry the org's token is dropped.
        let r = send(client.get(api(&proxy, "fake/session-header")), &token).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("set-cookie").is_none(), "{:?}", r.headers());
        answers.push(format!("{:?}", r.headers()));
    });
    // Salesforce saw the org's real token; no answer carried it.
    let seen = env.server.rest_requests();
    assert_eq!(seen.len(), 15);
    for request in &seen {
        let auth = request.header("authorization").unwrap();
        assert!(auth.starts_with(&format!("Bearer {ACCESS_TOKEN_PREFIX}")));
    }
    for secret in env.server.issued_secrets() {
        assert!(answers.iter().all(|a| !a.contains(&secret)));
    }
    // A graceful stop: every log line is written.
    proxy.terminate();
    let log = log(&env);
    assert_eq!(log.matches("proxy request").count(), 15, "{log}");
    assert!(log.contains("path=/services/data/v62.0/query?q=…"), "{log}");
    // One line says all of it: org, method, path, status, latency, bytes, refresh, completeness.
    let line = log
        .lines()
        .find(|l| l.contains("method=POST path=/services/data/v62.0/fake/echo "))
        .unwrap_or_else(|| panic!("no line for the echo: {log}"));
    for field in [
        "proxy request org=fwd ",
        " status=200 ",
        " latency_ms=",
        " duration_ms=",
        " bytes=",
        " refreshed=false complete=true",
    ] {
        assert!(line.contains(field), "{field:?} is not in {line}");
    }
    assert!(!log.contains("SELECT"), "{log}");
    assert!(!log.contains(&token), "the proxy token is in the log");
    env.assert_no_secrets_on_disk();
}

/// `.json()` needs reqwest's json feature; the text is enough here.
trait JsonText {
    async fn json_text(self) -> serde_json::Value;
}

impl JsonText for reqwest::Response {
    async fn json_text(self) -> serde_json::Value {
        let text = self.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }
}

#[test]
fn fifty_requests_on_an_expired_session_cause_one_refresh_and_all_succeed() {
    let mut env = TestEnv::new("proxy-storm");
    // The org rotates its refresh token: the renewal in the storm rotates it once more.
    env.add_org("storm", false, |g| g.with(Behaviour::Rotate));
    let proxy = RunningProxy::start(&env, "storm", &[]);
    // No access token was stored yet: the proxy got one as it started.
    assert_eq!(env.server.token_requests(), 1);
    env.server.expire_access_tokens();
    let (query, echo) = (api(&proxy, "query?q=x"), api(&proxy, "fake/echo"));
    let token = proxy.token().to_string();
    runtime().block_on(async {
        let client = client();
        let mut tasks = Vec::new();
        for i in 0..50 {
            let (client, query, echo, token) =
                (client.clone(), query.clone(), echo.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let request = if i % 5 == 0 {
                    client.post(echo).body(format!("body-{i}"))
                } else {
                    client.get(query)
                };
                let r = request.bearer_auth(token).send().await.unwrap();
                (i, r.status().as_u16(), r.text().await.unwrap())
            }));
        }
        for task in tasks {
            let (i, status, body) = task.await.unwrap();
            assert_eq!(status, 200, "request {i}: {body}");
            if i % 5 == 0 {
                // Replayed with its body.
                assert!(body.contains(&format!("\"body\":\"body-{i}\"")), "{body}");
            }
        }
    });
    assert_eq!(
        env.server.token_requests(),
        2,
        "one refresh for the whole storm"
    );
    let answered_401 = env.server.rest_requests().len() - 50;
    assert!(answered_401 >= 1, "no request met the expired session");
    let store = env.store();
    let org = store.find("storm").unwrap();
    let stored = store
        .secret(&org.id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    assert!(
        env.server.is_live(stored.expose_secret()),
        "the rotated refresh token was not saved"
    );
    proxy.terminate();
    let log = log(&env);
    assert!(log.contains("refreshed=true"), "{log}");
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_storm_while_another_sfkey_rotates_the_refresh_token_loses_nothing() {
    let mut env = TestEnv::new("proxy-storm-rotation");
    // Each refresh rotates, slowly enough for the two refreshes to overlap.
    env.add_org("rot", false, |g| {
        g.with(Behaviour::Rotate)
            .delayed(std::time::Duration::from_millis(300))
    });
    let proxy = RunningProxy::start(&env, "rot", &[]);
    env.server.expire_access_tokens();
    // Another sfkey refreshes the org as the storm meets the expired session.
    let other = env
        .cmd(&["refresh", "rot"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (query, token) = (api(&proxy, "query?q=x"), proxy.token().to_string());
    runtime().block_on(async {
        let client = client();
        let tasks: Vec<_> = (0..30)
            .map(|_| {
                let (client, query, token) = (client.clone(), query.clone(), token.clone());
                tokio::spawn(async move { send(client.get(query), &token).await.status() })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), 200);
        }
    });
    let other = other.wait_with_output().unwrap();
    assert!(other.status.success(), "{}", common::stderr(&other));
    // The proxy's start, the other refresh, and at most one of the proxy's (none when the other
    // one's token was stored before the storm needed it): each with the newest refresh token.
    let tokens = env.server.token_requests();
    assert!((3..=4).contains(&tokens), "{tokens} token requests");
    let store = env.store();
    let org = store.find("rot").unwrap();
    let stored = store
        .secret(&org.id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    assert!(env.server.is_live(stored.expose_secret()));
    assert_eq!(env.server.live_refresh_tokens().len(), 1);
    proxy.terminate();
    assert!(!log(&env).contains("renewing the access token failed"));
    env.assert_no_secrets_on_disk();
}

#[test]
fn exec_proxy_gives_the_child_a_proxy_never_a_token_and_passes_its_exit_code_on() {
    assert!(
        std::process::Command::new("curl")
            .arg("--version")
            .output()
            .is_ok(),
        "this test runs curl: apt-get install -y curl (.ci/test installs it)"
    );
    let mut env = TestEnv::new("proxy-exec");
    env.add_org("ex", false, |g| g);
    assert_success(&env.run(&["refresh", "ex"], ""));
    // Plain env hands out the real token under the names the sf CLI reads too.
    let plain = stdout(&env.run(&["env", "ex"], ""));
    assert!(
        plain.contains(&format!("export SF_TARGET_ORG='{ACCESS_TOKEN_PREFIX}")),
        "{plain}"
    );
    assert!(
        plain.contains("export SF_ORG_INSTANCE_URL='http://127.0.0.1:"),
        "{plain}"
    );
    // So does plain exec.
    let out = env.run(
        &[
            "exec",
            "ex",
            "--",
            "sh",
            "-c",
            "echo \"$SF_TARGET_ORG $SF_ORG_INSTANCE_URL\"",
        ],
        "",
    );
    let text = stdout(&out);
    assert!(text.starts_with(ACCESS_TOKEN_PREFIX), "{text}");
    assert!(text.contains(&format!(" {}", env.server.url())), "{text}");
    // The stored token is dead by the time the child uses it: the proxy renews it.
    env.server.expire_access_tokens();
    let script = r#"curl -sS -f -H "Authorization: Bearer $SF_ACCESS_TOKEN" "$SF_INSTANCE_URL/services/data/v62.0/query?q=SELECT+Id"; echo; echo "target=$SF_TARGET_ORG"; echo "url=$SF_ORG_INSTANCE_URL"; echo "name=$SF_ORG_NAME"; exit 7"#;
    let out = env.run(&["exec", "--proxy", "ex", "--", "sh", "-c", script], "");
    assert_eq!(out.status.code(), Some(7), "{}", common::stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("\"totalSize\":1"), "{text}");
    assert!(text.contains(&format!("target={FAKE_ORG_ID}!")), "{text}");
    assert!(text.contains("url=http://127.0.0.1:"), "{text}");
    assert!(text.contains("/ex\n"), "{text}");
    assert!(text.contains("name=ex"), "{text}");
    for secret in env.server.issued_secrets() {
        assert!(!text.contains(&secret), "the child saw a Salesforce token");
    }
    // Ctrl-C reaches sfkey too: it stays for the child and passes its exit code on.
    let interrupted = r#"kill -INT $PPID; sleep 0.3; curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SF_ACCESS_TOKEN" "$SF_INSTANCE_URL/services/data/v62.0/limits"; exit 5"#;
    let out = env.run(
        &["exec", "--proxy", "ex", "--", "sh", "-c", interrupted],
        "",
    );
    assert_eq!(out.status.code(), Some(5), "{}", common::stderr(&out));
    assert_eq!(stdout(&out), "200");
    env.assert_no_secrets_on_disk();
}

/// PATH with Node 24, sf and newman first, as `.ci/sf-cli` installs them.
fn node_tools_path() -> String {
    let tools = std::env::var("SFKEY_SF_CLI_PATH").expect(
        "SFKEY_SF_CLI_PATH: run this test through .ci/sf-cli, which installs sf and newman",
    );
    format!("{tools}:{}", std::env::var("PATH").unwrap_or_default())
}

#[test]
#[ignore = "needs the real sf CLI (Node 24, ~600 MB): .ci/test runs it through .ci/sf-cli"]
fn sf_cli_queries_through_exec_proxy_and_its_expired_session_is_renewed() {
    let mut env = TestEnv::new("proxy-sf-cli");
    env.add_org("sfc", false, |g| g);
    assert_success(&env.run(&["refresh", "sfc"], ""));
    env.server.expire_access_tokens();
    let home = env.dir.join("sf-home");
    std::fs::create_dir_all(&home).unwrap();
    let path = node_tools_path();
    let out = env
        .cmd(&[
            "exec", "--proxy", "sfc", "--", "sf", "data", "query", "--json",
        ])
        .args(["-q", "SELECT Id, Name FROM Organization"])
        .env("PATH", path)
        .env("HOME", &home)
        .env("SF_USE_GENERIC_UNIX_KEYCHAIN", "true")
        .env("SF_DISABLE_AUTOUPDATE", "true")
        .env("SF_DISABLE_TELEMETRY", "true")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", common::stderr(&out));
    assert!(text.contains("\"Fake Org\""), "{text}");
    assert_eq!(
        env.server.token_requests(),
        2,
        "sf's first call renewed the session once"
    );
    for secret in env.server.issued_secrets() {
        assert!(!text.contains(&secret), "sf printed a Salesforce token");
    }
    env.assert_no_secrets_on_disk();
}

#[test]
#[ignore = "needs newman (npm): .ci/test runs it through .ci/sf-cli"]
fn newman_runs_salesforces_collection_through_the_proxy() {
    let mut env = TestEnv::new("proxy-newman");
    env.add_org("pm", false, |g| g);
    let proxy = RunningProxy::start(&env, "pm", &[]);
    // The session ends before the run: the first request renews it.
    env.server.expire_access_tokens();
    let collection = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/proxy/salesforce-apis.postman_collection.json"
    );
    let path = node_tools_path();
    let out = std::process::Command::new("newman")
        .args(["run", collection, "--color", "off", "--env-var"])
        .arg(format!("_endpoint={}", proxy.url()))
        .arg("--env-var")
        .arg(format!("_accessToken={}", proxy.token()))
        .env("PATH", path)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", common::stderr(&out));
    assert!(text.contains("assertions"), "{text}");
    assert!(!text.contains("AssertionError"), "{text}");
    assert_eq!(
        env.server.rest_requests().len(),
        5,
        "four requests and one replay"
    );
    assert_eq!(env.server.token_requests(), 2);
    drop(proxy);
    env.assert_no_secrets_on_disk();
}
