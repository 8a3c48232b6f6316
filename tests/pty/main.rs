//! What only a terminal shows: the real binary in a pseudo-terminal (portable-pty + vt100),
//! restore on panic and signals, OSC 52, bracketed paste, raw-mode keys, the too-small message,
//! hidden prompts; the rest of the TUI is tested in-process (tests/tui/).
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod depth_tui;
mod prompt;
mod tui;
mod tui_api;
mod tui_import;
mod tui_login;
