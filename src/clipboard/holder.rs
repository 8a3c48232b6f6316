//! The holder process. On X11 the clipboard's text lives in the process that owns it, so sfkey
//! starts `sfkey clipboard-hold`, which takes the text on stdin, owns the clipboard, says `ok`,
//! and serves the text until another program takes the clipboard (or the clear-after time
//! passes), even after sfkey exits. On macOS and Windows the system keeps the text; the holder
//! there only waits for the clear-after time and then clears the clipboard if it still holds it.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{ClipboardError, HOLD_SUBCOMMAND, MAX_COPY_BYTES};

/// How long `copy` waits for the holder's `ok`.
pub(super) const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// Starts a holder for `text` on `display` (X11; `None` on macOS and Windows) and waits for its
/// `ok`; the child is returned running.
pub(super) fn start(
    program: &Path,
    display: Option<&OsStr>,
    clear_after: Duration,
    text: &SecretString,
) -> Result<Child, ClipboardError> {
    let mut command = Command::new(program);
    command
        .arg(HOLD_SUBCOMMAND)
        .arg("--clear-after")
        .arg(clear_after.as_secs().max(1).to_string());
    if let Some(display) = display {
        // Exactly the display this clipboard was built for; the text goes on stdin only.
        command
            .env("DISPLAY", display)
            .env_remove("WAYLAND_DISPLAY");
    }
    command
        // So a long-lived holder keeps no directory busy.
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        // Its own process group: Ctrl-C in the TUI's terminal and a hang-up do not reach it.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    #[cfg(windows)]
    {
        // No console window of its own, and Ctrl-C or closing sfkey's console does not reach it.
        use std::os::windows::process::CommandExt;
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        command.creation_flags(CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW);
    }
    let mut child = command.spawn().map_err(ClipboardError::Holder)?;
    match handshake(&mut child, text) {
        Ok(()) => Ok(child),
        Err(err) => {
            // Ours to end: it failed or did not answer in time.
            let _ = child.kill();
            let _ = child.wait();
            Err(err)
        }
    }
}

/// Writes the text to the holder and reads its answer line, within [`ANSWER_TIMEOUT`].
fn handshake(child: &mut Child, text: &SecretString) -> Result<(), ClipboardError> {
    let missing = || ClipboardError::Holder(std::io::Error::other("no pipe to the holder"));
    let mut stdin = child.stdin.take().ok_or_else(missing)?;
    let stdout = child.stdout.take().ok_or_else(missing)?;
    let (answer_tx, answer_rx) = mpsc::channel();
    // A thread reads, so a holder that never answers cannot block us past the timeout; it ends
    // when the holder exits or is killed.
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout.take(4096))
            .read_line(&mut line)
            .map(|_| line);
        let _ = answer_tx.send(read);
    });
    // MAX_COPY_BYTES is below the pipe buffer, so this never blocks; closing stdin ends the text.
    let written = stdin.write_all(text.expose_secret().as_bytes());
    drop(stdin);
    let line = match answer_rx.recv_timeout(ANSWER_TIMEOUT) {
        Ok(read) => read.map_err(ClipboardError::Holder)?,
        Err(mpsc::RecvTimeoutError::Timeout) => return Err(ClipboardError::Timeout),
        Err(mpsc::RecvTimeoutError::Disconnected) => String::new(),
    };
    let line = line.trim_end();
    if line == "ok" {
        // It cannot have read all of the text if the write failed.
        return written.map_err(ClipboardError::Holder);
    }
    Err(ClipboardError::Native(match line.strip_prefix("error: ") {
        Some(message) => message.to_string(),
        None if line.is_empty() => "the holder exited without an answer".to_string(),
        None => "the holder answered something unexpected".to_string(),
    }))
}

/// The hidden `sfkey clipboard-hold`: reads the text from stdin, owns the clipboard, prints `ok`
/// (or `error: ...`, never with the text) and keeps the text until another program copies or
/// `clear_after` passes.
pub fn hold(clear_after: Duration) -> ExitCode {
    let mut stdout = std::io::stdout();
    // x11rb panics on some odd DISPLAY values (":65000" overflows its TCP port); answer anyway.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_text().and_then(|text| serve(&text, clear_after, &mut stdout))
    }))
    .unwrap_or_else(|_| Err("the X11 library failed on this DISPLAY value".to_string()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::warn!("clipboard holder: {message}");
            // The parent may have gone; nothing else to tell.
            let _ = writeln!(stdout, "error: {message}");
            let _ = stdout.flush();
            ExitCode::FAILURE
        }
    }
}

