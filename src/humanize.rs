//! Short human renderings shared by the CLI and the TUI: ages like `2m ago`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// `just now`, `42s ago`, `5m ago`, `3h ago`, `2d ago`.
pub fn ago(then_ms: u64, now_ms: u64) -> String {
    let secs = now_ms.saturating_sub(then_ms) / 1000;
    match secs {
        0..=4 => "just now".into(),
        5..=59 => format!("{secs}s ago"),
        60..=3599 => format!("{}m ago", secs / 60),
        3600..=86_399 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86_400),
    }
}

/// A latency in milliseconds: `0.7 ms` under 10 ms, `84 ms` above.
pub fn millis(duration: std::time::Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies() {
        use std::time::Duration;
        assert_eq!(millis(Duration::from_micros(650)), "0.7 ms");
        assert_eq!(millis(Duration::from_millis(84)), "84 ms");
    }

    #[test]
    fn ages() {
        let now = 10_000_000_000;
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - 42_000, now), "42s ago");
        assert_eq!(ago(now - 125_000, now), "2m ago");
        assert_eq!(ago(now - 3 * 3_600_000, now), "3h ago");
        assert_eq!(ago(now - 49 * 3_600_000, now), "2d ago");
        assert_eq!(ago(now + 5_000, now), "just now");
    }
}
