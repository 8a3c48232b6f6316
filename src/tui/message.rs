//! Every event the app reacts to, and every effect it asks the tasks for. Data flows one way:
//! input and task results become messages; `App::update` turns them into state and effects.

use crossterm::event::{KeyEvent, MouseEvent};

use crate::org::{Org, OrgId};
use crate::saved_org::calls::CallError;
use crate::saved_org::refresh::Refreshed;
use crate::store::{SecretChanges, SecretKind};

use super::calls::{Call, CallAnswer};

/// Something the app reacts to.
#[derive(Debug)]
pub enum Message {
    /// A key press.
    Key(KeyEvent),
    /// A mouse click or wheel turn.
    Mouse(MouseEvent),
    /// Leave (a signal asked for it): like `q`.
    Quit,
    /// The terminal changed size: just redraw.
    Resize,
    /// The terminal window got focus again: orgs may have been added with the CLI meanwhile.
    FocusGained,
    /// Bracketed paste into the focused form field.
    Paste(Pasted),
    /// Time passed (spinners, ages); carries the clock so `update` stays pure.
    Tick {
        /// Now, in epoch milliseconds.
        now_ms: u64,
    },
    /// The first rows of the orgs file, drawn while the rest is read.
    FirstOrgs(Vec<Org>),
    /// The org list as stored, or why it could not be read.
    OrgsLoaded(Result<Vec<Org>, String>),
    /// News from a refresh in flight: waiting for another sfkey's lock, the request sent, a
    /// retry, the refresh token safely in the keyring.
    Refreshing {
        /// Which org.
        id: OrgId,
        /// What happened.
        event: crate::saved_org::refresh::RefreshEvent,
    },
    /// A refresh ended.
    RefreshDone {
        /// Which org.
        id: OrgId,
        /// What came of it.
        outcome: Box<RefreshOutcome>,
    },
    /// An edit stored a refresh token the user typed: it replaces one kept in memory.
    RefreshTokenStored(OrgId),
    /// The org has no access token stored, so there is nothing to copy.
    NothingToCopy(String),
    /// The access token went to the clipboard.
    Copied {
        /// The org's name.
        org: String,
        /// Which way.
        via: CopyVia,
    },
    /// Copying failed; says why (never the token).
    CopyFailed(String),
    /// The add or edit form was saved (or not).
    Saved(Result<Org, String>),
    /// An org was deleted (or not).
    Deleted(Result<Org, String>),
    /// A userinfo, introspect or revoke call ended.
    CallDone {
        /// Which org.
        id: OrgId,
        /// Which call.
        call: Call,
        /// What came of it.
        outcome: Box<Result<CallAnswer, CallError>>,
    },
    /// A login listens for its redirect: the URL to open and whether a browser was started.
    LoginWaiting {
        /// The authorize URL (no secret in it).
        url: String,
        /// What became of opening the browser, in words.
        opened: String,
        /// Ends the login when sent to or dropped: the popup keeps it.
        cancel: tokio::sync::oneshot::Sender<()>,
    },
    /// The login needs a yes or no before it saves (the user is saved under another name).
    LoginAsk(super::state::LoginQuestion),
    /// A login ended: the org saved with a summary, or why not.
    LoginDone(Result<(Org, String), String>),
    /// The login URL was copied (which way), or why not.
    LoginUrlCopied(Result<CopyVia, String>),
    /// An org from a pasted auth URL was checked against the saved ones (a keyring read, for
    /// the same refresh token): the org it duplicates, if any; or why the check failed.
    ImportChecked(Result<Box<ImportCheck>, String>),
    /// The org's proxy listens (or could not start: why).
    ProxyStarted {
        /// Which org.
        id: OrgId,
        /// The running proxy, or why not.
        result: Result<Box<super::state::RunningProxy>, String>,
    },
    /// The org's proxy answered a request.
    ProxySeen {
        /// Which org.
        id: OrgId,
        /// The request (no token, no query values).
        seen: crate::proxy::Seen,
    },
    /// The org's proxy stopped.
    ProxyStopped(OrgId),
    /// The proxy token was copied (which way), or why not.
    ProxyTokenCopied(Result<CopyVia, String>),
    /// Opening an org in the browser ended: how, or why not (never the URL).
    Opened {
        /// The org's name.
        org: String,
        /// What came of it.
        result: Result<crate::open_org::OpenedOrg, String>,
    },
}

/// An imported org and the saved org it duplicates, if any.
#[derive(Debug)]
pub struct ImportCheck {
    /// The org to save, with its secrets.
    pub imported: crate::interop::Imported,
    /// The saved org it matches, and by which rule.
    pub duplicate: Option<(Org, crate::interop::Sameness)>,
}

