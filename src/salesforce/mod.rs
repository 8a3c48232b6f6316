//! Everything that speaks OAuth to Salesforce. No UI types in here.

pub mod bearer_calls;
pub mod error;
pub mod exchange;
pub mod explain;
pub mod explain_grants;
pub mod frontdoor;
pub mod grants;
pub mod http;
pub mod id_token;
pub mod introspect;
pub mod revoke;
pub mod signature;
pub mod token;
mod transport_error;

pub use bearer_calls::{ApiError, UserInfo, fetch_userinfo};
pub use error::{TokenError, TransportError, TransportKind};
pub use grants::{Assertion, TokenGrant, request_token};
pub use http::{CONNECT_TIMEOUT, HttpClient, HttpExchange, HttpSettings};
pub use introspect::{IntrospectRequest, Introspection, TokenKind, introspect};
pub use revoke::revoke;
pub use signature::{SignatureCheck, check_signature};
pub use token::{RefreshRequest, TokenResponse, TokenSuccess, refresh_access_token};
