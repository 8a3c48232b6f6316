//! The OS's requests to stop, as the same three on every OS: interrupt, terminate and hang-up.
//!
//! Unix: SIGINT, SIGTERM, SIGHUP. Windows: Ctrl-C and Ctrl-Break interrupt; closing the console
//! window and logging off hang up; shutting down terminates. Windows ends the process about 5 s
//! after a close, logoff or shutdown event whatever sfkey does, and a console program that uses
//! the clipboard (user32.dll), as sfkey does, gets no logoff or shutdown event at all.

use std::io;

/// Which request to stop arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl-C (SIGINT; Ctrl-C or Ctrl-Break on Windows).
    Interrupt,
    /// SIGTERM (`timeout`, CI cancellation, systemd; a shutdown on Windows).
    Terminate,
    /// SIGHUP (the terminal went away; the console window closed or a logoff on Windows).
    Hangup,
}

impl Stop {
    /// Every kind, for listening to all of them.
    pub const ALL: [Stop; 3] = [Self::Interrupt, Self::Terminate, Self::Hangup];

    /// The exit status a shell reports after this signal: 130, 143 or 129.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => 130,
            Self::Terminate => 143,
            Self::Hangup => 129,
        }
    }

    /// For messages: what arrived, in this OS's words.
    pub fn describe(self) -> &'static str {
        match (self, cfg!(windows)) {
            (Self::Interrupt, _) => "Ctrl-C",
            (Self::Terminate, false) => "SIGTERM",
            (Self::Terminate, true) => "a shutdown",
            (Self::Hangup, false) => "SIGHUP",
            (Self::Hangup, true) => "the console window closing",
        }
    }
}

impl Stop {
    /// Sends this signal to process `pid` (a child we started and have not reaped yet).
    #[cfg(unix)]
    pub fn send_to(self, pid: u32) -> io::Result<()> {
        use rustix::process::{Pid, Signal, kill_process};
        let signal = match self {
            Self::Interrupt => Signal::INT,
            Self::Terminate => Signal::TERM,
            Self::Hangup => Signal::HUP,
        };
        let pid = i32::try_from(pid)
            .ok()
            .and_then(Pid::from_raw)
            .ok_or_else(|| io::Error::other("no such process"))?;
        Ok(kill_process(pid, signal)?)
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// A command stopped by a signal after it finished what could not be dropped; `cli::run` exits
/// with the signal's status.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {0}")]
pub struct Stopped(pub Stop);

/// Listens for the chosen [`Stop`]s from its creation on; create it inside a tokio runtime.
pub struct Signals {
    inner: imp::Listeners,
}

impl Signals {
    /// Starts listening for `kinds` (the others keep their default: ending the process).
    pub fn new(kinds: &[Stop]) -> io::Result<Self> {
        Ok(Self {
            inner: imp::Listeners::new(kinds)?,
        })
    }

    /// Waits for the next request to stop.
    pub async fn recv(&mut self) -> Stop {
        self.inner.recv().await
    }
}

/// Waits for one signal of a listener, or forever when there is none.
macro_rules! next {
    ($listener:expr) => {
        async {
            match $listener.as_mut() {
                Some(listener) => {
                    if listener.recv().await.is_none() {
                        std::future::pending::<()>().await;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        }
    };
}

#[cfg(unix)]
mod imp {
    use super::Stop;
    use tokio::signal::unix::{Signal, SignalKind, signal};

    pub(super) struct Listeners {
        interrupt: Option<Signal>,
        terminate: Option<Signal>,
        hangup: Option<Signal>,
    }

    impl Listeners {
        pub(super) fn new(kinds: &[Stop]) -> std::io::Result<Self> {
            let listen = |stop: Stop, kind: SignalKind| -> std::io::Result<Option<Signal>> {
                kinds.contains(&stop).then(|| signal(kind)).transpose()
            };
            Ok(Self {
                interrupt: listen(Stop::Interrupt, SignalKind::interrupt())?,
                terminate: listen(Stop::Terminate, SignalKind::terminate())?,
                hangup: listen(Stop::Hangup, SignalKind::hangup())?,
            })
        }

        pub(super) async fn recv(&mut self) -> Stop {
            tokio::select! {
                () = next!(self.interrupt) => Stop::Interrupt,
                () = next!(self.terminate) => Stop::Terminate,
                () = next!(self.hangup) => Stop::Hangup,
            }
        }
    }
}

#[cfg(windows)]
mod imp {
    use super::Stop;
    use tokio::signal::windows::{
        CtrlBreak, CtrlC, CtrlClose, CtrlLogoff, CtrlShutdown, ctrl_break, ctrl_c, ctrl_close,
        ctrl_logoff, ctrl_shutdown,
    };

    pub(super) struct Listeners {
        ctrl_c: Option<CtrlC>,
        ctrl_break: Option<CtrlBreak>,
        close: Option<CtrlClose>,
        logoff: Option<CtrlLogoff>,
        shutdown: Option<CtrlShutdown>,
    }

    impl Listeners {
        pub(super) fn new(kinds: &[Stop]) -> std::io::Result<Self> {
            let wanted = |stop: Stop| kinds.contains(&stop);
            Ok(Self {
                ctrl_c: wanted(Stop::Interrupt).then(ctrl_c).transpose()?,
                ctrl_break: wanted(Stop::Interrupt).then(ctrl_break).transpose()?,
                close: wanted(Stop::Hangup).then(ctrl_close).transpose()?,
                logoff: wanted(Stop::Hangup).then(ctrl_logoff).transpose()?,
                shutdown: wanted(Stop::Terminate).then(ctrl_shutdown).transpose()?,
            })
        }

        pub(super) async fn recv(&mut self) -> Stop {
            tokio::select! {
                () = next!(self.ctrl_c) => Stop::Interrupt,
                () = next!(self.ctrl_break) => Stop::Interrupt,
                () = next!(self.close) => Stop::Hangup,
                () = next!(self.logoff) => Stop::Hangup,
                () = next!(self.shutdown) => Stop::Terminate,
            }
        }
    }
}

/// Other OSes: only Ctrl-C, through tokio's portable listener.
#[cfg(not(any(unix, windows)))]
mod imp {
    use super::Stop;

    pub(super) struct Listeners {
        interrupt: bool,
    }

    impl Listeners {
        pub(super) fn new(kinds: &[Stop]) -> std::io::Result<Self> {
            Ok(Self {
                interrupt: kinds.contains(&Stop::Interrupt),
            })
        }

        pub(super) async fn recv(&mut self) -> Stop {
            if self.interrupt && tokio::signal::ctrl_c().await.is_ok() {
                return Stop::Interrupt;
            }
            std::future::pending().await
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_what_shells_report() {
        assert_eq!(Stop::Interrupt.exit_code(), 128 + 2);
        assert_eq!(Stop::Terminate.exit_code(), 128 + 15);
        assert_eq!(Stop::Hangup.exit_code(), 128 + 1);
    }

    #[test]
    fn a_hangup_arrives_as_hangup() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let stop = runtime.block_on(async {
            let mut signals = Signals::new(&[Stop::Hangup]).unwrap();
            // `kill` rather than a libc call: the crate forbids unsafe code.
            let sent = std::process::Command::new("kill")
                .args(["-HUP", &std::process::id().to_string()])
                .status()
                .unwrap();
            assert!(sent.success());
            // A bound so a lost signal fails the test instead of hanging it.
            tokio::time::timeout(std::time::Duration::from_secs(10), signals.recv()).await
        });
        assert_eq!(stop.ok(), Some(Stop::Hangup));
    }
}
