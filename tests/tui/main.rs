//! The TUI's event loop in-process (`common::app`): keys, pastes and the screen on ratatui's
//! `TestBackend`, a memory keyring, the loopback fake Salesforce, a recording clipboard. What
//! only a real terminal shows (restore on panic and signals, OSC 52 reaching the terminal,
//! bracketed paste, the too-small message, the binary starting) is in the pseudo-terminal tests.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod api;
mod demo;
mod depth;
mod form;
mod import;
mod list;
mod look;
mod refresh;
mod signature;

/// The end of the status line's hints: waits that include it see whole frames.
use common::steps::LAST_HINT;
