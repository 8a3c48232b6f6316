//! Big bodies both ways, clients that leave, answers that cannot be replayed, and shutdown.

use std::time::Duration;

use crate::common::TestEnv;
use crate::harness::{RunningProxy, client, log, raw, runtime, send};
use sfkey::proxy::{MAX_REPLAY_BODY, REFRESHED_HEADER};

#[test]
fn big_bodies_stream_both_ways_at_flat_memory_and_a_client_may_leave_mid_stream() {
    let mut env = TestEnv::new("proxy-stream");
    env.add_org("big", false, |g| g);
    let proxy = RunningProxy::start(&env, "big", &[]);
    let token = proxy.token().to_string();
    let data = format!("{}/services/data/v62.0/fake", proxy.url());
    const DOWNLOAD: u64 = 200 * 1024 * 1024;
    runtime().block_on(async {
        let client = client();
        let mut r = send(client.get(format!("{data}/large?bytes={DOWNLOAD}")), &token).await;
        assert_eq!(r.status(), 200);
        let mut got = 0u64;
        while let Some(chunk) = r.chunk().await.unwrap() {
            got += chunk.len() as u64;
        }
        assert_eq!(got, DOWNLOAD);

        // Over the replay limit: streamed to Salesforce as it comes.
        let upload = vec![b'u'; MAX_REPLAY_BODY * 2 + 3];
        let r = send(client.post(format!("{data}/echo")).body(upload), &token).await;
        let echo = r.text().await.unwrap();
        let want = format!("\"body_len\":{}", MAX_REPLAY_BODY * 2 + 3);
        assert!(echo.contains(&want), "{}", &echo[..echo.len().min(300)]);

        // A client that leaves after the first chunk of 1 GiB.
        let mut r = send(
            client.get(format!("{data}/large?bytes={}", 1u64 << 30)),
            &token,
        )
        .await;
        assert!(r.chunk().await.unwrap().is_some());
        drop(r);
        tokio::time::sleep(Duration::from_millis(300)).await;
        // The proxy carries on.
        let r = send(client.get(format!("{data}/echo")), &token).await;
        assert_eq!(r.status(), 200);
    });
    // 200 MB and 16 MiB went through; the proxy never held them (debug build: generous cap).
    let peak_mib = proxy.peak_rss_kib() / 1024;
    assert!(peak_mib < 60, "the proxy's peak RSS was {peak_mib} MiB");
    proxy.terminate();
    let log = log(&env);
    assert!(log.contains("complete=false"), "{log}");
    assert!(log.contains(&format!("bytes={DOWNLOAD}")), "{log}");
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_streamed_body_that_meets_an_expired_session_gets_the_401_with_a_retry_hint() {
    let mut env = TestEnv::new("proxy-noreplay");
    env.add_org("nr", false, |g| g);
    let proxy = RunningProxy::start(&env, "nr", &[]);
    env.server.expire_access_tokens();
    let echo = format!("{}/services/data/v62.0/fake/echo", proxy.url());
    let token = proxy.token().to_string();
    runtime().block_on(async {
        let client = client();
        let body = || vec![b'x'; MAX_REPLAY_BODY + 1];
        let r = send(client.post(&echo).body(body()), &token).await;
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()[REFRESHED_HEADER], "1");
        assert!(r.text().await.unwrap().contains("INVALID_SESSION_ID"));
        // The retry the header promises works.
        let r = send(client.post(&echo).body(body()), &token).await;
        assert_eq!(r.status(), 200);
    });
    assert_eq!(env.server.token_requests(), 2);
    drop(proxy);
    env.assert_no_secrets_on_disk();
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let mut env = TestEnv::new("proxy-term");
    env.add_org("term", false, |g| g);
    let proxy = RunningProxy::start(&env, "term", &[]);
    let head = format!(
        "GET /term/services/data/v62.0/fake/slow?ms=1500 HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}",
        proxy.authority(),
        proxy.token()
    );
    let authority = proxy.authority().to_string();
    let in_flight = std::thread::spawn(move || raw(&authority, &head));
    std::thread::sleep(Duration::from_millis(500));
    let (status, stderr) = proxy.terminate();
    assert!(status.success(), "{status}: {stderr}");
    let (answered, answer) = in_flight.join().unwrap();
    assert_eq!(answered, 200, "{answer}");
    // Chunked by the fake: `{"slow` and `":true}`.
    assert!(answer.contains("{\"slow"), "{answer}");
    env.assert_no_secrets_on_disk();
}

#[test]
fn expect_100_continue_and_a_chunked_body_work() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut env = TestEnv::new("proxy-expect");
    env.add_org("ch", false, |g| g);
    let proxy = RunningProxy::start(&env, "ch", &[]);
    let mut stream = std::net::TcpStream::connect(proxy.authority()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /ch/services/data/v62.0/fake/echo HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        proxy.authority(),
        proxy.token()
    )
    .unwrap();
    // The proxy asks for the body before sending anything on.
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 100"), "{line}");
    let mut blank = String::new();
    reader.read_line(&mut blank).unwrap();
    assert_eq!(env.server.rest_requests().len(), 0);
    stream
        .write_all(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = reader.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let seen = env.server.rest_requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body, b"hello world");
    // Neither the expectation nor the chunking went upstream as the client sent them.
    assert_eq!(seen[0].header("expect"), None);
    assert_eq!(seen[0].header("content-length"), Some("11"));
    drop(proxy);
    env.assert_no_secrets_on_disk();
}
