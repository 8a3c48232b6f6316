//! Unit tests of `interop::sfdx_url`.

use super::*;
use proptest::prelude::*;

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

#[test]
fn the_clis_own_app_has_an_empty_secret_and_a_port_is_kept() {
    let url = parse("force://PlatformCLI::5Aep861abc.DEF_g-h==@acme.my.salesforce.com\n").unwrap();
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
