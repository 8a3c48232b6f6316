//! Unit tests of `clipboard`.

use std::collections::HashMap;

use super::*;

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
    let map: HashMap<String, OsString> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    move |name| map.get(name).cloned()
}

fn displays(vars: &[(&str, &str)]) -> Displays {
    Displays::from_lookup(&lookup(vars))
}

#[test]
fn osc52_bytes_are_exact() {
    assert_eq!(osc52_sequence("hello"), "\x1b]52;c;aGVsbG8=\x07");
    assert_eq!(
        osc52_sequence("00D!AR.x").as_bytes(),
        b"\x1b\x5d52;c;MDBEIUFSLng=\x07"
    );
    assert_eq!(osc52_sequence(""), "\x1b]52;c;\x07");
}

#[test]
fn osc52_matches_crossterm_but_for_the_terminator() {
    use crossterm::Command;
    let text = "00Dxx0000001gPL!AR8AQJXg.token/with+chars";
    let mut crossterm = String::new();
    crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
        .write_ansi(&mut crossterm)
        .expect("crossterm writes");
    let ours = osc52_sequence(text);
    assert_eq!(
        ours.strip_suffix('\x07'),
        crossterm.strip_suffix("\x1b\\"),
        "same payload"
    );
}

#[test]
fn modes_parse() {
    for (text, mode) in [
        ("auto", ClipboardMode::Auto),
        ("", ClipboardMode::Auto),
        ("native", ClipboardMode::Native),
        (" Native ", ClipboardMode::Native),
        ("osc52", ClipboardMode::Osc52),
        ("OSC52", ClipboardMode::Osc52),
    ] {
        assert_eq!(text.parse::<ClipboardMode>().ok(), Some(mode), "{text:?}");
    }
    let err = "osc-52".parse::<ClipboardMode>().expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "SFKEY_CLIPBOARD must be auto, native or osc52, not \"osc-52\""
    );
    let long = "00Dxx0000001gPL!AR8AQJXg";
    let err = long.parse::<ClipboardMode>().expect_err("invalid");
    assert!(!err.to_string().contains(long), "{err}");
}

#[test]
fn from_lookup_reads_the_mode() {
    let clip = Clipboard::from_lookup(lookup(&[("SFKEY_CLIPBOARD", "osc52")])).expect("ok");
    assert_eq!(clip.mode(), ClipboardMode::Osc52);
    let clip = Clipboard::from_lookup(lookup(&[])).expect("ok");
    assert_eq!(clip.mode(), ClipboardMode::Auto);
    let err = Clipboard::from_lookup(lookup(&[("SFKEY_CLIPBOARD", "x11")])).expect_err("bad");
    assert!(matches!(err, ClipboardError::InvalidMode { .. }), "{err}");
}

#[test]
fn auto_prefers_native_with_a_display() {
    let auto = ClipboardMode::Auto;
    let x11 = displays(&[("DISPLAY", ":0")]);
    assert_eq!(route(auto, &x11).ok(), Some(Route::NativeThenOsc52));
    let wayland = displays(&[("WAYLAND_DISPLAY", "wayland-0")]);
    assert_eq!(route(auto, &wayland).ok(), Some(Route::NativeThenOsc52));
    // SSH: nothing set, or set empty.
    assert_eq!(route(auto, &displays(&[])).ok(), Some(Route::Osc52));
    let empty = displays(&[("DISPLAY", ""), ("WAYLAND_DISPLAY", "")]);
    assert_eq!(route(auto, &empty).ok(), Some(Route::Osc52));
}

