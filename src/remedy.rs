//! What a user can do about a failure, as data. The library says which remedy fits; each front
//! end says it its own way: the CLI as the command with the org's name filled in
//! (`cli::remedy_text`), the TUI as the key to press (`tui::remedy`).

use std::fmt;

/// One thing sfkey can point the user to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Refresh the org for a new access token (or to try again).
    Refresh,
    /// Store or replace the org's secrets: client secret, refresh token, private key.
    EditSecrets,
    /// Store the private key of the connected app's certificate.
    StorePrivateKey,
    /// Change the org's login URL.
    EditLoginUrl,
    /// Log in again with the org's own login URL and site, keeping the org.
    LoginAgain,
    /// Ask userinfo, which tells whether Salesforce still takes the stored access token.
    Userinfo,
    /// Run `sfkey doctor`: what sfkey sees of the keyring, paths and network here.
    Doctor,
}

/// One step of what to do: words, and the remedy that does it when sfkey has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// What to do, in words (may be empty when the remedy says it all).
    pub words: &'static str,
    /// The remedy behind the words, rendered by the front end after them.
    pub remedy: Option<Remedy>,
}

/// A step of words alone.
pub const fn say(words: &'static str) -> Step {
    Step {
        words,
        remedy: None,
    }
}

/// A step that a remedy carries out.
pub const fn act(words: &'static str, remedy: Remedy) -> Step {
    Step {
        words,
        remedy: Some(remedy),
    }
}

/// What to do about a failure: steps read one after another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice(pub &'static [Step]);

impl Advice {
    /// The steps as one line; `how` says a remedy the front end's way (`None`: words only). A
    /// remedy goes in parentheses after its words, or stands alone where the words are empty.
    pub fn render(&self, how: impl Fn(Remedy) -> Option<String>) -> String {
        let mut out = String::new();
        for step in self.0 {
            out.push_str(step.words);
            let Some(text) = step.remedy.and_then(&how) else {
                continue;
            };
            if step.words.is_empty() {
                out.push_str(&text);
            } else {
                out.push_str(&format!(" ({text})"));
            }
        }
        out
    }

    /// The remedies it names, in order.
    pub fn remedies(&self) -> impl Iterator<Item = Remedy> + '_ {
        self.0.iter().filter_map(|s| s.remedy)
    }
}

/// The words alone, for logs and tests.
impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(|_| None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADVICE: Advice = Advice(&[
        act("log in again", Remedy::LoginAgain),
        act(", or store a new refresh token", Remedy::EditSecrets),
        say("; "),
        act("", Remedy::Refresh),
        say(" after that"),
    ]);

    #[test]
    fn remedies_follow_their_words_or_stand_alone() {
        let text = ADVICE.render(|r| Some(format!("<{r:?}>")));
        assert_eq!(
            text,
            "log in again (<LoginAgain>), or store a new refresh token (<EditSecrets>); <Refresh> after that"
        );
        assert_eq!(
            ADVICE.to_string(),
            "log in again, or store a new refresh token;  after that"
        );
        assert_eq!(
            ADVICE.remedies().collect::<Vec<_>>(),
            [Remedy::LoginAgain, Remedy::EditSecrets, Remedy::Refresh]
        );
    }
}
