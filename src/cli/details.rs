//! What `sfkey refresh` prints after the seed's output, and the warning every command gives
//! when an answer's signature does not match the stored client secret.

use std::io::Write;

use crate::columns;
use crate::escape::escape;
use crate::salesforce::SignatureCheck;
use crate::saved_org::refresh::Refreshed;
use crate::token_details::{Clock, all_details};

/// `sfkey refresh`'s exit code when the token arrived but its signature did not match.
pub const SIGNATURE_MISMATCH_EXIT: u8 = 3;

/// What sfkey reads off the answer, after the seed's output: the signature verdict, times,
/// ids, scopes and the decoded id_token. Never a secret, so `--show-secrets` changes nothing.
pub fn print_details(
    out: &mut impl Write,
    done: &Refreshed,
    utc_offset_s: i32,
) -> std::io::Result<()> {
    let clock = Clock {
        now_ms: crate::humanize::now_ms(),
        utc_offset_s,
    };
    let details = all_details(&done.success.token, done.signature, clock);
    writeln!(out, "\nDetails:")?;
    for (field, lines) in details {
        // The field name is the server's: escaped, and cut so a long one cannot push the column.
        let field = columns::cut(&escape(&field), columns::MAX_LABEL);
        for (i, line) in lines.iter().enumerate() {
            let label = if i == 0 { field.as_str() } else { "" };
            writeln!(out, "  {} {}", columns::pad(label, 10), line.text)?;
        }
    }
    Ok(())
}

/// A loud warning on stderr when the answer's signature does not match the stored client
/// secret; whether it did. `token`, `env` and `exec` still hand the token out: the signature
/// covers only `id` and `issued_at`, and a stripped one is merely unverifiable, so refusing
/// would break scripts over a stale client secret without stopping anyone who alters answers.
pub fn warn_on_mismatch(done: &Refreshed) -> bool {
    if done.signature != SignatureCheck::Mismatch {
        return false;
    }
    eprintln!(
        "sfkey: WARNING: SIGNATURE MISMATCH for {name}: the answer does not match the client \
         secret stored for it: the stored client secret is wrong, or the answer was altered on \
         the way. Check the connected app's consumer secret and store it with `sfkey edit {name} \
         --secrets`.",
        name = done.org.name
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Org;
    use crate::salesforce::HttpExchange;
    use crate::salesforce::token::parse_token_answer;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        #[test]
        fn any_answer_prints_short_escaped_details(
            key in crate::escape::hostile_text(),
            scope in crate::escape::hostile_text(),
        ) {
            let body = serde_json::json!({"access_token": "00Dx!y", "scope": scope, key: "v"});
            let Ok(success) = parse_token_answer(
                HttpExchange::for_tests(200, "application/json"),
                body.to_string().as_bytes(),
            ) else {
                return Err(proptest::test_runner::TestCaseError::fail("not a token answer"));
            };
            let done = Refreshed {
                org: Org::new("prod", "https://login.salesforce.com", "3MVG9"),
                success,
                rotated: false,
                signature: SignatureCheck::Verified,
            };
            let mut out = Vec::new();
            print_details(&mut out, &done, 0).unwrap_or_default();
            let text = String::from_utf8_lossy(&out);
            proptest::prop_assert!(!text.chars().any(|c| c != '\n' && crate::escape::is_unsafe(c)));
            for line in text.lines() {
                proptest::prop_assert!(line.chars().count() <= columns::MAX_LABEL + columns::MAX_VALUE + 4);
            }
        }
    }
}
