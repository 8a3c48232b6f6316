//! The idle timeout ends silences, never slow work: an answer that starts late (within
//! `--timeout`) and an upload that keeps moving go through; a client or an instance that stops
//! sending is cut off, and an idle client connection is closed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use crate::common::{TestEnv, assert_success};
use crate::harness::{RunningProxy, log};

/// A client connection to the proxy that gives up reading after 15 s (far beyond the 1 s idle
/// timeout of these tests).
fn connect(proxy: &RunningProxy) -> TcpStream {
    let stream = TcpStream::connect(proxy.authority()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream
}

/// Everything the proxy sends until it closes; panics if it stays open for 15 s.
fn read_all(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the proxy should have closed the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn slow_answers_and_long_uploads_pass_and_silent_clients_are_cut_off() {
    let mut env = TestEnv::new("proxy-timeouts");
    env.add_org("slow", false, |g| g);
    let args = ["--idle-timeout", "1s", "--timeout", "4s"];
    let proxy = RunningProxy::start(&env, "slow", &args);
    let head = |method: &str, path: &str, extra: &str| {
        format!(
            "{method} /slow/services/data/v62.0/{path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n{extra}\r\n",
            proxy.authority(),
            proxy.token()
        )
    };

    // An answer that starts after 2 s: longer than the idle timeout, within --timeout.
    let mut stream = connect(&proxy);
    stream
        .write_all(head("GET", "fake/slow?ms=2000", "").as_bytes())
        .unwrap();
    let answer = read_all(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // A 9 MiB upload (streamed, over the replay limit) that takes 5 s, longer than --timeout,
    // and never pauses for a whole second.
    const CHUNK: usize = 9 * 1024 * 1024 / 20;
    let mut stream = connect(&proxy);
    let length = format!("Content-Length: {}\r\n", CHUNK * 20);
    stream
        .write_all(head("POST", "fake/echo", &length).as_bytes())
        .unwrap();
    for _ in 0..20 {
        stream.write_all(&vec![b'u'; CHUNK]).unwrap();
        std::thread::sleep(Duration::from_millis(250));
    }
    let answer = read_all(&mut stream);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..200.min(answer.len())]
    );
    assert!(answer.contains(&format!("\"body_len\":{}", CHUNK * 20)));

    // A client that stops in the middle of its body: 408, and nothing goes to Salesforce.
    let before = env.server.rest_requests().len();
    let mut stream = connect(&proxy);
    stream
        .write_all(head("POST", "fake/echo", "Content-Length: 100\r\n").as_bytes())
        .unwrap();
    stream.write_all(b"only ten..").unwrap();
    let answer = read_all(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("SFKEY_PROXY_CLIENT_TIMEOUT"), "{answer}");
    assert_eq!(env.server.rest_requests().len(), before);

    // A connection that never sends a request is closed.
    let mut idle = connect(&proxy);
    assert_eq!(read_all(&mut idle), "");
    drop(proxy);
    env.assert_no_secrets_on_disk();
}

#[test]
fn an_instance_that_stops_in_the_middle_of_its_answer_is_cut_off() {
    let mut env = TestEnv::new("proxy-stall");
    env.add_org("stall", false, |g| g);
    assert_success(&env.run(&["refresh", "stall"], ""));
    // An instance that sends its headers and 10 of 100 bytes, then nothing for a minute.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let instance = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789",
                );
                std::thread::sleep(Duration::from_secs(60));
            });
        }
    });
    let store = env.store();
    let org = store.find("stall").unwrap();
    store
        .update(&org.id, |o| o.instance_url = Some(instance))
        .unwrap();
    let proxy = RunningProxy::start(&env, "stall", &["--idle-timeout", "1s"]);
    let mut stream = connect(&proxy);
    write!(
        stream,
        "GET /stall/services/data/v62.0/limits HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        proxy.authority(),
        proxy.token()
    )
    .unwrap();
    let answer = read_all(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("0123456789"), "{answer}");
    proxy.terminate();
    let log = log(&env);
    assert!(log.contains("status=200"), "{log}");
    assert!(
        log.contains("bytes=10 refreshed=false complete=false"),
        "{log}"
    );
    env.assert_no_secrets_on_disk();
}
