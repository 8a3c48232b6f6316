//! The sfkey binary: no subcommand opens the TUI, a subcommand runs the CLI.

use std::process::ExitCode;

use sfkey::cli;
use sfkey::logging::Startup;
use sfkey::tui;

fn main() -> ExitCode {
    // First of all: no secret this process will hold may end up in a core file.
    let core_dumps = sfkey::core_dumps::disable();
    // A shell asking for completions gets them and nothing else happens.
    cli::answer_shell_if_asked();
    let startup = Startup {
        // Read while the process has one thread, for the TUI and the CLI alike.
        local_offset_s: time::UtcOffset::current_local_offset()
            .ok()
            .map(|o| o.whole_seconds()),
        core_dumps,
    };
    // `Cli::parse()`, quicker for `token`, `env` and `refresh` (see `cli::parse_args`).
    let args = cli::parse_args();
    match args.command {
        None => tui::start(args.demo, &startup),
        Some(command) => cli::run(command, args.demo, &startup),
    }
}
