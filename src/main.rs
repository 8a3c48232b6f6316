//! The sfkey binary: parse arguments, hand over to the CLI (or show help).

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use sfkey::cli::{self, Cli};

fn main() -> ExitCode {
    let args = Cli::parse();
    match args.command {
        Some(command) => {
            sfkey::logging::init();
            cli::run(command)
        }
        None => {
            // The TUI comes in a later release; until then the bare command explains itself.
            let _ = Cli::command().print_help();
            ExitCode::SUCCESS
        }
    }
}
