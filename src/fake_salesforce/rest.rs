//! The fake's REST API under `/services/data/`: enough of Salesforce's to test what sits in
//! front of it (the proxy). Every call but the version list needs a live access token, and a
//! dead one gets Salesforce's `INVALID_SESSION_ID` 401. Besides a query and a create (with a
//! `Location`), a few test-only resources under `vNN.0/fake/`: `echo` (what arrived),
//! `large?bytes=N` (a streamed body of N bytes), `slow?ms=N` (a late answer),
//! `session-header` (the session id in a `Set-Cookie`).

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use super::api::{invalid_session, live_access_token};
use super::token_answer::random_hex;
use super::wire::{http_date, json_reply};
use super::{FAKE_ORG_ID, RecordedRequest, Shared};

/// The API version the fake lists.
pub const API_VERSION: &str = "62.0";
/// Largest body `fake/large` will send: 4 GiB.
const LARGE_MAX: u64 = 4 << 30;

/// What the REST API answers.
pub(super) enum Reply {
    /// A whole answer.
    Bytes(Vec<u8>),
    /// `200 OK` with this many bytes of body, written as they go.
    Large(u64),
}

/// The answer when the request is for the REST API; `None` otherwise.
pub(super) fn answer(request: &RecordedRequest, shared: &Shared, gzip: bool) -> Option<Reply> {
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    let rest = path.strip_prefix("/services/data")?;
    if rest.is_empty() || rest == "/" {
        let body = serde_json::json!([{
            "label": "Winter '25", "url": format!("/services/data/v{API_VERSION}"), "version": API_VERSION
        }]);
        return Some(Reply::Bytes(json_reply(
            200,
            &body.to_string(),
            gzip,
            false,
        )));
    }
    if live_access_token(request, shared).is_none() {
        return Some(Reply::Bytes(invalid_session(gzip)));
    }
    // `/vNN.0/what/else`: the version is not checked.
    let resource = rest
        .trim_start_matches('/')
        .split_once('/')
        .map_or("", |(_, r)| r);
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let base = &shared.base_url;
    let reply = match (request.method.as_str(), resource) {
        // The sf CLI asks for the columns first (`&columns=true`).
        ("GET", "query" | "query/") if query.split('&').any(|kv| kv == "columns=true") => {
            json_reply(200, &columns().to_string(), gzip, false)
        }
        ("GET", "query" | "query/") => {
            let body = serde_json::json!({
                "totalSize": 1, "done": true,
                "records": [{"attributes": {"type": "Organization"}, "Id": FAKE_ORG_ID, "Name": "Fake Org"}],
            });
            json_reply(200, &body.to_string(), gzip, false)
        }
        ("GET", "" | "/") => {
            let version = format!("/services/data/v{API_VERSION}");
            let body = serde_json::json!({
                "limits": format!("{version}/limits"), "query": format!("{version}/query"),
                "sobjects": format!("{version}/sobjects"),
            });
            json_reply(200, &body.to_string(), gzip, false)
        }
        ("GET", "limits" | "limits/") => {
            let body = serde_json::json!({"DailyApiRequests": {"Max": 15000, "Remaining": 14998}});
            json_reply(200, &body.to_string(), gzip, false)
        }
        ("POST", "sobjects/Account" | "sobjects/Account/") => {
            let id = format!("001{}", &random_hex(8)[..15]);
            let location = format!("{base}/services/data/v{API_VERSION}/sobjects/Account/{id}");
            let body = serde_json::json!({"id": id, "success": true, "errors": []}).to_string();
            with_header(json_reply(201, &body, gzip, false), "Location", &location)
        }
        // An answer that names the session in a header, as some endpoints do with a cookie.
        ("GET", "fake/session-header") => {
            let token = live_access_token(request, shared).unwrap_or_default();
            with_header(
                json_reply(200, "{}", gzip, false),
                "Set-Cookie",
                &format!("sid={token}; Path=/"),
            )
        }
        (_, "fake/echo") => json_reply(200, &echo(request).to_string(), gzip, false),
        ("GET", "fake/large") => return Some(Reply::Large(param("bytes")?.min(LARGE_MAX))),
        ("GET", "fake/slow") => {
            std::thread::sleep(Duration::from_millis(param("ms").unwrap_or(1000)));
            json_reply(200, r#"{"slow":true}"#, gzip, false)
        }
        _ => {
            let body =
                r#"[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]"#;
            json_reply(404, body, gzip, false)
        }
    };
    Some(Reply::Bytes(reply))
}

/// The column metadata of the fake's one query (`Id`, `Name` of `Organization`).
fn columns() -> serde_json::Value {
    let column = |name: &str, label: &str, apex: &str| {
        serde_json::json!({
            "aggregate": false, "apexType": apex, "booleanType": false, "columnName": name,
            "custom": false, "displayName": label, "foreignKeyName": null, "insertable": false,
            "joinColumns": [], "numberType": false, "textType": apex == "String", "updatable": false,
        })
    };
    serde_json::json!({
        "columnMetadata": [column("Id", "Organization ID", "Id"), column("Name", "Name", "String")],
        "entityName": "Organization", "groupBy": false, "idSelected": true, "keyPrefix": "00D",
    })
}

/// What arrived: method, path, headers (but the bearer token), body length and a short body.
fn echo(request: &RecordedRequest) -> serde_json::Value {
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers
        .iter()
        .filter(|(k, _)| k != "authorization")
        .map(|(k, v)| (k.clone(), v.clone().into()))
        .collect();
    let short = (request.body_len <= 64 * 1024).then(|| String::from_utf8_lossy(&request.body));
    serde_json::json!({
        "method": request.method,
        "path": request.path,
        "headers": headers,
        "body_len": request.body_len,
        "body": short,
    })
}

/// Adds a header to an answer built by `json_reply` (after its status line).
pub(super) fn with_header(mut reply: Vec<u8>, name: &str, value: &str) -> Vec<u8> {
    let at = reply
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(0, |p| p + 2);
    let line = format!("{name}: {value}\r\n");
    reply.splice(at..at, line.into_bytes());
    reply
}

/// Writes `200 OK` and `len` bytes of a repeating pattern, 64 KiB at a time, never all in
/// memory.
pub(super) fn write_large(out: &mut impl Write, len: u64) -> io::Result<()> {
    let date = http_date(SystemTime::now());
    write!(
        out,
        "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\n\r\n"
    )?;
    let block: Vec<u8> = (0..64 * 1024).map(|i| b'a' + (i % 26) as u8).collect();
    let mut left = len;
    while left > 0 {
        let n = block
            .len()
            .min(usize::try_from(left).unwrap_or(block.len()));
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    out.flush()
}
