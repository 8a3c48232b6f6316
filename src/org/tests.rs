//! The org model and the checks of what users type for an org.

use super::*;

#[test]
fn environment_badges_follow_the_login_host() {
    let env = |url: &str, site: Option<&str>| {
        let mut org = Org::new("x", url, "id");
        org.site = site.map(str::to_string);
        org.environment()
    };
    assert_eq!(
        env("https://login.salesforce.com", None),
        Environment::Production
    );
    assert_eq!(
        env("https://test.salesforce.com", None),
        Environment::Sandbox
    );
    assert_eq!(
        env("https://acme--uat.sandbox.my.salesforce.com", None),
        Environment::Sandbox
    );
    assert_eq!(
        env("https://acme.my.salesforce.com", None),
        Environment::MyDomain
    );
    assert_eq!(env("https://acme.my.site.com", None), Environment::Site);
    assert_eq!(
        env("https://login.salesforce.com", Some("/partners")),
        Environment::Site
    );
    assert_eq!(env("http://127.0.0.1:8080", None), Environment::Local);
    assert_eq!(env("http://[::1]:8080", Some("/x")), Environment::Local);
    assert_eq!(env("http://localhost:1", None), Environment::Local);
}

#[test]
fn login_urls_are_normalised_to_origin() {
    assert_eq!(
        parse_login_url("https://login.salesforce.com/").as_deref(),
        Ok("https://login.salesforce.com")
    );
    assert_eq!(
        parse_login_url(" https://Acme.my.salesforce.com ").as_deref(),
        Ok("https://acme.my.salesforce.com")
    );
    assert_eq!(
        parse_login_url("http://127.0.0.1:8080").as_deref(),
        Ok("http://127.0.0.1:8080")
    );
    assert_eq!(
        parse_login_url("http://localhost:1717").as_deref(),
        Ok("http://localhost:1717")
    );
    assert_eq!(
        parse_login_url("http://[::1]:9").as_deref(),
        Ok("http://[::1]:9")
    );
}

#[test]
fn bad_login_urls_say_why() {
    assert!(matches!(
        parse_login_url("login.salesforce.com"),
        Err(OrgError::NoScheme(_))
    ));
    assert!(matches!(
        parse_login_url("http://login.salesforce.com"),
        Err(OrgError::NotHttps(_))
    ));
    assert!(matches!(
        parse_login_url("ftp://login.salesforce.com"),
        Err(OrgError::NotHttps(_))
    ));
    assert!(matches!(
        parse_login_url("http://10.0.0.1"),
        Err(OrgError::NotHttps(_))
    ));
    assert!(matches!(
        parse_login_url("https://acme.my.site.com/partners"),
        Err(OrgError::ExtraParts(_, "a path"))
    ));
    assert!(matches!(
        parse_login_url("https://user:pw@acme.my.salesforce.com"),
        Err(OrgError::ExtraParts(..))
    ));
    assert!(matches!(parse_login_url(""), Err(OrgError::Empty(_))));
    let pasted = parse_login_url("5Aep861TESTSECRETxyz")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        pasted.contains("not a URL") && !pasted.contains("5Aep861"),
        "{pasted}"
    );
    let site = parse_site("5Aep861TESTSECRETxyz")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(!site.contains("5Aep861"), "{site}");
    let leak = parse_login_url("https://user:hunter2@acme.my.salesforce.com?token=abc")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(leak.contains("acme.my.salesforce.com"), "{leak}");
    assert!(!leak.contains("hunter2") && !leak.contains("abc"), "{leak}");
    let sfdx = parse_login_url("force://PlatformCLI::5Aep861SECRET@acme.my.salesforce.com")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        sfdx.contains("SFDX auth URL") && !sfdx.contains("5Aep861"),
        "{sfdx}"
    );
    assert_eq!(
        parse_login_url("test").as_deref(),
        Ok("https://test.salesforce.com")
    );
    assert_eq!(
        parse_login_url("login").as_deref(),
        Ok("https://login.salesforce.com")
    );
    assert!(matches!(
        parse_login_url("file:///etc/passwd"),
        Err(OrgError::NotHttps(_))
    ));
    assert!(matches!(
        parse_login_url("https://login.salesforce.com:0"),
        Err(OrgError::NotAUrl)
    ));
}

