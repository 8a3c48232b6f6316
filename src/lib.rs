//! sfkey: Salesforce org credentials in the OS keyring, fresh access tokens on demand.
//! Modules are public only where the binary, the integration tests or the benches use them.

pub mod cli;
pub mod clipboard;
pub(crate) mod columns;
pub mod core_dumps;
pub mod demo;
pub(crate) mod escape;
pub mod fake_salesforce;
pub mod health;
pub mod humanize;
pub mod interop;
pub mod kind_checks;
pub mod logging;
pub mod login;
pub(crate) mod open_org;
pub mod org;
pub(crate) mod org_kind;
pub(crate) mod preferences;
pub mod proxy;
pub(crate) mod redact;
pub(crate) mod remedy;
pub mod salesforce;
pub mod saved_org;
pub(crate) mod signals;
pub mod store;
pub(crate) mod suggest;
pub(crate) mod token_details;
pub mod tui;
