//! Steps shared by the pseudo-terminal tests (tests/pty/) and their in-process twins
//! (tests/tui/): a step drives either harness through [`Ui`] and reads either world through
//! [`Orgs`], so a scenario's set-up is written once.

use secrecy::ExposeSecret;
use sfkey::fake_salesforce::{ACCESS_TOKEN_PREFIX, FakeSalesforce};
use sfkey::store::{SecretKind, Store};

use super::app::{App, World};
use super::pty::Terminal;
use super::{TestEnv, grant_on};

/// The end of the status line's hints. The status line is the last row, and ratatui writes a
/// frame row by row, so waits include something of it to see whole frames. A status message
/// takes room first and can push this hint off a narrow line: waits for a message use the
/// message itself.
pub const LAST_HINT: &str = "q quit";

/// What a step does to the app: type, paste, wait for text. The real binary in a
/// pseudo-terminal ([`Terminal`]) and the in-process loop ([`App`]) both do it.
pub trait Ui {
    /// Types `keys` as at the keyboard (`\r` Enter, `\x1b` Esc, `\x01`..`\x1a` Ctrl-letter).
    fn send(&mut self, keys: &str);
    /// Pastes `text` as a bracketed paste.
    fn paste(&mut self, text: &str);
    /// Waits until every one of `texts` is on screen; returns the screen's text.
    fn wait_for_all(&self, texts: &[&str]) -> String;
}

/// Each harness does a step with its own method of the same name.
macro_rules! ui_by_its_own_methods {
    ($($harness:ty),*) => {$(
        impl Ui for $harness {
            fn send(&mut self, keys: &str) {
                <$harness>::send(self, keys);
            }
            fn paste(&mut self, text: &str) {
                <$harness>::paste(self, text);
            }
            #[track_caller]
            fn wait_for_all(&self, texts: &[&str]) -> String {
                <$harness>::wait_for_all(self, texts)
            }
        }
    )*};
}
ui_by_its_own_methods!(Terminal, App);

/// A test's world: a fake Salesforce, grants on it, and the store orgs are saved in. The CLI's
/// [`TestEnv`] (real keyring) and the in-process [`World`] (memory keyring) both are one.
pub trait Orgs {
    /// The fake Salesforce.
    fn server(&self) -> &FakeSalesforce;
    /// The store the app saves orgs in.
    fn org_store(&self) -> Store;
    /// The fake and the secrets handed out so far, for a new grant ([`grant_on`]).
    fn grants(&mut self) -> (&FakeSalesforce, &mut Vec<String>);
}

/// Both worlds keep the fake in `server` and the secrets in `secrets_used`; `$store` is the
/// store of `$world`.
macro_rules! orgs_by_fields {
    ($($harness:ty => |$world:ident| $store:expr),*) => {$(
        impl Orgs for $harness {
            fn server(&self) -> &FakeSalesforce {
                &self.server
            }
            fn org_store(&self) -> Store {
                let $world = self;
                $store
            }
            fn grants(&mut self) -> (&FakeSalesforce, &mut Vec<String>) {
                (&self.server, &mut self.secrets_used)
            }
        }
    )*};
}
orgs_by_fields!(TestEnv => |env| env.store(), World => |world| world.store.clone());

/// Presses r once the list shows the org `name` and waits for the refresh's answer; returns
/// the screen then and the access token the fake issued (the only one so far).
#[track_caller]
pub fn refresh_only_org(ui: &mut impl Ui, server: &FakeSalesforce, name: &str) -> (String, String) {
    ui.wait_for_all(&[name, "never", LAST_HINT]);
    ui.send("r");
    let summary = format!("{name}: HTTP 200 in");
    let screen = ui.wait_for_all(&["instance_url", "HTTP 200", "Content-Encoding", &summary]);
    let issued: Vec<String> = server
        .issued_secrets()
        .into_iter()
        .filter(|s| s.starts_with(ACCESS_TOKEN_PREFIX))
        .collect();
    assert_eq!(issued.len(), 1, "one refresh, one access token");
    (screen, issued[0].clone())
}

/// A fresh grant on the fake server, as an auth URL for it; returns (url, refresh token).
pub fn auth_url(world: &mut impl Orgs, client_id: &str) -> (String, String) {
    let (server, used) = world.grants();
    let (secret, refresh) = grant_on(server, used, client_id, true, |g| g);
    // The fake speaks plain HTTP: say so (a bare loopback host is https, as in sf).
    let host = world.server().url().trim_end_matches('/').to_string();
    let secret = secret.expect("a grant with a client secret");
    (
        format!("force://{client_id}:{secret}:{refresh}@{host}"),
        refresh,
    )
}

/// The refresh token saved for the org `name`.
#[track_caller]
pub fn stored_refresh_token(world: &impl Orgs, name: &str) -> String {
    let store = world.org_store();
    let org = store.find(name).expect("the org is saved");
    let token = store.secret(&org.id, SecretKind::RefreshToken);
    let token = token
        .expect("the keyring answers")
        .expect("a refresh token");
    token.expose_secret().to_string()
}

/// Pastes `url` after `p`, names the org `name` and saves with Ctrl-S.
pub fn paste_and_save(ui: &mut impl Ui, url: &str, name: &str) {
    ui.send("p");
    ui.wait_for_all(&["Paste an auth URL"]);
    ui.paste(&format!("{url}\n"));
    ui.send("\r");
    ui.wait_for_all(&["Add an org from an auth URL"]);
    ui.send("\x15"); // Ctrl-U clears the suggested name
    ui.send(name);
    ui.send("\x13"); // Ctrl-S
}
