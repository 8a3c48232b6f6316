//! The hidden `sfkey fake-server`: the loopback fake Salesforce as a process, for the
//! benchmarks and for trying sfkey without an org.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::fake_salesforce::{FakeSalesforce, Grant};

/// Arguments of the hidden `sfkey fake-server`.
#[derive(Debug, Args)]
pub struct FakeServerArgs {
    /// Loopback address to listen on
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: String,
    /// The client id every refresh must carry
    #[arg(long, default_value = "fake-client-id")]
    pub client_id: String,
}

/// The hidden `sfkey fake-server`: prints its URL, then serves until killed.
pub fn run(args: &FakeServerArgs) -> anyhow::Result<ExitCode> {
    let server = FakeSalesforce::bind(&args.addr).context("cannot start the fake server")?;
    server.accept_any(Grant::new(&args.client_id, None));
    println!("{}", server.url());
    std::io::stdout().flush()?;
    loop {
        std::thread::park();
    }
}
