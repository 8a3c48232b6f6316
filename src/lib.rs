//! sfkey: Salesforce org credentials in the OS keyring, fresh access tokens on demand.

pub mod cli;
pub mod clipboard;
pub mod demo;
pub mod fake_salesforce;
pub mod humanize;
pub mod interop;
pub mod logging;
pub mod login;
pub mod org;
pub mod org_kind;
pub mod redact;
pub mod refresh;
pub mod rotation;
pub mod salesforce;
pub mod store;
pub mod token_calls;
pub mod token_details;
pub mod tui;
