//! `sfkey doctor [--json]`: what sfkey sees on this machine, one check a line, and an exit
//! status of 1 when something sfkey needs is broken.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::escape::escape as printable;
use crate::org::OrgId;
use crate::preferences::KeyringChoice;
use crate::store::backend::{self, Opened};
use crate::store::file_key::KeyCache;
use crate::store::{SecretKind, SecretStore, config};

/// `sfkey doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// One JSON object on stdout instead of lines of text
    #[arg(long)]
    json: bool,
}

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    /// Works.
    Ok,
    /// Facts, nothing to judge.
    Info,
    /// Works, with a caveat; sfkey does not need it to.
    Warn,
    /// Broken: something sfkey needs.
    Fail,
}

#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    status: Status,
    detail: String,
}

#[derive(Debug, Serialize)]
struct Report {
    ok: bool,
    checks: Vec<Check>,
}

impl Report {
    fn add(&mut self, name: &'static str, status: Status, detail: impl AsRef<str>) {
        self.ok &= status != Status::Fail;
        self.checks.push(Check {
            name,
            status,
            detail: printable(detail.as_ref()).to_string(),
        });
    }
}

/// Runs every check and prints them; exit 1 when one failed.
pub fn doctor(args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let mut report = Report {
        ok: true,
        checks: Vec::new(),
    };
    report.add(
        "os",
        Status::Info,
        format!(
            "{} {} (sfkey {})",
            backend::os_name(),
            std::env::consts::ARCH,
            env!("CARGO_PKG_VERSION")
        ),
    );
    match config::config_dir() {
        Ok(dir) => {
            report.add("config_dir", Status::Info, dir.display().to_string());
            paths(&mut report, &dir);
            keyring(&mut report, &dir);
        }
        Err(e) => report.add("config_dir", Status::Fail, e.to_string()),
    }
    match crate::logging::log_dir() {
        Some(dir) => report.add(
            "data_dir",
            Status::Info,
            format!("{} (sfkey.log)", dir.display()),
        ),
        None => report.add(
            "data_dir",
            Status::Warn,
            "none: sfkey runs without a log file",
        ),
    }
    match crate::clipboard::Clipboard::from_env().and_then(|c| c.method().map(str::to_string)) {
        Ok(method) => report.add("clipboard", Status::Ok, method),
        Err(e) => report.add("clipboard", Status::Warn, format!("copying will fail: {e}")),
    }
    tls(&mut report);
    report.add("proxy", Status::Info, proxies());
    match on_path("sf") {
        Some(path) => report.add("sf_cli", Status::Info, path),
        None => report.add(
            "sf_cli",
            Status::Info,
            "not on PATH (only `sfkey import --from-sf` needs it)",
        ),
    }
    // Written, not printed: `sfkey doctor | head` must not panic on a closed pipe.
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        for check in &report.checks {
            let mark = match check.status {
                Status::Ok => "ok  ",
                Status::Info => "    ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            writeln!(out, "{mark} {:<16} {}", check.name, check.detail)?;
        }
        if !report.ok {
            writeln!(out, "Something sfkey needs is broken: see the FAIL lines.")?;
        }
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn paths(report: &mut Report, dir: &Path) {
    match config::load(dir) {
        Ok(orgs) => report.add(
            "orgs_file",
            Status::Ok,
            format!(
                "{} ({} orgs)",
                dir.join(config::ORGS_FILE).display(),
                orgs.len()
            ),
        ),
        Err(e) => report.add("orgs_file", Status::Fail, e.to_string()),
    }
    let prefs = dir.join(crate::preferences::PREFERENCES_FILE);
    match crate::preferences::load(dir) {
        Ok(_) if prefs.exists() => {
            report.add("preferences", Status::Ok, prefs.display().to_string())
        }
        Ok(_) => report.add(
            "preferences",
            Status::Info,
            format!("{} (absent: defaults)", prefs.display()),
        ),
        Err(e) => report.add("preferences", Status::Fail, e.to_string()),
    }
}

fn keyring(report: &mut Report, dir: &Path) {
    let opened = match backend::open_in(dir) {
        Ok(opened) => opened,
        Err(e) => {
            report.add("keyring", Status::Fail, e.to_string());
            return;
        }
    };
    let choice = opened.selection.choice;
    report.add(
        "keyring",
        Status::Info,
        format!("{} ({})", choice.as_str(), opened.selection.reason),
    );
    if choice == KeyringChoice::File {
        file_details(report, &opened);
        if opened.file.as_ref().is_some_and(|f| !f.exists()) {
            report.add(
                "keyring_probe",
                Status::Ok,
                "skipped: the secrets file does not exist yet (the first secret stored makes it, asking for a new passphrase)",
            );
            return;
        }
    }
    let started = Instant::now();
    match probe(opened.secrets.as_ref()) {
        Ok(()) => report.add(
            "keyring_probe",
            Status::Ok,
            format!(
                "wrote, read back and deleted a test entry in {} ms",
                started.elapsed().as_millis()
            ),
        ),
        Err(e) => report.add("keyring_probe", Status::Fail, e),
    }
}

fn file_details(report: &mut Report, opened: &Opened) {
    if let Some(file) = &opened.file {
        report.add(
            "secrets_file",
            Status::Info,
            file.path().display().to_string(),
        );
    }
    let cache = KeyCache::new(opened.selection.preferences.file_key_timeout());
    let detail = if !cfg!(target_os = "linux") {
        "none on this OS: every command asks for the passphrase (or reads SFKEY_FILE_PASSPHRASE)"
            .to_string()
    } else if cache.enabled() && !KeyCache::available() {
        "unavailable: the kernel refused a session keyring (a container may forbid keyctl), so every command asks".to_string()
    } else if cache.enabled() {
        format!(
            "kernel session keyring, {} min (file_key_timeout_minutes); `sfkey lock` forgets it",
            cache.timeout().as_secs() / 60
        )
    } else {
        "off (file_key_timeout_minutes = 0): every command asks".to_string()
    };
    report.add("file_key_cache", Status::Info, detail);
}

/// Writes, reads back and deletes an entry under an id no org has.
fn probe(secrets: &dyn SecretStore) -> Result<(), String> {
    let id = OrgId::generate();
    let mut random = [0u8; 8];
    let _ = getrandom::fill(&mut random);
    let value = SecretString::from(format!("sfkey-doctor-probe-{random:02x?}"));
    let kind = SecretKind::AccessToken;
    secrets
        .set(&id, kind, &value)
        .map_err(|e| format!("cannot write: {e}"))?;
    let back = secrets.get(&id, kind);
    let deleted = secrets.delete(&id, kind);
    match back {
        Ok(Some(v)) if v.expose_secret() == value.expose_secret() => {}
        Ok(_) => return Err("wrote an entry but read back something else".into()),
        Err(e) => return Err(format!("wrote an entry but cannot read it: {e}")),
    }
    deleted.map_err(|e| format!("cannot delete the test entry: {e}"))
}

fn tls(report: &mut Report) {
    if let Err(e) = crate::salesforce::HttpSettings::from_env() {
        report.add("tls", Status::Fail, format!("{e:#}"));
        return;
    }
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let mut roots = match var("SSL_CERT_FILE") {
        Some(path) => format!(
            "SSL_CERT_FILE {} (instead of the system's store)",
            Path::new(&path).display()
        ),
        None => "the system's certificate store".to_string(),
    };
    if let Some(path) = var("SFKEY_CA_FILE") {
        roots.push_str(&format!(
            ", plus SFKEY_CA_FILE {}",
            Path::new(&path).display()
        ));
    }
    report.add("tls_roots", Status::Ok, roots);
}

/// The proxy variables reqwest follows, with any user:password in them hidden.
fn proxies() -> String {
    let names = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ];
    let set: Vec<String> = names
        .iter()
        .filter_map(|name| {
            let value = std::env::var(name).ok().filter(|v| !v.is_empty())?;
            Some(format!("{name}={}", hide_credentials(&value)))
        })
        .collect();
    if set.is_empty() {
        "none (direct connections)".into()
    } else {
        set.join(" ")
    }
}

/// `http://user:pass@host` -> `http://***@host`: proxy URLs may hold a password.
fn hide_credentials(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let host_end = url[start..].find('/').map_or(url.len(), |i| start + i);
    match url[start..host_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &url[start + at..]),
        None => url.to_string(),
    }
}

