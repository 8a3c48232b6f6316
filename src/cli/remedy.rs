//! A [`Remedy`] said the CLI's way: the command to run, with the org's name filled in.

use crate::org::{Org, PRODUCTION_LOGIN_URL};
use crate::remedy::{Advice, Remedy};

/// The org a remedy's command is for: its name alone, or the saved org (whose login URL and
/// site a new login must keep).
#[derive(Debug, Clone, Copy)]
pub enum OrgRef<'a> {
    /// Only the name is known (`NAME` when not even that).
    Name(&'a str),
    /// The saved org.
    Org(&'a Org),
}

impl<'a> From<&'a str> for OrgRef<'a> {
    fn from(name: &'a str) -> Self {
        Self::Name(name)
    }
}

impl<'a> From<&'a Org> for OrgRef<'a> {
    fn from(org: &'a Org) -> Self {
        Self::Org(org)
    }
}

/// The command that carries out `remedy` for `org`.
pub fn remedy_text<'a>(remedy: Remedy, org: impl Into<OrgRef<'a>>) -> String {
    let org = org.into();
    let name = match org {
        OrgRef::Name(name) => name,
        OrgRef::Org(org) => &org.name,
    };
    match remedy {
        Remedy::Refresh => format!("sfkey refresh {name}"),
        Remedy::EditSecrets => format!("sfkey edit {name} --secrets"),
        Remedy::StorePrivateKey => format!("sfkey edit {name} --secrets < KEY"),
        Remedy::EditLoginUrl => format!("sfkey edit {name} --login-url URL"),
        Remedy::Doctor => "sfkey doctor".into(),
        Remedy::Userinfo => format!("sfkey userinfo {name}"),
        Remedy::LoginAgain => {
            // The new login lands where the old one was.
            let mut login = format!("sfkey login {name} --update");
            if let OrgRef::Org(org) = org {
                if org.login_url != PRODUCTION_LOGIN_URL {
                    login.push_str(&format!(" --login-url {}", org.login_url));
                }
                if let Some(site) = &org.site {
                    login.push_str(&format!(" --site {site}"));
                }
            }
            login
        }
    }
}

/// `advice` as one line with each remedy's command after its words.
pub fn advice_text<'a>(advice: &Advice, org: impl Into<OrgRef<'a>>) -> String {
    let org = org.into();
    advice.render(|r| Some(remedy_text(r, org)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::explain::explain;

    #[test]
    fn each_remedy_is_a_command_for_the_org() {
        let prod = Org::new("prod", PRODUCTION_LOGIN_URL, "PlatformCLI");
        assert_eq!(remedy_text(Remedy::Refresh, &prod), "sfkey refresh prod");
        assert_eq!(
            remedy_text(Remedy::EditSecrets, "dev"),
            "sfkey edit dev --secrets"
        );
        assert_eq!(
            remedy_text(Remedy::LoginAgain, &prod),
            "sfkey login prod --update"
        );
        assert_eq!(remedy_text(Remedy::Doctor, "dev"), "sfkey doctor");
        assert_eq!(remedy_text(Remedy::Userinfo, "dev"), "sfkey userinfo dev");
    }

    #[test]
    fn logging_in_again_keeps_the_login_url_and_site() {
        let mut portal = Org::new("portal", "https://acme.my.site.com", "3MVG9");
        portal.site = Some("/partners".into());
        assert_eq!(
            remedy_text(Remedy::LoginAgain, &portal),
            "sfkey login portal --update --login-url https://acme.my.site.com --site /partners"
        );
        // Only the name: the plain command.
        assert_eq!(
            remedy_text(Remedy::LoginAgain, "portal"),
            "sfkey login portal --update"
        );
    }

    #[test]
    fn an_explanation_reads_with_the_commands_in_place() {
        let expired = explain("invalid_grant", Some("expired access/refresh token"));
        let prod = Org::new("prod", PRODUCTION_LOGIN_URL, "PlatformCLI");
        assert_eq!(
            advice_text(&expired.action, &prod),
            "log in again (sfkey login prod --update), or store a new refresh token (sfkey edit prod --secrets)"
        );
        let busy = explain(
            "invalid_grant",
            Some("token request is already being processed"),
        );
        assert_eq!(
            advice_text(&busy.action, "prod"),
            "sfkey already retried once; wait a few seconds and refresh again (sfkey refresh prod)"
        );
    }
}
