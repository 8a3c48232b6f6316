//! The encrypted secrets file's format: a versioned header, then the secrets sealed with
//! XChaCha20-Poly1305 under a key that argon2id derives from the passphrase, with the whole
//! header as associated data (so no header byte can be changed unnoticed).
//!
//! Layout (integers little-endian): magic `SFKEYSEC` (8) · format version (1) · KDF id (1,
//! 1 = argon2id v0x13) · memory KiB (4) · passes (4) · lanes (4) · salt (16) · key check (32) ·
//! nonce (24) · sealed length (4) · sealed payload (JSON object of entry name to secret, + 16-byte tag).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::Mac;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// The first bytes of every sfkey secrets file.
pub const MAGIC: &[u8; 8] = b"SFKEYSEC";
/// The format version this sfkey writes and the newest it reads.
pub const VERSION: u8 = 1;
const KDF_ARGON2ID: u8 = 1;
const SALT_LEN: usize = 16;
const CHECK_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Bytes before the sealed payload.
pub const HEADER_LEN: usize = 8 + 1 + 1 + 4 * 3 + SALT_LEN + CHECK_LEN + NONCE_LEN + 4;

/// Argon2id cost: memory in KiB, passes, lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes (the argon2 crate computes them one after another without rayon).
    pub p: u32,
}

/// RFC 9106's second recommended setting (64 MiB, 3 passes) with one lane: about 0.2 s here,
/// paid once per login session because the derived key is cached.
pub const DEFAULT_KDF: KdfParams = KdfParams {
    m_kib: 64 * 1024,
    t: 3,
    p: 1,
};

/// Files asking for more than this (4 GiB, 100 passes) are refused rather than tried.
const MAX_KDF: KdfParams = KdfParams {
    m_kib: 4 * 1024 * 1024,
    t: 100,
    p: 64,
};

/// A 256-bit key derived from the passphrase; wiped when dropped, never printed.
#[derive(Clone)]
pub struct FileKey(Zeroizing<[u8; 32]>);

impl FileKey {
    /// The raw bytes, for the session-key cache.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key from cached bytes; `None` when the length is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let array: [u8; 32] = bytes.try_into().ok()?;
        Some(Self(Zeroizing::new(array)))
    }
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(..)")
    }
}

/// What a file is locked with: KDF settings, salt, and a check value of the right key.
/// It stays the same across rewrites, so a cached key keeps opening the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// How the key is derived.
    pub kdf: KdfParams,
    /// Random per file.
    pub salt: [u8; SALT_LEN],
    check: [u8; CHECK_LEN],
}

/// Why a file cannot be opened. Each has its own message in [`super::file`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealError {
    /// It does not start with [`MAGIC`].
    NotOurs,
    /// A format version this sfkey does not know.
    Newer(u8),
    /// Shorter than its header says.
    Truncated,
    /// The key does not fit this file (wrong passphrase).
    WrongKey,
    /// The key fits but the content fails authentication, or the header is inconsistent.
    Damaged,
    /// The KDF settings are unusable or absurd.
    BadKdf,
}

/// A fresh lock for a new file: a random salt and the check value of `key`.
pub fn new_lock(kdf: KdfParams) -> Result<Lock, SealError> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|_| SealError::BadKdf)?;
    Ok(Lock {
        kdf,
        salt,
        check: [0; CHECK_LEN],
    })
}

/// Derives the key of `lock` from a passphrase (slow on purpose), and for a new lock sets its
/// check value. Fails with [`SealError::WrongKey`] when the passphrase is not this file's.
pub fn derive(passphrase: &SecretString, lock: &mut Lock, new: bool) -> Result<FileKey, SealError> {
    let kdf = lock.kdf;
    if kdf.m_kib > MAX_KDF.m_kib || kdf.t > MAX_KDF.t || kdf.p > MAX_KDF.p {
        return Err(SealError::BadKdf);
    }
    let params =
        argon2::Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32)).map_err(|_| SealError::BadKdf)?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(
            passphrase.expose_secret().as_bytes(),
            &lock.salt,
            out.as_mut(),
        )
        .map_err(|_| SealError::BadKdf)?;
    let key = FileKey(out);
    if new {
        lock.check = check_value(&key);
    } else {
        verify(lock, &key)?;
    }
    Ok(key)
}

/// Whether `key` is the key of `lock` (a cached key may belong to an older file).
pub fn verify(lock: &Lock, key: &FileKey) -> Result<(), SealError> {
    let expected = check_value(key);
    // Not secret-dependent timing in any useful way, but constant time costs nothing here.
    let diff = expected
        .iter()
        .zip(lock.check.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if diff == 0 {
        Ok(())
    } else {
        Err(SealError::WrongKey)
    }
}

/// HMAC of a fixed label under the key: tells a wrong passphrase from a damaged file without
/// revealing anything an attacker could not learn by trying the AEAD itself.
fn check_value(key: &FileKey) -> [u8; CHECK_LEN] {
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.bytes()) else {
        return [0; CHECK_LEN];
    };
    mac.update(b"sfkey secrets file key check v1");
    mac.finalize().into_bytes().into()
}

