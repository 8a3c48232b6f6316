//! Argument parsing that skips the definitions of unused subcommands for the commands scripts
//! run in loops (`token`, `env`, `refresh`). clap's derive builds every subcommand's arguments
//! before it parses (then drops them): about a quarter of the instructions of `sfkey token`.

use std::ffi::OsString;

use clap::{Args, FromArgMatches, Parser};

use super::{Cli, Command, tokens};

/// The command line as `Cli::parse()` reads it. `token`, `env` and `refresh` are parsed with
/// their own arguments only; anything else, and anything these do not take as it is (`--help`,
/// a mistake), goes through the full parser, so every message and exit status stays the same.
pub fn parse_args() -> Cli {
    quick(std::env::args_os().collect()).unwrap_or_else(Cli::parse)
}

fn quick(args: Vec<OsString>) -> Option<Cli> {
    let name = args.get(1)?.to_str()?;
    let sub = match name {
        "token" => tokens::TokenArgs::augment_args(clap::Command::new("token")),
        "env" => tokens::EnvArgs::augment_args(clap::Command::new("env")),
        "refresh" => tokens::RefreshArgs::augment_args(clap::Command::new("refresh")),
        _ => return None,
    };
    let matches = clap::Command::new("sfkey")
        .subcommand(sub)
        .try_get_matches_from(&args)
        .ok()?;
    let (_, matches) = matches.subcommand()?;
    let command = match name {
        "token" => Command::Token(tokens::TokenArgs::from_arg_matches(matches).ok()?),
        "env" => Command::Env(tokens::EnvArgs::from_arg_matches(matches).ok()?),
        _ => Command::Refresh(tokens::RefreshArgs::from_arg_matches(matches).ok()?),
    };
    Some(Cli {
        demo: false,
        command: Some(command),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn the_quick_parse_reads_what_the_full_parser_reads() {
        for line in [
            "sfkey token prod",
            "sfkey token prod --max-age 5m",
            "sfkey token --refresh prod",
            "sfkey env prod --max-age 90s",
            "sfkey refresh prod --show-secrets",
        ] {
            let quick = quick(argv(line)).map(|cli| format!("{cli:?}"));
            let full = Cli::try_parse_from(argv(line)).map(|cli| format!("{cli:?}"));
            assert_eq!(quick, full.ok(), "{line}");
        }
    }

    #[test]
    fn help_mistakes_and_other_commands_go_to_the_full_parser() {
        for line in [
            "sfkey token --help",
            "sfkey token",
            "sfkey token prod --max-age soon",
            "sfkey token prod extra",
            "sfkey token --demo prod",
            "sfkey refresh -h",
            "sfkey list",
            "sfkey --demo",
            "sfkey",
        ] {
            assert!(quick(argv(line)).is_none(), "{line}");
        }
    }
}
