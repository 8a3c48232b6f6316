use super::codec::{self, METHOD_RETURN, SIGNAL};
use super::*;

fn unhex(hex: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0))
            .collect(),
    )
}

fn parsed(bytes: Vec<u8>) -> codec::Message {
    assert_eq!(codec::message_size(&bytes), Ok(Some(bytes.len())));
    codec::parse(Zeroizing::new(bytes)).expect("a well-formed message")
}

/// gnome-keyring's answer to a GetSecrets of two items, read off the wire by this client.
const GET_SECRETS_REPLY: &str = "6c02010113010000180000003d00000006017300040000003a312e3500000000080167000c617b6f286f6179617973297d00000000000000050175000700000007017300040000003a312e31000000000b010000000000002b0000002f6f72672f667265656465736b746f702f736563726574732f636f6c6c656374696f6e2f6c6f67696e2f3100230000002f6f72672f667265656465736b746f702f736563726574732f73657373696f6e2f733200000000001100000072742d544553545345435245542d616c6c0000000a000000746578742f706c61696e0000000000002b0000002f6f72672f667265656465736b746f702f736563726574732f636f6c6c656374696f6e2f6c6f67696e2f3200230000002f6f72672f667265656465736b746f702f736563726574732f73657373696f6e2f733200000000001100000061742d544553545345435245542d616c6c0000000a000000746578742f706c61696e00";

/// The bus's NameAcquired signal after Hello, as dbus-daemon sent it.
const NAME_ACQUIRED: &str = "6c04010109000000020000008d00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e4442757300000000030173000c0000004e616d6541637175697265640000000006017300040000003a312e3500000000080167000173000007017300140000006f72672e667265656465736b746f702e4442757300000000040000003a312e3500";

/// OpenSession's answer: an empty output, then the session path.
const OPEN_SESSION_REPLY: &str = "6c02010134000000130000002d00000006017300040000003a312e35000000000801670002766f00050175000200000007017300040000003a312e3100000000017300000000000000000000230000002f6f72672f667265656465736b746f702f736563726574732f73657373696f6e2f733200";

/// SearchItems' answer: one unlocked item, none locked.
const SEARCH_REPLY: &str = "6c02010138000000150000003500000006017300040000003a312e35000000000801670004616f616f00000000000000050175000400000007017300040000003a312e3100000000300000002b0000002f6f72672f667265656465736b746f702f736563726574732f636f6c6c656374696f6e2f6c6f67696e2f310000000000";

#[test]
fn a_captured_get_secrets_reply_decodes_to_each_items_value() {
    let message = codec::parse(unhex(GET_SECRETS_REPLY)).expect("gnome-keyring's reply");
    assert_eq!((message.kind, message.reply_serial), (METHOD_RETURN, 7));
    let secrets = codec::secrets(message.body()).expect("a{o(oayays)}");
    let got: Vec<(&str, &[u8])> = secrets
        .iter()
        .map(|(path, value)| (path.as_str(), value.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "/org/freedesktop/secrets/collection/login/1",
                &b"rt-TESTSECRET-all"[..]
            ),
            (
                "/org/freedesktop/secrets/collection/login/2",
                &b"at-TESTSECRET-all"[..]
            ),
        ]
    );
}

#[test]
fn captured_handshake_replies_decode() {
    let signal = codec::parse(unhex(NAME_ACQUIRED)).expect("a signal");
    assert_eq!((signal.kind, signal.reply_serial), (SIGNAL, 0));
    let session = codec::parse(unhex(OPEN_SESSION_REPLY)).expect("a reply");
    assert_eq!(session.reply_serial, 2);
    assert_eq!(
        codec::session_path(session.body()).as_deref(),
        Ok("/org/freedesktop/secrets/session/s2")
    );
    let search = codec::parse(unhex(SEARCH_REPLY)).expect("a reply");
    let (unlocked, locked) = codec::search_result(search.body()).expect("aoao");
    assert_eq!(unlocked, ["/org/freedesktop/secrets/collection/login/1"]);
    assert!(locked.is_empty());
    // A decoder never accepts another signature's body.
    assert_eq!(codec::secrets(search.body()).err(), Some(GiveUp::Fallback));
}