#[test]
fn macos_and_windows_copy_natively_without_a_display_but_not_over_ssh() {
    let own = |vars| Displays::for_system(System::Own, &lookup(vars));
    let auto = ClipboardMode::Auto;
    assert_eq!(route(auto, &own(&[])).ok(), Some(Route::NativeThenOsc52));
    let ssh = own(&[("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22")]);
    assert_eq!(route(auto, &ssh).ok(), Some(Route::Osc52));
    let native = ClipboardMode::Native;
    assert_eq!(route(native, &own(&[])).ok(), Some(Route::Native));
    let none = Displays::for_system(System::None, &lookup(&[("DISPLAY", ":0")]));
    assert_eq!(route(auto, &none).ok(), Some(Route::Osc52));
    let err = route(native, &none).expect_err("no native clipboard");
    assert!(
        err.to_string().contains("no native clipboard on this OS"),
        "{err}"
    );
}

#[test]
fn explicit_modes_do_not_fall_back() {
    let x11 = displays(&[("DISPLAY", ":0")]);
    assert_eq!(route(ClipboardMode::Native, &x11).ok(), Some(Route::Native));
    assert_eq!(route(ClipboardMode::Osc52, &x11).ok(), Some(Route::Osc52));
    let err = route(ClipboardMode::Native, &displays(&[])).expect_err("no display");
    assert_eq!(
        err.to_string(),
        "no X11 display for the native clipboard (DISPLAY is not set); set SFKEY_CLIPBOARD=osc52 to copy through the terminal"
    );
    let wayland = displays(&[("WAYLAND_DISPLAY", "wayland-0")]);
    let err = route(ClipboardMode::Native, &wayland).expect_err("no x11");
    assert!(err.to_string().contains("XWayland"), "{err}");
}

#[test]
fn osc52_mode_copies_without_a_display() {
    let clip = Clipboard::from_lookup(lookup(&[("SFKEY_CLIPBOARD", "osc52"), ("DISPLAY", ":0")]))
        .expect("ok");
    let copied = clip.copy(&SecretString::from("tok")).expect("copied");
    assert_eq!(copied, Copied::Osc52("\x1b]52;c;dG9r\x07".into()));
    assert_eq!(format!("{copied:?}"), "Osc52(<12 bytes>)");
}

#[test]
fn auto_without_a_display_copies_with_osc52() {
    let clip = Clipboard::from_lookup(lookup(&[])).expect("ok");
    let copied = clip
        .copy(&SecretString::from("TESTSECRET-tok"))
        .expect("copied");
    assert_eq!(copied, Copied::Osc52(osc52_sequence("TESTSECRET-tok")));
}

#[test]
fn too_long_texts_are_refused() {
    let clip = Clipboard::with_mode(ClipboardMode::Osc52);
    let text = SecretString::from("x".repeat(MAX_COPY_BYTES + 1));
    let err = clip.copy(&text).expect_err("too long");
    assert!(matches!(err, ClipboardError::TooLong { .. }), "{err}");
}

#[test]
fn a_missing_holder_program_is_an_error_in_native_mode_and_osc52_in_auto() {
    let vars = [("DISPLAY", ":0"), ("SFKEY_CLIPBOARD", "native")];
    let clip = Clipboard::from_lookup(lookup(&vars))
        .expect("ok")
        .with_holder_program("/nonexistent/sfkey");
    let err = clip
        .copy(&SecretString::from("TESTSECRET-tok"))
        .expect_err("no holder");
    assert!(matches!(err, ClipboardError::Holder(_)), "{err}");
    assert!(!err.to_string().contains("TESTSECRET"), "{err}");
    let clip = Clipboard::from_lookup(lookup(&[("DISPLAY", ":0")]))
        .expect("ok")
        .with_holder_program("/nonexistent/sfkey");
    let copied = clip
        .copy(&SecretString::from("TESTSECRET-tok"))
        .expect("fell back");
    assert_eq!(copied, Copied::Osc52(osc52_sequence("TESTSECRET-tok")));
}

#[test]
fn memory_clipboard_records_copies() {
    let clip = MemoryClipboard::default();
    clip.copy(&SecretString::from("one")).expect("copied");
    let copies: Vec<String> = clip
        .copies()
        .iter()
        .map(|s| s.expose_secret().to_string())
        .collect();
    assert_eq!(copies, ["one"]);
}
