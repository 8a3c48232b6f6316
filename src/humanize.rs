//! Short human renderings shared by the CLI and the TUI: ages like `2m ago`, local times.

use std::time::{SystemTime, UNIX_EPOCH};

use time::{OffsetDateTime, UtcOffset};

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

/// A span for people: `1h 52m`, `5m 3s`, `42s`, `2d 3h`.
pub fn span(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m {}s", secs / 60, secs % 60),
        3600..=86_399 => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86_400, secs % 86_400 / 3600),
    }
}

/// `expires in 1h 52m`, or `expired 5m 3s ago`.
pub fn expiry(exp_ms: u64, now_ms: u64) -> String {
    if exp_ms > now_ms {
        format!("expires in {}", span(exp_ms - now_ms))
    } else {
        format!("expired {} ago", span(now_ms - exp_ms))
    }
}

/// `14:05` at `offset_s` seconds from UTC.
pub fn clock(epoch_ms: u64, offset_s: i32) -> String {
    let local = (epoch_ms / 1000) as i64 + i64::from(offset_s);
    let of_day = local.rem_euclid(86_400);
    format!("{:02}:{:02}", of_day / 3600, of_day % 3600 / 60)
}

/// `2026-11-25 14:03:07 +01:00` in the given offset from UTC.
pub fn local_time(epoch_ms: u64, offset_s: i32) -> Option<String> {
    let offset = UtcOffset::from_whole_seconds(offset_s).ok()?;
    // Times come from the server (an id_token's `exp`): out of range is None, never a panic.
    let at = OffsetDateTime::from_unix_timestamp(i64::try_from(epoch_ms / 1000).ok()?)
        .ok()?
        .checked_to_offset(offset)?;
    let (h, m, _) = offset.as_hms();
    Some(format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        if offset_s < 0 { '-' } else { '+' },
        h.unsigned_abs(),
        m.unsigned_abs()
    ))
}

/// `ago` for a past time, `in 5m` for a future one (an `exp` claim).
pub fn relative(then_ms: u64, now_ms: u64) -> String {
    if then_ms > now_ms.saturating_add(4_999) {
        // The future, said like `ago`: in 42s, in 5m, in 3h, in 2d.
        let later = ago(now_ms, then_ms);
        return format!("in {}", later.trim_end_matches(" ago"));
    }
    ago(then_ms, now_ms)
}

/// A latency as `84 ms`, rounded as [`whole_millis`] stores it.
pub fn millis(duration: std::time::Duration) -> String {
    format!("{} ms", whole_millis(duration))
}

/// A latency in whole milliseconds, rounded to the nearest: the one rounding for what is
/// printed at once and what is stored for `sfkey show` and the TUI, so both say the same.
pub fn whole_millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros().saturating_add(500) / 1000).unwrap_or(u64::MAX)
}

/// Parses `90s`, `15m`, `2h`, `1h30m` or a plain number of seconds.
pub fn parse_duration(input: &str) -> Result<std::time::Duration, String> {
    let text = input.trim();
    let bad = || format!("{input:?} is not a duration; use for example 90s, 15m, 2h or 1h30m");
    if text.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    let (mut total, mut number) = (0u64, String::new());
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        use std::time::Duration;
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        for bad in ["", "m", "1x", "1h30", "-5m", "h1"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn latencies() {
        use std::time::Duration;
        // What `sfkey refresh` prints is what it stores for `sfkey show`.
        assert_eq!(millis(Duration::from_micros(650)), "1 ms");
        assert_eq!(whole_millis(Duration::from_micros(650)), 1);
        assert_eq!(millis(Duration::from_micros(1499)), "1 ms");
        assert_eq!(millis(Duration::from_micros(84_500)), "85 ms");
        assert_eq!(millis(Duration::from_micros(400)), "0 ms");
    }

    #[test]
    fn expiries_and_clocks() {
        let now = 10_000_000_000;
        assert_eq!(expiry(now + 6_720_000, now), "expires in 1h 52m");
        assert_eq!(expiry(now - 303_000, now), "expired 5m 3s ago");
        assert_eq!(span(42_000), "42s");
        assert_eq!(span(2 * 86_400_000 + 3 * 3_600_000), "2d 3h");
        // 10_000_000 s after the epoch is 17:46:40 UTC.
        assert_eq!(clock(now, 0), "17:46");
        assert_eq!(clock(now, 3600), "18:46");
        assert_eq!(clock(now, -18 * 3600), "23:46");
    }

    #[test]
    fn local_time_applies_the_offset() {
        assert_eq!(
            local_time(1_700_148_885_000, 0).as_deref(),
            Some("2023-11-16 15:34:45 +00:00")
        );
        assert_eq!(
            local_time(1_700_148_885_000, -5 * 3600 - 1800).as_deref(),
            Some("2023-11-16 10:04:45 -05:30")
        );
    }

    #[test]
    fn a_time_at_the_end_of_the_calendar_is_no_panic() {
        // 9999-12-31 23:59:59 UTC, e.g. an id_token's `exp` from an odd server: east of UTC
        // it falls past year 9999, which `time` cannot hold.
        let last = 253_402_300_799_000;
        assert_eq!(local_time(last, 3600), None);
        assert_eq!(
            local_time(last, 0).as_deref(),
            Some("9999-12-31 23:59:59 +00:00")
        );
        assert_eq!(local_time(u64::MAX, 0), None);
    }

    #[test]
    fn future_times_say_in() {
        let now = 10_000_000_000;
        assert_eq!(relative(now + 300_000, now), "in 5m");
        assert_eq!(relative(now - 300_000, now), "5m ago");
        assert_eq!(relative(now + 2_000, now), "just now");
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