/// The body of a whole message, found from its header's body length.
fn body_of(message: &[u8]) -> &[u8] {
    let len = u32::from_le_bytes([message[4], message[5], message[6], message[7]]) as usize;
    &message[message.len() - len..]
}

#[test]
fn encoded_calls_decode_back_with_their_header_and_aligned_body() {
    let sent = codec::search_items(9, "s", "u");
    // Little-endian, method call, no flags, version 1; then the serial.
    assert_eq!(&sent[..4], &[b'l', 1, 0, 1]);
    assert_eq!(&sent[8..12], &9u32.to_le_bytes());
    let message = parsed(sent.clone());
    assert_eq!((message.kind, message.reply_serial), (1, 0));
    assert_eq!(message.signature, "a{ss}");
    // a{ss}: the length (46) excludes the padding to the first 8-aligned entry; each entry
    // starts 8-aligned, each string 4-aligned, and ends with a NUL.
    let mut want = vec![46, 0, 0, 0, 0, 0, 0, 0];
    want.extend(b"\x07\0\0\0service\0\x01\0\0\0s\0\0\0\0\0\0\0");
    want.extend(b"\x08\0\0\0username\0\0\0\0\x01\0\0\0u\0");
    assert_eq!(body_of(&sent), want.as_slice());

    let sent = codec::get_secrets(4, &["/a"], "/s");
    assert_eq!(parsed(sent.clone()).signature, "aoo");
    assert_eq!(body_of(&sent), b"\x07\0\0\0\x02\0\0\0/a\0\0\x02\0\0\0/s\0");

    let sent = codec::open_session(2);
    assert_eq!(parsed(sent.clone()).signature, "sv");
    // The variant: its signature "s" (1-aligned), then 3 bytes to align the empty string.
    assert_eq!(body_of(&sent), b"\x05\0\0\0plain\0\x01s\0\0\0\0\0\0\0\0\0");

    let hello = parsed(codec::hello(1));
    assert_eq!(hello.signature, "");
    assert!(body_of(&codec::hello(1)).is_empty());
}

#[test]
fn truncated_or_corrupt_messages_fall_back_without_panicking() {
    let whole = unhex(GET_SECRETS_REPLY);
    for cut in [0, 15, 16, 40, whole.len() - 1] {
        assert!(codec::parse(Zeroizing::new(whole[..cut].to_vec())).is_err());
    }
    let mut corrupt = whole.to_vec();
    // The first item's value length, far past the end.
    let at = whole.len() - 200;
    corrupt[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    if let Ok(message) = codec::parse(Zeroizing::new(corrupt)) {
        assert!(codec::secrets(message.body()).is_err());
    }
    let mut big_endian = whole.to_vec();
    big_endian[0] = b'B';
    assert_eq!(codec::message_size(&big_endian), Err(GiveUp::Fallback));
}

#[test]
fn only_plain_unix_socket_addresses_are_taken() {
    assert_eq!(
        socket_of("unix:path=/run/user/1000/bus"),
        Some(Socket::Path("/run/user/1000/bus".into()))
    );
    assert_eq!(
        socket_of("unix:abstract=/tmp/dbus-x,guid=00ff;tcp:host=h"),
        Some(Socket::Abstract("/tmp/dbus-x".into()))
    );
    for other in [
        "tcp:host=localhost,port=1",
        "unix:path=/tmp/a%20b",
        "unix:tmpdir=/tmp",
        "unixexec:path=/bin/true",
        "",
    ] {
        assert_eq!(socket_of(other), None, "{other}");
    }
}

#[test]
fn the_handshake_names_our_uid_in_hex_digits() {
    let uid = rustix::process::getuid().as_raw().to_string();
    let hex: String = uid.bytes().map(|b| format!("{b:02x}")).collect();
    let text = String::from_utf8(handshake()).unwrap_or_default();
    assert_eq!(text, format!("\0AUTH EXTERNAL {hex}\r\nBEGIN\r\n"));
}
