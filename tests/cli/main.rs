//! The command line and the library end to end: the real binary (in a pseudo-terminal where a
//! prompt needs one), the loopback fake Salesforce, the real Secret Service.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod api;
mod api_cli;
mod backends;
mod cli;
mod clipboard;
mod config;
mod depth;
mod depth_cli;
mod grants;
mod harden;
mod http_settings;
mod interop;
mod login;
mod login_device;
mod refresh;
mod sig;
mod text;