fn on_path(program: &str) -> Option<String> {
    let names: Vec<String> = if cfg!(windows) {
        ["exe", "cmd", "bat"]
            .iter()
            .map(|ext| format!("{program}.{ext}"))
            .collect()
    } else {
        vec![program.to_string()]
    };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|path| path.is_file())
        .map(|path| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyring_unavailable_message_points_here() {
        use crate::store::SecretError;
        for err in [
            SecretError::Unavailable("no bus".into()),
            SecretError::Locked("prompt dismissed".into()),
            SecretError::Timeout(3),
        ] {
            // The message is the library's; the CLI's hint line names the command.
            let advice = err.advice().expect("advice");
            assert!(
                super::super::advice_text(&advice, "NAME").contains("(sfkey doctor)"),
                "{err}"
            );
        }
        let unavailable = SecretError::Unavailable("no bus".into()).to_string();
        for way in [
            "dbus-run-session",
            "gnome-keyring-daemon --unlock",
            "SFKEY_KEYRING=file",
        ] {
            assert!(unavailable.contains(way), "{way}: {unavailable}");
        }
    }

    #[test]
    fn proxy_passwords_are_hidden() {
        assert_eq!(
            hide_credentials("http://u:p4ss@proxy:3128"),
            "http://***@proxy:3128"
        );
        assert_eq!(hide_credentials("proxy:3128"), "proxy:3128");
        assert_eq!(
            hide_credentials("http://proxy/path@x"),
            "http://proxy/path@x"
        );
    }
}
