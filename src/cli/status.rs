//! `sfkey status`: every org's token health, with an exit code for CI; `sfkey keepalive`:
//! refreshes the orgs left unused, for cron or a systemd timer.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::tokens::{refresh_failed, run_refresh};
use crate::columns::{cut, pad};
use crate::escape::escape;
use crate::health::{DEFAULT_IDLE_DAYS, Health, Verdict, health, sparkline};
use crate::humanize;
use crate::org::Org;
use crate::org_kind::OrgKind;
use crate::store::Store;

/// Exit status of `status` when an org is idle past the threshold (and none is dead).
pub const EXIT_IDLE: u8 = 2;
/// Exit status of `status` when an org is dead.
pub const EXIT_DEAD: u8 = 3;

/// Arguments of `sfkey status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only these orgs (default: every org)
    pub names: Vec<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Flag an org whose refresh token was unused this many days (default: `idle_warning_days`
    /// in config.toml, else 25)
    #[arg(long, value_name = "DAYS")]
    pub idle_days: Option<u64>,
}

/// Arguments of `sfkey keepalive`.
#[derive(Debug, Args)]
pub struct KeepaliveArgs {
    /// Only these orgs (default: every org)
    pub names: Vec<String>,
    /// Refresh an org whose refresh token was unused at least this long (7d, 36h; 0: every org)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "7d",
        value_parser = humanize::parse_duration
    )]
    pub older_than: Duration,
}

/// The named orgs, or all of them.
fn selected(store: &Store, names: &[String]) -> anyhow::Result<Vec<Org>> {
    if names.is_empty() {
        return Ok(store.orgs()?);
    }
    names
        .iter()
        .map(|n| store.find(n).map_err(anyhow::Error::from))
        .collect()
}

/// `sfkey status`.
pub fn status(store: &Store, args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let idle_days = match args.idle_days {
        Some(days) => days,
        None => crate::preferences::load(store.dir())?
            .idle_warning_days
            .unwrap_or(DEFAULT_IDLE_DAYS),
    };
    let orgs = selected(store, &args.names)?;
    let now = humanize::now_ms();
    let rows: Vec<(Org, Health)> = orgs
        .into_iter()
        .map(|o| {
            let h = health(&o, now, idle_days);
            (o, h)
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(o, h)| {
                let mut v = serde_json::to_value(h).unwrap_or_default();
                if let Some(map) = v.as_object_mut() {
                    map.insert("name".into(), o.name.clone().into());
                    map.insert("kind".into(), o.kind.as_str().into());
                }
                v
            })
            .collect();
        let text = serde_json::to_string_pretty(&list)?;
        writeln!(out, "{}", crate::escape::escape_json(&text))?;
    } else if rows.is_empty() {
        eprintln!("No orgs yet: nothing to check.");
    } else {
        write!(out, "{}", table(&rows, now))?;
    }
    let worst = rows.iter().map(|(_, h)| h.verdict).max_by_key(|v| rank(*v));
    Ok(match worst {
        Some(Verdict::Dead) => ExitCode::from(EXIT_DEAD),
        Some(Verdict::Idle) => ExitCode::from(EXIT_IDLE),
        _ => ExitCode::SUCCESS,
    })
}

fn rank(v: Verdict) -> u8 {
    match v {
        Verdict::Ok | Verdict::Unknown => 0,
        Verdict::Idle => 1,
        Verdict::Dead => 2,
    }
}

/// The longest org name shown; longer ones are cut.
const MAX_NAME: usize = 30;

fn table(rows: &[(Org, Health)], now: u64) -> String {
    let name_width = rows
        .iter()
        .map(|(o, _)| escape(&o.name).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, MAX_NAME);
    let mut text = format!(
        "{}  STATE    ACCESS TOKEN           REFRESH TOKEN                ROTATES  LAST REFRESHES\n",
        pad("NAME", name_width)
    );
    for (org, h) in rows {
        let access = match (org.dead_access_token(), h.access_expires_ms) {
            (Some(dead), _) => format!("dead ({})", dead.reason),
            (None, Some(exp)) => humanize::expiry(exp, now),
            (None, None) if org.last_refresh.is_some() => "expiry unknown".into(),
            (None, None) => "-".into(),
        };
        let refresh = match (h.refresh_token_since_ms, h.idle_days) {
            _ if org.kind != OrgKind::RefreshToken => format!("none ({})", org.kind.label()),
            (Some(since), Some(idle)) => {
                format!("stored {}, idle {idle}d", humanize::ago(since, now))
            }
            (None, Some(idle)) => format!("idle {idle}d"),
            _ => "-".into(),
        };
        let rotates = match h.rotates {
            Some(true) => "yes",
            Some(false) => "no",
            None => "?",
        };
        let marks = h.marks();
        let median = h
            .median_latency_ms()
            .map(|m| format!(" {m} ms"))
            .unwrap_or_default();
        let line = format!(
            "{}  {}  {}  {}  {}  {marks} {}{median}",
            pad(&cut(&escape(&org.name), MAX_NAME), name_width),
            pad(h.verdict.words(), 7),
            pad(&cut(&access, 21), 21),
            pad(&cut(&refresh, 27), 27),
            pad(rotates, 7),
            sparkline(&h.latencies_ms),
        );
        text.push_str(line.trim_end());
        text.push('\n');
        if matches!(h.verdict, Verdict::Dead | Verdict::Idle) {
            text.push_str(&format!("  {}: {}\n", escape(&org.name), h.reason));
        }
    }
    text
}

/// `sfkey keepalive`: refreshes each org unused for `older_than`; one line per org.
pub fn keepalive(store: &Store, args: &KeepaliveArgs) -> anyhow::Result<ExitCode> {
    let orgs = selected(store, &args.names)?;
    let now = humanize::now_ms();
    let mut failed = 0;
    for org in orgs {
        let name = escape(&org.name);
        if org.kind != OrgKind::RefreshToken {
            // Only a refresh token expires when unused; the other kinds have none to keep.
            println!("{name}: skipped ({}: no refresh token)", org.kind.label());
            continue;
        }
        let h = health(&org, now, DEFAULT_IDLE_DAYS);
        let unused_ms = h.last_used_ms.map(|at| now.saturating_sub(at));
        if let Some(unused) = unused_ms
            && unused < args.older_than.as_millis() as u64
        {
            println!(
                "{name}: skipped (used {})",
                humanize::ago(now - unused, now)
            );
            continue;
        }
        match run_refresh(store, &org)? {
            Ok(_) => println!("{name}: refreshed"),
            Err(e) => {
                failed += 1;
                println!("{name}: FAILED");
                eprintln!("sfkey: {:#}", refresh_failed(&org, &e));
            }
        }
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
