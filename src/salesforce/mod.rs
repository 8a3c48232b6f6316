//! Everything that speaks OAuth to Salesforce. No UI types in here.

pub mod error;
pub mod token;

pub use error::{TokenError, TransportError, TransportKind};
pub use token::{
    HttpExchange, RefreshRequest, TokenResponse, TokenSuccess, http_client, http_client_for,
    refresh_access_token,
};
