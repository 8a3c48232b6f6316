//! HTTP settings users need behind a corporate proxy: an extra CA bundle (`SFKEY_CA_FILE`),
//! `SSL_CERT_FILE`, and `HTTPS_PROXY`/`NO_PROXY`. A real TLS server on loopback (certificates
//! made by `openssl`) forwards to the fake Salesforce; a real CONNECT proxy records what it tunnels.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use common::certs::{make_certificates, server_config};
use common::{TestEnv, assert_fails_with, assert_success, stdout};

/// Reads one HTTP request (head and `Content-Length` body) as bytes.
fn read_request(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
        if line == "\r\n" {
            // The fake closes after answering, so the answer ends at EOF.
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    head.extend(body);
    Some(head)
}

/// HTTPS on 127.0.0.1 with the test CA's certificate, forwarding each request to `backend`.
fn start_tls_server(dir: &Path, backend: String) -> u16 {
    let config = Arc::new(server_config(dir));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let (config, backend) = (Arc::clone(&config), backend.clone());
            thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
                // A client that rejects our certificate ends here.
                let Some(request) = read_request(&mut tls) else {
                    return;
                };
                let mut upstream = TcpStream::connect(&backend).unwrap();
                upstream.write_all(&request).unwrap();
                let mut answer = Vec::new();
                upstream.read_to_end(&mut answer).unwrap();
                let tls = tls.get_mut();
                tls.write_all(&answer).unwrap();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

/// An HTTP CONNECT proxy on loopback that records each tunnel's target.
fn start_connect_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let record = Arc::clone(&record);
            thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let target = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                record.lock().unwrap().push(line.trim().to_string());
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                let mut client = client;
                let mut upstream = TcpStream::connect(&target).unwrap();
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let (mut up_read, mut client_write) =
                    (upstream.try_clone().unwrap(), client.try_clone().unwrap());
                let back = thread::spawn(move || {
                    let _ = std::io::copy(&mut up_read, &mut client_write);
                    let _ = client_write.shutdown(std::net::Shutdown::Write);
                });
                let _ = std::io::copy(&mut reader, &mut upstream);
                let _ = upstream.shutdown(std::net::Shutdown::Write);
                let _ = back.join();
            });
        }
    });
    (port, seen)
}

/// An env with one org whose login URL is the TLS server in front of the fake.
fn tls_env(test: &str) -> (TestEnv, PathBuf, u16) {
    let mut env = TestEnv::new(test);
    let certs = env.dir.join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    make_certificates(&certs);
    let backend = env.server.url().trim_start_matches("http://").to_string();
    let port = start_tls_server(&certs, backend);
    let (secret, refresh) = env.grant("3MVG9tls", true, |g| g);
    let url = format!("https://127.0.0.1:{port}");
    let out = env.run(
        &[
            "add",
            "corp",
            "--login-url",
            &url,
            "--client-id",
            "3MVG9tls",
        ],
        &format!("{}\n{refresh}\n", secret.unwrap_or_default()),
    );
    assert_success(&out);
    (env, certs, port)
}

#[test]
fn an_unknown_ca_is_a_tls_error_that_names_both_settings_and_sends_nothing() {
    let (env, _certs, _) = tls_env("tls-unknown-ca");
    let out = env
        .cmd(&["refresh", "corp"])
        .env_remove("SSL_CERT_FILE")
        .env_remove("SFKEY_CA_FILE")
        .output()
        .unwrap();
    let err = assert_fails_with(&out, "TLS");
    assert!(
        err.contains("SFKEY_CA_FILE") && err.contains("SSL_CERT_FILE"),
        "{err}"
    );
    assert!(
        env.server.requests().is_empty(),
        "nothing may reach Salesforce"
    );
}

#[test]
fn sfkey_ca_file_adds_the_proxy_ca_to_the_system_ones() {
    let (env, certs, _) = tls_env("tls-ca-file");
    let out = env
        .cmd(&["refresh", "corp"])
        .env("SFKEY_CA_FILE", certs.join("ca.pem"))
        .output()
        .unwrap();
    assert_success(&out);
    assert!(
        stdout(&out).contains("Response Status Code = 200"),
        "{}",
        stdout(&out)
    );
    env.assert_no_secrets_on_disk();
}

