//! A tiny blocking D-Bus client for one thing: reading unlocked items, on the calling thread.
//!
//! Why not zbus here: it waits for each handshake step (AUTH, then NEGOTIATE_UNIX_FD and BEGIN,
//! then Hello) before the first call, and runs an executor and a socket-reader thread; `sfkey
//! token` then spends most of its time in four sequential round trips and three thread spawns.
//! This client writes the whole handshake, Hello, OpenSession and every SearchItems in one go
//! (the D-Bus spec allows pipelining after BEGIN; sd-bus does it), then one GetSecrets: two
//! round trips, no thread. Anything it does not expect (another bus address, an error reply,
//! a locked item) is `None`, and the caller takes the zbus path, which handles all of that.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

mod codec;
#[cfg(test)]
mod tests;

use codec::Message;

/// How many reads this process answered through this client (tests check it was taken).
static FAST_READS: AtomicU64 = AtomicU64::new(0);

/// How many reads this process answered without zbus.
pub fn fast_reads() -> u64 {
    FAST_READS.load(Ordering::SeqCst)
}

/// What one read found: per user, the item's path and its secret (`None`: no such item).
pub(crate) type Found = Vec<Option<(String, Zeroizing<Vec<u8>>)>>;

/// Why the fast read gave up.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// Something this client does not handle: the zbus path should try.
    Fallback,
    /// The bus did not answer in time: the zbus path would wait just as long.
    TimedOut,
}

/// The largest message we accept: secrets are small, and a bogus length must not allocate GBs.
const MAX_MESSAGE: usize = 1 << 20;

/// The secrets of `users` of `service`, or why not.
pub(crate) fn get_many(
    service: &str,
    users: &[String],
    timeout: Duration,
) -> Result<Found, GiveUp> {
    let deadline = Instant::now() + timeout;
    let mut bus = Bus::connect(deadline)?;
    let session_serial = 2;
    let first_search = 3;
    let mut out = handshake();
    out.extend(codec::hello(1));
    out.extend(codec::open_session(session_serial));
    for (i, user) in users.iter().enumerate() {
        out.extend(codec::search_items(first_search + i as u32, service, user));
    }
    bus.write(&out)?;
    bus.read_auth_ok()?;

    let mut session = None;
    let mut searches: Vec<Option<Option<String>>> = vec![None; users.len()];
    let mut pending = users.len() + 2;
    while pending > 0 {
        let message = bus.next_reply()?;
        let body = message.body();
        match message.reply_serial {
            1 => {}
            s if s == session_serial => session = Some(codec::session_path(body)?),
            s if s >= first_search && ((s - first_search) as usize) < users.len() => {
                let (unlocked, locked) = codec::search_result(body)?;
                if unlocked.is_empty() && !locked.is_empty() {
                    return Err(GiveUp::Fallback);
                }
                searches[(s - first_search) as usize] = Some(unlocked.into_iter().next());
            }
            _ => return Err(GiveUp::Fallback),
        }
        pending -= 1;
    }
    let session = session.ok_or(GiveUp::Fallback)?;
    let paths: Vec<Option<String>> = searches.into_iter().map(Option::flatten).collect();
    let wanted: Vec<&str> = paths.iter().flatten().map(String::as_str).collect();
    let mut secrets = Vec::new();
    if !wanted.is_empty() {
        let serial = first_search + users.len() as u32;
        bus.write(&codec::get_secrets(serial, &wanted, &session))?;
        let message = bus.next_reply()?;
        if message.reply_serial != serial {
            return Err(GiveUp::Fallback);
        }
        secrets = codec::secrets(message.body())?;
    }
    FAST_READS.fetch_add(1, Ordering::SeqCst);
    Ok(paths
        .into_iter()
        .map(|path| {
            let path = path?;
            let at = secrets.iter().position(|(p, _)| *p == path)?;
            let (_, value) = secrets.swap_remove(at);
            Some((path, value))
        })
        .collect())
}

/// `AUTH EXTERNAL` with our uid in hex of its decimal digits, then BEGIN: the server's OK is
/// read after everything is written.
fn handshake() -> Vec<u8> {
    let uid = rustix::process::getuid().as_raw().to_string();
    let hex: String = uid.bytes().map(|b| format!("{b:02x}")).collect();
    format!("\0AUTH EXTERNAL {hex}\r\nBEGIN\r\n").into_bytes()
}