/// Which way a copied token went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyVia {
    /// The system clipboard (it stays after sfkey exits).
    System,
    /// An OSC 52 sequence to the terminal, which may or may not honour it.
    Terminal,
}

/// Pasted text: often a secret, so its `Debug` shows only the length.
pub struct Pasted(pub zeroize::Zeroizing<String>);

impl Pasted {
    /// Wraps pasted text.
    pub fn new(text: String) -> Self {
        Self(zeroize::Zeroizing::new(text))
    }
}

impl std::fmt::Debug for Pasted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pasted(<{} chars>)", self.0.chars().count())
    }
}

/// What a refresh came to, ready to show.
#[derive(Debug)]
pub enum RefreshOutcome {
    /// A token.
    Success(Box<Refreshed>),
    /// No token; the error says why.
    Failure(crate::saved_org::refresh::RefreshError),
}

/// A change of an existing org, from the edit form.
#[derive(Debug)]
pub struct OrgEdit {
    /// The org's name when the form opened.
    pub name: String,
    /// The edited org (same id).
    pub org: Org,
    /// Secrets typed in the form; absent ones stay as they are.
    pub secrets: SecretChanges,
    /// A new private key or access token (the one secret of those kinds), if one was typed.
    pub other_secret: Option<(SecretKind, secrecy::SecretString)>,
}

/// I/O the app asks for; the tasks do it and answer with a [`Message`].
#[derive(Debug)]
pub enum Effect {
    /// Read the org list.
    LoadOrgs,
    /// Refresh one org.
    Refresh(Box<RefreshJob>),
    /// Copy the org's stored access token.
    Copy(Org),
    /// Save a new org with its secrets (of its kind).
    Add(Org, Vec<(SecretKind, Option<secrecy::SecretString>)>),
    /// Save changes to an org.
    Edit(Box<OrgEdit>),
    /// Delete an org and its secrets.
    Delete(Org),
    /// Look for a saved org the imported one duplicates, by the same rules as `sfkey import`.
    CheckImport(Box<crate::interop::Imported>),
    /// Save an imported org (update one already saved).
    Import(Box<crate::interop::Step>),
    /// Run a userinfo, introspect or revoke call about the org's stored token.
    Call(Org, Call),
    /// Log in with the browser and save the org (what the log-in form asks for; the app starts
    /// it as a [`LoginJob`]).
    Login(Box<LoginRequest>),
    /// Run a login: a new org or again into a saved one, with the browser or a device code.
    StartLogin(Box<LoginJob>),
    /// Answer the login's question.
    AnswerLogin(tokio::sync::oneshot::Sender<bool>, bool),
    /// Copy the login's authorize URL (no secret in it).
    CopyLoginUrl(String),
    /// Open the org in the browser, logged in.
    Open(Org),
    /// Start a local proxy for the org.
    StartProxy(Org),
    /// Stop a proxy.
    StopProxy(super::state::ProxyStop),
    /// Copy a proxy's token.
    CopyProxyToken(secrecy::SecretString),
}

/// A refresh to run, with what the org's state gives it.
#[derive(Debug)]
pub struct RefreshJob {
    /// The org.
    pub org: Org,
    /// Stops it before its request goes out; the org's state holds the other side.
    pub cancel: crate::saved_org::Cancel,
    /// The live refresh token the keyring refused earlier, saved first (`Debug` masks it).
    pub unsaved_refresh_token: Option<secrecy::SecretString>,
}

/// A login from the TUI's form.
#[derive(Debug)]
pub struct LoginRequest {
    /// The name to save the org under.
    pub name: String,
    /// Where to log in, with which app.
    pub target: crate::login::LoginTarget,
}

/// A login to run, as the login popup keeps it (to switch it to the device flow).
#[derive(Debug, Clone)]
pub struct LoginJob {
    /// The name to save the org under.
    pub name: String,
    /// Where to log in, with which app (`Debug` masks the client secret).
    pub target: crate::login::LoginTarget,
    /// Logging in again into this saved org: its client secret is read from the keyring first,
    /// and the login replaces its refresh token (the CLI's `login NAME --update`).
    pub again: Option<OrgId>,
    /// With a code typed on another device instead of the browser (the device flow).
    pub device: bool,
}

impl LoginJob {
    /// A new org, with the browser, from the log-in form.
    pub fn new_org(request: LoginRequest) -> Self {
        Self {
            name: request.name,
            target: request.target,
            again: None,
            device: false,
        }
    }

    /// Again into the saved `org`, with its login URL, site and client id.
    pub fn again(org: &Org, device: bool) -> Self {
        Self {
            name: org.name.clone(),
            target: crate::login::LoginTarget {
                login_url: org.login_url.clone(),
                site: org.site.clone(),
                client_id: org.client_id.clone(),
                client_secret: None,
            },
            again: Some(org.id.clone()),
            device,
        }
    }
}
