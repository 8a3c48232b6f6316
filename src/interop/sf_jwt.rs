//! The Salesforce CLI's JWT orgs: they have no refresh token, so no auth URL. Their auth file
//! (`~/.sfdx/<username>.json`) names the client id, login URL and the private key's path
//! (`privateKey`, not encrypted: it is a path). The key is read once, checked, and kept in
//! the keyring; the path is not remembered.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde_json::Value;
use zeroize::Zeroizing;

use super::sf_cli::SfOrg;
use super::{InputError, sanitize_name};
use crate::org::{self, Org, OrgKind};
use crate::salesforce::grants::check_private_key;

/// A JWT org of the sf CLI, ready to save (`Debug` shows no key: `SecretString` hides it).
#[derive(Debug)]
pub struct ImportedJwt {
    /// The org (kind JWT bearer), named by its alias.
    pub org: Org,
    /// The private key (PEM) read from the file sf names.
    pub private_key: SecretString,
}

/// Where sf keeps its auth files: `~/.sfdx`.
pub fn sf_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.home_dir().join(".sfdx"))
}

/// What the auth file of `org` in `sfdx_dir` says, when it names a private key: `Ok(None)`
/// when it names none (an access-token login), an error when it is there but unusable.
pub fn read(org: &SfOrg, sfdx_dir: &Path) -> Result<Option<ImportedJwt>, InputError> {
    let file = sfdx_dir.join(format!("{}.json", org.username));
    let origin = file.display().to_string();
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Ok(None);
    };
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| InputError::new(&origin, "file", format!("is not JSON ({e})")))?;
    let field = |k: &str| doc.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let Some(key_path) = field("privateKey") else {
        return Ok(None);
    };
    let bad = |f: &str, problem: String| InputError::new(&origin, f, problem);
    let client_id = org::parse_client_id(field("clientId").unwrap_or_default())
        .map_err(|e| bad("clientId", e.to_string()))?;
    let login_url = org::parse_login_url(field("loginUrl").unwrap_or(org::PRODUCTION_LOGIN_URL))
        .map_err(|e| bad("loginUrl", e.to_string()))?;
    let mut pem = Zeroizing::new(String::new());
    let file = std::fs::File::open(key_path)
        .map_err(|e| bad("privateKey", format!("cannot open {key_path}: {e}")))?;
    // An RSA key in PEM is a few KB; a bigger file is not one.
    std::io::Read::read_to_string(&mut std::io::Read::take(file, 64 * 1024), &mut pem)
        .map_err(|e| bad("privateKey", format!("cannot read {key_path}: {e}")))?;
    let private_key = SecretString::from(pem.trim().to_string());
    check_private_key(&private_key).map_err(|e| bad("privateKey", e.to_string()))?;
    let mut new = Org::new(sanitize_name(org.handle()), login_url, client_id);
    new.kind = OrgKind::JwtBearer;
    new.username = Some(org.username.clone());
    new.instance_url = org.instance_url.clone();
    new.salesforce_org_id = org.org_id.clone();
    new.salesforce_user_id = org.user_id.clone();
    Ok(Some(ImportedJwt {
        org: new,
        private_key,
    }))
}
