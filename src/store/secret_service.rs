//! A keyring-core store for the freedesktop Secret Service (gnome-keyring, KeePassXC) on Linux.
//!
//! Why not `zbus-secret-service-keyring-store`: it always opens a Diffie-Hellman session, which
//! costs about 4 ms per process (measured: 6.7 ms vs 2.8 ms for connect + search + read). That is
//! most of `sfkey token`'s budget. The DH session only hides secrets from other processes of the
//! same user on the session bus, which could ask the Secret Service for them anyway; gh
//! (go-keyring) and aws-vault use plain sessions for the same reason.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use keyring_core::api::{Credential, CredentialApi, CredentialStoreApi};
use keyring_core::{Entry, Error, Result};
use secret_service::EncryptionType;
use secret_service::blocking::SecretService;
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

/// Items carry these attributes, as keyring's own Secret Service stores do, so entries stay
/// readable by other keyring-based tools and `secret-tool lookup service sfkey username ...`.
const SERVICE_ATTR: &str = "service";
const USER_ATTR: &str = "username";

/// The Secret Service over one plain-session connection, shared by every entry.
pub struct PlainSecretService {
    conn: Arc<Connection>,
    // The daemon's unique bus name when we connected: another one means it restarted.
    owner: Option<String>,
}

struct Connection {
    bus: zbus::blocking::Connection,
    // The secret-service crate's client, opened on first use: reads go through `get_many`
    // instead, and so skip the crate's own OpenSession round trip.
    ss: Mutex<Option<SecretService<'static>>>,
    // A plain session of our own for GetSecrets (the crate keeps its session's path private).
    session: Mutex<Option<OwnedObjectPath>>,
}

impl Connection {
    fn with<T>(&self, op: impl FnOnce(&SecretService<'static>) -> Result<T>) -> Result<T> {
        let mut slot = self.ss.lock().unwrap_or_else(|p| p.into_inner());
        let ss = match slot.take() {
            Some(ss) => ss,
            None => SecretService::connect_with_existing(EncryptionType::Plain, self.bus.clone())
                .map_err(platform)?,
        };
        let result = op(&ss);
        *slot = Some(ss);
        result
    }

    /// The secrets of several users of `service` in two round trips: every SearchItems (and
    /// opening our session, the first time) sent at once, then one GetSecrets for every item
    /// found. `None` when an item is locked: the one-by-one path unlocks it.
    fn get_many(&self, service: &str, users: &[String]) -> Result<Option<Vec<Option<Vec<u8>>>>> {
        let bus = self.bus.inner();
        zbus::block_on(async {
            let searches = users.iter().map(|user| async move {
                let attributes =
                    HashMap::from([(SERVICE_ATTR, service), (USER_ATTR, user.as_str())]);
                let reply = bus
                    .call_method(
                        Some(SERVICE_NAME),
                        SERVICE_PATH,
                        Some(SERVICE_IFACE),
                        "SearchItems",
                        &(attributes,),
                    )
                    .await?;
                reply
                    .body()
                    .deserialize::<(Vec<OwnedObjectPath>, Vec<OwnedObjectPath>)>()
            });
            let (found, session) =
                futures_util::join!(futures_util::future::join_all(searches), self.session());
            let session = session?;
            let mut paths = Vec::with_capacity(users.len());
            for result in found {
                let (unlocked, locked) = result.map_err(zbus_error)?;
                match unlocked.into_iter().next() {
                    Some(path) => paths.push(Some(path)),
                    None if !locked.is_empty() => return Ok(None),
                    None => paths.push(None),
                }
            }
            let wanted: Vec<ObjectPath<'_>> = paths.iter().flatten().map(|p| p.as_ref()).collect();
            if wanted.is_empty() {
                return Ok(Some(vec![None; users.len()]));
            }
            let reply = bus
                .call_method(
                    Some(SERVICE_NAME),
                    SERVICE_PATH,
                    Some(SERVICE_IFACE),
                    "GetSecrets",
                    &(wanted, session.as_ref()),
                )
                .await
                .map_err(zbus_error)?;
            // Each secret: (session, parameters, value, content type).
            type Secrets = HashMap<OwnedObjectPath, (OwnedObjectPath, Vec<u8>, Vec<u8>, String)>;
            let mut secrets: Secrets = reply.body().deserialize().map_err(zbus_error)?;
            Ok(Some(
                paths
                    .iter()
                    .map(|path| path.as_ref().and_then(|p| secrets.remove(p)).map(|s| s.2))
                    .collect(),
            ))
        })
    }

    /// Our plain session's path, opened on first use.
    async fn session(&self) -> Result<OwnedObjectPath> {
        if let Some(path) = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Ok(path);
        }
        let reply = self
            .bus
            .inner()
            .call_method(
                Some(SERVICE_NAME),
                SERVICE_PATH,
                Some(SERVICE_IFACE),
                "OpenSession",
                &("plain", Value::from("")),
            )
            .await
            .map_err(zbus_error)?;
        let (_, path): (OwnedValue, OwnedObjectPath) =
            reply.body().deserialize().map_err(zbus_error)?;
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(path.clone());
        Ok(path)
    }
}

impl PlainSecretService {
    /// Connects to the session bus's Secret Service.
    pub fn connect() -> Result<Arc<Self>> {
        let bus = zbus::blocking::Connection::session().map_err(connection_error)?;
        let owner = service_owner(&bus).or_else(|| {
            // Not running yet: D-Bus starts it on the first call; ask for that now, so the
            // owner recorded is the daemon this store will talk to.
            let _ = bus.call_method(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                Some("org.freedesktop.DBus"),
                "StartServiceByName",
                &(SERVICE_NAME, 0u32),
            );
            service_owner(&bus)
        });
        Ok(Arc::new(Self {
            conn: Arc::new(Connection {
                bus,
                ss: Mutex::new(None),
                session: Mutex::new(None),
            }),
            owner,
        }))
    }

    /// Whether the Secret Service is no longer the daemon this store connected to (it
    /// restarted or stopped): then its session is gone and every call fails until we reconnect.
    pub fn restarted(&self) -> bool {
        service_owner(&self.conn.bus) != self.owner
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
