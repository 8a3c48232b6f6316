//! "Did you mean …?" for a mistyped org name, as clap does for subcommands.

/// Edit distance (insertions, deletions, substitutions) between `a` and `b`, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The known name closest to `typed`, when it is close enough to be what was meant: one edit
/// apart for a name of up to 3 characters, else two or a third of its length, or `typed` is the
/// start of it. Case is ignored.
pub fn closest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed_lower = typed.to_lowercase();
    let typed_len = typed.chars().count();
    let allowed = if typed_len >= 4 {
        (typed_len / 3).max(2)
    } else {
        1
    };
    known
        .into_iter()
        .filter(|k| !typed.is_empty() && *k != typed)
        .map(|k| {
            let lower = k.to_lowercase();
            let d = if lower.starts_with(&typed_lower) {
                0
            } else {
                distance(&typed_lower, &lower)
            };
            (d, k)
        })
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_miss_finds_the_name_and_a_stranger_finds_nothing() {
        let names = ["prod", "rotate", "uat", "acme-dev"];
        assert_eq!(closest("rotat", names), Some("rotate"));
        assert_eq!(closest("prdo", names), Some("prod"));
        assert_eq!(closest("UAT", names), Some("uat"));
        assert_eq!(closest("acme", names), Some("acme-dev"));
        assert_eq!(closest("staging", names), None);
        assert_eq!(closest("", names), None);
        assert_eq!(closest("qa", names), None);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
