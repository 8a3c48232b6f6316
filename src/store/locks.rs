//! Per-org locks, keyed to what they protect: the keyring entries, which every config dir of
//! the user shares (a copied or synced config, `SFKEY_CONFIG_DIR` set in one shell only). So the
//! locks live in one user-wide dir, by org id, never in the config dir.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::config::{ConfigError, io_err, open_lock_file};
use crate::org::OrgId;

/// An exclusive lock on one org, across processes and config dirs: held from reading its
/// refresh token until a rotated one is stored, so two refreshes never spend the same token.
pub struct OrgLock {
    file: File,
    path: PathBuf,
}

impl OrgLock {
    /// Takes the lock; when another process holds it, calls `waiting` once and then waits.
    pub fn acquire(id: &OrgId, waiting: impl FnOnce()) -> Result<Self, ConfigError> {
        let path = org_lock_path(id)?;
        create_private_dir(path.parent().unwrap_or(&path))?;
        let mut waiting = Some(waiting);
        loop {
            let file = open_lock_file(&path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    if let Some(waiting) = waiting.take() {
                        waiting();
                    }
                    file.lock().map_err(io_err("cannot lock", &path))?;
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_err("cannot lock", &path)(e)),
            }
            // The file may have been deleted (or deleted and made anew) while we waited: then
            // another process can lock what the path names now, and ours protects nothing.
            if still_named_by(&file, &path) {
                return Ok(Self { file, path });
            }
            tracing::debug!(path = %path.display(), "the lock file was replaced while we waited; locking again");
        }
    }

    /// Removes the lock file of an org that no longer exists, while still holding it (a
    /// process that locked the old file then sees it is gone and locks again).
    pub fn forget(self) {
        let _ = fs::remove_file(&self.path);
        drop(self.file);
    }
}

/// Whether `path` still names the open `file` (same device and inode).
#[cfg(unix)]
fn still_named_by(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
        _ => false,
    }
}

/// Windows does not delete a file that is open without sharing delete access, as ours is.
#[cfg(not(unix))]
fn still_named_by(_file: &File, _path: &Path) -> bool {
    true
}

/// The user-wide lock dir: `$XDG_RUNTIME_DIR/sfkey/locks`, else `sfkey-UID/locks` under the temp
/// dir (0700, checked to be ours); on Windows, `locks` in the local data dir.
pub fn lock_dir() -> Result<PathBuf, ConfigError> {
    #[cfg(unix)]
    {
        let runtime = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute() && dir.is_dir());
        Ok(match runtime {
            Some(dir) => dir.join("sfkey").join("locks"),
            None => {
                let uid = rustix::process::getuid().as_raw();
                std::env::temp_dir()
                    .join(format!("sfkey-{uid}"))
                    .join("locks")
            }
        })
    }
    #[cfg(not(unix))]
    directories::ProjectDirs::from("", "", "sfkey")
        .map(|d| d.data_local_dir().join("locks"))
        .ok_or(ConfigError::NoConfigDir)
}

/// Where an org's lock file lives.
pub fn org_lock_path(id: &OrgId) -> Result<PathBuf, ConfigError> {
    Ok(lock_dir()?.join(format!("{id}.lock")))
}

/// Creates `dir` and its parent (`sfkey-UID` or `sfkey`) with mode 0700, and checks that the
/// parent is a real dir of ours that nobody else can write: in a shared temp dir, another user
/// could have made it first.
fn create_private_dir(dir: &Path) -> Result<(), ConfigError> {
    let parent = dir.parent().unwrap_or(dir);
    for d in [parent, dir] {
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        match builder.create(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err("cannot create", d)(e)),
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::symlink_metadata(parent).map_err(io_err("cannot read", parent))?;
        let uid = rustix::process::getuid().as_raw();
        if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o022 != 0 {
            return Err(ConfigError::Io {
                action: "will not keep locks in",
                path: parent.to_path_buf(),
                cause: std::io::Error::other(
                    "it is not a directory of yours that only you can write; remove it, or set XDG_RUNTIME_DIR",
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_lock_file_deleted_while_waiting_is_locked_again() {
        let id = OrgId::generate();
        let first = OrgLock::acquire(&id, || {}).unwrap();
        let path = org_lock_path(&id).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let lock = OrgLock::acquire(&id, || tx.send(()).unwrap()).unwrap();
            still_named_by(&lock.file, &lock.path)
        });
        rx.recv().unwrap();
        // The holder forgets the file while the other waits on it.
        first.forget();
        assert!(
            waiter.join().unwrap(),
            "the waiter kept a lock on a deleted file"
        );
        let _ = fs::remove_file(path);
    }
}
