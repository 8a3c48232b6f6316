//! Logging in from a machine without a browser: the device flow against the fake (pending,
//! slow_down, expiry), through the library and through the real binary, with the real keyring.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::{Duration, Instant};

use common::login::{lines_until, rest, runtime, spawn_login, target};
use common::{TestEnv, assert_success};
use sfkey::fake_salesforce::{DeviceScript, LoginClient};
use sfkey::login::{DeviceLogin, DevicePolling, LoginError, LoginTarget};
use sfkey::salesforce::{HttpClient, HttpSettings};

/// A device-flow client with a fresh, marked secret whose polls are "pending" `pending` times
/// before the login goes through; returns the secret.
fn device_client(env: &mut TestEnv, client_id: &str, pending: u32) -> String {
    let secret = format!("cs-TESTSECRET-{}", common::random_hex(6));
    env.secrets_used.push(secret.clone());
    let mut client = LoginClient::new(client_id, Some(&secret), "unused");
    client.device = DeviceScript {
        unavailable: 0,
        slow_down: 0,
        pending,
        interval_s: 1,
        expires_in_s: None,
    };
    env.server.add_login_client(client);
    secret
}

#[test]
fn cli_device_login_polls_through_pending_then_stores() {
    let mut env = TestEnv::new("login-device-cli");
    let secret = device_client(&mut env, "3MVG9device", 2);
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
            unavailable: 0,
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
            unavailable: 0,
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

#[test]
fn device_login_polls_on_through_a_few_server_errors_but_not_forever() {
    let env = TestEnv::new("login-device-503");
    let script = |unavailable| DeviceScript {
        unavailable,
        slow_down: 0,
        pending: 1,
        interval_s: 1,
        expires_in_s: None,
    };
    let rt = runtime();
    let client = HttpClient::new(&HttpSettings::default()).unwrap();
    let run = |target| {
        rt.block_on(async {
            let login = DeviceLogin::start(&client, target).await.unwrap();
            login
                .finish(&client, &DevicePolling::default(), std::future::pending())
                .await
                .map_err(|e| e.to_string())
        })
    };
    // Two 503 pages, then pending, then approved.
    let logged_in = run(device_target(&env, script(2))).unwrap();
    assert!(logged_in.userinfo.is_ok());
    assert_eq!(env.server.device_poll_gaps().len(), 3);
    // Four in a row: Salesforce is down, and the login says so.
    let env = TestEnv::new("login-device-503-down");
    let err = run(device_target(&env, script(4))).unwrap_err();
    assert!(err.contains("503"), "{err}");
}

#[test]
fn the_already_saved_hint_repeats_the_flags_the_user_gave() {
    let mut env = TestEnv::new("login-device-hint");
    let secret = device_client(&mut env, "3MVG9hint", 0);
    let url = env.server.url().to_string();
    let login = |name: &str| {
        let args = [
            "login",
            name,
            "--device",
            "--login-url",
            &url,
            "--client-id",
            "3MVG9hint",
        ];
        let (child, rx) = spawn_login(&env, &args, &format!("{secret}\n"));
        let out = child.wait_with_output().unwrap();
        (out, rest(&rx))
    };
    let (out, err) = login("dev1");
    assert!(out.status.success(), "{err}");
    let (out, err) = login("dev2");
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "`sfkey login dev1 --update --device --client-id 3MVG9hint --login-url {url}`"
        )),
        "{err}"
    );
}
