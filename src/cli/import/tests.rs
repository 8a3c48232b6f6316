//! Unit tests of `cli::import`.

use super::*;

#[test]
fn source_debug_never_shows_an_auth_url() {
    let arg = SourceArg::from_str("force://PlatformCLI::5Aep861SECRET@x.com").unwrap();
    assert!(!format!("{arg:?}").contains("SECRET"));
    let path = SourceArg::from_str("env.json").unwrap();
    assert!(format!("{path:?}").contains("env.json"));
}

#[test]
fn an_endless_source_is_refused_not_read_forever() {
    let err = read_source("/dev/zero").unwrap_err().to_string();
    assert!(err.starts_with("/dev/zero: file: is over 64 MiB"), "{err}");
}

#[test]
fn a_missing_file_is_named_unless_it_may_be_a_secret() {
    let err = read_source("nope.json").unwrap_err().to_string();
    assert!(err.starts_with("nope.json: file: no such file"), "{err}");
    let token = "5Aep861TESTSECRETabcdefghijklmnopqrstuvwxyz0123";
    let err = read_source(token).unwrap_err().to_string();
    assert!(
        err.contains("not repeated") && !err.contains("SECRET"),
        "{err}"
    );
}

#[test]
fn sources_are_told_apart_and_bad_ones_named() {
    let url = "force://PlatformCLI::5Aep861SECRET@acme.my.salesforce.com";
    let org = parse_source("stdin", &format!("{url}\n"), None).unwrap();
    assert_eq!(org.org.name, "acme");
    let json = format!(r#"{{"status":0,"result":{{"sfdxAuthUrl":"{url}"}},"warnings":[]}}"#);
    let org = parse_source("auth.json", &json, Some("mine")).unwrap();
    assert_eq!(org.org.name, "mine");
    assert_eq!(org.org.login_url, "https://acme.my.salesforce.com");
    // A top-level sfdxAuthUrl, which `sf org login sfdx-url --sfdx-url-file` also takes.
    let org = parse_source("auth.json", &format!(r#"{{"sfdxAuthUrl":"{url}"}}"#), None).unwrap();
    assert_eq!(org.org.login_url, "https://acme.my.salesforce.com");
    let failed = r#"{"status":1,"name":"NoAuthFoundError","message":"No authorization information found for nope."}"#;
    let err = parse_source("auth.json", failed, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "failed sf command (NoAuthFoundError: No authorization information found for nope.)"
        ),
        "{err}"
    );
    for (text, needle) in [
        ("", "stdin: text: is empty"),
        ("hello", "neither an SFDX auth URL"),
        ("{\"result\": 5", "stdin: JSON: does not parse"),
        (
            "{\"result\":{\"sfdxAuthUrl\":\"force://x:5Aep861SECRET@h\"}}",
            "stdin: result.sfdxAuthUrl: malformed",
        ),
        ("{\"result\":{\"x\":1}}", "stdin: top level"),
    ] {
        let err = parse_source("stdin", text, None).unwrap_err().to_string();
        assert!(err.contains(needle), "{needle}: {err}");
        assert!(err.ends_with("nothing was imported"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
    }
}
