//! `add`, `list` and `remove`.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use secrecy::SecretString;

use super::secrets_input::read_secrets;
use crate::columns::{MAX_LABEL, cut, pad};
use crate::escape::{escape, escape_json};
use crate::humanize;
use crate::interop::{self, Imported, Sameness};
use crate::org::{self, Org};
use crate::store::{NewSecrets, Store, StoreError};

/// Arguments of `sfkey add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// A short name for the org, used in every other command (e.g. prod, uat)
    pub name: String,
    /// Login URL: https://login.salesforce.com, https://test.salesforce.com, a My Domain or site
    /// host; `login` and `test` are shortcuts
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://login.salesforce.com"
    )]
    pub login_url: String,
    /// Experience Cloud site path, e.g. /partners
    #[arg(long, value_name = "PATH")]
    pub site: Option<String>,
    /// The connected app's consumer key
    #[arg(long, value_name = "ID", required_unless_present = "access_token")]
    pub client_id: Option<String>,
    /// The Salesforce username the refresh token belongs to (for --jwt: the user it logs in as)
    #[arg(long, value_name = "U")]
    pub username: Option<String>,
    /// Free-text notes
    #[arg(long)]
    pub notes: Option<String>,
    /// Accept a login host outside Salesforce's domains (a proxy, a custom site domain); it is
    /// shown in punycode with a warning
    #[arg(long)]
    pub any_host: bool,
    /// Which grant gets the org's tokens (default: a refresh token)
    #[command(flatten)]
    pub kind: super::add_kinds::KindArgs,
}

/// `sfkey add`: validate everything before asking for secrets, then store.
pub fn add(store: &Store, args: AddArgs) -> anyhow::Result<ExitCode> {
    org::validate_name(&args.name)?;
    let login_url = org::parse_login_url(&args.login_url)?;
    super::check_host(&login_url, args.any_host)?;
    let site = match &args.site {
        Some(s) => org::parse_site(s)?,
        None => None,
    };
    // Refuse a taken name before the user types any secret.
    let saved = store.orgs()?;
    if saved.iter().any(|o| o.name == args.name) {
        return Err(StoreError::DuplicateName(args.name).into());
    }
    if args.kind.is_other() {
        return super::add_kinds::add(store, args, login_url, site);
    }
    let client_id = org::parse_client_id(args.client_id.as_deref().unwrap_or_default())?;
    let secrets = read_secrets()?;
    let has_secret = secrets.client_secret.is_some();
    let mut new = Org::new(args.name, login_url, client_id);
    new.site = site;
    new.username = args.username.filter(|u| !u.trim().is_empty());
    new.notes = args.notes.filter(|n| !n.trim().is_empty());
    warn_if_saved_already(store, &saved, &new, &secrets.refresh_token);
    let org = store.add(
        new,
        NewSecrets {
            client_secret: secrets.client_secret,
            refresh_token: secrets.refresh_token,
        },
    )?;
    eprintln!(
        "Added org {} ({}{}); refresh token{} saved in {}. Next: sfkey refresh {}",
        org.name,
        org.login_url,
        org.site.as_deref().unwrap_or(""),
        if has_secret { " and client secret" } else { "" },
        store.secrets_place(),
        org.name
    );
    Ok(ExitCode::SUCCESS)
}

/// Warns (without refusing: the user may mean it) when the same user or the same refresh token
/// is saved under another name already: two orgs over one login spend each other's rotated
/// refresh tokens, and an import with --update may pick either.
fn warn_if_saved_already(store: &Store, saved: &[Org], new: &Org, refresh_token: &SecretString) {
    let item = Imported {
        org: new.clone(),
        client_secret: None,
        refresh_token: refresh_token.clone(),
    };
    let same_token = |o: &Org, i: &Imported| interop::holds_refresh_token(store, o, i);
    for (o, why) in interop::candidates(saved, &item, same_token) {
        if why != Sameness::Name {
            eprintln!(
                "note: this login is already saved as {} ({}); if the org rotates refresh tokens, refreshing one spends the other's. Keep one: sfkey remove {}",
                o.name,
                why.describe(),
                new.name
            );
        }
    }
}

/// Arguments of `sfkey list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON (no secrets) for scripts
    #[arg(long)]
    pub json: bool,
}

