//! The one escaper for text from outside (the network, the orgs file, an imported file) before
//! it reaches a terminal: every C0 control (ESC included), DEL, every C1 control (U+009B is CSI
//! in many terminals) and every bidi control (which can make a line read as something it is
//! not) becomes a visible escape such as `\u{9b}`, so tampering shows instead of acting.

/// Whether `c` is a bidi control: the Arabic letter mark, LRM/RLM, the embeddings and overrides
/// U+202A–U+202E and the isolates U+2066–U+2069.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` must not reach a terminal as it is: C0, DEL, C1 (all `is_control`), bidi
/// controls, and the Unicode line and paragraph separators (a line break that fakes a line).
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Appends the visible form of `c`: `\n`, `\r`, `\t` for the common three, `\u{1b}` otherwise.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// One line of text from outside, safe to print: every control character and bidi control is
/// shown as an escape (`\u{9b}`, `\n`), everything else is kept as it is.
pub fn escape(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`escape`], for text shown on several lines (an error with its hint line): `\n` and
/// `\t` are kept, a `\r` before a `\n` is dropped, everything else is escaped.
pub fn escape_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' if chars.peek() == Some(&'\n') => {}
            c if is_unsafe(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// JSON from `serde_json` made safe to print: it escapes C0 itself but writes DEL, C1 and bidi
/// controls raw; they become `\u009b`-style escapes, which JSON reads back as the same text.
/// (Those characters only occur inside JSON strings, so the document keeps its meaning.)
pub fn escape_json(json: &str) -> String {
    if !json.chars().any(is_unsafe) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        match c {
            // serde_json's pretty layout: these are structure, not text.
            '\n' | ' ' => out.push(c),
            c if is_unsafe(c) => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Text a hostile server or a hand-edited file may hold, for the property tests of every
/// renderer: controls of each class, bidi controls, wide and combining characters, and now and
/// then a run far over the formatter's 65,535 width limit.
#[cfg(test)]
pub(crate) fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let unit = prop_oneof![
        any::<char>().prop_map(String::from),
        prop::sample::select(vec![
            "\u{1b}[2J",
            "\u{1b}]52;c;eA==\u{7}",
            "\u{9b}",
            "\u{85}",
            "\u{202e}",
            "\u{2066}",
            "\u{61c}",
            "\n",
            "\t",
            "\r",
            "\u{7f}",
            "\u{2028}",
            "日本",
            "e\u{301}",
            " ",
            "  ",
        ])
        .prop_map(str::to_string),
    ];
    (prop::collection::vec(unit, 0..40), 0usize..4).prop_map(|(parts, long)| {
        let mut text = parts.concat();
        if long == 3 {
            text.push_str(&"w".repeat(66_000));
        }
        text
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn no_unsafe_character_survives_and_json_keeps_its_text(text in hostile_text()) {
            prop_assert!(!escape(&text).chars().any(is_unsafe));
            prop_assert!(!escape_lines(&text).chars().any(|c| c != '\n' && c != '\t' && is_unsafe(c)));
            let json = escape_json(&serde_json::to_string_pretty(&serde_json::json!({"k": text})).unwrap_or_default());
            prop_assert!(!json.chars().any(|c| c != '\n' && is_unsafe(c)));
            let back: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            prop_assert_eq!(back["k"].as_str(), Some(text.as_str()));
        }
    }

    #[test]
    fn every_class_of_control_becomes_a_visible_escape() {
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("bell\u{7}del\u{7f}"), "bell\\u{7}del\\u{7f}");
        assert_eq!(escape("line\nfake\r\ttab"), "line\\nfake\\r\\ttab");
        assert_eq!(escape("csi\u{9b}31m"), "csi\\u{9b}31m");
        assert_eq!(escape("\u{85}\u{80}\u{9f}"), "\\u{85}\\u{80}\\u{9f}");
        for bidi in [
            '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            let shown = escape(&format!("admin{bidi}moc.evil"));
            assert!(!shown.contains(bidi), "{shown}");
            assert!(shown.contains(&format!("\\u{{{:x}}}", u32::from(bidi))));
        }
        assert_eq!(escape("plain text · ✓ ü 日本"), "plain text · ✓ ü 日本");
    }

    #[test]
    fn lines_keep_newlines_and_tabs_only() {
        assert_eq!(
            escape_lines("failed\r\nhint: \u{1b}]52;c;x\u{7}\tok\u{202e}"),
            "failed\nhint: \\u{1b}]52;c;x\\u{7}\tok\\u{202e}"
        );
        assert_eq!(escape_lines("a\rb"), "a\\rb");
    }

    #[test]
    fn json_stays_json_with_the_same_text() {
        let value = serde_json::json!({"u": "a\u{9b}b\u{202e}c\u{7f}\u{1b}", "n": 1});
        let shown = escape_json(&serde_json::to_string_pretty(&value).unwrap_or_default());
        assert!(!shown.chars().any(is_unsafe_but_newline), "{shown}");
        assert!(shown.contains("a\\u009bb\\u202ec\\u007f\\u001b"), "{shown}");
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap_or_default();
        assert_eq!(back, value);
    }

    fn is_unsafe_but_newline(c: char) -> bool {
        c != '\n' && is_unsafe(c)
    }
}
