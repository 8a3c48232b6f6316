//! A rotated refresh token the keyring refused: the only working one, so the CLI never drops
//! it silently. At a terminal it stays in memory while the user unlocks the keyring (Enter
//! tries again); only when the user gives up, and only if asked, it is printed once.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::anyhow;
use secrecy::ExposeSecret;

use crate::org::Org;
use crate::saved_org::rotation::{NotSaved, save_refresh_token};

/// What became of the token.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Rescued {
    /// In the keyring now.
    Stored,
    /// Printed once for the user to store with `sfkey edit NAME --secrets`.
    Printed,
    /// Not kept: no terminal to ask at, or the user gave up without printing it.
    Lost,
}

/// Keeps `lost.refresh_token` until it is stored or the user gives up.
pub(super) fn keep_until_stored(org: &Org, lost: &NotSaved) -> Rescued {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Rescued::Lost;
    }
    let name = &org.name;
    eprintln!(
        "sfkey: Salesforce rotated the refresh token of {name}, and the keyring refused the new one ({}). \
         The old one no longer works; the new one is kept in memory until it is stored.",
        lost.error
    );
    let mut error = lost.error.to_string();
    loop {
        let answer = ask(
            "Unlock the keyring (or start it again), then press Enter to store the token; type `give up` (or Ctrl-D) to leave without it: ",
        );
        match answer.as_deref().map(str::trim) {
            Some("give up") | None => break,
            Some(_) => match save_again(org, lost) {
                Ok(()) => {
                    eprintln!("Stored the new refresh token of {name} in the keyring.");
                    return Rescued::Stored;
                }
                Err(e) => {
                    error = e.to_string();
                    eprintln!("The keyring still refuses it: {error}");
                }
            },
        }
    }
    let answer = ask(&format!(
        "Last resort: type `print` to show the refresh token once, to store it yourself later with `sfkey edit {name} --secrets` (it gives full access to the org: keep it secret). Anything else leaves without it: "
    ));
    if answer.as_deref().map(str::trim) == Some("print") {
        // Through the one escaper: the token came from the network.
        eprintln!(
            "\n{}\n",
            crate::escape::escape(lost.refresh_token.expose_secret())
        );
        eprintln!("Store it with: sfkey edit {name} --secrets (the keyring said: {error})");
        return Rescued::Printed;
    }
    Rescued::Lost
}

/// One line from the terminal; `None` at end of input (Ctrl-D).
fn ask(prompt: &str) -> Option<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line),
    }
}

/// A fresh keyring connection each time: the daemon may have been restarted meanwhile.
fn save_again(org: &Org, lost: &NotSaved) -> anyhow::Result<()> {
    let store = super::open_store()?;
    let runtime = super::tokens::runtime()?;
    runtime
        .block_on(save_refresh_token(&store, org, &lost.refresh_token))
        .map_err(|e| anyhow!("{}", e.error))
}
