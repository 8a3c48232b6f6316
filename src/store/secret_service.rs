//! A keyring-core store for the freedesktop Secret Service (gnome-keyring, KeePassXC) on Linux.
//!
//! Why not `zbus-secret-service-keyring-store`: it always opens a Diffie-Hellman session, which
//! costs about 4 ms per process (measured: 6.7 ms vs 2.8 ms for connect + search + read). That is
//! most of `sfkey token`'s budget. The DH session only hides secrets from other processes of the
//! same user on the session bus, which could ask the Secret Service for them anyway; gh
//! (go-keyring) and aws-vault use plain sessions for the same reason.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

mod calls;

use keyring_core::api::{Credential, CredentialApi, CredentialStoreApi};
use keyring_core::{Entry, Error, Result};
use secret_service::EncryptionType;
use secret_service::blocking::SecretService;
use zbus::zvariant::OwnedObjectPath;

/// Items carry these attributes, as keyring's own Secret Service stores do, so entries stay
/// readable by other keyring-based tools and `secret-tool lookup service sfkey username ...`.
const SERVICE_ATTR: &str = "service";
const USER_ATTR: &str = "username";

/// The Secret Service over one plain-session connection, shared by every entry.
pub struct PlainSecretService {
    conn: Arc<Connection>,
}

/// How long an item path found by a read is trusted for a write without searching again: long
/// enough for a refresh (read, HTTP request, write), short enough that a long-lived TUI never
/// writes through a path another program may have deleted and reused meanwhile.
const KNOWN_PATH_TTL: Duration = Duration::from_secs(60);

struct Connection {
    bus: zbus::blocking::Connection,
    // The secret-service crate's client, opened on first use: reads go through `get_many`
    // instead, and so skip the crate's own OpenSession round trip.
    ss: Mutex<Option<SecretService<'static>>>,
    // A plain session of our own for GetSecrets and SetSecret (the crate keeps its session's
    // path private).
    session: Mutex<Option<OwnedObjectPath>>,
    // The unique bus name of the daemon that first answered (and holds our session): another
    // owner later means it restarted. Read from that answer's header, not asked for with a
    // GetNameOwner round trip of its own.
    owner: Mutex<Option<String>>,
    // Item paths the last reads found, by (service, user): a write soon after (a refresh saving
    // its tokens) is then one SetSecret instead of a search and a SetSecret.
    known: Mutex<HashMap<(String, String), (OwnedObjectPath, Instant)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Connection {
    fn with<T>(&self, op: impl FnOnce(&SecretService<'static>) -> Result<T>) -> Result<T> {
        let mut slot = lock(&self.ss);
        let ss = match slot.take() {
            Some(ss) => ss,
            None => {
                let ss =
                    SecretService::connect_with_existing(EncryptionType::Plain, self.bus.clone())
                        .map_err(platform)?;
                // The crate's session hides who answered: ask, once.
                let mut owner = lock(&self.owner);
                if owner.is_none() {
                    *owner = service_owner(&self.bus);
                }
                ss
            }
        };
        let result = op(&ss);
        *slot = Some(ss);
        result
    }
}

impl PlainSecretService {
    /// Connects to the session bus's Secret Service. Nothing is asked yet: a Secret Service
    /// that is not running is started by D-Bus on the first call, and the daemon that answers
    /// it is the one recorded (no round trip here).
    pub fn connect() -> Result<Arc<Self>> {
        let bus = match session_on_this_thread() {
            Some(bus) => bus,
            None => zbus::blocking::Connection::session().map_err(connection_error)?,
        };
        Ok(Arc::new(Self {
            conn: Arc::new(Connection {
                bus,
                ss: Mutex::new(None),
                session: Mutex::new(None),
                owner: Mutex::new(None),
                known: Mutex::new(HashMap::new()),
            }),
        }))
    }

    /// Whether the Secret Service is no longer the daemon that first answered this store (it
    /// restarted or stopped): then its session is gone and every call fails until we reconnect.
    /// `false` before any answer: no session of a former daemon can be held then.
    pub fn restarted(&self) -> bool {
        let first = lock(&self.conn.owner).clone();
        first.is_some_and(|first| service_owner(&self.conn.bus).as_deref() != Some(first.as_str()))
    }

    /// The secrets of several users of `service` in two round trips (see [`Connection::get_many`]).
    pub fn get_many(
        &self,
        service: &str,
        users: &[String],
    ) -> Result<Option<Vec<Option<Vec<u8>>>>> {
        self.conn.get_many(service, users)
    }
}

const SERVICE_NAME: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE_IFACE: &str = "org.freedesktop.Secret.Service";
const ITEM_IFACE: &str = "org.freedesktop.Secret.Item";

/// The session bus over a socket connected on this thread. zbus connects its own socket in a
/// thread of the `blocking` crate's pool: strace of `sfkey token` showed that thread started
/// and handed back to for a connect that a Unix socket answers at once. Any other address, or
/// any failure, is left to zbus, which then reports it as it always did.
fn session_on_this_thread() -> Option<zbus::blocking::Connection> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixStream};
    use zbus::address::transport::{Transport, UnixSocket};

    let address = zbus::Address::session().ok()?;
    let Transport::Unix(unix) = address.transport() else {
        return None;
    };
    let stream = match unix.path() {
        UnixSocket::File(path) => UnixStream::connect(path).ok()?,
        UnixSocket::Abstract(name) => {
            let name = SocketAddr::from_abstract_name(name.as_encoded_bytes()).ok()?;
            UnixStream::connect_addr(&name).ok()?
        }
        _ => return None,
    };
    zbus::blocking::connection::Builder::async_io_unix_stream(stream)
        .build()
        .ok()
}