#[test]
fn site_paths() {
    assert_eq!(parse_site(""), Ok(None));
    assert_eq!(parse_site("/"), Ok(None));
    assert_eq!(parse_site("/partners/"), Ok(Some("/partners".into())));
    assert_eq!(parse_site("/a/b"), Ok(Some("/a/b".into())));
    assert!(parse_site("partners").is_err());
    assert!(parse_site("/a b").is_err());
    assert!(parse_site("/a?x=1").is_err());
    assert!(parse_site("//evil.example").is_err());
    assert!(parse_site("@127.0.0.1:9").is_err());
    assert!(parse_site(".evil.com").is_err());
    assert!(parse_site("/..").is_err());
    assert!(parse_site("/a/./b").is_err());
    assert!(parse_site("/a%2e").is_err());
    assert!(parse_site("//").is_err());
    assert!(parse_site("///").is_err());
}

#[test]
fn names() {
    assert!(validate_name("prod").is_ok());
    assert!(validate_name("acme-uat.2").is_ok());
    assert!(validate_name("").is_err());
    assert!(validate_name("my org").is_err());
    assert!(validate_name(&"x".repeat(65)).is_err());
    assert!(validate_name(".").is_err());
    assert!(validate_name("..").is_err());
    assert!(validate_name("...").is_ok());
}

#[test]
fn ids_read_from_the_file_must_be_plain_words() {
    let read = |id: &str| serde_json::from_value::<OrgId>(serde_json::json!(id));
    assert!(read("5f1c2a9be0d34a17").is_ok());
    let err = read("../../etc/x").expect_err("a path").to_string();
    assert!(
        err.contains("invalid org id") && err.contains("../../etc/x"),
        "{err}"
    );
    assert!(read("").is_err());
    assert!(read("a\u{1b}b").is_err());
}

#[test]
fn login_urls_with_a_space_no_scheme_or_a_query_say_which() {
    assert_eq!(parse_login_url("https://bad host"), Err(OrgError::HasSpace));
    assert_eq!(
        parse_login_url("acme.my.salesforce.com").map_err(|e| e.to_string()),
        Err(
            "invalid login URL: it must start with https:// (for example https://acme.my.salesforce.com)"
                .into()
        )
    );
    let hidden = parse_login_url("5Aep861TESTSECRET.xyz").expect_err("no scheme");
    assert!(!hidden.to_string().contains("5Aep861"), "{hidden}");
    let query = parse_login_url("https://acme.my.salesforce.com?x=1").expect_err("query");
    assert!(query.to_string().contains("a query"), "{query}");
}

#[test]
fn token_url_joins_login_site_and_path() {
    let mut org = Org::new("p", "https://acme.my.site.com", "c");
    org.site = Some("/partners".into());
    assert_eq!(
        org.token_url(),
        "https://acme.my.site.com/partners/services/oauth2/token"
    );
    org.site = None;
    assert_eq!(
        org.token_url(),
        "https://acme.my.site.com/services/oauth2/token"
    );
}

#[test]
fn issued_at_is_read_as_milliseconds_even_when_sent_as_seconds() {
    let mut last = LastRefresh {
        at_ms: 0,
        status: "ok".into(),
        http_status: Some(200),
        latency_ms: 1,
        issued_at: Some("1700148885123".into()),
    };
    assert_eq!(last.issued_at_ms(), Some(1_700_148_885_123));
    last.issued_at = Some("1700148885".into());
    assert_eq!(last.issued_at_ms(), Some(1_700_148_885_000));
    last.issued_at = Some("<timestamp>".into());
    assert_eq!(last.issued_at_ms(), None);
}

#[test]
fn a_dead_mark_holds_only_for_the_token_it_was_made_for() {
    let mut org = Org::new("prod", "https://login.salesforce.com", "3MVG9");
    let last = |issued: &str| LastRefresh {
        at_ms: 0,
        status: "ok".into(),
        http_status: Some(200),
        latency_ms: 1,
        issued_at: Some(issued.into()),
    };
    org.last_refresh = Some(last("1700148885123"));
    org.access_token_dead = Some(DeadToken {
        at_ms: 5,
        reason: "expired".into(),
        issued_at: Some("1700148885123".into()),
    });
    assert_eq!(
        org.dead_access_token().map(|d| d.reason.as_str()),
        Some("expired")
    );
    // Another process stored a newer token: the mark is stale.
    org.last_refresh = Some(last("1700148999999"));
    assert!(org.dead_access_token().is_none());
}

#[test]
fn ids_are_random_hex() {
    let a = OrgId::generate();
    let b = OrgId::generate();
    assert_ne!(a, b);
    assert_eq!(a.as_str().len(), 16);
    assert!(a.as_str().chars().all(|c| c.is_ascii_hexdigit()));
}