/// Reads the header: the lock, and the nonce and payload length.
pub fn read_lock(bytes: &[u8]) -> Result<Lock, SealError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(if MAGIC.starts_with(bytes) {
            SealError::Truncated
        } else {
            SealError::NotOurs
        });
    }
    let version = *bytes.get(8).ok_or(SealError::Truncated)?;
    if version > VERSION {
        return Err(SealError::Newer(version));
    }
    if version == 0 {
        return Err(SealError::Damaged);
    }
    if bytes.len() < HEADER_LEN {
        return Err(SealError::Truncated);
    }
    if bytes[9] != KDF_ARGON2ID {
        return Err(SealError::BadKdf);
    }
    let u32_at = |at: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&bytes[at..at + 4]);
        u32::from_le_bytes(b)
    };
    let mut salt = [0u8; SALT_LEN];
    salt.copy_from_slice(&bytes[22..22 + SALT_LEN]);
    let mut check = [0u8; CHECK_LEN];
    check.copy_from_slice(&bytes[38..38 + CHECK_LEN]);
    Ok(Lock {
        kdf: KdfParams {
            m_kib: u32_at(10),
            t: u32_at(14),
            p: u32_at(18),
        },
        salt,
        check,
    })
}

/// Opens a whole file with its key: the JSON payload.
pub fn open(bytes: &[u8], key: &FileKey) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let lock = read_lock(bytes)?;
    verify(&lock, key)?;
    let nonce_at = 38 + CHECK_LEN;
    let len_at = nonce_at + NONCE_LEN;
    let mut len = [0u8; 4];
    len.copy_from_slice(&bytes[len_at..len_at + 4]);
    let len = u32::from_le_bytes(len) as usize;
    let body = &bytes[HEADER_LEN..];
    if body.len() < len {
        return Err(SealError::Truncated);
    }
    if body.len() > len || len < TAG_LEN {
        return Err(SealError::Damaged);
    }
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let nonce = XNonce::try_from(&bytes[nonce_at..len_at]).map_err(|_| SealError::Damaged)?;
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: body,
                aad: &bytes[..HEADER_LEN],
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| SealError::Damaged)
}

/// Seals `plain` under `key` with a fresh random nonce: the whole file's bytes.
pub fn seal(lock: &Lock, key: &FileKey, plain: &[u8]) -> Result<Vec<u8>, SealError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|_| SealError::BadKdf)?;
    let len = u32::try_from(plain.len() + TAG_LEN).map_err(|_| SealError::Damaged)?;
    let mut out = Vec::with_capacity(HEADER_LEN + plain.len() + TAG_LEN);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(KDF_ARGON2ID);
    for v in [lock.kdf.m_kib, lock.kdf.t, lock.kdf.p] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&lock.salt);
    out.extend_from_slice(&lock.check);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&len.to_le_bytes());
    let cipher = XChaCha20Poly1305::new(key.bytes().into());
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain,
                aad: &out,
            },
        )
        .map_err(|_| SealError::Damaged)?;
    out.extend_from_slice(&sealed);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    fn sealed(pass: &str, plain: &[u8]) -> (Vec<u8>, FileKey) {
        let mut lock = new_lock(CHEAP).unwrap();
        let key = derive(&SecretString::from(pass), &mut lock, true).unwrap();
        (seal(&lock, &key, plain).unwrap(), key)
    }

    #[test]
    fn round_trip_and_the_key_follows_the_passphrase() {
        let (bytes, key) = sealed("pass-1", b"{\"a\":\"TESTSECRET\"}");
        assert_eq!(bytes.len(), HEADER_LEN + 18 + TAG_LEN);
        assert!(!bytes.windows(10).any(|w| w == b"TESTSECRET"));
        assert_eq!(
            open(&bytes, &key).unwrap().as_slice(),
            b"{\"a\":\"TESTSECRET\"}"
        );
        let mut lock = read_lock(&bytes).unwrap();
        assert!(derive(&SecretString::from("pass-1"), &mut lock, false).is_ok());
        assert_eq!(
            derive(&SecretString::from("pass-2"), &mut lock, false).unwrap_err(),
            SealError::WrongKey
        );
    }

    #[test]
    fn every_changed_byte_and_every_cut_is_caught() {
        let (bytes, key) = sealed("p", b"{}");
        for at in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0x01;
            assert!(open(&bad, &key).is_err(), "byte {at} changed unnoticed");
        }
        for len in 0..bytes.len() {
            let err = open(&bytes[..len], &key).unwrap_err();
            assert!(matches!(err, SealError::Truncated), "cut at {len}: {err:?}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(open(&longer, &key).unwrap_err(), SealError::Damaged);
        let mut newer = bytes.clone();
        newer[8] = VERSION + 1;
        assert_eq!(
            open(&newer, &key).unwrap_err(),
            SealError::Newer(VERSION + 1)
        );
        assert_eq!(
            open(b"version = 1\n", &key).unwrap_err(),
            SealError::NotOurs
        );
    }
}
