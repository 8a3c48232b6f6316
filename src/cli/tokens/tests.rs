//! Unit tests of `cli::tokens`.

use super::*;

#[test]
fn shell_quoting_survives_quotes() {
    assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    assert_eq!(shell_quote("00D!x"), "'00D!x'");
}