/// `sfkey list`: reads only the orgs file, never the keyring.
pub fn list(store: &Store, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let orgs = store.orgs()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(
            out,
            "{}",
            escape_json(&serde_json::to_string_pretty(&orgs)?)
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if orgs.is_empty() {
        eprintln!("No orgs yet. {}", crate::org::FIRST_ORG_HINT);
        return Ok(ExitCode::SUCCESS);
    }
    write!(out, "{}", table(&orgs, humanize::now_ms()))?;
    Ok(ExitCode::SUCCESS)
}

fn last_refresh(org: &Org, now_ms: u64) -> String {
    match &org.last_refresh {
        None => "never".into(),
        Some(last) if last.is_ok() => humanize::ago(last.at_ms, now_ms),
        Some(last) => format!(
            "{} ({})",
            humanize::ago(last.at_ms, now_ms),
            crate::salesforce::error::code_words(&last.status)
        ),
    }
}

/// The widest a cell of the org table grows.
const MAX_CELL: usize = MAX_LABEL;

fn table(orgs: &[Org], now_ms: u64) -> String {
    let header = [
        "NAME",
        "KIND",
        "LOGIN URL",
        "CLIENT ID",
        "USERNAME",
        "LAST REFRESH",
    ];
    let rows: Vec<[String; 6]> = orgs
        .iter()
        .map(|o| {
            // Anything but the name may have been edited by hand: escaped, and cut to a column.
            let cell = |text: &str, max: usize| cut(&escape(text), max);
            [
                o.name.clone(),
                o.kind.short_label().into(),
                cell(
                    &format!("{}{}", o.login_url, o.site.as_deref().unwrap_or("")),
                    MAX_CELL,
                ),
                if o.client_id.is_empty() {
                    "-".into()
                } else {
                    cell(&o.client_id, 24)
                },
                cell(o.username.as_deref().unwrap_or("-"), MAX_CELL),
                cell(&last_refresh(o, now_ms), MAX_CELL),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(c, w)| pad(c, w)).collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for row in &rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// Arguments of `sfkey remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The org to remove
    pub name: String,
    /// Don't ask for confirmation
    #[arg(long, short)]
    pub yes: bool,
}

/// `sfkey remove`: asks on a terminal unless `--yes`; removes keyring entries, then the org.
pub fn remove(store: &Store, args: &RemoveArgs) -> anyhow::Result<ExitCode> {
    let org = store.find(&args.name)?;
    super::secrets_input::confirm(
        args.yes,
        &format!("Remove org {} and its secrets from the keyring?", org.name),
        "not removed",
        &format!("sfkey remove {}", org.name),
    )?;
    let removed = store.remove(&args.name)?;
    eprintln!("Removed org {} and its keyring entries.", removed.name);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::LastRefresh;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        #[test]
        fn a_hand_edited_org_gives_short_escaped_rows(
            username in crate::escape::hostile_text(),
            client_id in crate::escape::hostile_text(),
            status in crate::escape::hostile_text(),
        ) {
            let mut org = Org::new("prod", "https://login.salesforce.com", client_id);
            org.username = Some(username);
            org.last_refresh = Some(LastRefresh {
                at_ms: 1_000,
                status,
                http_status: None,
                latency_ms: 1,
                issued_at: None,
            });
            let text = table(&[org], 2_000);
            proptest::prop_assert!(!text.chars().any(|c| c != '\n' && crate::escape::is_unsafe(c)));
            for line in text.lines() {
                proptest::prop_assert!(line.chars().count() < 300, "{}", line.len());
            }
        }
    }

    #[test]
    fn sfkey_s_own_failure_codes_are_listed_in_words() {
        let mut org = Org::new("prod", "https://login.salesforce.com", "c");
        for (code, words) in [
            ("not_a_token_answer", "2m ago (not a token answer)"),
            ("dns_error", "2m ago (host not found)"),
            ("too_large", "2m ago (answer too large)"),
            ("invalid_json", "2m ago (answer is broken JSON)"),
            // Salesforce's own code stays as Salesforce wrote it.
            ("invalid_grant", "2m ago (invalid_grant)"),
        ] {
            org.last_refresh = Some(LastRefresh {
                at_ms: 1_000,
                status: code.into(),
                http_status: None,
                latency_ms: 1,
                issued_at: None,
            });
            assert_eq!(last_refresh(&org, 121_000), words);
        }
        assert_eq!(
            crate::salesforce::error::code_in_words("dns_error"),
            "host not found (dns_error)"
        );
    }

    #[test]
    fn table_aligns_and_never_shows_secrets() {
        let mut a = Org::new(
            "prod",
            "https://acme.my.site.com",
            "3MVG9abcdefghijklmnopqrstuvwxyz0123456789",
        );
        a.site = Some("/partners".into());
        a.username = Some("admin@acme.com".into());
        let mut b = a.clone();
        b.name = "uat".into();
        b.username = None;
        b.last_refresh = Some(LastRefresh {
            at_ms: 1_000,
            status: "invalid_grant".into(),
            http_status: Some(400),
            latency_ms: 80,
            issued_at: None,
        });
        a.last_refresh = Some(LastRefresh {
            at_ms: 1_000,
            status: "ok".into(),
            http_status: Some(200),
            latency_ms: 80,
            issued_at: Some("1".into()),
        });
        let text = table(&[a, b], 121_000);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("NAME  KIND     LOGIN URL"), "{text}");
        assert!(lines[1].starts_with("prod  refresh  https://"), "{text}");
        assert!(
            lines[1].contains("https://acme.my.site.com/partners"),
            "{text}"
        );
        assert!(lines[1].contains("3MVG9abcdefghijklmnopqr…"), "{text}");
        assert!(lines[1].ends_with("2m ago"), "{text}");
        assert!(lines[2].ends_with("2m ago (invalid_grant)"), "{text}");
        let column =
            |line: &str, needle: &str| line.find(needle).map(|i| line[..i].chars().count());
        assert_eq!(column(lines[1], "admin@"), column(lines[0], "USERNAME"));
    }
}
