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
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn displays(vars: &[(&str, &str)]) -> Displays {
        Displays::from_lookup(&lookup(vars))
    }

    #[test]
    fn osc52_bytes_are_exact() {
        assert_eq!(osc52_sequence("hello"), "\x1b]52;c;aGVsbG8=\x07");
        assert_eq!(
            osc52_sequence("00D!AR.x").as_bytes(),
            b"\x1b\x5d52;c;MDBEIUFSLng=\x07"
        );
        assert_eq!(osc52_sequence(""), "\x1b]52;c;\x07");
    }

    #[test]
    fn osc52_matches_crossterm_but_for_the_terminator() {
        use crossterm::Command;
        let text = "00Dxx0000001gPL!AR8AQJXg.token/with+chars";
        let mut crossterm = String::new();
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
            .write_ansi(&mut crossterm)
            .expect("crossterm writes");
        let ours = osc52_sequence(text);
        assert_eq!(
            ours.strip_suffix('\x07'),
            crossterm.strip_suffix("\x1b\\"),
            "same payload"
        );
    }

    #[test]
    fn modes_parse() {
        for (text, mode) in [
            ("auto", ClipboardMode::Auto),
            ("", ClipboardMode::Auto),
            ("native", ClipboardMode::Native),
            (" Native ", ClipboardMode::Native),
            ("osc52", ClipboardMode::Osc52),
            ("OSC52", ClipboardMode::Osc52),
        ] {
            assert_eq!(text.parse::<ClipboardMode>().ok(), Some(mode), "{text:?}");
        }
        let err = "osc-52".parse::<ClipboardMode>().expect_err("invalid");
        assert_eq!(
            err.to_string(),
            "SFKEY_CLIPBOARD must be auto, native or osc52, not \"osc-52\""
        );
        let long = "00Dxx0000001gPL!AR8AQJXg";
        let err = long.parse::<ClipboardMode>().expect_err("invalid");
        assert!(!err.to_string().contains(long), "{err}");
    }

    #[test]
    fn from_lookup_reads_the_mode() {
        let clip = Clipboard::from_lookup(lookup(&[("SFKEY_CLIPBOARD", "osc52")])).expect("ok");
        assert_eq!(clip.mode(), ClipboardMode::Osc52);
        let clip = Clipboard::from_lookup(lookup(&[])).expect("ok");
        assert_eq!(clip.mode(), ClipboardMode::Auto);
        let err = Clipboard::from_lookup(lookup(&[("SFKEY_CLIPBOARD", "x11")])).expect_err("bad");
        assert!(matches!(err, ClipboardError::InvalidMode { .. }), "{err}");
    }

    #[test]
    fn auto_prefers_native_with_a_display() {
        let auto = ClipboardMode::Auto;
        let x11 = displays(&[("DISPLAY", ":0")]);
        assert_eq!(route(auto, &x11).ok(), Some(Route::NativeThenOsc52));
        let wayland = displays(&[("WAYLAND_DISPLAY", "wayland-0")]);
        assert_eq!(route(auto, &wayland).ok(), Some(Route::NativeThenOsc52));
        // SSH: nothing set, or set empty.
        assert_eq!(route(auto, &displays(&[])).ok(), Some(Route::Osc52));
        let empty = displays(&[("DISPLAY", ""), ("WAYLAND_DISPLAY", "")]);
        assert_eq!(route(auto, &empty).ok(), Some(Route::Osc52));
    }

    #[test]
    fn macos_and_windows_copy_natively_without_a_display_but_not_over_ssh() {
        let own = |vars| Displays::for_system(System::Own, &lookup(vars));
        let auto = ClipboardMode::Auto;
        assert_eq!(route(auto, &own(&[])).ok(), Some(Route::NativeThenOsc52));
        let ssh = own(&[("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22")]);
        assert_eq!(route(auto, &ssh).ok(), Some(Route::Osc52));
        let native = ClipboardMode::Native;
        assert_eq!(route(native, &own(&[])).ok(), Some(Route::Native));
        let none = Displays::for_system(System::None, &lookup(&[("DISPLAY", ":0")]));
        assert_eq!(route(auto, &none).ok(), Some(Route::Osc52));
        let err = route(native, &none).expect_err("no native clipboard");
        assert!(
            err.to_string().contains("no native clipboard on this OS"),
            "{err}"
        );
    }

    #[test]
    fn explicit_modes_do_not_fall_back() {
        let x11 = displays(&[("DISPLAY", ":0")]);
        assert_eq!(route(ClipboardMode::Native, &x11).ok(), Some(Route::Native));
        assert_eq!(route(ClipboardMode::Osc52, &x11).ok(), Some(Route::Osc52));
        let err = route(ClipboardMode::Native, &displays(&[])).expect_err("no display");
        assert_eq!(
            err.to_string(),
            "no X11 display for the native clipboard (DISPLAY is not set); set SFKEY_CLIPBOARD=osc52 to copy through the terminal"
        );
        let wayland = displays(&[("WAYLAND_DISPLAY", "wayland-0")]);
        let err = route(ClipboardMode::Native, &wayland).expect_err("no x11");
        assert!(err.to_string().contains("XWayland"), "{err}");
    }

    #[test]
    fn osc52_mode_copies_without_a_display() {
        let clip =
            Clipboard::from_lookup(lookup(&[("SFKEY_CLIPBOARD", "osc52"), ("DISPLAY", ":0")]))
                .expect("ok");
        let copied = clip.copy(&SecretString::from("tok")).expect("copied");
        assert_eq!(copied, Copied::Osc52("\x1b]52;c;dG9r\x07".into()));
        assert_eq!(format!("{copied:?}"), "Osc52(<12 bytes>)");
    }

    #[test]
    fn auto_without_a_display_copies_with_osc52() {
        let clip = Clipboard::from_lookup(lookup(&[])).expect("ok");
        let copied = clip
            .copy(&SecretString::from("TESTSECRET-tok"))
            .expect("copied");
        assert_eq!(copied, Copied::Osc52(osc52_sequence("TESTSECRET-tok")));
    }

    #[test]
    fn too_long_texts_are_refused() {
        let clip = Clipboard::with_mode(ClipboardMode::Osc52);
        let text = SecretString::from("x".repeat(MAX_COPY_BYTES + 1));
        let err = clip.copy(&text).expect_err("too long");
        assert!(matches!(err, ClipboardError::TooLong { .. }), "{err}");
    }

    #[test]
    fn a_missing_holder_program_is_an_error_in_native_mode_and_osc52_in_auto() {
        let vars = [("DISPLAY", ":0"), ("SFKEY_CLIPBOARD", "native")];
        let clip = Clipboard::from_lookup(lookup(&vars))
            .expect("ok")
            .with_holder_program("/nonexistent/sfkey");
        let err = clip
            .copy(&SecretString::from("TESTSECRET-tok"))
            .expect_err("no holder");
        assert!(matches!(err, ClipboardError::Holder(_)), "{err}");
        assert!(!err.to_string().contains("TESTSECRET"), "{err}");
        let clip = Clipboard::from_lookup(lookup(&[("DISPLAY", ":0")]))
            .expect("ok")
            .with_holder_program("/nonexistent/sfkey");
        let copied = clip
            .copy(&SecretString::from("TESTSECRET-tok"))
            .expect("fell back");
        assert_eq!(copied, Copied::Osc52(osc52_sequence("TESTSECRET-tok")));
    }

    #[test]
    fn memory_clipboard_records_copies() {
        let clip = MemoryClipboard::default();
        clip.copy(&SecretString::from("one")).expect("copied");
        let copies: Vec<String> = clip
            .copies()
            .iter()
            .map(|s| s.expose_secret().to_string())
            .collect();
        assert_eq!(copies, ["one"]);
    }
}
