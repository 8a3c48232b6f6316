//! Reading the orgs file with its first rows early: the TUI draws them while the rest of a long
//! file is parsed, so its first frame does not wait for 10,000 orgs. The whole file is then
//! parsed and checked as [`config::load`] does, and that answer is the one that counts.

use std::collections::HashSet;
use std::path::Path;

use crate::org::Org;

use super::config::{self, ConfigError, FORMAT_VERSION, Head, ORGS_FILE, PIECE, Piece};

/// Loads the orgs in `dir` as [`config::load`]; on the way, hands `first` the orgs of the
/// file's first piece when the file has more than one and that piece reads well on its own.
pub fn load(dir: &Path, first: impl FnOnce(Vec<Org>)) -> Result<Vec<Org>, ConfigError> {
    let path = dir.join(ORGS_FILE);
    let Some(text) = config::read_text(&path)? else {
        return Ok(Vec::new());
    };
    if let Some((head, piece)) = head_and_first_piece(&text)
        && let Some(orgs) = first_piece(head, piece)
    {
        first(orgs);
    }
    config::parse(&text).map_err(|reason| ConfigError::Corrupt { path, reason })
}

/// The head and the first of [`config::pieces`], when there is a second; found without
/// scanning the rest of a long file.
fn head_and_first_piece(text: &str) -> Option<(&str, &str)> {
    let mut start = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("[[") {
            match start {
                None => start = Some(at),
                Some(from) if at - from >= PIECE => return Some((&text[..from], &text[from..at])),
                Some(_) => {}
            }
        }
        at += line.len();
    }
    None
}

/// The orgs of the first piece, each checked as the whole file's are; `None` when anything in
/// it is off (the whole file's parse then says what).
fn first_piece(head: &str, piece: &str) -> Option<Vec<Org>> {
    let head: Head = toml::from_str(head).ok()?;
    if head.org.is_some() || head.version > FORMAT_VERSION {
        return None;
    }
    let mut orgs = toml::from_str::<Piece>(piece).ok()?.org;
    let mut names = HashSet::new();
    for org in &mut orgs {
        config::normalise(org).ok()?;
        if !names.insert(org.name.clone()) {
            return None;
        }
    }
    Some(orgs)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn file(n: usize) -> String {
        let mut text = String::from("version = 1\n");
        for i in 0..n {
            let _ = write!(
                text,
                "\n[[org]]\nid = \"{:016x}\"\nname = \"org-{i:05}\"\nlogin_url = \"https://login.salesforce.com\"\nclient_id = \"3MVG9{i}\"\n",
                0x5f00_0000_0000_0000_u64 + i as u64
            );
        }
        text
    }

    fn load_text(text: &str) -> (Option<Vec<Org>>, Result<Vec<Org>, ConfigError>) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(ORGS_FILE), text).expect("write");
        let mut early = None;
        let all = load(dir.path(), |orgs| early = Some(orgs));
        (early, all)
    }

    #[test]
    fn a_long_file_gives_its_first_rows_early_then_the_same_list_as_load() {
        let text = file(2_000);
        let (early, all) = load_text(&text);
        let (early, all) = (early.expect("first rows"), all.expect("loads"));
        assert!(!early.is_empty() && early.len() < all.len());
        let (_, pieces) = config::pieces(&text);
        assert_eq!(head_and_first_piece(&text).map(|(_, p)| p), Some(pieces[0]));
        assert_eq!(early, all[..early.len()].to_vec());
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(ORGS_FILE), &text).expect("write");
        assert_eq!(all, config::load(dir.path()).expect("loads"));
    }

    #[test]
    fn a_short_file_has_no_early_rows() {
        let (early, all) = load_text(&file(10));
        assert!(early.is_none());
        assert_eq!(all.expect("loads").len(), 10);
    }

    #[test]
    fn a_duplicate_late_in_the_file_fails_the_load_after_the_first_rows() {
        let mut text = file(2_000);
        text.push_str("\n[[org]]\nid = \"ffffffffffffffff\"\nname = \"org-00000\"\nlogin_url = \"https://login.salesforce.com\"\nclient_id = \"3MVG9x\"\n");
        let (early, all) = load_text(&text);
        assert!(early.is_some());
        let err = all.expect_err("a duplicate name").to_string();
        assert!(err.contains("appears twice"), "{err}");
    }
}
