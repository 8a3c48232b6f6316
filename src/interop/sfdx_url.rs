//! SFDX auth URLs, `force://<clientId>:<clientSecret>:<refreshToken>@<host[:port]>`, parsed and
//! emitted by the rules of `@salesforce/core` (`AuthInfo.parseSfdxAuthUrl`, `getSfdxAuthUrl`),
//! plus one extension: `@http://<loopback host>` for local test servers.
//!
//! The URL holds the client secret and the refresh token, so no error here ever repeats it:
//! errors name the part that is wrong, never its value.

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use crate::org;

/// What an auth URL holds. `Debug` shows no secret (secrecy redacts them).
#[derive(Debug, Clone)]
pub struct AuthUrl {
    /// The connected app's consumer key (`PlatformCLI` for the CLI's own app).
    pub client_id: String,
    /// The consumer secret; `None` when the URL has an empty one, as the CLI's app does.
    pub client_secret: Option<SecretString>,
    /// The refresh token.
    pub refresh_token: SecretString,
    /// `https://host[:port]` (`http://` only when the URL says so for a loopback host).
    pub login_url: String,
}

/// Why an auth URL was refused: the part, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthUrlError {
    /// It does not start with `force://`.
    #[error(
        "not an SFDX auth URL: it must start with force:// (the format is force://<clientId>:<clientSecret>:<refreshToken>@<host>, with no https://)"
    )]
    Scheme,
    /// No `@` between the credentials and the host.
    #[error("malformed SFDX auth URL: no '@' before the host")]
    NoAt,
    /// Not exactly client id, secret and refresh token before the `@`.
    #[error(
        "malformed SFDX auth URL: expected three parts <clientId>:<clientSecret>:<refreshToken> before the '@', found {0}"
    )]
    Parts(usize),
    /// A part is empty where it may not be, or has characters the CLI does not accept.
    #[error(
        "malformed SFDX auth URL: the {0} {1} (allowed: letters, digits, '.', '_', '-', then up to two '=')"
    )]
    BadPart(&'static str, &'static str),
    /// The host is missing or not a host name.
    #[error("malformed SFDX auth URL: the host {0}")]
    BadHost(String),
    /// An org that cannot be written as an auth URL.
    #[error("cannot write an SFDX auth URL: {0}")]
    NotRepresentable(String),
}

/// The characters `@salesforce/core` allows in each credential part: `[a-zA-Z0-9._-]`, then at
/// most two `=` (base64 padding).
fn part_ok(part: &str, may_be_empty: bool) -> bool {
    let body = part.trim_end_matches('=');
    part.len() - body.len() <= 2
        && (may_be_empty || !body.is_empty())
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The Salesforce CLI's own connected app, which has no secret.
const PLATFORM_CLI: &str = "PlatformCLI";

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-')
}

