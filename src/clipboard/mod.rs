//! Copying a secret to the user's clipboard: the native clipboard through a small holder
//! process, or OSC 52 through the terminal when there is no clipboard the user sees (SSH) or
//! native fails.
//!
//! Linux: arboard is built without `wayland-data-control`, so native means X11; Wayland
//! desktops run XWayland and set `DISPLAY`, which is what we use. Without `DISPLAY` the auto mode
//! copies through the terminal. macOS and Windows: the system clipboard needs no display; over
//! SSH the auto mode copies through the terminal, whose clipboard is the one the user sees.

mod holder;

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};

pub use holder::hold;

/// The environment variable that chooses the [`ClipboardMode`].
pub const MODE_ENV: &str = "SFKEY_CLIPBOARD";

/// The hidden subcommand that holds the X11 clipboard after sfkey exits.
pub const HOLD_SUBCOMMAND: &str = "clipboard-hold";

/// Longer texts are refused: tokens are far shorter, terminals cap OSC 52 payloads, and the
/// holder's stdin pipe then never fills (a write could block on a holder that hangs).
pub const MAX_COPY_BYTES: usize = 32 * 1024;

/// How long the holder keeps the clipboard at most by default: a Salesforce session lasts two
/// hours unless the org says otherwise, so the token is of little use after that; and a holder
/// whose X server went away (arboard then waits forever) must not keep a secret for ever.
pub const DEFAULT_CLEAR_AFTER: Duration = Duration::from_secs(2 * 60 * 60);

/// How a copy reached the user's clipboard.
#[derive(Clone, PartialEq, Eq)]
pub enum Copied {
    /// The native clipboard holds the text (on X11, in a holder process that outlives sfkey).
    Native,
    /// The escape sequence the caller must write to its terminal; it contains the secret.
    Osc52(String),
}

// By hand: the sequence carries the secret in base64.
impl fmt::Debug for Copied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Native => f.write_str("Native"),
            Self::Osc52(seq) => write!(f, "Osc52(<{} bytes>)", seq.len()),
        }
    }
}

/// Where copies go: chosen from [`MODE_ENV`] once at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClipboardMode {
    /// Native when a display is reachable, falling back to OSC 52; OSC 52 without a display.
    #[default]
    Auto,
    /// The native clipboard only; a failure is an error.
    Native,
    /// The terminal's clipboard through OSC 52 only (SSH, tmux with `set-clipboard on`).
    Osc52,
}

impl FromStr for ClipboardMode {
    type Err = ClipboardError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Self::Auto),
            "native" => Ok(Self::Native),
            "osc52" => Ok(Self::Osc52),
            _ => Err(ClipboardError::InvalidMode {
                // Echo short values only: a long one may be a pasted secret.
                value: (value.len() <= 16).then(|| value.to_string()),
            }),
        }
    }
}

/// What went wrong with a copy, and what to do; never contains the copied text.
#[derive(Debug, thiserror::Error)]
pub enum ClipboardError {
    /// `SFKEY_CLIPBOARD` holds something else than auto, native or osc52.
    #[error("{} must be auto, native or osc52{}", MODE_ENV, .value.as_ref().map(|v| format!(", not {v:?}")).unwrap_or_default())]
    InvalidMode {
        /// The value, when it is short enough to show.
        value: Option<String>,
    },
    /// Native mode without an X11 display.
    #[error(
        "no X11 display for the native clipboard (DISPLAY is not set{}); set {}=osc52 to copy through the terminal",
        if *.wayland { "; sfkey needs XWayland on Wayland" } else { "" },
        MODE_ENV
    )]
    NoDisplay {
        /// `WAYLAND_DISPLAY` is set: a Wayland session without XWayland.
        wayland: bool,
    },
    /// The text is longer than [`MAX_COPY_BYTES`].
    #[error("the text is too long to copy ({len} bytes; at most {max})", max = MAX_COPY_BYTES)]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The holder process could not be started or talked to.
    #[error(
        "cannot run the clipboard holder (sfkey {HOLD_SUBCOMMAND}): {0}; set {MODE_ENV}=osc52 to copy through the terminal"
    )]
    Holder(#[source] std::io::Error),
    /// The holder answered with an error (its message never contains the text).
    #[error("the native clipboard failed: {0}; set {MODE_ENV}=osc52 to copy through the terminal")]
    Native(String),
    /// The holder did not answer in time.
    #[error("the native clipboard did not answer within {}s (is the X server at DISPLAY reachable?); set {MODE_ENV}=osc52 to copy through the terminal", holder::ANSWER_TIMEOUT.as_secs())]
    Timeout,
    /// sfkey has no native clipboard on this OS (only Linux, macOS and Windows have one).
    #[error(
        "sfkey has no native clipboard on this OS; set {MODE_ENV}=osc52 to copy through the terminal"
    )]
    Unsupported,
}

