//! The app's state types: per-org panels, popups, the status line, and where the view drew
//! things (for the mouse).

use std::cell::Cell;

use ratatui::layout::Rect;

use crate::org::Org;
use crate::salesforce::{SignatureCheck, TokenSuccess};
use crate::saved_org::refresh::RefreshError;

use super::calls::CallState;
use super::form::OrgForm;

/// The pane that j/k act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The org list (j/k move the selection).
    Orgs,
    /// The token pane (j/k scroll).
    Token,
    /// The response pane (j/k scroll).
    Response,
}

/// A refresh in flight.
#[derive(Debug)]
pub struct Running {
    /// When it started, epoch ms.
    pub started_ms: u64,
    /// Where it is.
    pub phase: Phase,
}

/// Where a refresh in flight is. Until its request is out, the phase holds the handle that
/// stops it.
#[derive(Debug)]
pub enum Phase {
    /// Taking the org's lock, reading the keyring.
    Starting(RefreshCancel),
    /// Another sfkey holds the org's lock: waiting for it.
    WaitingForLock(RefreshCancel),
    /// Esc asked it to stop; it answers `Cancelled` unless its request was already out.
    Cancelling,
    /// The request is with Salesforce: nothing stops it now, its answer is awaited and saved.
    Sent,
    /// Esc came after the request was out: waiting for the answer all the same.
    SentCancelRefused,
}

impl Phase {
    /// Whether Esc can still stop it.
    pub fn cancellable(&self) -> bool {
        matches!(self, Self::Starting(_) | Self::WaitingForLock(_))
    }
}

/// The handle that stops a refresh before its request goes out. Dropped (the app is gone, or
/// the refresh moved on), it stops the refresh too, which costs nothing before the request.
#[derive(Debug, Default)]
pub struct RefreshCancel(crate::saved_org::Cancel);

impl RefreshCancel {
    /// A new handle and the task's side of it.
    pub fn new() -> (Self, crate::saved_org::Cancel) {
        let cancel = crate::saved_org::Cancel::default();
        (Self(cancel.clone()), cancel)
    }
}

impl Drop for RefreshCancel {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// The last refresh result of an org, as shown in its panes.
#[derive(Debug)]
pub enum Shown {
    /// A token.
    Token {
        /// What Salesforce answered.
        success: Box<TokenSuccess>,
        /// The refresh token was rotated and the new one saved.
        rotated: bool,
        /// The answer's signature checked against the client secret.
        signature: SignatureCheck,
        /// When it arrived, epoch ms.
        at_ms: u64,
    },
    /// No token.
    Failure {
        /// Why.
        error: Box<RefreshError>,
        /// When, epoch ms.
        at_ms: u64,
    },
}

/// Per-org state that outlives switching between orgs.
#[derive(Debug, Default)]
pub struct Panel {
    /// The refresh in flight, if any.
    pub running: Option<Running>,
    /// The last result.
    pub last: Option<Shown>,
    /// The last userinfo, introspect or revoke call (cleared by a refresh).
    pub call: Option<CallState>,
    /// The live refresh token the keyring refused (never shown): it goes with the next refresh,
    /// which saves it first, and is dropped once the keyring holds it.
    pub unsaved_refresh_token: Option<secrecy::SecretString>,
    /// The org's local proxy (key P), if one is starting or running.
    pub proxy: Option<ProxyState>,
    /// `u` or `i` without a live stored access token: started once the running refresh works.
    pub then_call: Option<super::calls::Call>,
}

/// How many proxied requests the proxy pane keeps.
pub const PROXY_REQUESTS_KEPT: usize = 100;

/// The lifecycle of an org's local proxy.
#[derive(Debug)]
pub enum ProxyState {
    /// Asked for; opening (it may refresh first).
    Starting,
    /// Serving.
    Running(Box<RunningProxy>),
    /// Asked to stop; finishing the requests in flight.
    Stopping,
}

/// A proxy serving one org.
#[derive(Debug)]
pub struct RunningProxy {
    /// `http://127.0.0.1:PORT/<org>`: the instance URL for clients.
    pub url: String,
    /// What clients send as `Authorization: Bearer` (only for this proxy; `Debug` masks it).
    pub token: secrecy::SecretString,
    /// Stops the proxy when sent to (or dropped).
    pub stop: ProxyStop,
    /// The latest requests, newest last, at most [`PROXY_REQUESTS_KEPT`].
    pub requests: std::collections::VecDeque<crate::proxy::Seen>,
}

/// The handle that stops a proxy: the state owns it, an effect hands it to the task.
#[derive(Debug)]
pub struct ProxyStop(pub tokio::sync::oneshot::Sender<()>);

/// A popup over the main screen.
#[derive(Debug)]
pub enum Popup {
    /// The key list, scrolled by this many lines.
    Help(u16),
    /// Add or edit an org.
    Form(Box<OrgForm>),
    /// Delete this org?
    ConfirmDelete(Box<Org>),
    /// Paste an SFDX auth URL (key p).
    PasteUrl(Box<super::paste::PasteUrl>),
    /// The pasted org is already saved: update it?
    ConfirmUpdate(Box<super::paste::PendingUpdate>),
    /// Revoke which token of this org?
    ConfirmRevoke(Box<Org>),
    /// A login waiting for the browser.
    Login(Box<LoginPopup>),
}

/// What the login popup shows, and the login's channels: dropping the popup cancels the login.
#[derive(Debug)]
pub struct LoginPopup {
    /// The org name it will be saved under.
    pub name: String,
    /// The authorize URL, once the listener is up.
    pub url: Option<String>,
    /// Whether a browser was opened, in words.
    pub opened: String,
    /// A question the login waits on (yes or no), once the user has logged in.
    pub question: Option<LoginQuestion>,
    /// Ends the login when sent to or dropped.
    pub cancel: Option<tokio::sync::oneshot::Sender<()>>,
    /// The login running, to run it again with a device code instead.
    pub job: Option<Box<super::message::LoginJob>>,
}

/// The login's question and where its answer goes.
#[derive(Debug)]
pub struct LoginQuestion {
    /// The question.
    pub text: String,
    /// Takes the answer.
    pub reply: tokio::sync::oneshot::Sender<bool>,
}

/// Leaving sfkey, step by step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QuitState {
    /// Not asked to quit.
    #[default]
    Running,
    /// Quitting was asked once and the status line said what it would lose (a refresh token
    /// only in memory, a half-filled form); asking again quits.
    Warned,
    /// Leaving once what must be saved is saved.
    Leaving,
    /// Asked twice: leaving now, even if a refresh is still out.
    LeavingNow,
}

