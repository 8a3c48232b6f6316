//! The non-interactive commands: argument definitions and dispatch.

mod add_kinds;
mod api_calls;
mod completions;
mod details;
mod edit;
mod export;
mod fake_server;
mod import;
mod login;
mod orgs;
mod secrets_input;
mod tokens;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::store::{KeyringStore, Store, config};

/// Terminal credential manager for Salesforce orgs: refresh tokens in the OS keyring, fresh access
/// tokens on demand.
#[derive(Debug, Parser)]
#[command(name = "sfkey", version, about, long_about = None)]
#[command(
    after_help = "Secrets never go on the command line: `sfkey add` prompts for them, or reads \
them from stdin (client secret on the first line, refresh token on the second).\n\
Files: orgs in $SFKEY_CONFIG_DIR/orgs.toml (default ~/.config/sfkey); secrets in the OS keyring."
)]
pub struct Cli {
    /// Open the TUI on demo orgs: a fake Salesforce on loopback and an in-memory keyring
    #[arg(long)]
    pub demo: bool,
    /// What to do; see the list below (none: open the TUI).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Save an org; prompts for the client secret and refresh token (or reads them from stdin);
    /// --jwt, --client-credentials or --access-token save another kind
    Add(orgs::AddArgs),
    /// Log in with the browser (or --device) and save the org with its new refresh token
    Login(login::LoginArgs),
    /// List saved orgs (never shows a secret)
    #[command(visible_alias = "ls")]
    List(orgs::ListArgs),
    /// Show one org: settings, last refresh, which secrets are stored (never their values)
    Show(edit::ShowArgs),
    /// Change an org's settings or secrets; renaming keeps its keyring entries
    Edit(edit::EditArgs),
    /// Remove an org and its keyring entries
    #[command(visible_alias = "rm")]
    Remove(orgs::RemoveArgs),
    /// Run the refresh-token grant and print the response body, status and headers
    Refresh(tokens::RefreshArgs),
    /// Print the org's access token alone, refreshing first when none is stored
    Token(tokens::TokenArgs),
    /// Print `export` lines for SF_ACCESS_TOKEN, SF_INSTANCE_URL and SF_ORG_NAME (for `eval`)
    Env(tokens::EnvArgs),
    /// Run a command with SF_ACCESS_TOKEN, SF_INSTANCE_URL and SF_ORG_NAME set for it
    Exec(tokens::ExecArgs),
    /// Who the access token belongs to (GET /services/oauth2/userinfo); fills in an empty username
    Userinfo(api_calls::UserinfoArgs),
    /// Whether Salesforce still takes the stored access token, and until when (introspect)
    Introspect(api_calls::IntrospectArgs),
    /// Revoke the stored access token (or --refresh-token) at Salesforce and drop it from the keyring
    Revoke(api_calls::RevokeArgs),
    /// Import orgs: an SFDX auth URL (stdin, file or argument), a Postman environment or
    /// collection, or the Salesforce CLI's orgs (--from-sf)
    Import(import::ImportArgs),
    /// Print an org's credentials as an SFDX auth URL or a Postman environment
    Export(export::ExportArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) that also
    /// completes saved org names
    Completions(completions::CompletionsArgs),
    /// Print the man page (or write every page into --dir)
    Man(completions::ManArgs),
    /// Serve a fake Salesforce token endpoint on loopback (benchmarks and local experiments)
    #[command(hide = true)]
    FakeServer(fake_server::FakeServerArgs),
    /// Hold the X11 clipboard: text on stdin, `ok` on stdout, then serve it until replaced
    #[command(hide = true)]
    ClipboardHold {
        /// Give the clipboard up after this many seconds
        #[arg(long, default_value_t = crate::clipboard::DEFAULT_CLEAR_AFTER.as_secs())]
        clear_after: u64,
    },
}

pub use completions::answer_shell_if_asked;
pub use tokens::http_settings;

/// Opens the real store: orgs file in the config dir, secrets in the OS keyring.
fn open_store() -> anyhow::Result<Store> {
    let dir = config::config_dir()?;
    Ok(Store::new(dir, Arc::new(KeyringStore::new())))
}

/// Runs one subcommand; errors are printed on stderr as one line (plus a hint line when known).
/// `local_offset_s` is the local offset from UTC in seconds (`None` when unknown), read by
/// `main` while the process had one thread.
pub fn run(command: Command, local_offset_s: Option<i32>) -> ExitCode {
    let result = match command {
        Command::Add(args) => open_store().and_then(|s| orgs::add(&s, args)),
        Command::Login(args) => open_store().and_then(|s| login::login(&s, &args)),
        Command::List(args) => open_store().and_then(|s| orgs::list(&s, &args)),
        Command::Show(args) => open_store().and_then(|s| edit::show(&s, &args)),
        Command::Edit(args) => open_store().and_then(|s| edit::edit(&s, args)),
        Command::Remove(args) => open_store().and_then(|s| orgs::remove(&s, &args)),
        Command::Refresh(args) => {
            open_store().and_then(|s| tokens::refresh(&s, &args, local_offset_s.unwrap_or(0)))
        }
        Command::Token(args) => open_store().and_then(|s| tokens::token(&s, &args)),
        Command::Env(args) => open_store().and_then(|s| tokens::env(&s, &args)),
        Command::Exec(args) => open_store().and_then(|s| tokens::exec(&s, args)),
        Command::Userinfo(args) => open_store().and_then(|s| api_calls::userinfo(&s, &args)),
        Command::Introspect(args) => {
            open_store().and_then(|s| api_calls::introspect(&s, &args, local_offset_s))
        }
        Command::Revoke(args) => open_store().and_then(|s| api_calls::revoke(&s, &args)),
        Command::Import(args) => open_store().and_then(|s| import::import(&s, args)),
        Command::Export(args) => open_store().and_then(|s| export::export(&s, &args)),
        Command::Completions(args) => completions::completions(&args),
        Command::Man(args) => completions::man(&args),
        Command::FakeServer(args) => fake_server::run(&args),
        // Answers on stdout itself: its parent reads `ok` or `error: ...` there.
        Command::ClipboardHold { clear_after } => Ok(crate::clipboard::hold(
            std::time::Duration::from_secs(clear_after),
        )),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            tracing::warn!("command failed: {err:#}");
            eprintln!("sfkey: {err:#}");
            ExitCode::FAILURE
        }
    }
}
