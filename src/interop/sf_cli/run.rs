//! Running the `sf` binary: stdin closed, a time limit, its auto-update off, and its failure
//! said in words.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::super::InputError;
use super::json_of;

/// How long one `sf` call may take: it starts Node and may read the OS keychain.
const SF_TIMEOUT: Duration = Duration::from_secs(90);

/// Runs `sf ARGS`, stdin closed, and returns (stdout, stderr) once it exits; a missing `sf`
/// and a hang are errors.
pub(super) fn run_sf(args: &[&str]) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), InputError> {
    let shown = format!("sf {}", args.join(" "));
    let mut child = Command::new("sf")
        .args(args)
        .env("SF_DISABLE_AUTOUPDATE", "true")
        .env("SF_DISABLE_TELEMETRY", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            let problem = if e.kind() == std::io::ErrorKind::NotFound {
                "the Salesforce CLI (sf) is not on PATH; install it (npm install -g @salesforce/cli) or import an auth URL instead".to_string()
            } else {
                format!("cannot start sf: {e}")
            };
            InputError::new("sf", "PATH", problem)
        })?;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    // Read both pipes meanwhile, so a chatty sf never blocks on a full pipe.
    let out_reader = std::thread::spawn(move || {
        let mut buf = Zeroizing::new(Vec::new());
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_end(&mut buf);
        }
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > SF_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(InputError::new(
                    &shown,
                    "time",
                    format!(
                        "sf did not finish within {} s (a keychain prompt?); run it yourself to see why",
                        SF_TIMEOUT.as_secs()
                    ),
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(InputError::new(&shown, "process", e.to_string())),
        }
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    // A failure sf explains in JSON is read by the callers; a crash explains nothing there.
    if !status.success() && json_of(&stdout, &stderr).is_none() {
        return Err(InputError::new(
            &shown,
            "exit status",
            format!(
                "sf {} without an answer{}; run `{shown}` yourself to see all of it",
                exit_words(status),
                first_error_line(&stderr)
                    .map(|line| format!(" ({line})"))
                    .unwrap_or_default()
            ),
        ));
    }
    Ok((stdout, stderr))
}

/// `exited with status 3`, `was killed by signal 9`.
fn exit_words(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "failed".into(),
    }
}

/// The line of sf's stderr that names the error (`TypeError: ...`), else its first line;
/// made printable, cut short, and never one that holds an auth URL.
fn first_error_line(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("force://"))
        .collect();
    let line = lines
        .iter()
        .find(|l| l.contains("Error"))
        .or(lines.first())?;
    let short: String = line.chars().take(200).collect();
    Some(crate::escape::escape(&short))
}
