//! `sfkey exec`: a command run with the org's access token in its environment, and the
//! signals sfkey passes on to it.

use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::Args;
use secrecy::ExposeSecret;

use super::tokens::{Freshness, runtime, variables};
use crate::signals::{Signals, Stop};
use crate::store::Store;

/// Arguments of `sfkey exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Give the command a proxy for the org (its URL and a proxy token) instead of the access
    /// token: the command never sees a Salesforce token, and the proxy renews an expired session
    /// itself (so --refresh and --max-age do not apply)
    #[arg(long, conflicts_with_all = ["refresh", "max_age"])]
    pub proxy: bool,
    /// The org
    pub name: String,
    /// When to refresh first
    #[command(flatten)]
    pub freshness: Freshness,
    /// The command and its arguments (put `--` before it when it has options of its own)
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

/// `sfkey exec`: runs the command with the variables in its environment, never in its argv.
pub fn exec(store: &Store, args: ExecArgs) -> anyhow::Result<ExitCode> {
    // With --proxy, the proxy runs until the child is done (dropped at the end).
    let (_proxy, vars) = if args.proxy {
        let (proxy, vars) = super::proxy::for_exec(store, &args.name)?;
        (Some(proxy), vars)
    } else {
        (None, variables(store, &args.name, &args.freshness)?)
    };
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| anyhow!("give the command to run after --"))?;
    let mut command = tokio::process::Command::new(program);
    command.args(rest);
    for (name, value) in &vars {
        command.env(name, value.expose_secret());
    }
    let runtime = runtime()?;
    runtime.block_on(async {
        // Listening before the command starts: a signal from then on is passed on.
        let mut signals = Signals::new(&Stop::ALL).context("cannot listen for signals")?;
        let mut child = match command.spawn() {
            Ok(child) => child,
            // The shell's conventions: 127 not found, 126 not executable.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("sfkey: {program}: command not found");
                return Ok(ExitCode::from(127));
            }
            Err(e) => {
                eprintln!("sfkey: cannot run {program}: {e}");
                return Ok(ExitCode::from(126));
            }
        };
        loop {
            tokio::select! {
                status = child.wait() => {
                    let status = status.with_context(|| format!("cannot wait for {program}"))?;
                    break Ok(ExitCode::from(exit_code(status)));
                }
                stop = signals.recv() => forward(stop, child.id()),
            }
        }
    })
}

/// Passes SIGTERM and SIGHUP on to `exec`'s child, which decides when to end (sfkey ends with it).
/// Ctrl-C at a terminal already reaches the child, which is in the same process group.
fn forward(stop: Stop, child: Option<u32>) {
    #[cfg(unix)]
    if stop != Stop::Interrupt
        && let Some(pid) = child
        && let Err(e) = stop.send_to(pid)
    {
        tracing::warn!(%stop, error = %e, "could not pass the signal on to the command");
    }
    #[cfg(not(unix))]
    let _ = (stop, child);
}

/// The child's exit code, or 128 + the signal that killed it, as shells report it.
fn exit_code(status: std::process::ExitStatus) -> u8 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(255);
        }
    }
    status
        .code()
        .map_or(1, |code| u8::try_from(code).unwrap_or(1))
}