/// The app takes the same settings: a refresh and a userinfo through the proxy's CA work, and
/// without the CA the TLS failure names both settings.
#[test]
fn the_app_honours_sfkey_ca_file_too() {
    use common::pty::{self, Terminal};
    let (env, certs, _) = tls_env("tls-ca-file-tui");
    let mut cmd = pty::command(&env, &[]);
    cmd.env("SFKEY_CA_FILE", certs.join("ca.pem"));
    cmd.env_remove("SSL_CERT_FILE");
    let mut term = Terminal::spawn(cmd, 100, 30);
    term.wait_for_all(&["corp", "q quit"]);
    term.send("r");
    term.wait_for("corp: HTTP 200 in");
    term.send("u");
    term.wait_for("corp: userinfo: ");
    term.send("q");
    assert!(term.wait_exit().success());

    let mut cmd = pty::command(&env, &[]);
    cmd.env_remove("SFKEY_CA_FILE");
    cmd.env_remove("SSL_CERT_FILE");
    let mut term = Terminal::spawn(cmd, 100, 30);
    term.wait_for_all(&["corp", "q quit"]);
    term.send("r");
    term.wait_for("corp: refresh failed: TLS handshake failed");
    term.wait_for("SFKEY_CA_FILE");
    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
}

#[test]
fn ssl_cert_file_replaces_the_system_store() {
    let (env, certs, _) = tls_env("tls-ssl-cert-file");
    let out = env
        .cmd(&["refresh", "corp"])
        .env("SSL_CERT_FILE", certs.join("ca.pem"))
        .output()
        .unwrap();
    assert_success(&out);
}

#[test]
fn a_missing_or_empty_ca_file_is_named_before_anything_is_sent() {
    let (env, certs, _) = tls_env("tls-bad-ca-file");
    let missing = certs.join("nope.pem");
    let out = env
        .cmd(&["refresh", "corp"])
        .env("SFKEY_CA_FILE", &missing)
        .output()
        .unwrap();
    let err = assert_fails_with(&out, "SFKEY_CA_FILE");
    assert!(
        err.contains("nope.pem") && err.contains("cannot read"),
        "{err}"
    );
    let empty = certs.join("server.ext");
    let out = env
        .cmd(&["refresh", "corp"])
        .env("SSL_CERT_FILE", &empty)
        .output()
        .unwrap();
    let err = assert_fails_with(&out, "SSL_CERT_FILE");
    assert!(
        err.contains("server.ext") && err.contains("no certificate"),
        "{err}"
    );
    assert!(env.server.requests().is_empty());
}

#[test]
fn https_proxy_tunnels_the_refresh_and_no_proxy_bypasses_it() {
    let (env, certs, port) = tls_env("tls-proxy");
    let (proxy_port, seen) = start_connect_proxy();
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let out = env
        .cmd(&["refresh", "corp"])
        .env("SFKEY_CA_FILE", certs.join("ca.pem"))
        .env("HTTPS_PROXY", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        *seen.lock().unwrap(),
        [format!("CONNECT 127.0.0.1:{port} HTTP/1.1")]
    );

    let out = env
        .cmd(&["refresh", "corp"])
        .env("SFKEY_CA_FILE", certs.join("ca.pem"))
        .env("HTTPS_PROXY", &proxy)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "NO_PROXY must bypass the proxy"
    );
    assert_eq!(env.server.requests().len(), 2);
}

/// `sfkey proxy` reaches an https instance through the same settings: the TLS server's CA from
/// `SFKEY_CA_FILE`, the org's token added on the way.
#[test]
fn sfkey_proxy_forwards_to_an_https_instance_trusted_through_sfkey_ca_file() {
    let (env, certs, port) = tls_env("tls-sfkey-proxy");
    let ca = certs.join("ca.pem");
    assert_success(
        &env.cmd(&["refresh", "corp"])
            .env("SFKEY_CA_FILE", &ca)
            .output()
            .unwrap(),
    );
    // The fake names itself as the instance; put the TLS server there instead.
    let store = env.store();
    let org = store.find("corp").unwrap();
    let instance = format!("https://127.0.0.1:{port}");
    store
        .update(&org.id, |o| o.instance_url = Some(instance))
        .unwrap();
    let mut proxy = env
        .cmd(&["proxy", "corp", "--port", "0"])
        .env("SFKEY_CA_FILE", &ca)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines: Vec<String> = BufReader::new(proxy.stdout.take().unwrap())
        .lines()
        .take(6)
        .map(Result::unwrap)
        .collect();
    let export = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("export {name}='")))
            .map(|v| v.trim_end_matches('\'').to_string())
            .unwrap_or_else(|| panic!("no {name} in {lines:?}"))
    };
    let (url, token) = (export("SF_INSTANCE_URL"), export("SF_ACCESS_TOKEN"));
    let authority = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut stream = TcpStream::connect(&authority).unwrap();
    write!(
        stream,
        "GET /corp/services/data/v62.0/query?q=x HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let _ = proxy.kill();
    let _ = proxy.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("totalSize"), "{answer}");
    env.assert_no_secrets_on_disk();
}
