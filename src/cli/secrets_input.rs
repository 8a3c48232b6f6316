//! Reading secrets without argv: hidden prompts on a terminal, two lines from a pipe.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use secrecy::SecretString;

/// The client secret (None when empty) and the refresh token, as the user gave them.
pub struct EnteredSecrets {
    /// Empty input means the connected app has no secret.
    pub client_secret: Option<SecretString>,
    /// Never empty.
    pub refresh_token: SecretString,
}

/// Prompts without echo on a terminal; otherwise reads line 1 (client secret) and line 2
/// (refresh token) from stdin.
pub fn read_secrets() -> anyhow::Result<EnteredSecrets> {
    let (secret, token) = if std::io::stdin().is_terminal() {
        let secret =
            rpassword::prompt_password("Client secret (leave empty if the app has none): ")
                .context("cannot read the client secret from the terminal")?;
        let token = rpassword::prompt_password("Refresh token: ")
            .context("cannot read the refresh token from the terminal")?;
        (secret, token)
    } else {
        let mut lines = std::io::stdin().lock().lines();
        let secret = lines
            .next()
            .transpose()
            .context("cannot read the client secret from stdin")?;
        let token = lines
            .next()
            .transpose()
            .context("cannot read the refresh token from stdin")?;
        (secret.unwrap_or_default(), token.unwrap_or_default())
    };
    parse_entered(secret, token)
}

fn parse_entered(secret: String, token: String) -> anyhow::Result<EnteredSecrets> {
    let secret = secret.trim();
    let token = token.trim();
    if token.is_empty() {
        bail!(
            "the refresh token is empty: give it on the second line of stdin (the first line is the client secret, empty if none), or type it at the prompt"
        );
    }
    if token.chars().any(char::is_whitespace) || secret.chars().any(char::is_whitespace) {
        bail!("the client secret and refresh token cannot contain spaces; check what was pasted");
    }
    Ok(EnteredSecrets {
        client_secret: (!secret.is_empty()).then(|| SecretString::from(secret)),
        refresh_token: SecretString::from(token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn empty_secret_means_none_and_lines_are_trimmed() {
        let s = parse_entered("\r".into(), " 5Aep861abc\r".into()).unwrap();
        assert!(s.client_secret.is_none());
        assert_eq!(s.refresh_token.expose_secret(), "5Aep861abc");
    }

    #[test]
    fn empty_refresh_token_is_refused_without_echoing_input() {
        let err = parse_entered("topsecret".into(), "  ".into())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("refresh token is empty"), "{err}");
        assert!(!err.contains("topsecret"));
    }
}
