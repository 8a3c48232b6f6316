//! The calls about a stored token that the TUI runs (`u` userinfo, `i` introspect, `x` revoke):
//! what was asked, and what came back.

use crate::salesforce::{HttpExchange, TokenKind};
use crate::saved_org::calls::{CallError, IntrospectDone, RevokeDone, UserinfoDone};

/// A call about the selected org's stored token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `GET {instance}/services/oauth2/userinfo`.
    Userinfo,
    /// `POST .../services/oauth2/introspect` for the access token.
    Introspect,
    /// `POST .../services/oauth2/revoke` for this token.
    Revoke(TokenKind),
}

impl Call {
    /// How the status line and the response pane name it.
    pub fn title(self) -> &'static str {
        match self {
            Self::Userinfo => "userinfo",
            Self::Introspect => "introspect",
            Self::Revoke(TokenKind::AccessToken) => "revoke access token",
            Self::Revoke(TokenKind::RefreshToken) => "revoke refresh token",
        }
    }
}

/// A call's answer.
#[derive(Debug, Clone)]
pub enum CallAnswer {
    /// Who the token belongs to.
    Userinfo(UserinfoDone),
    /// Whether it is active, until when.
    Introspect(IntrospectDone),
    /// What was revoked and removed from the keyring.
    Revoke(RevokeDone),
}

impl CallAnswer {
    /// Status and headers.
    pub fn exchange(&self) -> &HttpExchange {
        match self {
            Self::Userinfo(d) => &d.exchange,
            Self::Introspect(d) => &d.exchange,
            Self::Revoke(d) => &d.exchange,
        }
    }
}

/// The last call of an org: running, or its outcome.
#[derive(Debug)]
pub struct CallState {
    /// Which call.
    pub call: Call,
    /// When it started, epoch ms.
    pub started_ms: u64,
    /// `None` while it runs.
    pub outcome: Option<Result<CallAnswer, CallError>>,
}

impl CallState {
    /// Whether it is still running.
    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }
}
