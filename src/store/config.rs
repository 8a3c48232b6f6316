//! The orgs file on disk: where it lives, loading it, saving it atomically with tight permissions,
//! and a lock so two sfkey processes never interleave their read-modify-write (per-org locks
//! are in `locks.rs`).

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::org::{self, Org};

/// The environment variable that overrides where sfkey keeps its files.
pub const CONFIG_DIR_ENV: &str = "SFKEY_CONFIG_DIR";
/// File name of the orgs file inside the config dir.
pub const ORGS_FILE: &str = "orgs.toml";
const LOCK_FILE: &str = "orgs.lock";
pub(super) const FORMAT_VERSION: u32 = 1;

/// A problem with the config dir or the orgs file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No home directory to put the config in, and no override.
    #[error("cannot find a config directory; set {CONFIG_DIR_ENV} to a folder sfkey may use")]
    NoConfigDir,
    /// The orgs file exists but cannot be understood. It is never overwritten.
    #[error(
        "{path} is not a valid sfkey orgs file: {reason}. Fix it by hand or move it away; sfkey will not overwrite it"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column where known.
        reason: String,
    },
    /// Reading or writing failed.
    #[error("{action} {path}: {cause}{hint}", hint = io_hint(cause))]
    Io {
        /// What we were doing.
        action: &'static str,
        /// Which path.
        path: PathBuf,
        /// The OS error (not a `source`, so `{:#}` doesn't print it twice).
        cause: std::io::Error,
    },
}

/// What to do when the config dir cannot be written: commands that only read work there
/// (`list`, `show`, `token` with a stored token), the ones that change an org do not.
fn io_hint(cause: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match cause.kind() {
        ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => format!(
            ". sfkey writes its orgs file and locks there: make the folder writable, or set {CONFIG_DIR_ENV} to a writable folder (a copy of this one keeps your orgs)"
        ),
        _ => String::new(),
    }
}

/// The file format: a version and a list of `[[org]]` tables.
#[derive(Debug, Serialize, Deserialize)]
struct OrgsFile {
    version: u32,
    #[serde(default, rename = "org")]
    orgs: Vec<Org>,
}

/// The config dir: `$SFKEY_CONFIG_DIR`, else the platform config dir (`~/.config/sfkey` on Linux).
pub fn config_dir() -> Result<PathBuf, ConfigError> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "sfkey")
        .map(|dirs| dirs.config_dir().to_path_buf())
        .ok_or(ConfigError::NoConfigDir)
}

/// Turns an I/O error into a [`ConfigError::Io`] saying what was done to which path.
pub(super) fn io_err(
    action: &'static str,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> ConfigError {
    let path = path.to_path_buf();
    move |cause| ConfigError::Io {
        action,
        path,
        cause,
    }
}

/// Loads the orgs in `dir`; a missing file means no orgs yet.
pub fn load(dir: &Path) -> Result<Vec<Org>, ConfigError> {
    let path = dir.join(ORGS_FILE);
    let Some(text) = read_text(&path)? else {
        return Ok(Vec::new());
    };
    parse(&text).map_err(|reason| ConfigError::Corrupt { path, reason })
}

/// The orgs file's text; `None` when there is no file yet.
pub(super) fn read_text(path: &Path) -> Result<Option<String>, ConfigError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(super::orgs_backup::or_backup(path, text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(ConfigError::Corrupt {
            path: path.to_path_buf(),
            reason: "it is not UTF-8 text".into(),
        }),
        Err(e) => Err(io_err("cannot read", path)(e)),
    }
}

/// Text parsed at a time. The TOML parser keeps every token and value of what it parses, about
/// 20 times the text: 10,000 orgs (2.4 MB) parsed whole peaked at 50 MB and took 40 ms; in
/// pieces of this size, 10 MB and 22 ms (`cargo bench --bench tui`).
pub(super) const PIECE: usize = 16 * 1024;

/// What may come before the first `[[org]]`: the version, and no `org` key.
#[derive(Deserialize)]
pub(super) struct Head {
    pub(super) version: u32,
    #[serde(default)]
    pub(super) org: Option<serde::de::IgnoredAny>,
}

/// A piece of the file from a `[[org]]` line on: nothing but orgs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Piece {
    pub(super) org: Vec<Org>,
}

/// The file cut before lines that open an array of tables, in pieces of at least [`PIECE`]
/// bytes, and the head before the first such line.
pub(super) fn pieces(text: &str) -> (&str, Vec<&str>) {
    let mut cuts = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let last = cuts.last().copied();
        if line.trim_start().starts_with("[[") && last.is_none_or(|last| at - last >= PIECE) {
            cuts.push(at);
        }
        at += line.len();
    }
    let Some(&first) = cuts.first() else {
        return (text, Vec::new());
    };
    cuts.push(text.len());
    (
        &text[..first],
        cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect(),
    )
}