/// Anything that copies secrets: the real [`Clipboard`], or a [`MemoryClipboard`] in tests.
pub trait CopySecret: Send + Sync {
    /// Copies `text`; blocking (call from `spawn_blocking`).
    fn copy(&self, text: &SecretString) -> Result<Copied, ClipboardError>;
}

/// Which clipboard this OS has without a display server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum System {
    /// Linux and other Unixes: the clipboard is X11's, reached through `DISPLAY`.
    #[default]
    X11,
    /// macOS and Windows: the system keeps a clipboard of its own.
    Own,
    /// No native clipboard is built for this OS.
    None,
}

impl System {
    const THIS_OS: System = if cfg!(any(target_os = "macos", windows)) {
        System::Own
    } else if cfg!(target_os = "linux") {
        System::X11
    } else {
        System::None
    };
}

/// The displays the environment offers, read once.
#[derive(Debug, Clone, Default)]
struct Displays {
    system: System,
    x11: Option<OsString>,
    wayland: bool,
    ssh: bool,
}

impl Displays {
    fn from_lookup(lookup: &dyn Fn(&str) -> Option<OsString>) -> Self {
        Self::for_system(System::THIS_OS, lookup)
    }

    fn for_system(system: System, lookup: &dyn Fn(&str) -> Option<OsString>) -> Self {
        // An empty value means unset, as for most programs that read DISPLAY.
        let set = |name: &str| lookup(name).filter(|v| !v.is_empty());
        Self {
            system,
            x11: set("DISPLAY"),
            wayland: set("WAYLAND_DISPLAY").is_some(),
            ssh: set("SSH_CONNECTION").is_some() || set("SSH_TTY").is_some(),
        }
    }
}

/// The order in which a copy tries the clipboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Native; on failure, OSC 52.
    NativeThenOsc52,
    /// Native only.
    Native,
    /// OSC 52 only.
    Osc52,
}

/// Where [`ClipboardMode`] sends a copy, given the displays; an error for native without X11.
fn route(mode: ClipboardMode, displays: &Displays) -> Result<Route, ClipboardError> {
    match (mode, displays.system) {
        (ClipboardMode::Osc52, _) => Ok(Route::Osc52),
        (ClipboardMode::Native, System::None) => Err(ClipboardError::Unsupported),
        (ClipboardMode::Native, System::Own) => Ok(Route::Native),
        (ClipboardMode::Auto, System::None) => Ok(Route::Osc52),
        // Over SSH the system clipboard is the remote machine's: the user sees the terminal's.
        (ClipboardMode::Auto, System::Own) if displays.ssh => Ok(Route::Osc52),
        (ClipboardMode::Auto, System::Own) => Ok(Route::NativeThenOsc52),
        (mode, System::X11) => route_x11(mode, displays),
    }
}

/// [`route`] where the clipboard is X11's.
fn route_x11(mode: ClipboardMode, displays: &Displays) -> Result<Route, ClipboardError> {
    let no_display = || ClipboardError::NoDisplay {
        wayland: displays.wayland,
    };
    match mode {
        ClipboardMode::Osc52 => Ok(Route::Osc52),
        ClipboardMode::Native if displays.x11.is_some() => Ok(Route::Native),
        ClipboardMode::Native => Err(no_display()),
        // Over SSH there is no display: the terminal is the only clipboard the user sees.
        ClipboardMode::Auto if displays.x11.is_none() && !displays.wayland => Ok(Route::Osc52),
        // Wayland without XWayland: native fails at once (no DISPLAY) and we fall back.
        ClipboardMode::Auto => Ok(Route::NativeThenOsc52),
    }
}

/// The user's clipboard, as chosen by [`ClipboardMode`]; keeps the holders it started so it can
/// reap them.
#[derive(Debug)]
pub struct Clipboard {
    mode: ClipboardMode,
    displays: Displays,
    holder_program: Option<PathBuf>,
    clear_after: Duration,
    holders: Mutex<Vec<std::process::Child>>,
}

