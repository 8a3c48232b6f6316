//! Unit tests of `interop::sf_cli`.

use super::*;

const LIST: &str = r#"{"status":0,"result":{
    "other":[{"accessToken":"00Dxx!AQ","instanceUrl":"https://acme.my.salesforce.com","orgId":"00D5g000004ABCDEAA","username":"admin@acme.com","loginUrl":"https://login.salesforce.com","clientId":"PlatformCLI","isDevHub":false,"instanceApiVersion":"62.0","alias":"acme","lastUsed":"2026-11-20T10:00:00.000Z","connectedStatus":"Unknown","defaultMarker":"(U)","isDefaultUsername":true}],
    "sandboxes":[],
    "nonScratchOrgs":[{"instanceUrl":"https://acme.my.salesforce.com","orgId":"00D5g000004ABCDEAA","username":"admin@acme.com","alias":"acme","connectedStatus":"Unknown"},
                      {"instanceUrl":"https://ci.my.salesforce.com","orgId":"00D5g000004CICIEAA","username":"ci@acme.com","connectedStatus":"Unknown"}],
    "devHubs":[],
    "scratchOrgs":[]},"warnings":[]}"#;

#[test]
fn org_list_reads_every_list_once_per_username() {
    let orgs = parse_org_list(LIST.as_bytes(), b"").unwrap();
    assert_eq!(orgs.len(), 2);
    assert_eq!(orgs[0].handle(), "acme");
    assert_eq!(orgs[1].handle(), "ci@acme.com");
    assert_eq!(orgs[0].org_id.as_deref(), Some("00D5g000004ABCDEAA"));
    let err = parse_org_list(
        br#"{"status":1,"name":"AuthDecryptError","message":"Failed to decipher auth data"}"#,
        b"",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("AuthDecryptError"), "{err}");
    let err = parse_org_list(b"Warning: update available", b"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not JSON"), "{err}");
}

#[test]
fn auth_url_answers() {
    let ok = br#"{"status":0,"result":{"sfdxAuthUrl":"force://PlatformCLI::5Aep861x@acme.my.salesforce.com"},"warnings":["This command exposes a sensitive SFDX Auth URL"]}"#;
    assert!(
        matches!(parse_auth_url_answer(ok, b""), AuthUrlAnswer::Url(u) if u.starts_with("force://"))
    );
    let jwt = br#"{"name":"NoRefreshTokenError","message":"An SFDX Auth URL is not available for \"ci@acme.com\". This URL is only available for orgs authenticated via a web-based login flow.","exitCode":1,"status":1,"context":"OrgAuthShowSfdxAuthUrl","commandName":"OrgAuthShowSfdxAuthUrl","warnings":[]}"#;
    assert!(matches!(
        parse_auth_url_answer(b"", jwt),
        AuthUrlAnswer::NoRefreshToken
    ));
    let other = br#"{"name":"NamedOrgNotFoundError","message":"No authorization information found for nope.","status":1}"#;
    assert!(
        matches!(parse_auth_url_answer(other, b""), AuthUrlAnswer::Failed(m) if m.contains("NamedOrgNotFoundError"))
    );
}

#[test]
fn unknown_aliases_are_named_with_the_known_ones() {
    let orgs = parse_org_list(LIST.as_bytes(), b"").unwrap();
    let no_more = || Ok(Vec::new());
    let err = select(&orgs, &["nope".into()], no_more)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nope") && err.contains("acme, ci@acme.com"),
        "{err}"
    );
    let asked = || -> Result<Vec<(String, String)>, InputError> { panic!("asked sf") };
    assert_eq!(
        select(&orgs, &["ci@acme.com".into()], asked).unwrap().len(),
        1
    );
}

#[test]
fn a_second_alias_of_an_org_is_found_through_sf_alias_list() {
    let orgs = parse_org_list(LIST.as_bytes(), b"").unwrap();
    let aliases = parse_alias_list(
        br#"{"status":0,"result":[{"alias":"acme","value":"admin@acme.com"},{"alias":"prod","value":"admin@acme.com"},{"alias":"ci","value":"ci@acme.com"}],"warnings":[]}"#,
        b"",
    )
    .unwrap();
    let picked = select(&orgs, &["prod".into(), "ci".into()], || Ok(aliases)).unwrap();
    assert_eq!(picked[0].username, "admin@acme.com");
    assert_eq!(picked[1].username, "ci@acme.com");
    assert!(parse_alias_list(br#"{"status":1,"name":"X","message":"broken"}"#, b"").is_err());
}