/// What is on screen beside the orgs: focus, scrolls, the popup, the status line.
#[derive(Debug)]
pub struct ViewState {
    /// Secrets shown whole in the token pane.
    pub reveal: bool,
    /// The pane j/k act on.
    pub focus: Pane,
    /// Scroll of the token pane, in lines.
    pub token_scroll: usize,
    /// Scroll of the response pane, in lines.
    pub response_scroll: usize,
    /// The popup, if any.
    pub popup: Option<Popup>,
    /// The status-line message.
    pub status: Option<Status>,
    /// Esc hid a broken config.toml's message from the status line (the header keeps a note).
    pub config_error_hidden: bool,
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            reveal: false,
            focus: Pane::Orgs,
            token_scroll: 0,
            response_scroll: 0,
            popup: None,
            status: None,
            config_error_hidden: false,
        }
    }
}

/// What the app runs with and never changes.
#[derive(Debug)]
pub struct Environment {
    /// Set in demo mode: what the banner says.
    pub demo: Option<String>,
    /// Where a login starts by default (the demo's fake Salesforce); production when `None`.
    pub login_url: Option<String>,
    /// The local UTC offset in seconds, for `issued_at`.
    pub utc_offset_s: i32,
    /// Days unused after which an org's refresh token is flagged idle.
    pub idle_days: u64,
    /// The keys, with config.toml's overrides.
    pub keys: super::keymap::KeyMap,
    /// The named styles and the mask character (`[theme]`, `[tui] mask_char`, `NO_COLOR`).
    pub theme: super::view::style::Theme,
    /// `[tui]`: the org column's width and the like.
    pub tui: crate::preferences::TuiPrefs,
    /// config.toml could not be read: what is wrong (the app runs on defaults).
    pub config_error: Option<String>,
    /// Where the store keeps secrets ("the OS keyring", "the encrypted secrets file"): read
    /// from the store once, so views say the truth without asking it.
    pub secrets_place: &'static str,
}

impl Default for Environment {
    fn default() -> Self {
        Self {
            demo: None,
            login_url: None,
            utc_offset_s: 0,
            idle_days: crate::health::DEFAULT_IDLE_DAYS,
            keys: super::keymap::KeyMap::default(),
            theme: super::view::style::Theme::DARK,
            tui: crate::preferences::TuiPrefs::default(),
            config_error: None,
            secrets_place: "the OS keyring",
        }
    }
}

/// Info or error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fades after a few seconds.
    Info,
    /// Stays until the next message.
    Error,
}

/// A message in the status line.
#[derive(Debug, Clone)]
pub struct Status {
    /// The text.
    pub text: String,
    /// Info or error.
    pub level: Level,
    /// When it was set, epoch ms.
    pub at_ms: u64,
}

/// Where the view drew what the mouse can hit (set while drawing).
#[derive(Debug, Default)]
pub struct HitAreas {
    /// The org list's inner area.
    pub orgs: Cell<Rect>,
    /// The token pane.
    pub token: Cell<Rect>,
    /// The response pane.
    pub response: Cell<Rect>,
    /// How far the token pane can scroll (lines beyond its height).
    pub token_max: Cell<usize>,
    /// How far the response pane can scroll.
    pub response_max: Cell<usize>,
    /// How far the help overlay can scroll.
    pub help_max: Cell<u16>,
}