impl Clipboard {
    /// The mode from `SFKEY_CLIPBOARD` (default auto) and the displays of this process.
    pub fn from_env() -> Result<Self, ClipboardError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// As [`Clipboard::from_env`], reading variables through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Self, ClipboardError> {
        let mode = match lookup(MODE_ENV) {
            None => ClipboardMode::Auto,
            Some(value) => value
                .to_str()
                .ok_or(ClipboardError::InvalidMode { value: None })?
                .parse()?,
        };
        Ok(Self::new(mode, Displays::from_lookup(&lookup)))
    }

    /// A clipboard with this mode and the displays of this process's environment.
    pub fn with_mode(mode: ClipboardMode) -> Self {
        Self::new(mode, Displays::from_lookup(&|name| std::env::var_os(name)))
    }

    fn new(mode: ClipboardMode, displays: Displays) -> Self {
        Self {
            mode,
            displays,
            holder_program: None,
            clear_after: DEFAULT_CLEAR_AFTER,
            holders: Mutex::new(Vec::new()),
        }
    }

    /// The sfkey binary that runs `clipboard-hold` (default: this executable). Tests of the
    /// library set it, since their own executable is the test harness.
    pub fn with_holder_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.holder_program = Some(program.into());
        self
    }

    /// Clears a native copy after `after` unless something else was copied first (default
    /// [`DEFAULT_CLEAR_AFTER`]). OSC 52 copies cannot be cleared.
    pub fn with_clear_after(mut self, after: Duration) -> Self {
        self.clear_after = after;
        self
    }

    /// The mode copies follow.
    pub fn mode(&self) -> ClipboardMode {
        self.mode
    }

    /// Where a copy would go, in words (for `sfkey doctor`); an error when nowhere.
    pub fn method(&self) -> Result<&'static str, ClipboardError> {
        route(self.mode, &self.displays).map(|route| match route {
            Route::NativeThenOsc52 => "native (X11 display), falling back to OSC 52",
            Route::Native => "native (X11 display) only",
            Route::Osc52 => "OSC 52 through the terminal (no display)",
        })
    }

    /// Copies `text`. Blocking, up to about 2 s (call from `spawn_blocking`). Never prints the
    /// secret anywhere: for [`Copied::Osc52`] the caller writes the sequence to its terminal.
    pub fn copy(&self, text: &SecretString) -> Result<Copied, ClipboardError> {
        let len = text.expose_secret().len();
        if len > MAX_COPY_BYTES {
            return Err(ClipboardError::TooLong { len });
        }
        match route(self.mode, &self.displays)? {
            Route::Osc52 => Ok(self.osc52(text)),
            Route::Native => self.copy_native(text).map(|()| Copied::Native),
            Route::NativeThenOsc52 => match self.copy_native(text) {
                Ok(()) => Ok(Copied::Native),
                Err(err) => {
                    tracing::info!("native clipboard failed, copying with OSC 52: {err}");
                    Ok(self.osc52(text))
                }
            },
        }
    }

    fn osc52(&self, text: &SecretString) -> Copied {
        Copied::Osc52(osc52_sequence(text.expose_secret()))
    }

    fn copy_native(&self, text: &SecretString) -> Result<(), ClipboardError> {
        let display = match self.displays.system {
            System::None => return Err(ClipboardError::Unsupported),
            System::Own => None,
            System::X11 => match &self.displays.x11 {
                Some(display) => Some(display.as_os_str()),
                None => {
                    return Err(ClipboardError::NoDisplay {
                        wayland: self.displays.wayland,
                    });
                }
            },
        };
        let program = match &self.holder_program {
            Some(program) => program.clone(),
            None => std::env::current_exe().map_err(ClipboardError::Holder)?,
        };
        let mut holders = self
            .holders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Holders exit when another copy takes the clipboard; reap them so none stays a zombie.
        holders.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
        let child = holder::start(&program, display, self.clear_after, text)?;
        holders.push(child);
        Ok(())
    }
}

impl CopySecret for Clipboard {
    fn copy(&self, text: &SecretString) -> Result<Copied, ClipboardError> {
        Clipboard::copy(self, text)
    }
}

/// Records copies instead of making them, for tests of code that copies.
#[derive(Debug, Default)]
pub struct MemoryClipboard {
    copies: Mutex<Vec<SecretString>>,
}

impl MemoryClipboard {
    /// Every text copied so far, oldest first.
    pub fn copies(&self) -> Vec<SecretString> {
        self.copies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl CopySecret for MemoryClipboard {
    fn copy(&self, text: &SecretString) -> Result<Copied, ClipboardError> {
        self.copies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(text.clone());
        Ok(Copied::Native)
    }
}

/// The OSC 52 sequence that sets the terminal's clipboard to `text`: `ESC ] 52 ; c ; base64 BEL`.
/// BEL rather than crossterm's `ESC \` ends it: older terminals, tmux and screen accept BEL.
pub fn osc52_sequence(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

#[cfg(test)]
mod tests;