/// The unique bus name of the process that owns the Secret Service now, if any.
fn service_owner(bus: &zbus::blocking::Connection) -> Option<String> {
    let reply = bus
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "GetNameOwner",
            &(SERVICE_NAME,),
        )
        .ok()?;
    reply.body().deserialize::<String>().ok()
}

/// As the secret-service crate maps a failed connect: no bus or no service is "unavailable".
fn connection_error(e: zbus::Error) -> Error {
    let unavailable = match &e {
        zbus::Error::InterfaceNotFound | zbus::Error::Address(_) => true,
        zbus::Error::InputOutput(io) => io.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    };
    if unavailable {
        platform(secret_service::Error::Unavailable)
    } else {
        platform(secret_service::Error::Zbus(e))
    }
}

fn zbus_error(e: zbus::Error) -> Error {
    platform(secret_service::Error::Zbus(e))
}

impl std::fmt::Debug for PlainSecretService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlainSecretService")
    }
}

/// Maps Secret Service errors; locked and dismissed prompts become `NoStorageAccess`.
fn platform(err: secret_service::Error) -> Error {
    use secret_service::Error as E;
    match err {
        E::Locked | E::Prompt | E::PromptDisconnected => Error::NoStorageAccess(Box::new(err)),
        other => Error::PlatformFailure(Box::new(other)),
    }
}

impl CredentialStoreApi for PlainSecretService {
    fn vendor(&self) -> String {
        "sfkey plain-session Secret Service store".into()
    }

    fn id(&self) -> String {
        "sfkey-secret-service".into()
    }

    fn build(
        &self,
        service: &str,
        user: &str,
        modifiers: Option<&HashMap<&str, &str>>,
    ) -> Result<Entry> {
        let label = modifiers
            .and_then(|m| m.get("label").copied())
            .map_or_else(|| format!("{user}@{service}"), str::to_string);
        Ok(Entry::new_with_credential(Arc::new(Item {
            conn: Arc::clone(&self.conn),
            service: service.into(),
            user: user.into(),
            label,
        })))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One secret, found by its service and user attributes.
struct Item {
    conn: Arc<Connection>,
    service: String,
    user: String,
    label: String,
}

impl Item {
    fn attributes(&self) -> HashMap<&str, &str> {
        HashMap::from([
            (SERVICE_ATTR, self.service.as_str()),
            (USER_ATTR, self.user.as_str()),
        ])
    }
}

impl CredentialApi for Item {
    fn set_secret(&self, secret: &[u8]) -> Result<()> {
        if self.conn.set_known(&self.service, &self.user, secret) {
            return Ok(());
        }
        self.conn.with(|ss| {
            // Replacing the secret of an existing item is two calls; creating one is four.
            let found = ss.search_items(self.attributes()).map_err(platform)?;
            if let Some(item) = found.unlocked.first() {
                return item.set_secret(secret, "text/plain").map_err(platform);
            }
            let collection = match ss.get_default_collection() {
                Ok(collection) => collection,
                Err(secret_service::Error::NoResult) => {
                    return Err(Error::NoStorageAccess(
                        "the Secret Service has no default keyring yet; create one (for example with Seahorse) or unlock the login keyring".into(),
                    ));
                }
                Err(e) => return Err(platform(e)),
            };
            if collection.is_locked().map_err(platform)? {
                // Opens the desktop's unlock prompt; without one this fails at once.
                collection.unlock().map_err(platform)?;
            }
            // `replace: true` overwrites an item with the same attributes.
            collection
                .create_item(&self.label, self.attributes(), secret, true, "text/plain")
                .map_err(platform)?;
            Ok(())
        })
    }

    fn get_secret(&self) -> Result<Vec<u8>> {
        // Two round trips (search and session at once, then GetSecrets) instead of the crate's three.
        // `None`: the item is locked, and the crate's path below unlocks it.
        if let Some(mut found) = self
            .conn
            .get_many(&self.service, std::slice::from_ref(&self.user))?
        {
            return found.pop().flatten().ok_or(Error::NoEntry);
        }
        self.conn.with(|ss| {
            let found = ss.search_items(self.attributes()).map_err(platform)?;
            if let Some(item) = found.unlocked.first() {
                return item.get_secret().map_err(platform);
            }
            match found.locked.first() {
                Some(item) => {
                    item.unlock().map_err(platform)?;
                    item.get_secret().map_err(platform)
                }
                None => Err(Error::NoEntry),
            }
        })
    }

    fn delete_credential(&self) -> Result<()> {
        self.conn.forget_path(&self.service, &self.user);
        self.conn.with(|ss| {
            let found = ss.search_items(self.attributes()).map_err(platform)?;
            if found.unlocked.is_empty() && found.locked.is_empty() {
                return Err(Error::NoEntry);
            }
            for item in found.locked.iter() {
                item.unlock().map_err(platform)?;
            }
            for item in found.unlocked.iter().chain(found.locked.iter()) {
                item.delete().map_err(platform)?;
            }
            Ok(())
        })
    }

    fn get_credential(&self) -> Result<Option<Arc<Credential>>> {
        self.get_secret().map(|_| None)
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        Some((self.service.clone(), self.user.clone()))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn debug_fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret: only where it lives.
        write!(f, "SecretServiceItem({}/{})", self.service, self.user)
    }
}