/// Whether a host (with an optional port) is this machine.
fn is_loopback(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    name.eq_ignore_ascii_case("localhost")
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The login URL for an auth URL's host: `https://` as the CLI always prepends, also for a
/// loopback host (an org exported from sf or sfkey over https must come back the same).
fn login_url_for(scheme: &str, host: &str) -> Result<String, AuthUrlError> {
    org::parse_login_url(&format!("{scheme}://{host}")).map_err(|_| {
        AuthUrlError::BadHost(format!("{host:?} is not a host name with an optional port"))
    })
}

/// Parses an auth URL as `sf org login sfdx-url` does; surrounding whitespace is ignored, and so
/// is anything after the host (the CLI's pattern stops there).
pub fn parse(text: &str) -> Result<AuthUrl, AuthUrlError> {
    parse_with(text, false)
}

/// Parses what `sf org auth show-sfdx-auth-url` prints: as [`parse`], and also an org sf holds
/// without a client id (a legacy login), which it writes as `force://TOKEN@host` or
/// `force://:TOKEN@host` and refreshes with its own app: read as PlatformCLI, no secret.
pub fn parse_from_sf(text: &str) -> Result<AuthUrl, AuthUrlError> {
    parse_with(text, true)
}

fn parse_with(text: &str, legacy: bool) -> Result<AuthUrl, AuthUrlError> {
    let rest = text
        .trim()
        .strip_prefix("force://")
        .ok_or(AuthUrlError::Scheme)?;
    let (credentials, after) = rest.split_once('@').ok_or(AuthUrlError::NoAt)?;
    let parts: Vec<&str> = credentials.split(':').collect();
    let [client_id, client_secret, refresh_token] = match parts[..] {
        [token] | ["", token] if legacy => [PLATFORM_CLI, "", token],
        [id, secret, token] => [id, secret, token],
        _ => return Err(AuthUrlError::Parts(parts.len())),
    };
    if !part_ok(client_id, false) {
        return Err(AuthUrlError::BadPart(
            "client id",
            "is empty or has other characters",
        ));
    }
    if !part_ok(client_secret, true) {
        return Err(AuthUrlError::BadPart(
            "client secret",
            "has other characters",
        ));
    }
    if !part_ok(refresh_token, false) {
        return Err(AuthUrlError::BadPart(
            "refresh token",
            "is empty or has other characters",
        ));
    }
    // sfkey's one extension: `@http://` before a loopback host, for local test servers that
    // speak plain HTTP (sf refuses it, and talks only HTTPS).
    let (scheme, after) = match after.strip_prefix("http://") {
        Some(rest) => ("http", rest),
        None => ("https", after),
    };
    if after.starts_with("https://") || after.starts_with("http://") {
        return Err(AuthUrlError::BadHost(
            "has a scheme: write it without https:// (the Salesforce CLI adds it)".into(),
        ));
    }
    let host_len = after.find(|c| !is_host_char(c)).unwrap_or(after.len());
    let host = &after[..host_len];
    if host.is_empty() {
        return Err(AuthUrlError::BadHost("is missing after the '@'".into()));
    }
    // `@bad host` would otherwise be saved as https://bad.
    if after[host_len..].starts_with(char::is_whitespace) {
        return Err(AuthUrlError::BadHost(
            "has a space in it: copy the auth URL again, whole".into(),
        ));
    }
    if scheme == "http" && !is_loopback(host) {
        return Err(AuthUrlError::BadHost(
            "has http://, which sfkey accepts for a loopback host only (Salesforce speaks HTTPS): write it without a scheme".into(),
        ));
    }
    Ok(AuthUrl {
        client_id: client_id.to_string(),
        client_secret: (!client_secret.is_empty()).then(|| SecretString::from(client_secret)),
        refresh_token: SecretString::from(refresh_token),
        login_url: login_url_for(scheme, host)?,
    })
}

/// Writes the auth URL `sf org login sfdx-url` accepts for an org at `login_url` (no site path:
/// the format has no room for one).
pub fn emit(
    client_id: &str,
    client_secret: Option<&SecretString>,
    refresh_token: &SecretString,
    login_url: &str,
    site: Option<&str>,
) -> Result<SecretString, AuthUrlError> {
    if site.is_some() {
        return Err(AuthUrlError::NotRepresentable(
            "the org has a site path, which an SFDX auth URL cannot carry (the CLI keeps only the host); use --format postman-env".into(),
        ));
    }
    let secret = client_secret.map_or("", |s| s.expose_secret());
    for (name, value, may_be_empty) in [
        ("client id", client_id, false),
        ("client secret", secret, true),
        ("refresh token", refresh_token.expose_secret(), false),
    ] {
        if !part_ok(value, may_be_empty) {
            return Err(AuthUrlError::NotRepresentable(format!(
                "the stored {name} has characters the format does not allow"
            )));
        }
    }
    let url = Url::parse(login_url)
        .map_err(|_| AuthUrlError::NotRepresentable("the login URL does not parse".into()))?;
    let host = url
        .host_str()
        .ok_or_else(|| AuthUrlError::NotRepresentable("the login URL has no host".into()))?;
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    // Plain HTTP is only ever a loopback test server's; say so, or it would come back as https.
    let host = if url.scheme() == "http" {
        format!("http://{host}")
    } else {
        host
    };
    Ok(SecretString::from(format!(
        "force://{client_id}:{secret}:{}@{host}",
        refresh_token.expose_secret()
    )))
}

/// A default org name from an auth URL's login URL: the first label of a My Domain host
/// (`acme--uat` from `acme--uat.sandbox.my.salesforce.com`), `prod` or `sandbox` for
/// Salesforce's two login hosts, else the host with dots.
pub fn default_name(login_url: &str) -> String {
    let host = login_url
        .split_once("://")
        .map_or(login_url, |(_, rest)| rest);
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let name = match host {
        "login.salesforce.com" => "prod".to_string(),
        "test.salesforce.com" => "sandbox".to_string(),
        h if h.contains(".my.salesforce.com") || h.contains(".my.site.com") => {
            h.split('.').next().unwrap_or(h).to_string()
        }
        h => h.to_string(),
    };
    super::sanitize_name(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn the_clis_own_app_has_an_empty_secret_and_a_port_is_kept() {
        let url =
            parse("force://PlatformCLI::5Aep861abc.DEF_g-h==@acme.my.salesforce.com\n").unwrap();
        assert_eq!(url.client_id, "PlatformCLI");
        assert!(url.client_secret.is_none());
        assert_eq!(url.refresh_token.expose_secret(), "5Aep861abc.DEF_g-h==");
        assert_eq!(url.login_url, "https://acme.my.salesforce.com");
        let url = parse("force://3MVG9x:C0FFEE:5Aep861x@acme.my.salesforce.com:8443/").unwrap();
        assert_eq!(url.login_url, "https://acme.my.salesforce.com:8443");
        assert_eq!(url.client_secret.unwrap().expose_secret(), "C0FFEE");
    }

    #[test]
    fn a_loopback_host_is_https_as_in_sf_unless_the_url_says_http() {
        let local = parse("force://a:b:c@127.0.0.1:9000").unwrap();
        assert_eq!(local.login_url, "https://127.0.0.1:9000");
        let local = parse("force://a:b:c@http://localhost:9000").unwrap();
        assert_eq!(local.login_url, "http://localhost:9000");
        let err = parse("force://a:b:c@http://acme.my.salesforce.com").unwrap_err();
        assert!(err.to_string().contains("loopback host only"), "{err}");
        // What sfkey writes comes back as it was, over https and over plain http.
        for login_url in ["https://127.0.0.1:9000", "http://127.0.0.1:9000"] {
            let url = emit("id", None, &secret("tok"), login_url, None).unwrap();
            assert_eq!(parse(url.expose_secret()).unwrap().login_url, login_url);
        }
    }

    #[test]
    fn a_legacy_sf_org_without_a_client_id_is_the_clis_own_app() {
        for text in [
            "force://5Aep861tok@acme.my.salesforce.com",
            "force://:5Aep861tok@acme.my.salesforce.com",
        ] {
            assert!(parse(text).is_err(), "sf org login sfdx-url refuses {text}");
            let url = parse_from_sf(text).unwrap();
            assert_eq!(url.client_id, "PlatformCLI", "{text}");
            assert!(url.client_secret.is_none());
            assert_eq!(url.refresh_token.expose_secret(), "5Aep861tok");
        }
        assert!(parse_from_sf("force://a:5Aep861tok@x.com").is_err());
    }

    #[test]
    fn errors_name_the_part_and_never_repeat_a_secret() {
        let cases = [
            ("https://PlatformCLI::5Aep861SECRET@x.com", "force://"),
            ("force://PlatformCLI::5Aep861SECRET", "no '@'"),
            ("force://5Aep861SECRET@x.com", "found 1"),
            ("force://id:5Aep861SECRET@x.com", "found 2"),
            ("force://a:b:c:5Aep861SECRET@x.com", "found 4"),
            ("force://:s3cr3tSECRET:5Aep861SECRET@x.com", "client id"),
            (
                "force://id:s3cr3t+SECRET:5Aep861SECRET@x.com",
                "client secret",
            ),
            ("force://id::5Aep861SECRET===@x.com", "refresh token"),
            ("force://id::@x.com", "refresh token"),
            ("force://id::5Aep861SECRET@/x", "host is missing"),
            ("force://id::5Aep861SECRET@a:b:c", "host"),
            (
                "force://id::5Aep861SECRET@https://acme.my.salesforce.com",
                "without https://",
            ),
            ("force://id::5Aep861SECRET@bad host", "has a space"),
        ];
        for (input, needle) in cases {
            let err = parse(input).unwrap_err().to_string();
            assert!(err.contains(needle), "{input}: {err}");
            assert!(!err.contains("SECRET"), "{input}: {err}");
        }
    }

    #[test]
    fn emit_writes_what_the_cli_writes() {
        let url = emit(
            "PlatformCLI",
            None,
            &secret("5Aep861tok"),
            "https://acme.my.salesforce.com:8443",
            None,
        )
        .unwrap();
        assert_eq!(
            url.expose_secret(),
            "force://PlatformCLI::5Aep861tok@acme.my.salesforce.com:8443"
        );
        let err = emit(
            "id",
            None,
            &secret("tok"),
            "https://acme.my.site.com",
            Some("/partners"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("site path"), "{err}");
        let err = emit(
            "id",
            Some(&secret("a/b")),
            &secret("tok"),
            "https://x.com",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("client secret") && !err.contains("a/b"),
            "{err}"
        );
    }

    #[test]
    fn default_names_come_from_the_host() {
        assert_eq!(
            default_name("https://acme--uat.sandbox.my.salesforce.com"),
            "acme--uat"
        );
        assert_eq!(default_name("https://login.salesforce.com"), "prod");
        assert_eq!(default_name("https://test.salesforce.com"), "sandbox");
        assert_eq!(default_name("http://127.0.0.1:9000"), "127.0.0.1");
    }

    fn part(may_be_empty: bool) -> impl Strategy<Value = String> {
        let body = if may_be_empty {
            "[a-zA-Z0-9._-]{0,24}"
        } else {
            "[a-zA-Z0-9._-]{1,24}"
        };
        (proptest::string::string_regex(body).unwrap(), 0usize..=2)
            .prop_map(|(body, pad)| format!("{body}{}", "=".repeat(pad)))
            .prop_filter("only padding", move |p| {
                may_be_empty || !p.trim_end_matches('=').is_empty()
            })
    }

    fn host() -> impl Strategy<Value = String> {
        // Labels start with a letter: an all-digit last label would be read as an IPv4 address.
        (
            proptest::collection::vec(
                proptest::string::string_regex("[a-z][a-z0-9-]{0,10}[a-z0-9]")
                    .unwrap()
                    .prop_filter("punycode", |l| !l.starts_with("xn--")),
                2..5,
            ),
            proptest::option::of(1u16..65535),
        )
            .prop_filter("default port", |(_, port)| *port != Some(443))
            .prop_map(|(labels, port)| match port {
                Some(port) => format!("{}:{port}", labels.join(".")),
                None => labels.join("."),
            })
    }

    /// `AuthInfo.parseSfdxAuthUrl`'s pattern in `@salesforce/core` (v8), copied as is.
    const CLI_PATTERN: &str = r"^force://([a-zA-Z0-9._-]+={0,2}):([a-zA-Z0-9._-]*={0,2}):([a-zA-Z0-9._-]+={0,2})@([a-zA-Z0-9:._-]+)";

    /// A credential part near the rules: allowed characters, others, and runs of `=`.
    fn near_part() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof!["[aZ09._-]", "[+/ ]", "={1,3}"], 0..4)
            .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        /// Credentials of any characters near the rules: sfkey takes exactly what the CLI's
        /// pattern takes, with the same parts (hosts are valid ones; sfkey also checks those).
        #[test]
        fn parse_accepts_what_the_cli_accepts(
            credentials in prop_oneof![
                "[aZ09._=:+/ -]{0,16}",
                (near_part(), near_part(), near_part()).prop_map(|(a, b, c)| format!("{a}:{b}:{c}")),
            ],
            host in host(),
            tail in "(/[a-z]{0,4})?",
        ) {
            let text = format!("force://{credentials}@{host}{tail}");
            let cli = regex::Regex::new(CLI_PATTERN).unwrap();
            let ours = parse(&text);
            match cli.captures(&text) {
                None => prop_assert!(ours.is_err(), "sfkey took what the CLI refuses: {text}"),
                Some(c) => {
                    let ours = ours.map_err(|e| format!("{text}: {e}"));
                    prop_assert!(ours.is_ok(), "sfkey refused what the CLI takes: {:?}", ours.err());
                    let ours = ours.unwrap();
                    prop_assert_eq!(ours.client_id.as_str(), &c[1]);
                    let secret = ours.client_secret.map(|s| s.expose_secret().to_string()).unwrap_or_default();
                    prop_assert_eq!(secret.as_str(), &c[2]);
                    prop_assert_eq!(ours.refresh_token.expose_secret(), &c[3]);
                    prop_assert_eq!(ours.login_url, format!("https://{}", &c[4]));
                }
            }
        }

        #[test]
        fn emit_then_parse_is_identity(
            client_id in part(false),
            client_secret in part(true),
            refresh_token in part(false),
            host in host(),
        ) {
            let login_url = format!("https://{host}");
            let secret = (!client_secret.is_empty()).then(|| SecretString::from(client_secret.clone()));
            let emitted = emit(&client_id, secret.as_ref(), &SecretString::from(refresh_token.clone()), &login_url, None).unwrap();
            prop_assert_eq!(
                emitted.expose_secret(),
                &format!("force://{client_id}:{client_secret}:{refresh_token}@{host}")
            );
            let parsed = parse(emitted.expose_secret()).unwrap();
            prop_assert_eq!(parsed.client_id, client_id);
            prop_assert_eq!(parsed.client_secret.map(|s| s.expose_secret().to_string()).unwrap_or_default(), client_secret);
            prop_assert_eq!(parsed.refresh_token.expose_secret(), refresh_token.as_str());
            prop_assert_eq!(parsed.login_url, login_url);
        }
    }
}
