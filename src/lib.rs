//! sfkey: Salesforce org credentials in the OS keyring, fresh access tokens on demand.

pub mod cli;
pub mod clipboard;
pub mod columns;
pub mod demo;
pub mod escape;
pub mod fake_salesforce;
pub mod health;
pub mod humanize;
pub mod interop;
pub mod logging;
pub mod login;
pub mod open_org;
pub mod org;
pub mod proxy;
pub mod redact;
pub mod refresh;
pub mod rotation;
pub mod salesforce;
pub mod store;
pub mod suggest;
pub mod token_calls;
pub mod token_details;
pub mod tui;
