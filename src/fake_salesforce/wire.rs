//! HTTP/1.1 on the wire, by hand: reading a request, and writing answers with the exact
//! header order, gzip and chunking that Salesforce uses.

use std::io::{self, BufRead, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use super::RecordedRequest;

pub(super) fn read_request(reader: &mut impl BufRead) -> io::Result<Option<RecordedRequest>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Ok(None);
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let chunked = header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let mut body = KeptBody::default();
    if chunked {
        read_chunked(reader, &mut body)?;
    } else {
        let length = header("content-length")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        body.copy_from(reader, length)?;
    }
    let form =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body.kept).unwrap_or_default();
    Ok(Some(RecordedRequest {
        method,
        path,
        headers,
        form,
        body: body.kept,
        body_len: body.len,
    }))
}

/// The first [`KEPT_BODY`] bytes of a request body, and its whole length: uploads of any size
/// are read (and counted) without being held in memory.
#[derive(Default)]
struct KeptBody {
    kept: Vec<u8>,
    len: u64,
}

/// How much of a request body the fake keeps.
pub(super) const KEPT_BODY: usize = 1024 * 1024;

impl KeptBody {
    fn copy_from(&mut self, reader: &mut impl BufRead, mut length: u64) -> io::Result<()> {
        let mut buf = [0u8; 64 * 1024];
        while length > 0 {
            let want = buf.len().min(usize::try_from(length).unwrap_or(buf.len()));
            reader.read_exact(&mut buf[..want])?;
            let room = KEPT_BODY.saturating_sub(self.kept.len()).min(want);
            self.kept.extend_from_slice(&buf[..room]);
            self.len += want as u64;
            length -= want as u64;
        }
        Ok(())
    }
}

/// A `Transfer-Encoding: chunked` body (RFC 9112 section 7.1); trailers are skipped.
fn read_chunked(reader: &mut impl BufRead, body: &mut KeptBody) -> io::Result<()> {
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or_default();
        let size = u64::from_str_radix(size.trim(), 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            // Trailer fields, then the empty line.
            loop {
                let mut trailer = String::new();
                if reader.read_line(&mut trailer)? == 0 || trailer.trim().is_empty() {
                    return Ok(());
                }
            }
        }
        body.copy_from(reader, size)?;
        let mut crlf = String::new();
        reader.read_line(&mut crlf)?;
    }
}

/// Salesforce's token answer headers, in the seed's order; gzip and chunked like the real thing.
pub(super) fn json_reply(status: u16, body: &str, gzip: bool, cookies: bool) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "Too Many Requests",
        _ => "Error",
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
    let headers = [
        ("Date", http_date(SystemTime::now())),
        (
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains".into(),
        ),
        ("X-Content-Type-Options", "nosniff".into()),
        ("X-XSS-Protection", "1; mode=block".into()),
        ("X-Robots-Tag", "none".into()),
        (
            "Cache-Control",
            "no-cache,must-revalidate,max-age=0,no-store,private".into(),
        ),
        ("Expires", "Thu, 01 Jan 1970 00:00:00 GMT".into()),
        ("Content-Type", "application/json;charset=UTF-8".into()),
        ("Vary", "Accept-Encoding".into()),
    ];
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        if cookies && k == "Date" {
            out.extend_from_slice(b"Set-Cookie: BrowserId=fakeA; Path=/; Secure\r\n");
        }
    }
    if cookies {
        out.extend_from_slice(b"Set-Cookie: CookieConsentPolicy=0:1; Path=/; Secure\r\n");
    }
    let payload = if gzip {
        out.extend_from_slice(b"Content-Encoding: gzip\r\n");
        // The fastest level: the fake's own time is paid by curl and sfkey alike in benches/cli.sh.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = encoder.write_all(body.as_bytes());
        encoder.finish().unwrap_or_default()
    } else {
        body.as_bytes().to_vec()
    };
    out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
    // Two chunks, so clients must really reassemble.
    let split = payload.len() / 2;
    for chunk in [&payload[..split], &payload[split..]] {
        if !chunk.is_empty() {
            out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

pub(super) fn html(status: u16, reason: &str, title: &str) -> Vec<u8> {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n<body><h1>{title}</h1><p>Please check back soon.</p></body></html>\n"
    );
    format!(
        "HTTP/1.1 {status} {reason}\r\nDate: {}\r\nContent-Type: text/html;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        http_date(SystemTime::now()),
        body.len()
    )
    .into_bytes()
}

/// An IMF-fixdate (`Thu, 16 Nov 2023 15:34:45 GMT`).
pub fn http_date(at: SystemTime) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(m - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's algorithm.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn http_date_matches_the_seed_format() {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_148_885);
        assert_eq!(http_date(at), "Thu, 16 Nov 2023 15:34:45 GMT");
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
