//! Which org a request is for and what path it asks of that org's instance, refusing anything
//! that could leave the instance: absolute URLs, `..` (also percent-encoded), encoded slashes,
//! and `//host` after the org segment.

use hyper::Uri;

/// Where a request goes: the org's name and the path (with its query) on the org's instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The org's name, percent-decoded from the first path segment.
    pub org: String,
    /// Everything after the org segment: starts with `/`, keeps the query as sent.
    pub rest: String,
}

/// Why a request path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// `GET http://host/...`: the proxy only takes paths.
    #[error("absolute URLs are refused: send a path, /ORG/services/...")]
    Absolute,
    /// `/` or `/ORG` alone.
    #[error("the path must start with an org's name: /ORG/services/...")]
    NoOrg,
    /// `.` or `..` as a segment, also percent-encoded.
    #[error("`.` and `..` path segments are refused")]
    DotSegment,
    /// An empty segment (`//`), which some servers read as a host.
    #[error("empty path segments (//) are refused")]
    EmptySegment,
    /// `%2f`, `%5c` or `\`: a separator the instance might decode.
    #[error("encoded slashes and backslashes are refused")]
    Separator,
    /// A `%` not followed by two hex digits, or an org name that is not UTF-8.
    #[error("the path has a malformed percent-escape")]
    BadEscape,
}

/// Splits a request URI into its org and the rest, or says why it is refused.
pub fn split(uri: &Uri) -> Result<Target, PathError> {
    if uri.scheme().is_some() || uri.authority().is_some() {
        return Err(PathError::Absolute);
    }
    let path = uri.path();
    let query = uri.query();
    let trimmed = path.strip_prefix('/').ok_or(PathError::NoOrg)?;
    let (org_raw, rest) = match trimmed.find('/') {
        Some(at) => (&trimmed[..at], &trimmed[at..]),
        None => return Err(PathError::NoOrg),
    };
    if org_raw.is_empty() || rest.len() < 2 {
        return Err(PathError::NoOrg);
    }
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        // A trailing slash (`/query/`) is an empty last segment, and fine.
        if !(segment.is_empty() && i + 1 == segments.len()) {
            check_segment(segment)?;
        }
    }
    let org = String::from_utf8(decode(org_raw)?).map_err(|_| PathError::BadEscape)?;
    let rest = match query {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_string(),
    };
    Ok(Target { org, rest })
}

fn check_segment(segment: &str) -> Result<(), PathError> {
    if segment.contains('\\') {
        return Err(PathError::Separator);
    }
    let decoded = decode(segment)?;
    if decoded.is_empty() {
        return Err(PathError::EmptySegment);
    }
    if decoded == b"." || decoded == b".." {
        return Err(PathError::DotSegment);
    }
    if decoded.iter().any(|b| matches!(b, b'/' | b'\\')) {
        return Err(PathError::Separator);
    }
    Ok(())
}

/// Percent-decodes one segment.
fn decode(segment: &str) -> Result<Vec<u8>, PathError> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(PathError::BadEscape)?;
            let hex = std::str::from_utf8(hex).map_err(|_| PathError::BadEscape)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| PathError::BadEscape)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// The path for the log: query parameter names kept, their values replaced by `…` (a SOQL
/// query or a session id may be in there).
pub fn for_log(rest: &str) -> String {
    match rest.split_once('?') {
        None => rest.to_string(),
        Some((path, query)) => {
            let names: Vec<String> = query
                .split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| match kv.split_once('=') {
                    Some((name, _)) => format!("{name}=…"),
                    None => kv.to_string(),
                })
                .collect();
            format!("{path}?{}", names.join("&"))
        }
    }
}

/// Percent-encodes an org name for the proxy's URLs.
pub fn encode_org(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(raw: &str) -> Result<Target, PathError> {
        split(&raw.parse::<Uri>().expect("uri"))
    }

    #[test]
    fn a_path_splits_into_org_and_rest_with_its_query() {
        let t = target("/prod/services/data/v62.0/query?q=SELECT+Id").unwrap();
        assert_eq!(t.org, "prod");
        assert_eq!(t.rest, "/services/data/v62.0/query?q=SELECT+Id");
        assert_eq!(target("/my%20org/services/data").unwrap().org, "my org");
        let trailing = target("/prod/services/data/v50.0/query/?q=x").unwrap();
        assert_eq!(trailing.rest, "/services/data/v50.0/query/?q=x");
    }

    #[test]
    fn escapes_are_refused() {
        for (raw, want) in [
            ("http://evil.example/prod/services", PathError::Absolute),
            ("/", PathError::NoOrg),
            ("/prod", PathError::NoOrg),
            ("/prod/", PathError::NoOrg),
            ("/prod/services/../../x", PathError::DotSegment),
            ("/prod/services/%2e%2e/x", PathError::DotSegment),
            ("/prod/services/%2E./x", PathError::DotSegment),
            ("/prod/./services", PathError::DotSegment),
            ("/../prod/services", PathError::DotSegment),
            ("/prod//evil.example/services", PathError::EmptySegment),
            ("/prod/services//x", PathError::EmptySegment),
            ("/prod/services%2f..%2fx", PathError::Separator),
            ("/prod/a%5cb", PathError::Separator),
            ("/prod/a%zzb", PathError::BadEscape),
            ("/prod/a%2", PathError::BadEscape),
        ] {
            assert_eq!(target(raw), Err(want), "{raw}");
        }
    }

    #[test]
    fn the_log_keeps_query_names_not_values() {
        assert_eq!(
            for_log("/services/data/v62.0/query?q=SELECT+Id+FROM+User&x"),
            "/services/data/v62.0/query?q=…&x"
        );
        assert_eq!(for_log("/services/data"), "/services/data");
    }

    #[test]
    fn org_names_are_encoded_for_urls() {
        assert_eq!(encode_org("my org/x"), "my%20org%2Fx");
        assert_eq!(encode_org("prod-1"), "prod-1");
    }
}
