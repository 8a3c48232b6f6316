//! Whether a login host is Salesforce's: a token request sends the client secret and the
//! refresh token there, so a look-alike host (a Cyrillic `о`, `login.salesforce.com.evil.example`)
//! is refused unless the user says `--any-host`, and is then shown in punycode with a warning.

use super::OrgError;

/// The domains Salesforce serves logins from; a login host must be one of them or below one.
const SALESFORCE_DOMAINS: [&str; 5] = [
    "salesforce.com",
    "force.com",
    "site.com",
    "cloudforce.com",
    "salesforce-sites.com",
];

/// The host of a normalised login URL (`scheme://host[:port]`), lower case, in punycode.
fn host_of(login_url: &str) -> Option<String> {
    let url = reqwest::Url::parse(login_url).ok()?;
    url.host_str().map(str::to_ascii_lowercase)
}

/// Whether `host` (punycode) is a Salesforce domain or below one. A label in punycode
/// (`xn--`) never is: Salesforce's hosts are plain ASCII, and `xn--lgin-…` under salesforce.com
/// is how a look-alike of `login` arrives.
pub fn is_salesforce_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    !host.split('.').any(|label| label.starts_with("xn--"))
        && SALESFORCE_DOMAINS
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// The My Domain login host for a Lightning Experience host (`acme.lightning.force.com` ->
/// `acme.my.salesforce.com`), the address users copy from the browser but cannot log in at.
pub fn my_domain_for_lightning(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let prefix = host.strip_suffix(".lightning.force.com")?;
    (!prefix.is_empty()).then(|| format!("{prefix}.my.salesforce.com"))
}

/// Checks a normalised login URL's host given by the user: a Lightning address is refused with
/// its My Domain named; a Salesforce domain or loopback passes; another host passes only with
/// `any_host`, and then comes back with a warning that names it in punycode.
pub fn check_login_host(login_url: &str, any_host: bool) -> Result<Option<String>, OrgError> {
    let Some(host) = host_of(login_url) else {
        return Err(OrgError::NotAUrl);
    };
    if let Some(my_domain) = my_domain_for_lightning(&host) {
        return Err(OrgError::Lightning {
            given: host,
            my_domain,
        });
    }
    if super::input::is_loopback(&host) || is_salesforce_host(&host) {
        return Ok(None);
    }
    if !any_host {
        return Err(OrgError::NotSalesforce(host));
    }
    Ok(Some(format!(
        "warning: the login host {host} is not a Salesforce domain (salesforce.com, force.com, \
         site.com, cloudforce.com, salesforce-sites.com); the client secret and refresh token \
         of this org are sent there"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::parse_login_url;

    fn checked(input: &str, any_host: bool) -> Result<Option<String>, OrgError> {
        check_login_host(&parse_login_url(input)?, any_host)
    }

    #[test]
    fn salesforce_domains_and_loopback_pass_without_a_word() {
        for url in [
            "https://login.salesforce.com",
            "https://acme.my.salesforce.com",
            "https://acme--uat.sandbox.my.salesforce.com",
            "https://acme.my.site.com",
            "https://acme.force.com",
            "https://acme.cloudforce.com",
            "https://acme.salesforce-sites.com",
            "http://127.0.0.1:8080",
            "http://localhost:1717",
        ] {
            assert_eq!(checked(url, false), Ok(None), "{url}");
        }
    }

    #[test]
    fn look_alikes_need_any_host_and_are_named_in_punycode() {
        for (url, shown) in [
            ("https://lоgin.salesforce.com", "xn--lgin-"),
            (
                "https://login.salesforce.com.evil.example",
                "login.salesforce.com.evil.example",
            ),
            ("https://evilsalesforce.com", "evilsalesforce.com"),
        ] {
            let err = checked(url, false).expect_err(url).to_string();
            assert!(err.contains(shown) && err.contains("--any-host"), "{err}");
            let warning = checked(url, true).expect("allowed").expect("warned");
            assert!(warning.contains(shown), "{warning}");
            assert!(warning.is_ascii(), "{warning}");
        }
    }

    #[test]
    fn a_lightning_host_names_its_my_domain() {
        let err = checked("https://acme.lightning.force.com", true)
            .expect_err("refused")
            .to_string();
        assert!(err.contains("https://acme.my.salesforce.com"), "{err}");
        assert_eq!(
            my_domain_for_lightning("acme.lightning.force.com").as_deref(),
            Some("acme.my.salesforce.com")
        );
        assert_eq!(
            my_domain_for_lightning("acme--uat.sandbox.lightning.force.com").as_deref(),
            Some("acme--uat.sandbox.my.salesforce.com")
        );
        assert_eq!(my_domain_for_lightning("acme.my.salesforce.com"), None);
    }
}
