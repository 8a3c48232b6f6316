//! Aligned columns that hold whatever a server or a hand-edited file sends: widths are capped
//! (Rust's formatter panics on a width over 65,535) and long values are cut with an ellipsis.

/// The widest a label column grows; longer labels are cut to it.
pub const MAX_LABEL: usize = 40;

/// The most characters one detail line shows; the rest is cut with an ellipsis.
pub const MAX_VALUE: usize = 1000;

/// `text` cut to at most `max` characters, the last one `…` when something was cut.
pub fn cut(text: &str, max: usize) -> String {
    let max = max.max(1);
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some(_) => {
            let mut out: String = text.chars().take(max - 1).collect();
            out.push('…');
            out
        }
    }
}

/// `text` cut to at most `max` characters by taking out its middle: the head and the tail stay
/// (names told apart by their end, `client-a-uat` and `client-a-dev`, stay apart), joined by
/// `…`. The head gets the odd character. A `max` of 0 gives an empty string.
pub fn cut_middle(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let kept = max.saturating_sub(1);
    let tail = kept / 2;
    let head = kept - tail;
    let mut out: String = text.chars().take(head).collect();
    if max > 0 {
        out.push('…');
    }
    out.extend(text.chars().skip(count - tail));
    out
}

/// `text` followed by spaces up to `width` characters (capped at [`MAX_LABEL`]); a longer text
/// is kept whole. Never uses the formatter's width, so no length can make it panic.
pub fn pad(text: &str, width: usize) -> String {
    let room = width.min(MAX_LABEL).saturating_sub(text.chars().count());
    let mut out = String::with_capacity(text.len() + room);
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', room));
    out
}

/// The width of a label column: the longest label's, at most [`MAX_LABEL`].
pub fn label_width<'a>(labels: impl IntoIterator<Item = &'a str>) -> usize {
    labels
        .into_iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(MAX_LABEL)
}

/// A label for a column of [`label_width`]: cut to [`MAX_LABEL`] and padded to `width`.
pub fn label(text: &str, width: usize) -> String {
    pad(&cut(text, MAX_LABEL), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_an_ellipsis_and_short_text_is_kept() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abcd", 4), "abcd");
        assert_eq!(cut("日本語です", 3), "日本…");
        assert_eq!(
            cut(&"x".repeat(70_000), MAX_VALUE).chars().count(),
            MAX_VALUE
        );
    }

    #[test]
    fn a_middle_cut_keeps_head_and_tail() {
        assert_eq!(cut_middle("client-a-uat", 9), "clie…-uat");
        assert_eq!(cut_middle("client-a-dev", 9), "clie…-dev");
        assert_eq!(cut_middle("client-a-uat", 8), "clie…uat");
        assert_eq!(cut_middle("client-a-uat", 12), "client-a-uat");
        assert_eq!(cut_middle("client-a-uat", 100), "client-a-uat");
        assert_eq!(cut_middle("日本語のテキスト", 5), "日本…スト");
    }

    #[test]
    fn a_middle_cut_never_panics_and_never_overflows() {
        let huge = "w".repeat(70_000);
        for max in [0, 1, 2, 3, 4, 69_999, 70_000, usize::MAX] {
            for text in ["", "a", "ab", "abc", "日本語", huge.as_str()] {
                let out = cut_middle(text, max);
                assert!(out.chars().count() <= max, "{max} {out}");
                assert!(out.chars().count() <= text.chars().count());
            }
        }
        assert_eq!(cut_middle("abc", 0), "");
        assert_eq!(cut_middle("abc", 1), "…");
        assert_eq!(cut_middle("abc", 2), "a…");
    }

    #[test]
    fn widths_are_capped_and_padding_never_panics() {
        let huge = "w".repeat(70_000);
        assert_eq!(label_width(["api", huge.as_str()]), MAX_LABEL);
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("ab", 100_000).chars().count(), MAX_LABEL);
        assert_eq!(pad(&huge, 3).len(), huge.len());
        assert_eq!(label(&huge, MAX_LABEL).chars().count(), MAX_LABEL);
        assert!(label(&huge, MAX_LABEL).ends_with('…'));
    }
}
