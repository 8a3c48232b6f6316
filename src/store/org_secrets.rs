//! All secrets of one org at once, as [`super::SecretStore::get_all`] reads them.

use secrecy::SecretString;

use super::SecretKind;

/// All secrets of one org, as [`super::SecretStore::get_all`] reads them.
#[derive(Debug, Default, Clone)]
pub struct OrgSecrets([Option<SecretString>; 4]);

impl OrgSecrets {
    fn index(kind: SecretKind) -> usize {
        match kind {
            SecretKind::ClientSecret => 0,
            SecretKind::RefreshToken => 1,
            SecretKind::AccessToken => 2,
            SecretKind::PrivateKey => 3,
        }
    }

    /// One secret, if stored.
    pub fn get(&self, kind: SecretKind) -> Option<&SecretString> {
        self.0[Self::index(kind)].as_ref()
    }

    /// Takes one secret out.
    pub fn take(&mut self, kind: SecretKind) -> Option<SecretString> {
        self.0[Self::index(kind)].take()
    }

    /// Puts one secret in (or clears it).
    pub fn set(&mut self, kind: SecretKind, value: Option<SecretString>) {
        self.0[Self::index(kind)] = value;
    }
}
