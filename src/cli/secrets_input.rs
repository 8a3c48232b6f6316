//! Reading secrets without argv: hidden prompts on a terminal, two lines from a pipe.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use secrecy::SecretString;

/// The client secret (None when empty) and the refresh token, as the user gave them for `add`.
pub struct EnteredSecrets {
    /// Empty input means the connected app has no secret.
    pub client_secret: Option<SecretString>,
    /// Never empty.
    pub refresh_token: SecretString,
}

/// New secrets given to `edit`; `None` keeps the stored one.
pub struct SecretUpdates {
    /// A new client secret.
    pub client_secret: Option<SecretString>,
    /// A new refresh token.
    pub refresh_token: Option<SecretString>,
}

/// Asks `question [y/N]` on a terminal unless `yes`; without a terminal only `--yes` goes on.
/// `verb` is what did not happen (`not removed`), `command` the command to repeat with `--yes`.
pub fn confirm(yes: bool, question: &str, verb: &str, command: &str) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("{verb}: confirm with --yes when not running on a terminal ({command} --yes)");
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        bail!("{verb}");
    }
    Ok(())
}

/// One hidden answer at the terminal; a required one is asked again while empty, so nothing
/// typed before is lost to a stray Enter.
pub(super) fn prompt_hidden(label: &str, required: bool) -> anyhow::Result<String> {
    loop {
        let answer = rpassword::prompt_password(format!("{label}: "))
            .with_context(|| format!("cannot read the {label} from the terminal"))?;
        if !required || !answer.trim().is_empty() {
            return Ok(answer);
        }
        eprintln!("It cannot be empty: paste it, or press Ctrl-C to stop.");
    }
}

/// Two values: hidden prompts on a terminal (the second asked again while empty when
/// `second_required`), otherwise lines 1 and 2 of stdin.
fn read_pair(first: &str, second: &str, second_required: bool) -> anyhow::Result<(String, String)> {
    if std::io::stdin().is_terminal() {
        let a = prompt_hidden(first, false)?;
        let b = prompt_hidden(second, second_required)?;
        return Ok((a, b));
    }
    let mut lines = std::io::stdin().lock().lines();
    let a = lines
        .next()
        .transpose()
        .context("cannot read line 1 of stdin")?;
    let b = lines
        .next()
        .transpose()
        .context("cannot read line 2 of stdin")?;
    Ok((a.unwrap_or_default(), b.unwrap_or_default()))
}

/// For `add`: the client secret (empty: none) and the refresh token (required).
pub fn read_secrets() -> anyhow::Result<EnteredSecrets> {
    let (secret, token) = read_pair(
        "Client secret (leave empty if the app has none)",
        "Refresh token",
        true,
    )?;
    parse_entered(secret, token)
}

/// For `edit --secrets`: a new client secret and refresh token, each empty to keep the old one.
pub fn read_secret_updates() -> anyhow::Result<SecretUpdates> {
    let (secret, token) = read_pair(
        "New client secret (empty keeps the stored one)",
        "New refresh token (empty keeps the stored one)",
        false,
    )?;
    Ok(SecretUpdates {
        client_secret: non_empty(&secret, "client secret")?,
        refresh_token: non_empty(&token, "refresh token")?,
    })
}

/// For `login --client-id`: the connected app's secret (empty: none), hidden on a terminal,
/// else the first line of stdin.
pub fn read_client_secret() -> anyhow::Result<Option<SecretString>> {
    read_secret_line(
        "Client secret (leave empty if the app has none)",
        "client secret",
    )
}

/// One secret: a hidden prompt on a terminal, else the first line of stdin; empty gives `None`.
pub fn read_secret_line(prompt: &str, what: &str) -> anyhow::Result<Option<SecretString>> {
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{prompt}: "))
            .with_context(|| format!("cannot read the {what} from the terminal"))?
    } else {
        let mut lines = std::io::stdin().lock().lines();
        lines
            .next()
            .transpose()
            .context("cannot read line 1 of stdin")?
            .unwrap_or_default()
    };
    non_empty(&secret, what)
}

fn non_empty(value: &str, what: &str) -> anyhow::Result<Option<SecretString>> {
    let value = value.trim();
    if value.chars().any(char::is_whitespace) {
        bail!("the {what} cannot contain spaces; check what was pasted");
    }
    Ok((!value.is_empty()).then(|| SecretString::from(value)))
}

fn parse_entered(secret: String, token: String) -> anyhow::Result<EnteredSecrets> {
    let client_secret = non_empty(&secret, "client secret")?;
    let Some(refresh_token) = non_empty(&token, "refresh token")? else {
        bail!(
            "the refresh token is empty: give it on the second line of stdin (the first line is the client secret, empty if none), or type it at the prompt"
        );
    };
    Ok(EnteredSecrets {
        client_secret,
        refresh_token,
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

    #[test]
    fn pasted_spaces_are_refused_without_echoing_input() {
        let err = parse_entered("top secret".into(), "rt".into())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("spaces") && !err.contains("top secret"),
            "{err}"
        );
    }
}
