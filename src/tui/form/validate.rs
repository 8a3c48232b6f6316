//! The form's checks: the same library rules as `sfkey add` and `sfkey edit` (org names, URLs,
//! client ids, and each kind's checks in [`crate::kind_checks`]), worded for the form.

use secrecy::SecretString;

use crate::kind_checks;
use crate::org::{self, Org, OrgKind, Setting};
use crate::store::SecretKind;

use super::{Field, FormMode, OrgForm};

/// What a valid form holds: the org as it would be saved and the secrets typed into it.
#[derive(Debug)]
pub struct OrgDraft {
    /// A new org (fresh id), or the edited org (same id) with the form's values.
    pub org: Org,
    /// The secrets typed; when editing, a secret not here stays as it is.
    pub secrets: Vec<(SecretKind, SecretString)>,
}

impl OrgDraft {
    /// Takes the typed secret of this kind, if there was one.
    pub fn take_secret(&mut self, kind: SecretKind) -> Option<SecretString> {
        let at = self.secrets.iter().position(|(k, _)| *k == kind)?;
        Some(self.secrets.remove(at).1)
    }
}

/// Keeps the value, or notes its error beside `field`.
fn keep<T>(
    errors: &mut Vec<(Field, String)>,
    field: Field,
    result: Result<T, String>,
) -> Option<T> {
    result.map_err(|e| errors.push((field, e))).ok()
}

impl OrgForm {
    /// Checks every shown field; the draft to save, or each bad field with why.
    pub(super) fn check(&self, existing: &[&str]) -> Result<OrgDraft, Vec<(Field, String)>> {
        let kind = self.kind;
        let names = |setting, value: Option<&str>| field_words(kind, setting, value);
        let shown = self.visible_fields();
        let editing = self.editing();
        let adding = editing.is_none();
        let mut errors = Vec::new();

        let name = self.name.value().trim().to_string();
        let renamed = editing.is_none_or(|o| o.name != name);
        // An import may name a saved org: the app then asks to update it.
        let taken = renamed && existing.contains(&name.as_str()) && self.mode != FormMode::Import;
        let checked = org::validate_name(&name).map_err(|e| e.describe(names));
        let checked = checked.and_then(|()| match taken {
            true => Err(format!("an org named {name:?} already exists")),
            false => Ok(()),
        });
        keep(&mut errors, Field::Name, checked);

        let login_url = match self.login.url() {
            Some(url) if shown.contains(&Field::Login) => Ok(url.to_string()),
            _ => self.typed_url(),
        };
        let login_url = keep(&mut errors, Field::LoginUrl, login_url);

        let site = if shown.contains(&Field::Site) {
            let site = org::parse_site(self.site.value()).map_err(|e| e.describe(names));
            keep(&mut errors, Field::Site, site)
        } else {
            None
        };
        let client_id = if !shown.contains(&Field::ClientId) {
            None
        } else if self.mode == FormMode::Login && self.client_id.value().trim().is_empty() {
            Some(crate::login::DEFAULT_CLIENT_ID.to_string())
        } else {
            let id = org::parse_client_id(self.client_id.value()).map_err(|e| e.describe(names));
            keep(&mut errors, Field::ClientId, id)
        };
        let username = if shown.contains(&Field::Username) {
            let username = kind_checks::parse_jwt_username(self.username.value());
            keep(
                &mut errors,
                Field::Username,
                username.map_err(|e| e.describe(names)),
            )
        } else {
            None
        };

        let mut secrets = Vec::new();
        let typed = |field: Field| {
            let value = self.input(field).map_or("", |i| i.value().trim());
            (shown.contains(&field) && !value.is_empty()).then(|| value.to_string())
        };
        if let Some(secret) = typed(Field::ClientSecret) {
            secrets.push((SecretKind::ClientSecret, SecretString::from(secret)));
        } else if adding && kind == OrgKind::ClientCredentials {
            let why = "the client credentials flow needs the app's consumer secret";
            errors.push((Field::ClientSecret, why.into()));
        }
        if let Some(pem) = typed(Field::PrivateKey) {
            let key = kind_checks::parse_private_key(&pem).map_err(|e| e.describe(names));
            if let Some(key) = keep(&mut errors, Field::PrivateKey, key) {
                secrets.push((SecretKind::PrivateKey, key));
            }
        } else if adding && kind == OrgKind::JwtBearer {
            let why = "paste the private key (PEM): it signs each token request";
            errors.push((Field::PrivateKey, why.into()));
        }
        if let Some(token) = typed(Field::RefreshToken) {
            secrets.push((SecretKind::RefreshToken, SecretString::from(token)));
        } else if adding && shown.contains(&Field::RefreshToken) {
            let why = "the refresh token must not be empty";
            errors.push((Field::RefreshToken, why.into()));
        }
        if let Some(token) = typed(Field::AccessToken) {
            let checked = kind_checks::check_access_token(&token).map_err(|e| e.describe(names));
            if keep(&mut errors, Field::AccessToken, checked).is_some() {
                secrets.push((SecretKind::AccessToken, SecretString::from(token)));
            }
        } else if kind == OrgKind::AccessToken {
            // The token belongs to its instance: a new URL needs the new org's token.
            let moved = editing.is_some_and(|o| login_url.as_ref() != Some(&o.login_url));
            if adding || moved {
                let why = "paste the access token (00D…!…) of the org at this instance URL";
                errors.push((Field::AccessToken, why.into()));
            }
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        let mut org = match editing {
            Some(before) => before.clone(),
            None => {
                let mut org = Org::new("", "", "");
                org.kind = kind;
                org
            }
        };
        org.name = name;
        if let Some(url) = login_url {
            if kind == OrgKind::AccessToken {
                org.instance_url = Some(url.clone());
            }
            org.login_url = url;
        }
        if let Some(site) = site {
            org.site = site;
        }
        if let Some(id) = client_id {
            org.client_id = id;
        }
        if username.is_some() {
            org.username = username;
        }
        Ok(OrgDraft { org, secrets })
    }

    /// The typed URL field, checked for the kind: an instance URL is any https URL; a login
    /// URL names its My Domain for a Lightning address, and client credentials refuse
    /// Salesforce's shared login hosts.
    fn typed_url(&self) -> Result<String, String> {
        let names = |setting, value: Option<&str>| field_words(self.kind, setting, value);
        let url = org::parse_login_url(self.login_url.value()).map_err(|e| e.describe(names))?;
        if self.kind == OrgKind::AccessToken {
            return Ok(url);
        }
        // Any other host is the user's call here, as with `sfkey add --any-host`.
        org::check_login_host(&url, true).map_err(|e| e.describe(names))?;
        if self.kind == OrgKind::ClientCredentials {
            kind_checks::check_client_credentials_url(&url).map_err(|e| e.describe(names))?;
        }
        Ok(url)
    }
}

/// How the form says a setting an error asks to change: by its field, not the CLI's option.
fn field_words(kind: OrgKind, setting: Setting, value: Option<&str>) -> String {
    let field = |field: Field| format!("the {} field", field.label(kind));
    let named = match setting {
        Setting::LoginUrl => field(Field::LoginUrl),
        Setting::Site => field(Field::Site),
        Setting::ClientId => field(Field::ClientId),
        Setting::Username => field(Field::Username),
        // The form accepts any host (it is the user's call, as with `sfkey add --any-host`).
        Setting::AnyHost => "`sfkey add --any-host`".into(),
        Setting::Secrets => "their own fields".into(),
    };
    match value {
        Some(value) => format!("{value} in {named}"),
        None => named,
    }
}
