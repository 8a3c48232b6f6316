//! D-Bus marshalling for the few messages the fast read sends and receives: little-endian,
//! each value aligned to its size from the message start (8 for structs and dict entries, 4
//! for arrays and strings), a header of fixed fields then an array of (code, variant) fields.

use zeroize::Zeroizing;

use super::GiveUp;

/// Message types (D-Bus spec).
const METHOD_CALL: u8 = 1;
/// A reply.
pub(super) const METHOD_RETURN: u8 = 2;
/// A broadcast, such as NameAcquired after Hello.
pub(super) const SIGNAL: u8 = 4;

// Header field codes.
const PATH: u8 = 1;
const INTERFACE: u8 = 2;
const MEMBER: u8 = 3;
const REPLY_SERIAL: u8 = 5;
const DESTINATION: u8 = 6;
const SIGNATURE: u8 = 8;

const SECRETS: &str = "org.freedesktop.secrets";
const SECRETS_PATH: &str = "/org/freedesktop/secrets";
const SECRETS_IFACE: &str = "org.freedesktop.Secret.Service";

/// Bytes being marshalled; offsets count from the start of what is being built, which is the
/// message start or the (8-aligned) body start, so alignment comes out the same.
#[derive(Default)]
pub(super) struct Writer(pub(super) Vec<u8>);

impl Writer {
    fn pad(&mut self, align: usize) {
        while !self.0.len().is_multiple_of(align) {
            self.0.push(0);
        }
    }
    fn u32(&mut self, v: u32) {
        self.pad(4);
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
    }
    fn sig(&mut self, s: &str) {
        self.0.push(s.len() as u8);
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
    }
    /// An array: its length is patched in once `items` wrote its elements, and excludes the
    /// padding to the first element's alignment.
    fn array(&mut self, align: usize, items: impl FnOnce(&mut Self)) {
        self.u32(0);
        let at = self.0.len() - 4;
        self.pad(align);
        let start = self.0.len();
        items(self);
        let len = (self.0.len() - start) as u32;
        self.0[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }
}

/// A method call message with its body already marshalled.
pub(super) fn call(
    serial: u32,
    destination: &str,
    path: &str,
    interface: &str,
    member: &str,
    signature: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut w = Writer::default();
    w.0.extend_from_slice(&[b'l', METHOD_CALL, 0, 1]);
    w.u32(body.len() as u32);
    w.u32(serial);
    w.array(8, |w| {
        let field = |w: &mut Writer, code: u8, sig: &str, value: &str| {
            w.pad(8);
            w.0.push(code);
            w.sig(sig);
            if sig == "g" {
                w.sig(value);
            } else {
                w.str(value);
            }
        };
        field(w, PATH, "o", path);
        field(w, INTERFACE, "s", interface);
        field(w, MEMBER, "s", member);
        field(w, DESTINATION, "s", destination);
        if !signature.is_empty() {
            field(w, SIGNATURE, "g", signature);
        }
    });
    w.pad(8);
    w.0.extend_from_slice(body);
    w.0
}

/// The bus's Hello, which must come first.
pub(super) fn hello(serial: u32) -> Vec<u8> {
    let bus = "org.freedesktop.DBus";
    call(serial, bus, "/org/freedesktop/DBus", bus, "Hello", "", &[])
}

/// OpenSession("plain", <"">).
pub(super) fn open_session(serial: u32) -> Vec<u8> {
    let mut body = Writer::default();
    body.str("plain");
    body.sig("s");
    body.str("");
    secrets_call(serial, "OpenSession", "sv", &body.0)
}

/// SearchItems({service, username}).
pub(super) fn search_items(serial: u32, service: &str, user: &str) -> Vec<u8> {
    let mut body = Writer::default();
    body.array(8, |w| {
        for (key, value) in [("service", service), ("username", user)] {
            w.pad(8);
            w.str(key);
            w.str(value);
        }
    });
    secrets_call(serial, "SearchItems", "a{ss}", &body.0)
}

/// GetSecrets(items, session).
pub(super) fn get_secrets(serial: u32, items: &[&str], session: &str) -> Vec<u8> {
    let mut body = Writer::default();
    body.array(4, |w| items.iter().for_each(|item| w.str(item)));
    body.str(session);
    secrets_call(serial, "GetSecrets", "aoo", &body.0)
}

fn secrets_call(serial: u32, member: &str, signature: &str, body: &[u8]) -> Vec<u8> {
    call(
        serial,
        SECRETS,
        SECRETS_PATH,
        SECRETS_IFACE,
        member,
        signature,
        body,
    )
}

/// Reads marshalled values; any malformed input is `Fallback`, never a panic.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

const BAD: GiveUp = GiveUp::Fallback;

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }
    fn align(&mut self, align: usize) -> Result<(), GiveUp> {
        let to = self.pos.next_multiple_of(align);
        if to > self.bytes.len() {
            return Err(BAD);
        }
        self.pos = to;
        Ok(())
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], GiveUp> {
        let end = self.pos.checked_add(n).ok_or(BAD)?;
        let out = self.bytes.get(self.pos..end).ok_or(BAD)?;
        self.pos = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, GiveUp> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, GiveUp> {
        self.align(4)?;
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Bytes then a NUL, as strings, object paths and signatures end.
    fn terminated(&mut self, len: usize) -> Result<&'a [u8], GiveUp> {
        let out = self.take(len)?;
        (self.u8()? == 0).then_some(out).ok_or(BAD)
    }
    fn str(&mut self) -> Result<String, GiveUp> {
        let len = self.u32()? as usize;
        let bytes = self.terminated(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| BAD)
    }
    fn sig(&mut self) -> Result<String, GiveUp> {
        let len = self.u8()? as usize;
        let bytes = self.terminated(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| BAD)
    }
    fn bytes(&mut self) -> Result<&'a [u8], GiveUp> {
        let len = self.u32()? as usize;
        self.take(len)
    }
    /// An array's elements, each read by `item` after aligning to `align`.
    fn array(
        &mut self,
        align: usize,
        mut item: impl FnMut(&mut Self) -> Result<(), GiveUp>,
    ) -> Result<(), GiveUp> {
        let len = self.u32()? as usize;
        self.align(align)?;
        let end = self.pos.checked_add(len).ok_or(BAD)?;
        if end > self.bytes.len() {
            return Err(BAD);
        }
        while self.pos < end {
            self.align(align)?;
            item(self)?;
        }
        (self.pos == end).then_some(()).ok_or(BAD)
    }
    fn paths(&mut self) -> Result<Vec<String>, GiveUp> {
        let mut out = Vec::new();
        self.array(4, |r| {
            out.push(r.str()?);
            Ok(())
        })?;
        Ok(out)
    }
}

