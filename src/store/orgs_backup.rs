//! Saving the orgs file without waiting for the disk when only refresh records changed.
//!
//! A save writes a temp file and renames it over `orgs.toml`. Without an fsync first, a crash
//! soon after can leave an empty `orgs.toml` on file systems that do not flush a file renamed
//! over another (ext4 mounted `noauto_da_alloc`, for one), and that file holds every org. The
//! fsync cost 1.4 ms at best and 6 ms typically on this machine's disk, more than the keyring
//! write it runs beside: `sfkey refresh` waited for it. So a save whose orgs differ from the last
//! durable save only in their refresh records (`last_refresh`, `history`) skips the fsync, and
//! every other save is fsynced and also copied, fsynced, to `orgs.toml.bak`. An empty
//! `orgs.toml` is then read from the copy: every org and setting is there, only the latest
//! refresh records can be lost.

use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use crate::org::Org;

use super::config::{ConfigError, io_err};

/// The copy of the orgs file as of the last save that changed more than refresh records.
pub const BACKUP_FILE: &str = "orgs.toml.bak";

/// The copy's first line: a TOML comment naming the digest of its orgs' settings.
const DIGEST_PREFIX: &str = "# sfkey settings digest ";

/// A digest of everything in `orgs` but their refresh records. Only ever compared with one
/// written by this same binary (a differing build at worst costs one fsynced save).
fn settings_digest(orgs: &[Org]) -> Result<String, serde_json::Error> {
    let settings: Vec<Org> = orgs
        .iter()
        .map(|o| Org {
            last_refresh: None,
            history: Vec::new(),
            ..o.clone()
        })
        .collect();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_vec(&settings)?.hash(&mut hasher);
    Ok(format!("{:016x}", hasher.finish()))
}

/// The digest in the copy's first line, if there is a copy.
fn backup_digest(dir: &Path) -> Option<String> {
    let file = std::fs::File::open(dir.join(BACKUP_FILE)).ok()?;
    let mut first = String::new();
    BufReader::new(file).read_line(&mut first).ok()?;
    first
        .trim_end()
        .strip_prefix(DIGEST_PREFIX)
        .map(str::to_string)
}

/// Writes `text` to `path` through a 0600 temp file beside it, renamed over it; fsynced first
/// when `durable`. The temp file has a random name and is created with `O_EXCL`, so nothing
/// planted in the dir (a symlink at a guessable name) can redirect the write.
fn replace(dir: &Path, path: &Path, text: &str, durable: bool) -> Result<(), ConfigError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    // The temp file is removed when dropped, so a failed write leaves nothing behind.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.unwrap_or_default()))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_err("cannot write", path))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| {
            if durable {
                tmp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(io_err("cannot write", path))?;
    tmp.persist(path)
        .map(drop)
        .map_err(|e| io_err("cannot write", path)(e.error))
}

/// Saves `text` (the encoded `orgs`) as `dir/orgs_file`: without an fsync when the copy holds
/// the same settings, else fsynced and copied (see the module's doc).
pub(super) fn save(
    dir: &Path,
    orgs_file: &str,
    orgs: &[Org],
    text: &str,
) -> Result<(), ConfigError> {
    let path = dir.join(orgs_file);
    let digest = settings_digest(orgs).map_err(|e| ConfigError::Io {
        action: "cannot encode",
        path: path.clone(),
        cause: std::io::Error::other(e.to_string()),
    })?;
    if backup_digest(dir).as_deref() == Some(digest.as_str()) {
        return replace(dir, &path, text, false);
    }
    replace(dir, &path, text, true)?;
    let backup = format!("{DIGEST_PREFIX}{digest}\n{text}");
    replace(dir, &dir.join(BACKUP_FILE), &backup, true)
}

/// The text to read for the orgs file `path` that read as `text`: an empty file is what a crash
/// can leave of a save that was not fsynced, and then the copy beside it is read instead.
pub(super) fn or_backup(path: &Path, text: String) -> String {
    if !text.is_empty() {
        return text;
    }
    let backup = path.with_file_name(BACKUP_FILE);
    match std::fs::read_to_string(&backup) {
        Ok(copy) => {
            tracing::warn!("the orgs file was empty; read its copy {BACKUP_FILE}");
            copy
        }
        Err(_) => text,
    }
}

#[cfg(test)]
mod tests;
