//! `sfkey add --jwt`, `--client-credentials` and `--access-token`: orgs that get their tokens
//! some other way than a refresh token. Their secrets (private key, client secret, access
//! token) go to the keyring only, read from a file, a hidden prompt or stdin, never argv.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::orgs::AddArgs;
use super::secrets_input::read_secret_line;
use crate::kind_checks;
use crate::org::{self, Org, OrgKind};
use crate::store::{SecretKind, Store};

/// The flags of `sfkey add` that pick another kind of org.
#[derive(Debug, Args)]
pub struct KindArgs {
    /// JWT bearer org (like `sf org login jwt`): needs --client-id, --username and the private
    /// key (--key-file, or PEM on stdin); each refresh signs a new assertion
    #[arg(long, group = "kind", requires = "username")]
    pub jwt: bool,
    /// The JWT bearer org's private key (PEM); read once into the keyring, `-` reads stdin.
    /// The file is not remembered: delete it or keep it safe yourself
    #[arg(long, value_name = "PATH", requires = "jwt")]
    pub key_file: Option<PathBuf>,
    /// Client credentials org: the app's client id and secret (prompted or on stdin) get
    /// tokens as its run-as user; --login-url must be the org's My Domain
    #[arg(long, group = "kind")]
    pub client_credentials: bool,
    /// Access-token-only org (like `sf org login access-token`): the token is prompted or read
    /// from stdin and used until it dies; sfkey cannot get another
    #[arg(long, group = "kind", requires = "instance_url")]
    pub access_token: bool,
    /// The access-token-only org's instance URL (https://MYDOMAIN.my.salesforce.com)
    #[arg(long, value_name = "URL", requires = "access_token")]
    pub instance_url: Option<String>,
}

impl KindArgs {
    /// Whether a kind other than a refresh-token org was asked for.
    pub fn is_other(&self) -> bool {
        self.jwt || self.client_credentials || self.access_token
    }
}

/// Adds a JWT bearer, client credentials or access-token-only org; name and URLs are checked.
pub fn add(
    store: &Store,
    args: AddArgs,
    login_url: String,
    site: Option<String>,
) -> anyhow::Result<ExitCode> {
    let kind = if args.kind.jwt {
        OrgKind::JwtBearer
    } else if args.kind.client_credentials {
        OrgKind::ClientCredentials
    } else {
        OrgKind::AccessToken
    };
    let client_id = match (&args.client_id, kind) {
        (None, OrgKind::AccessToken) => String::new(),
        (id, _) => org::parse_client_id(id.as_deref().unwrap_or_default())?,
    };
    let login_url = match &args.kind.instance_url {
        Some(url) if kind == OrgKind::AccessToken => org::parse_login_url(url)?,
        _ => login_url,
    };
    if kind == OrgKind::ClientCredentials {
        kind_checks::check_client_credentials_url(&login_url)?;
    }
    let username = if kind == OrgKind::JwtBearer {
        let typed = args.username.as_deref().unwrap_or_default();
        Some(kind_checks::parse_jwt_username(typed)?)
    } else {
        args.username.filter(|u| !u.trim().is_empty())
    };
    let secret = match kind {
        OrgKind::JwtBearer => read_private_key(args.kind.key_file.as_deref())?,
        OrgKind::ClientCredentials => {
            read_secret_line("Client secret", "client secret")?.context(
                "the client secret is empty: the client credentials flow needs the app's consumer secret (type it at the prompt or give it on stdin)",
            )?
        }
        _ => read_access_token()?,
    };
    let mut new = Org::new(args.name, login_url, client_id);
    new.kind = kind;
    new.site = site;
    new.username = username;
    new.notes = args.notes.filter(|n| !n.trim().is_empty());
    let secret_kind = match kind {
        OrgKind::JwtBearer => SecretKind::PrivateKey,
        OrgKind::ClientCredentials => SecretKind::ClientSecret,
        _ => {
            new.instance_url = Some(new.login_url.clone());
            SecretKind::AccessToken
        }
    };
    let org = store.add_with(new, vec![(secret_kind, Some(secret))])?;
    let next = if kind == OrgKind::AccessToken {
        format!("sfkey token {}", org.name)
    } else {
        format!("sfkey refresh {}", org.name)
    };
    eprintln!(
        "Added {} org {} ({}{}); {} saved in {}. Next: {next}",
        kind.label(),
        org.name,
        org.login_url,
        org.site.as_deref().unwrap_or(""),
        secret_kind.words(),
        store.secrets_place(),
    );
    Ok(ExitCode::SUCCESS)
}

/// For `edit --secrets` of an org of `kind` (not a refresh-token org): its one secret, read
/// as `add` reads it (a JWT bearer org's key as PEM on stdin).
pub fn read_new_secret(kind: OrgKind) -> anyhow::Result<(SecretKind, SecretString)> {
    Ok(match kind {
        OrgKind::JwtBearer => (SecretKind::PrivateKey, read_private_key(None)?),
        OrgKind::ClientCredentials => (
            SecretKind::ClientSecret,
            read_secret_line("New client secret", "client secret")?
                .context("the client secret is empty; nothing was changed")?,
        ),
        _ => (SecretKind::AccessToken, read_access_token()?),
    })
}

/// More than any RSA key in PEM (an 8192-bit one is about 6.5 KB): `/dev/zero` ends here.
const MAX_KEY_BYTES: u64 = 64 * 1024;

/// A PEM private key from `path` (`-`: stdin) or stdin, checked that it can sign.
fn read_private_key(path: Option<&std::path::Path>) -> anyhow::Result<SecretString> {
    let mut pem = Zeroizing::new(String::new());
    match path.filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open the key file {}", path.display()))?;
            file.take(MAX_KEY_BYTES)
                .read_to_string(&mut pem)
                .with_context(|| format!("cannot read the key file {} as text", path.display()))?;
        }
        None if std::io::stdin().is_terminal() => bail!(
            "the private key is read from stdin: pipe the PEM in (sfkey add also takes --key-file PATH)"
        ),
        None => {
            std::io::stdin()
                .take(MAX_KEY_BYTES)
                .read_to_string(&mut pem)
                .context("cannot read the private key from stdin")?;
        }
    }
    Ok(kind_checks::parse_private_key(&pem)?)
}

/// The access token of an access-token-only org, prompted or the first line of stdin, checked
/// to look like a Salesforce session id (`00D…!…`), as `sf org login access-token` does.
fn read_access_token() -> anyhow::Result<SecretString> {
    let token = read_secret_line("Access token", "access token")?
        .context("the access token is empty: type it at the prompt or give it on stdin")?;
    kind_checks::check_access_token(token.expose_secret())?;
    Ok(token)
}
