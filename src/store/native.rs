//! The OS's own keyring, one per OS: the Secret Service on Linux, the login Keychain on macOS,
//! the Credential Manager on Windows. Only this file knows which store each OS gets.

use std::collections::HashMap;
use std::sync::Arc;

/// A connected keyring-core store.
pub(super) type CoreStore = Arc<keyring_core::CredentialStore>;

/// Connects to this OS's keyring.
#[cfg(target_os = "linux")]
pub(super) fn connect() -> Result<CoreStore, keyring_core::Error> {
    let store: CoreStore = super::secret_service::PlainSecretService::connect()?;
    Ok(store)
}

/// Connects to this OS's keyring: the user's login keychain, which unsigned command-line
/// programs can use (the "protected data" store needs a signed, provisioned app).
#[cfg(target_os = "macos")]
pub(super) fn connect() -> Result<CoreStore, keyring_core::Error> {
    let store: CoreStore = apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}

/// Connects to this OS's keyring. Entries are generic credentials named `<org-id>/<kind>.sfkey`.
#[cfg(windows)]
pub(super) fn connect() -> Result<CoreStore, keyring_core::Error> {
    let store: CoreStore = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

/// Every other OS: no keyring store is built in, and the message says so.
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
pub(super) fn connect() -> Result<CoreStore, keyring_core::Error> {
    Err(keyring_core::Error::NotSupportedByStore(
        "sfkey has a keyring store for Linux, macOS and Windows only".into(),
    ))
}

/// Whether the keyring daemon behind `store` restarted (or stopped) since it was connected:
/// only a Secret Service can; the Keychain and the Credential Manager are part of the OS.
pub(super) fn restarted(store: &CoreStore) -> bool {
    #[cfg(target_os = "linux")]
    {
        store
            .as_any()
            .downcast_ref::<super::secret_service::PlainSecretService>()
            .is_some_and(super::secret_service::PlainSecretService::restarted)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = store;
        false
    }
}

/// The modifiers an entry is built with. Only the Secret Service takes a `label` (shown in
/// Seahorse); the Keychain and Credential Manager stores reject every key they do not know.
pub(super) fn modifiers(label: &str) -> Option<HashMap<&'static str, &str>> {
    cfg!(target_os = "linux").then(|| HashMap::from([("label", label)]))
}

/// Where to look when the keyring cannot be reached, per OS.
pub(super) fn unavailable_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "Either unlock your login keychain (Keychain Access), or keep secrets in an encrypted file: `export SFKEY_KEYRING=file` (or `keyring = \"file\"` in config.toml)"
    } else if cfg!(windows) {
        "sfkey uses the Windows Credential Manager of the logged-in user; or keep secrets in an encrypted file: `set SFKEY_KEYRING=file` (or `keyring = \"file\"` in config.toml)"
    } else {
        "Either start a keyring: on Linux without a desktop, `dbus-run-session -- $SHELL`, then in that shell `eval \"$(printf %s PASSWORD | gnome-keyring-daemon --unlock --components=secrets)\"`; or keep secrets in an encrypted file: `export SFKEY_KEYRING=file` (or `keyring = \"file\"` in config.toml)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_secret_service_gets_a_label() {
        let mods = modifiers("sfkey x");
        if cfg!(target_os = "linux") {
            assert_eq!(
                mods.as_ref().and_then(|m| m.get("label")).copied(),
                Some("sfkey x")
            );
        } else {
            assert!(mods.is_none());
        }
    }
}
