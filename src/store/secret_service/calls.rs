//! The Secret Service calls sfkey makes itself, through its own plain session, instead of the
//! secret-service crate's: they batch or skip round trips the crate's API cannot.

use std::collections::HashMap;
use std::time::Instant;

use keyring_core::Result;
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

use super::{
    Connection, FOUND_FAST, ITEM_IFACE, KNOWN_PATH_TTL, SERVICE_ATTR, SERVICE_IFACE, SERVICE_NAME,
    SERVICE_PATH, USER_ATTR, lock, zbus_error,
};

impl Connection {
    /// The secrets of several users of `service` in two round trips: every SearchItems (and
    /// opening our session, the first time) sent at once, then one GetSecrets for every item
    /// found. `None` when an item is locked: the one-by-one path unlocks it.
    pub(super) fn get_many(
        &self,
        service: &str,
        users: &[String],
    ) -> Result<Option<Vec<Option<Vec<u8>>>>> {
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
                self.note_owner(&reply);
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
            self.remember(service, users, &paths);
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

    /// Records who answered, the first time: the daemon this connection's session lives in.
    fn note_owner(&self, reply: &zbus::Message) {
        let mut owner = lock(&self.owner);
        if owner.is_none() {
            *owner = reply.header().sender().map(|s| s.to_string());
        }
    }

    /// Remembers where a read found each user's item (or that it found none).
    fn remember(&self, service: &str, users: &[String], paths: &[Option<OwnedObjectPath>]) {
        let now = Instant::now();
        let mut known = lock(&self.known);
        for (user, path) in users.iter().zip(paths) {
            let key = (service.to_string(), user.clone());
            match path {
                Some(path) => known.insert(key, (path.clone(), now)),
                None => known.remove(&key),
            };
        }
    }

    /// The path a recent read found for this item, if it is still fresh; reads through the
    /// fast path count too.
    fn known_path(&self, service: &str, user: &str) -> Option<OwnedObjectPath> {
        let key = (service.to_string(), user.to_string());
        let mut known = lock(&self.known);
        for (key, path, at) in lock(&FOUND_FAST).drain(..) {
            match path {
                Some(path) => known.insert(key, (path, at)),
                None => known.remove(&key),
            };
        }
        match known.get(&key) {
            Some((path, at)) if at.elapsed() < KNOWN_PATH_TTL => Some(path.clone()),
            Some(_) => {
                known.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Forgets the path of an item (deleted, or a write through it failed).
    pub(super) fn forget_path(&self, service: &str, user: &str) {
        lock(&self.known).remove(&(service.to_string(), user.to_string()));
    }

    /// Replaces the secret of an item a recent read found, in one round trip through our own
    /// session. `false` when no path is known or the write failed (the item was deleted or
    /// locked meanwhile): the caller then takes the searching path, which reports real errors.
    pub(super) fn set_known(&self, service: &str, user: &str, secret: &[u8]) -> bool {
        let Some(path) = self.known_path(service, user) else {
            return false;
        };
        let done = zbus::block_on(async {
            let session = self.session().await?;
            // The Secret struct (oayays): session, parameters (none for plain), value, content type.
            let value = (session.as_ref(), &[] as &[u8], secret, "text/plain");
            self.bus
                .inner()
                .call_method(
                    Some(SERVICE_NAME),
                    path.as_ref(),
                    Some(ITEM_IFACE),
                    "SetSecret",
                    &(value,),
                )
                .await
                .map_err(zbus_error)
        });
        if done.is_err() {
            self.forget_path(service, user);
        }
        done.is_ok()
    }

    /// Our plain session's path, opened on first use.
    async fn session(&self) -> Result<OwnedObjectPath> {
        if let Some(path) = lock(&self.session).clone() {
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
        self.note_owner(&reply);
        let (_, path): (OwnedValue, OwnedObjectPath) =
            reply.body().deserialize().map_err(zbus_error)?;
        *lock(&self.session) = Some(path.clone());
        Ok(path)
    }
}