/// A received message; its bytes may hold secrets, so they are wiped on drop.
pub(super) struct Message {
    /// METHOD_RETURN, SIGNAL, ...
    pub(super) kind: u8,
    /// The serial of the call this answers (0 when none).
    pub(super) reply_serial: u32,
    /// The body's signature ("" for none).
    pub(super) signature: String,
    bytes: Zeroizing<Vec<u8>>,
    body_start: usize,
}

/// A message body with its signature, for the decoders below.
pub(super) struct Body<'a> {
    signature: &'a str,
    reader: Reader<'a>,
}

impl Message {
    /// Its body.
    pub(super) fn body(&self) -> Body<'_> {
        Body {
            signature: &self.signature,
            reader: Reader::new(&self.bytes[self.body_start..]),
        }
    }
}

/// The whole size of the message at the start of `buffer`, once its fixed header is there.
pub(super) fn message_size(buffer: &[u8]) -> Result<Option<usize>, GiveUp> {
    if buffer.len() < 16 {
        return Ok(None);
    }
    if buffer[0] != b'l' {
        // A big-endian bus: possible, never seen; zbus handles it.
        return Err(BAD);
    }
    let word = |at: usize| {
        u32::from_le_bytes([buffer[at], buffer[at + 1], buffer[at + 2], buffer[at + 3]]) as usize
    };
    let fields = word(12);
    let header = (16usize.checked_add(fields).ok_or(BAD)?).next_multiple_of(8);
    Ok(Some(header.checked_add(word(4)).ok_or(BAD)?))
}

/// Parses one whole message (as long as [`message_size`] said).
pub(super) fn parse(bytes: Zeroizing<Vec<u8>>) -> Result<Message, GiveUp> {
    let size = message_size(&bytes)?.ok_or(BAD)?;
    if size != bytes.len() {
        return Err(BAD);
    }
    let mut r = Reader::new(&bytes);
    r.take(1)?;
    let kind = r.u8()?;
    r.take(2)?;
    let body_len = r.u32()? as usize;
    r.u32()?;
    let (mut reply_serial, mut signature) = (0, String::new());
    r.array(8, |r| {
        let code = r.u8()?;
        match (code, r.sig()?.as_str()) {
            (REPLY_SERIAL, "u") => reply_serial = r.u32()?,
            (SIGNATURE, "g") => signature = r.sig()?,
            (_, "s" | "o") => drop(r.str()?),
            (_, "g") => drop(r.sig()?),
            (_, "u") => drop(r.u32()?),
            _ => return Err(BAD),
        }
        Ok(())
    })?;
    r.align(8)?;
    let body_start = r.pos;
    if bytes.len() - body_start != body_len {
        return Err(BAD);
    }
    Ok(Message {
        kind,
        reply_serial,
        signature,
        bytes,
        body_start,
    })
}

fn expect<'a>(body: Body<'a>, signature: &str) -> Result<Reader<'a>, GiveUp> {
    (body.signature == signature)
        .then_some(body.reader)
        .ok_or(BAD)
}

/// OpenSession's answer (v output, o session): the session's path.
pub(super) fn session_path(body: Body<'_>) -> Result<String, GiveUp> {
    let mut r = expect(body, "vo")?;
    // A plain session's output is an empty string variant.
    if r.sig()? != "s" {
        return Err(BAD);
    }
    r.str()?;
    r.str()
}

/// SearchItems' answer: the unlocked and the locked items' paths.
pub(super) fn search_result(body: Body<'_>) -> Result<(Vec<String>, Vec<String>), GiveUp> {
    let mut r = expect(body, "aoao")?;
    Ok((r.paths()?, r.paths()?))
}

/// An item's path and its secret value.
pub(super) type Secret = (String, Zeroizing<Vec<u8>>);

/// GetSecrets' answer, a{o(oayays)}: each item's path and secret value.
pub(super) fn secrets(body: Body<'_>) -> Result<Vec<Secret>, GiveUp> {
    let mut r = expect(body, "a{o(oayays)}")?;
    let mut out = Vec::new();
    r.array(8, |r| {
        let path = r.str()?;
        r.align(8)?;
        r.str()?;
        r.bytes()?;
        let value = Zeroizing::new(r.bytes()?.to_vec());
        r.str()?;
        out.push((path, value));
        Ok(())
    })?;
    Ok(out)
}
