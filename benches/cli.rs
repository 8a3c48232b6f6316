//! `cargo bench` entry point: runs the whole-process timings in `benches/cli.sh`.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    // `cargo test --all-targets` also runs bench targets; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        return ExitCode::SUCCESS;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/cli.sh");
    match Command::new("bash").arg(script).status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cannot run {script}: {e}");
            ExitCode::FAILURE
        }
    }
}
