//! The non-interactive commands: argument definitions and dispatch.

mod add_kinds;
mod api_calls;
mod completions;
mod config;
mod details;
mod doctor;
mod edit;
mod exec;
mod export;
mod fake_server;
mod import;
mod keyring;
mod login;
mod open;
mod orgs;
mod proxy;
mod quick_parse;
mod remedy;
mod rescue;
mod secrets_input;
mod status;
mod tokens;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::logging::Startup;
use crate::store::{Store, backend};

/// Terminal credential manager for Salesforce orgs: refresh tokens in the OS keyring, fresh access
/// tokens on demand.
#[derive(Debug, Parser)]
#[command(name = "sfkey", version, about, long_about = None)]
#[command(
    after_help = "Secrets never go on the command line: `sfkey add` prompts for them, or reads \
them from stdin (client secret on the first line, refresh token on the second).\n\
Files: orgs in $SFKEY_CONFIG_DIR/orgs.toml (default ~/.config/sfkey); secrets in the OS keyring, \
or with SFKEY_KEYRING=file in an encrypted secrets.sfkey there."
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
    /// Print `export` lines for SF_ACCESS_TOKEN, SF_INSTANCE_URL, SF_TARGET_ORG,
    /// SF_ORG_INSTANCE_URL and SF_ORG_NAME (for `eval`)
    Env(tokens::EnvArgs),
    /// Run a command with SF_ACCESS_TOKEN, SF_INSTANCE_URL, SF_TARGET_ORG, SF_ORG_INSTANCE_URL
    /// and SF_ORG_NAME set for it (--proxy: pointing at a proxy, never a real token)
    Exec(exec::ExecArgs),
    /// Open the org in the browser, already logged in (a single-use URL, never in argv)
    Open(open::OpenArgs),
    /// Every org's token health: access token expiry, refresh token age and idle days,
    /// rotation, the last refreshes (exit 2: an org idle past --idle-days; 3: an org dead)
    Status(status::StatusArgs),
    /// Refresh the orgs whose refresh token was unused for --older-than (for cron or a timer)
    Keepalive(status::KeepaliveArgs),
    /// Serve orgs on a loopback proxy that adds their access tokens and renews expired sessions,
    /// so scripts and agents use an org without holding its tokens
    Proxy(proxy::ProxyArgs),
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
    /// What sfkey sees here: OS, keyring backend and why (with a write/read/delete probe), paths,
    /// clipboard, TLS roots, proxy, sf CLI; exit 1 when something it needs is broken
    Doctor(doctor::DoctorArgs),
    /// Forget the encrypted secrets file's cached key: the next command asks for the passphrase
    Lock,
    /// Work with the secret backends: `sfkey keyring move --to file` moves every org's secrets
    Keyring(keyring::KeyringArgs),
    /// Where config.toml is (`sfkey config path`) and every setting in effect (`sfkey config show`)
    Config(config::ConfigArgs),
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
pub use quick_parse::parse_args;
pub use remedy::{OrgRef, advice_text, remedy_text};

/// Opens the real store: orgs file in the config dir, secrets in the chosen backend.
fn open_store() -> anyhow::Result<Store> {
    Ok(backend::open()?.store)
}

/// Refuses a login host outside Salesforce's domains unless `--any-host` was given, and then
/// warns on stderr, naming the host in punycode.
fn check_host(login_url: &str, any_host: bool) -> Result<(), crate::org::OrgError> {
    if let Some(warning) = crate::org::check_login_host(login_url, any_host)? {
        eprintln!("sfkey: {warning}");
    }
    Ok(())
}

/// Runs one subcommand; errors are printed on stderr as one line (plus a hint line when known).
/// `demo` (`--demo`) is refused: it opens the TUI.
pub fn run(command: Command, demo: bool, startup: &Startup) -> ExitCode {
    if demo {
        eprintln!("sfkey: --demo opens the TUI and takes no subcommand");
        return ExitCode::from(2);
    }
    startup.start_logging();
    let local_offset_s = startup.local_offset_s;
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
        Command::Exec(args) => open_store().and_then(|s| exec::exec(&s, args)),
        Command::Open(args) => open_store().and_then(|s| open::open(&s, &args)),
        Command::Status(args) => open_store().and_then(|s| status::status(&s, &args)),
        Command::Keepalive(args) => open_store().and_then(|s| status::keepalive(&s, &args)),
        Command::Proxy(args) => open_store().and_then(|s| proxy::proxy(&s, args)),
        Command::Userinfo(args) => open_store().and_then(|s| api_calls::userinfo(&s, &args)),
        Command::Introspect(args) => {
            open_store().and_then(|s| api_calls::introspect(&s, &args, local_offset_s))
        }
        Command::Revoke(args) => open_store().and_then(|s| api_calls::revoke(&s, &args)),
        Command::Import(args) => open_store().and_then(|s| import::import(&s, args)),
        Command::Export(args) => open_store().and_then(|s| export::export(&s, &args)),
        Command::Completions(args) => completions::completions(&args),
        Command::Man(args) => completions::man(&args),
        Command::Doctor(args) => doctor::doctor(&args),
        Command::Lock => backend::open()
            .map_err(anyhow::Error::from)
            .and_then(|o| keyring::lock(&o)),
        Command::Keyring(args) => backend::open()
            .map_err(anyhow::Error::from)
            .and_then(|o| keyring::keyring(&o, &args)),
        Command::Config(args) => config::config(&args).map(|()| ExitCode::SUCCESS),
        Command::FakeServer(args) => fake_server::run(&args),
        // Answers on stdout itself: its parent reads `ok` or `error: ...` there.
        Command::ClipboardHold { clear_after } => Ok(crate::clipboard::hold(
            std::time::Duration::from_secs(clear_after),
        )),
    };
    match result {
        Ok(code) => code,
        // `sfkey list | head -1`: the reader has what it wanted; leave quietly, as coreutils do.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) if err.is::<crate::signals::Stopped>() => {
            tracing::info!("{err}");
            match err.downcast_ref::<crate::signals::Stopped>() {
                Some(stopped) => ExitCode::from(stopped.0.exit_code()),
                None => ExitCode::FAILURE,
            }
        }
        Err(err) => {
            tracing::warn!("command failed: {err:#}");
            // Errors quote servers and files: escaped, keeping the hint on its own line.
            eprintln!(
                "sfkey: {}{}",
                crate::escape::escape_lines(&format!("{err:#}")),
                keyring_hint(&err)
            );
            ExitCode::FAILURE
        }
    }
}

/// A `hint:` line for a keyring failure anywhere in the chain, when the message has none yet.
fn keyring_hint(err: &anyhow::Error) -> String {
    if format!("{err:#}").contains("\nhint: ") {
        return String::new();
    }
    err.chain()
        .find_map(
            |cause| match cause.downcast_ref::<crate::store::StoreError>() {
                Some(crate::store::StoreError::Secret(e)) => e.advice(),
                _ => cause
                    .downcast_ref::<crate::store::SecretError>()
                    .and_then(crate::store::SecretError::advice),
            },
        )
        .map(|a| format!("\nhint: {}", advice_text(&a, "NAME")))
        .unwrap_or_default()
}

/// Whether writing the output failed because its reader went away (EPIPE).
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
