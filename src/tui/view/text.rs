//! Small text helpers shared by the panes: wrapping, spinners, times, header names.

use time::{OffsetDateTime, UtcOffset};

/// Braille spinner frames, one per 100 ms.
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// The spinner frame for this moment.
pub fn spinner(now_ms: u64) -> char {
    SPINNER[(now_ms / 100) as usize % SPINNER.len()]
}

/// `1.2s` for an elapsed time.
pub fn elapsed(from_ms: u64, now_ms: u64) -> String {
    format!("{:.1}s", now_ms.saturating_sub(from_ms) as f64 / 1000.0)
}

/// `2026-11-25 14:03:07 +01:00` in the given offset from UTC.
pub fn local_time(epoch_ms: u64, offset_s: i32) -> Option<String> {
    let offset = UtcOffset::from_whole_seconds(offset_s).ok()?;
    let at = OffsetDateTime::from_unix_timestamp((epoch_ms / 1000) as i64)
        .ok()?
        .to_offset(offset);
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

/// Cuts `text` into pieces of at most `width` characters (tokens have no spaces to break at).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(width).map(|c| c.iter().collect()).collect()
}

/// `content-encoding` -> `Content-Encoding`: reqwest hands header names over lower-cased, and
/// this is how Salesforce writes them (HTTP/1 names are case-insensitive).
pub fn header_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            if ["xss", "www", "md5", "dns"].contains(&part) {
                return part.to_ascii_uppercase();
            }
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Word-wraps prose to `width` columns; words longer than a line are cut.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = if line.is_empty() { 0 } else { 1 } + word.chars().count();
        if !line.is_empty() && line.chars().count() + needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if word.chars().count() > width {
            let mut pieces = wrap(word, width);
            let last = pieces.pop().unwrap_or_default();
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.extend(pieces);
            line = last;
            continue;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn prose_wraps_on_words() {
        assert_eq!(
            wrap_words("the refresh token was revoked", 12),
            vec!["the refresh", "token was", "revoked"]
        );
        assert_eq!(wrap_words("abcdefghij x", 4), vec!["abcd", "efgh", "ij x"]);
    }

    use super::*;

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
    fn header_names_get_their_usual_case() {
        assert_eq!(header_case("content-encoding"), "Content-Encoding");
        assert_eq!(header_case("x-xss-protection"), "X-XSS-Protection");
        assert_eq!(header_case("date"), "Date");
    }

    #[test]
    fn wrap_cuts_on_characters() {
        assert_eq!(wrap("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(wrap("", 3), vec![""]);
    }
}
