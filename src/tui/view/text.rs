//! Small text helpers shared by the panes: wrapping, spinners, elapsed times, header names.
//! Every wrapper escapes what it wraps ([`escape`]): the panes show servers' and files' text
//! through them, so a control character is shown as an escape, never sent to the terminal.

use crate::escape::escape;

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

/// Cuts `text`, escaped, into pieces of at most `width` characters (tokens have no spaces to
/// break at).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let chars: Vec<char> = escape(text).chars().collect();
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

/// Word-wraps prose to `width` columns; words longer than a line are cut. Whitespace (a line
/// break too) separates words; any other control in a word is escaped.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace().map(escape) {
        let word = word.as_str();
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

/// Word-wraps an aligned `name  value` line: continuation lines start under the value (after
/// the first run of two spaces), or under the text when there is none. Long words are cut.
pub fn wrap_hanging(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let split = text
        .find("  ")
        .map(|at| text.len() - text[at..].trim_start().len());
    let (head, rest) = match split {
        Some(at) if text[..at].chars().count() * 2 <= width => text.split_at(at),
        _ => ("", text),
    };
    let hang = head.chars().count();
    let mut lines = Vec::new();
    let mut line = head.to_string();
    let mut used = line.chars().count();
    let mut has_word = false;
    for word in rest.split_whitespace() {
        let mut chars: Vec<char> = escape(word).chars().collect();
        if has_word && used + 1 + chars.len() > width {
            lines.push(std::mem::replace(&mut line, " ".repeat(hang)));
            (used, has_word) = (hang, false);
        }
        if has_word {
            line.push(' ');
            used += 1;
        }
        // A word longer than the room left is cut where the line ends.
        while used + chars.len() > width && width > used {
            let room = width - used;
            line.extend(&chars[..room]);
            lines.push(std::mem::replace(&mut line, " ".repeat(hang)));
            chars.drain(..room);
            used = hang;
        }
        used += chars.len();
        line.extend(chars);
        has_word = true;
    }
    if has_word || lines.is_empty() {
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
    fn hanging_lines_continue_under_their_value() {
        assert_eq!(
            wrap_hanging("exp  1795694640 · 2026-11-26 12:04:00", 24),
            vec!["exp  1795694640 ·", "     2026-11-26 12:04:00"]
        );
        assert_eq!(
            wrap_hanging("decoded, not verified by sfkey", 16),
            vec!["decoded, not", "verified by", "sfkey"]
        );
        assert_eq!(
            wrap_hanging("ab  cdefghij", 8),
            vec!["ab  cdef", "    ghij"]
        );
        assert_eq!(wrap_hanging("", 8), vec![""]);
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