/// The text on stdin, all of it; no trimming, it is copied as given.
fn read_text() -> Result<SecretString, String> {
    let mut bytes = Vec::with_capacity(4096);
    std::io::stdin()
        .lock()
        .take(MAX_COPY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the text from stdin: {e}"))?;
    if bytes.len() > MAX_COPY_BYTES {
        return Err(format!("the text is longer than {MAX_COPY_BYTES} bytes"));
    }
    String::from_utf8(bytes)
        .map(SecretString::from)
        .map_err(|_| "the text is not UTF-8".to_string())
}

#[cfg(target_os = "linux")]
fn serve(text: &SecretString, clear_after: Duration, out: &mut impl Write) -> Result<(), String> {
    use arboard::SetExtLinux;

    let mut clipboard =
        arboard::Clipboard::new().map_err(|e| format!("cannot open the X11 clipboard: {e}"))?;
    // Set once without waiting, so we can answer before holding.
    clipboard
        .set()
        .exclude_from_history()
        .text(text.expose_secret())
        .map_err(|e| format!("cannot set the clipboard: {e}"))?;
    // Setting ownership is asynchronous in X11; reading back asks the server who owns it.
    let back = zeroize::Zeroizing::new(
        clipboard
            .get_text()
            .map_err(|e| format!("cannot read the clipboard back: {e}"))?,
    );
    if back.as_str() != text.expose_secret() {
        return Err("another program took the clipboard at once".to_string());
    }
    writeln!(out, "ok")
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot answer sfkey: {e}"))?;
    // The same text again, now waiting: arboard re-asserts ownership (harmless, we own it) and
    // returns once another program owns the clipboard, or at the deadline. Dropping the
    // clipboard then hands nothing to a clipboard manager: the text is excluded from history.
    let set = clipboard.set();
    let set = match std::time::Instant::now().checked_add(clear_after) {
        Some(deadline) => set.wait_until(deadline),
        None => set.wait(),
    };
    set.exclude_from_history()
        .text(text.expose_secret())
        .map_err(|e| format!("cannot hold the clipboard: {e}"))
}

/// macOS and Windows: the system keeps the text after we exit, so set it, answer, and come back
/// only to clear it at the deadline if it is still ours (one read, no polling: macOS may tell the
/// user about every programmatic read of the clipboard).
#[cfg(any(target_os = "macos", windows))]
fn serve(text: &SecretString, clear_after: Duration, out: &mut impl Write) -> Result<(), String> {
    let mut clipboard =
        arboard::Clipboard::new().map_err(|e| format!("cannot open the clipboard: {e}"))?;
    let set = clipboard.set();
    #[cfg(target_os = "macos")]
    let set = arboard::SetExtApple::exclude_from_history(set);
    #[cfg(windows)]
    let set = arboard::SetExtWindows::exclude_from_cloud(
        arboard::SetExtWindows::exclude_from_history(set),
    );
    set.text(text.expose_secret())
        .map_err(|e| format!("cannot set the clipboard: {e}"))?;
    writeln!(out, "ok")
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot answer sfkey: {e}"))?;
    drop(clipboard);
    std::thread::sleep(clear_after);
    let mut clipboard =
        arboard::Clipboard::new().map_err(|e| format!("cannot open the clipboard: {e}"))?;
    let now = zeroize::Zeroizing::new(clipboard.get_text().unwrap_or_default());
    if now.as_str() == text.expose_secret() {
        clipboard
            .clear()
            .map_err(|e| format!("cannot clear the clipboard: {e}"))?;
    }
    Ok(())
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn serve(
    _text: &SecretString,
    _clear_after: Duration,
    _out: &mut impl Write,
) -> Result<(), String> {
    Err("sfkey has no native clipboard on this OS".to_string())
}