/// Parses the file piece by piece; `None` when any piece does not parse on its own or the
/// head holds orgs, and the whole file must be parsed instead. A cut inside a multi-line string,
/// array or inline table leaves that value unterminated in the piece before, which then fails.
fn parse_in_pieces(text: &str) -> Option<OrgsFile> {
    let (head, pieces) = pieces(text);
    let head: Head = toml::from_str(head).ok()?;
    if head.org.is_some() {
        return None;
    }
    let mut orgs = Vec::new();
    for piece in pieces {
        orgs.extend(toml::from_str::<Piece>(piece).ok()?.org);
    }
    Some(OrgsFile {
        version: head.version,
        orgs,
    })
}

pub(super) fn parse(text: &str) -> Result<Vec<Org>, String> {
    let file = match parse_in_pieces(text) {
        Some(file) => file,
        // The whole file gives the authoritative answer, and errors with the right line.
        None => {
            toml::from_str::<OrgsFile>(text).map_err(|e| e.to_string().trim().replace('\n', " "))?
        }
    };
    if file.version > FORMAT_VERSION {
        return Err(format!(
            "it has format version {}, this sfkey reads up to {FORMAT_VERSION}; upgrade sfkey",
            file.version
        ));
    }
    let mut names = std::collections::HashSet::new();
    let mut ids = std::collections::HashSet::new();
    let mut orgs = file.orgs;
    for o in &mut orgs {
        normalise(o)?;
    }
    for o in &orgs {
        if !names.insert(o.name.as_str()) {
            return Err(format!("the org name {:?} appears twice", o.name));
        }
        if !ids.insert(o.id.as_str()) {
            return Err(format!("the org id {} appears twice", o.id));
        }
    }
    Ok(orgs)
}

/// Checks one org as read: its name, and its login URL and site normalised or refused (hand
/// edits: these strings build the URL secrets go to).
pub(super) fn normalise(o: &mut Org) -> Result<(), String> {
    org::validate_name(&o.name).map_err(|e| e.to_string())?;
    o.login_url = org::parse_login_url(&o.login_url).map_err(|e| format!("org {}: {e}", o.name))?;
    o.site = match &o.site {
        Some(site) => org::parse_site(site).map_err(|e| format!("org {}: {e}", o.name))?,
        None => None,
    };
    Ok(())
}

/// Creates the config dir with mode 0700. An existing dir keeps its mode: it may be one the
/// user chose with `SFKEY_CONFIG_DIR`, such as a shared folder; only the files are 0600.
pub fn ensure_dir(dir: &Path) -> Result<(), ConfigError> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(io_err("cannot create", dir))?;
    restrict(dir, 0o700).map_err(io_err("cannot set permissions on", dir))
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Saves all orgs: a 0600 temp file beside the real one, renamed over it; fsynced unless only
/// refresh records changed since the last fsynced save (see `orgs_backup.rs`).
pub fn save(dir: &Path, orgs: &[Org]) -> Result<(), ConfigError> {
    ensure_dir(dir)?;
    let path = dir.join(ORGS_FILE);
    let file = OrgsFile {
        version: FORMAT_VERSION,
        orgs: orgs.to_vec(),
    };
    let text = toml::to_string_pretty(&file).map_err(|e| ConfigError::Io {
        action: "cannot encode",
        path: path.clone(),
        cause: std::io::Error::other(e.to_string()),
    })?;
    super::orgs_backup::save(dir, ORGS_FILE, orgs, &text)
}

/// An exclusive lock on the config dir, held while a command reads, changes and saves the orgs.
pub struct ConfigLock {
    _file: File,
}

impl ConfigLock {
    /// Waits for and takes the lock (released when dropped, or when the process dies).
    pub fn acquire(dir: &Path) -> Result<Self, ConfigError> {
        ensure_dir(dir)?;
        let file = open_lock_file(&dir.join(LOCK_FILE))?;
        let path = dir.join(LOCK_FILE);
        file.lock().map_err(io_err("cannot lock", &path))?;
        Ok(Self { _file: file })
    }
}

/// Opens (creating, 0600) a lock file; locking it is the caller's.
pub(super) fn open_lock_file(path: &Path) -> Result<File, ConfigError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io_err("cannot open", path))
}

#[cfg(test)]
mod tests;
