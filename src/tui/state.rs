//! The app's state types: per-org panels, popups, the status line, and where the view drew
//! things (for the mouse).

use std::cell::Cell;

use ratatui::layout::Rect;

use crate::org::Org;
use crate::refresh::RefreshError;
use crate::salesforce::{SignatureCheck, TokenSuccess};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    /// When it started, epoch ms.
    pub started_ms: u64,
    /// Another process holds the org's lock.
    pub waiting_for_lock: bool,
    /// Esc was pressed; the task has been told.
    pub cancelling: bool,
    /// The request is with Salesforce: too late to cancel, the answer is awaited.
    pub too_late: bool,
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
    /// The keyring refused a rotated refresh token; the tasks keep it in memory until saved.
    pub unsaved_refresh_token: bool,
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

/// What the login popup shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPopup {
    /// The org name it will be saved under.
    pub name: String,
    /// The authorize URL, once the listener is up.
    pub url: Option<String>,
    /// Whether a browser was opened, in words.
    pub opened: String,
    /// A question the login waits on (y or n), once the user has logged in.
    pub question: Option<String>,
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
