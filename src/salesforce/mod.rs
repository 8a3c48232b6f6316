//! Everything that speaks OAuth to Salesforce. No UI types in here.

pub mod error;
pub mod http;
pub mod id_token;
pub mod signature;
pub mod token;

pub use error::{TokenError, TransportError, TransportKind};
pub use http::{HttpClient, HttpExchange, HttpSettings};
pub use signature::{SignatureCheck, check_signature};
pub use token::{RefreshRequest, TokenResponse, TokenSuccess, refresh_access_token};