/// The session bus socket, with what was read from it but not used yet.
struct Bus {
    stream: UnixStream,
    deadline: Instant,
    // Holds secrets once GetSecrets answers: wiped on drop.
    buffer: Zeroizing<Vec<u8>>,
}

impl Bus {
    /// Connects to `DBUS_SESSION_BUS_ADDRESS` when it is a plain Unix socket.
    fn connect(deadline: Instant) -> Result<Self, GiveUp> {
        let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").map_err(|_| GiveUp::Fallback)?;
        let stream = match socket_of(&address).ok_or(GiveUp::Fallback)? {
            Socket::Path(path) => UnixStream::connect(path),
            Socket::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                let name = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
                    .map_err(|_| GiveUp::Fallback)?;
                UnixStream::connect_addr(&name)
            }
        }
        .map_err(|_| GiveUp::Fallback)?;
        Ok(Self {
            stream,
            deadline,
            buffer: Zeroizing::new(Vec::with_capacity(4096)),
        })
    }

    fn left(&self) -> Result<Duration, GiveUp> {
        match self.deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(left),
            _ => Err(GiveUp::TimedOut),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), GiveUp> {
        let left = self.left()?;
        self.stream
            .set_write_timeout(Some(left))
            .map_err(|_| GiveUp::Fallback)?;
        self.stream.write_all(bytes).map_err(io_give_up)
    }

    /// Reads more bytes into the buffer, within the deadline.
    fn fill(&mut self) -> Result<(), GiveUp> {
        let left = self.left()?;
        self.stream
            .set_read_timeout(Some(left))
            .map_err(|_| GiveUp::Fallback)?;
        let mut chunk = Zeroizing::new([0u8; 4096]);
        let n = self.stream.read(&mut chunk[..]).map_err(io_give_up)?;
        if n == 0 {
            return Err(GiveUp::Fallback);
        }
        self.buffer.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// The server's `OK <guid>` line; a REJECTED or anything else means falling back.
    fn read_auth_ok(&mut self) -> Result<(), GiveUp> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                if !self.buffer.starts_with(b"OK ") {
                    return Err(GiveUp::Fallback);
                }
                self.buffer.drain(..end + 2);
                return Ok(());
            }
            if self.buffer.len() > 512 {
                return Err(GiveUp::Fallback);
            }
            self.fill()?;
        }
    }

    /// The next method return, skipping signals (NameAcquired); an error reply falls back.
    fn next_reply(&mut self) -> Result<Message, GiveUp> {
        loop {
            let size = loop {
                if let Some(size) = codec::message_size(&self.buffer)? {
                    if size > MAX_MESSAGE {
                        return Err(GiveUp::Fallback);
                    }
                    if self.buffer.len() >= size {
                        break size;
                    }
                }
                self.fill()?;
            };
            let bytes = Zeroizing::new(self.buffer.drain(..size).collect::<Vec<u8>>());
            let message = codec::parse(bytes)?;
            match message.kind {
                codec::METHOD_RETURN => return Ok(message),
                codec::SIGNAL => continue,
                _ => return Err(GiveUp::Fallback),
            }
        }
    }
}

fn io_give_up(e: std::io::Error) -> GiveUp {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => GiveUp::TimedOut,
        _ => GiveUp::Fallback,
    }
}

/// Where a bus address points.
#[derive(Debug, PartialEq, Eq)]
enum Socket {
    Path(String),
    Abstract(String),
}

/// The socket of the first address when it is `unix:path=` or `unix:abstract=` without escapes
/// (which we would have to decode): anything else is zbus's job.
fn socket_of(address: &str) -> Option<Socket> {
    let first = address.split(';').next()?;
    let keys = first.strip_prefix("unix:")?;
    let mut socket = None;
    for pair in keys.split(',') {
        let (key, value) = pair.split_once('=')?;
        if value.contains('%') {
            return None;
        }
        match key {
            "path" => socket = Some(Socket::Path(value.to_string())),
            "abstract" => socket = Some(Socket::Abstract(value.to_string())),
            "guid" => {}
            _ => return None,
        }
    }
    socket
}
