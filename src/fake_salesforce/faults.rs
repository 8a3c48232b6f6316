//! Answers that go wrong on the wire, for the transport-failure tests: a redirect, a connection
//! that breaks mid-body, a 50 MB body, and a gzip bomb (small on the wire, huge decoded).

use std::io::Write;
use std::sync::OnceLock;
use std::time::SystemTime;

use super::Behaviour;
use super::wire::http_date;

/// Where [`Behaviour::Redirect`] points, as a Lightning login page would.
pub const REDIRECT_LOCATION: &str = "https://acme.my.salesforce.com/services/oauth2/token";
/// Size of [`Behaviour::Huge`]'s body.
pub const HUGE_BODY: usize = 50 * 1024 * 1024;
/// Decoded size of [`Behaviour::GzipBomb`]'s body.
pub const BOMB_DECODED: usize = 64 * 1024 * 1024;

/// The bytes of a faulty answer. Answers that end the connection say `Connection: close`,
/// and [`closes`] tells the server loop to do so.
pub(super) fn reply(fault: &Behaviour) -> Vec<u8> {
    let date = http_date(SystemTime::now());
    match fault {
        Behaviour::Redirect => format!(
            "HTTP/1.1 302 Found\r\nDate: {date}\r\nLocation: {REDIRECT_LOCATION}\r\nContent-Type: text/html;charset=UTF-8\r\nContent-Length: 0\r\n\r\n"
        )
        .into_bytes(),
        Behaviour::ResetMidBody => {
            // Headers promise 400 bytes; a third of a token answer comes, then the close.
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: 400\r\nConnection: close\r\n\r\n"
            )
            .into_bytes();
            out.extend_from_slice(br#"{"access_token":"00D5g000004FAKE!AR_cut_off_here","#);
            out
        }
        Behaviour::Huge => {
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {HUGE_BODY}\r\nConnection: close\r\n\r\n"
            )
            .into_bytes();
            out.reserve(HUGE_BODY);
            out.extend_from_slice(br#"{"padding":""#);
            out.resize(out.len() + HUGE_BODY - 15, b'x');
            out.extend_from_slice(br#""}"#);
            out.push(b'\n');
            out
        }
        Behaviour::GzipBomb => {
            let bomb = gzip_bomb();
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                bomb.len()
            )
            .into_bytes();
            out.extend_from_slice(bomb);
            out
        }
        _ => Vec::new(),
    }
}

/// Whether the server should close the connection after sending `reply`.
pub(super) fn closes(reply: &[u8]) -> bool {
    let head_end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(reply.len());
    String::from_utf8_lossy(&reply[..head_end])
        .to_ascii_lowercase()
        .contains("\r\nconnection: close")
}

/// 64 MiB of JSON whitespace around a token-shaped object, gzipped once (about 64 KB).
fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let spaces = vec![b' '; 1024 * 1024];
        let _ = encoder.write_all(b"{\"access_token\":\"00D5g000004FAKE!ARbomb\"");
        for _ in 0..BOMB_DECODED / spaces.len() {
            let _ = encoder.write_all(&spaces);
        }
        let _ = encoder.write_all(b"}");
        encoder.finish().unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn the_bomb_is_small_on_the_wire_and_huge_decoded() {
        let bomb = gzip_bomb();
        assert!(bomb.len() < 512 * 1024, "{}", bomb.len());
        let mut decoded = 0u64;
        let mut decoder = flate2::read::GzDecoder::new(bomb);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = decoder.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            decoded += n as u64;
        }
        assert!(decoded > BOMB_DECODED as u64);
    }

    #[test]
    fn only_answers_that_say_so_close() {
        assert!(closes(&reply(&Behaviour::ResetMidBody)));
        assert!(!closes(&reply(&Behaviour::Redirect)));
    }
}
