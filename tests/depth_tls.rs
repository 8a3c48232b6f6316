//! TLS with a certificate the system does not trust, as behind a corporate TLS-inspecting
//! proxy: sfkey names it a TLS failure and points at `SSL_CERT_FILE`, and with `SSL_CERT_FILE`
//! set to the proxy's CA the same refresh works. The server is a loopback TLS endpoint with a
//! test-only CA (tests/fixtures/tls) that gives one canned token answer per connection.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{TestEnv, assert_fails_with, assert_success, stdout};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use secrecy::SecretString;
use sfkey::org::Org;
use sfkey::store::NewSecrets;

const ACCESS_TOKEN: &str = "00D5g000004TLSTEST!ARtlsAccessTokenTESTSECRET";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// Serves `connections` TLS connections on localhost; returns the port.
fn tls_server(connections: usize) -> u16 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(stream) = stream else { continue };
            let config = Arc::clone(&config);
            std::thread::spawn(move || answer(stream, config));
        }
    });
    port
}

/// Reads one request and answers with a token, then closes. A failed handshake just ends.
fn answer(stream: std::net::TcpStream, config: Arc<rustls::ServerConfig>) {
    let conn = rustls::ServerConnection::new(config).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut reader = BufReader::new(&mut tls);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let token = format!(
        r#"{{"access_token":"{ACCESS_TOKEN}","instance_url":"https://localhost","id":"https://localhost/id/00D5g000004TLSEAA/0055g00000TLSUAAQ","token_type":"Bearer","issued_at":"1795694400000"}}"#
    );
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{token}",
        token.len()
    );
    let _ = tls.write_all(reply.as_bytes());
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

#[test]
fn an_untrusted_certificate_names_ssl_cert_file_and_ssl_cert_file_fixes_it() {
    let mut env = TestEnv::new("depth-tls");
    let port = tls_server(2);
    env.secrets_used
        .extend([ACCESS_TOKEN.to_string(), "5Aep861TESTSECRETtls".into()]);
    env.store()
        .add(
            Org::new("proxied", format!("https://localhost:{port}"), "3MVG9tls"),
            NewSecrets {
                client_secret: None,
                refresh_token: SecretString::from("5Aep861TESTSECRETtls"),
            },
        )
        .unwrap();

    let out = env
        .cmd(&["refresh", "proxied"])
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let err = assert_fails_with(&out, "the TLS handshake failed");
    assert!(err.contains("SSL_CERT_FILE"), "{err}");
    assert!(err.contains("certificate"), "{err}");
    assert!(!err.contains("may have reached Salesforce"), "{err}");

    let out = env
        .cmd(&["token", "proxied"])
        .env("SSL_CERT_FILE", fixture("ca.pem"))
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), ACCESS_TOKEN);
    env.assert_no_secrets_on_disk();
}
