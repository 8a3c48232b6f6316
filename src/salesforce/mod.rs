//! Everything that speaks OAuth to Salesforce. No UI types in here.

pub mod api;
pub mod error;
pub mod http;
pub mod token;

pub use api::{ApiError, UserInfo, fetch_userinfo};
pub use error::{TokenError, TransportError, TransportKind};
pub use http::{HttpClient, HttpExchange, HttpSettings};
pub use token::{RefreshRequest, TokenResponse, TokenSuccess, refresh_access_token};
