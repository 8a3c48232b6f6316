//! Shell completions and the manual: `sfkey completions SHELL` prints a script that asks sfkey
//! itself what to complete (so saved org names complete too), `sfkey man` prints the man page.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::{CompleteEnv, Shells};

use super::Cli;
use crate::store::config;

/// The variable the registration script sets when it asks sfkey for candidates.
const COMPLETE_VAR: &str = "SFKEY_COMPLETE";

/// Subcommands whose positional org argument names a new org, not a saved one.
const NEW_NAME_COMMANDS: [&str; 1] = ["add"];

/// Ids of positional arguments that name saved orgs.
const ORG_ARG_IDS: [&str; 4] = ["name", "names", "org", "orgs"];

/// The shells sfkey writes completions for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    /// GNU bash 4.4 or newer
    Bash,
    /// zsh
    Zsh,
    /// fish
    Fish,
    /// PowerShell
    Powershell,
    /// elvish
    Elvish,
}

impl Shell {
    fn name(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Zsh => "zsh",
            Self::Fish => "fish",
            Self::Powershell => "powershell",
            Self::Elvish => "elvish",
        }
    }
}

/// `sfkey completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for
    pub shell: Shell,
}

/// `sfkey man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write sfkey.1 and one page per subcommand (sfkey-refresh.1, ...) into this directory
    /// instead of printing sfkey.1
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The clap command with saved org names as candidates for every argument that names an org.
pub fn command_with_org_names() -> clap::Command {
    let mut cmd = Cli::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .filter(|name| !NEW_NAME_COMMANDS.contains(&name.as_str()))
        .collect();
    for sub in names {
        cmd = cmd.mut_subcommand(&sub, |sub| {
            // `mut_arg` moves an argument to the end: pin every positional where it was.
            let positionals: Vec<String> = sub
                .get_positionals()
                .map(|arg| arg.get_id().to_string())
                .collect();
            positionals
                .into_iter()
                .enumerate()
                .fold(sub, |sub, (i, id)| {
                    let names_org = ORG_ARG_IDS.contains(&id.as_str());
                    sub.mut_arg(id, |arg| {
                        let arg = arg.index(i + 1);
                        if names_org {
                            arg.add(ArgValueCandidates::new(saved_org_names))
                        } else {
                            arg
                        }
                    })
                })
        });
    }
    cmd
}

/// The names in `orgs.toml`; nothing when it cannot be read (a completion never prints errors).
fn saved_org_names() -> Vec<CompletionCandidate> {
    let Ok(dir) = config::config_dir() else {
        return Vec::new();
    };
    config::load(&dir)
        .map(|orgs| {
            orgs.into_iter()
                .map(|org| CompletionCandidate::new(org.name))
                .collect()
        })
        .unwrap_or_default()
}

/// Answers the shell when it asks for candidates (the registration script runs
/// `SFKEY_COMPLETE=SHELL sfkey -- WORDS`) and exits; returns at once otherwise.
pub fn answer_shell_if_asked() {
    CompleteEnv::with_factory(command_with_org_names)
        .var(COMPLETE_VAR)
        .complete();
}

/// Prints the registration script for `args.shell`. The script calls this very binary by the
/// path it was started with when that is a path (so a build tree's sfkey completes its own
/// orgs), else `sfkey` from PATH.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let shells = Shells::builtins();
    let shell = shells
        .completer(args.shell.name())
        .with_context(|| format!("no completion writer for {}", args.shell.name()))?;
    let completer = completer_path(std::env::args_os().next(), std::env::current_dir().ok());
    let mut out = Vec::new();
    shell.write_registration(COMPLETE_VAR, "sfkey", "sfkey", &completer, &mut out)?;
    write_stdout(&out)
}

/// The program the script runs: argv[0] made absolute when it holds a directory part.
fn completer_path(argv0: Option<OsString>, cwd: Option<PathBuf>) -> String {
    let Some(argv0) = argv0 else {
        return "sfkey".into();
    };
    let path = PathBuf::from(argv0);
    let path = match cwd {
        Some(cwd) if path.components().count() > 1 && path.is_relative() => cwd.join(path),
        _ => path,
    };
    path.to_string_lossy().into_owned()
}

/// Prints the man page, or writes every page into `args.dir`.
pub fn man(args: &ManArgs) -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    match &args.dir {
        Some(dir) => {
            write_pages(&cmd, dir)?;
            println!("wrote the man pages to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            write_stdout(&out)
        }
    }
}

fn write_pages(cmd: &clap::Command, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(cmd.clone(), dir)
        .with_context(|| format!("cannot write the man pages into {}", dir.display()))
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_completing_command_is_still_a_valid_clap_command() {
        command_with_org_names().debug_assert();
    }

    #[test]
    fn every_org_argument_completes_saved_names_but_add_does_not() {
        let cmd = command_with_org_names();
        let has_candidates = |sub: &str| {
            cmd.find_subcommand(sub)
                .and_then(|s| s.get_positionals().find(|a| a.get_id() == "name"))
                .is_some_and(|a| a.get::<ArgValueCandidates>().is_some())
        };
        for sub in [
            "refresh", "token", "env", "show", "edit", "remove", "export",
        ] {
            assert!(has_candidates(sub), "{sub}");
        }
        assert!(!has_candidates("add"));
    }

    #[test]
    fn a_relative_path_is_made_absolute_and_a_bare_name_kept() {
        let cwd = Some(PathBuf::from("/home/u"));
        assert_eq!(
            completer_path(Some("target/debug/sfkey".into()), cwd.clone()),
            "/home/u/target/debug/sfkey"
        );
        assert_eq!(completer_path(Some("sfkey".into()), cwd.clone()), "sfkey");
        assert_eq!(
            completer_path(Some("/usr/bin/sfkey".into()), cwd),
            "/usr/bin/sfkey"
        );
        assert_eq!(completer_path(None, None), "sfkey");
    }
}
