//! `sfkey config path` and `sfkey config show`: where config.toml is, and every setting in
//! effect (defaults included) as a config.toml would write it. Both only read.

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::preferences::{DEFAULT_MASK_CHAR, PREFERENCES_FILE, Preferences};
use crate::store::backend::{self, Selection};
use crate::store::config::config_dir;

/// `sfkey config ...`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print where config.toml is (stdout) and whether it exists (stderr)
    Path,
    /// Print every setting in effect, defaults included, as valid config.toml text
    Show,
}

/// Runs `sfkey config path|show`; a broken config.toml is an error with its line and column.
pub fn config(args: &ConfigArgs) -> anyhow::Result<()> {
    let dir = config_dir().context("cannot find the config dir")?;
    match args.command {
        ConfigCommand::Path => {
            let path = dir.join(PREFERENCES_FILE);
            println!("{}", crate::escape::escape(&path.display().to_string()));
            if path.exists() {
                eprintln!("sfkey: it exists (sfkey only reads it)");
            } else {
                eprintln!("sfkey: it does not exist yet: every default applies");
            }
            Ok(())
        }
        ConfigCommand::Show => {
            let selection = backend::select(&dir)?;
            print!("{}", show(&selection));
            Ok(())
        }
    }
}

/// The effective settings as config.toml text.
fn show(selection: &Selection) -> String {
    let p: &Preferences = &selection.preferences;
    let mut out = String::from(
        "# The settings in effect (defaults included); sfkey never writes config.toml.\n",
    );
    // The reason may hold a path or an env value: escaped, and kept on its comment line.
    let reason = crate::escape::escape(&selection.reason).replace('\n', " ");
    out.push_str(&format!(
        "keyring = \"{}\"  # {reason}\n",
        selection.choice.as_str()
    ));
    let minutes = p.file_key_timeout().as_secs() / 60;
    out.push_str(&format!("file_key_timeout_minutes = {minutes}\n"));
    let idle = p
        .idle_warning_days
        .unwrap_or(crate::health::DEFAULT_IDLE_DAYS);
    out.push_str(&format!("idle_warning_days = {idle}\n\n"));
    out.push_str(&crate::tui::effective_keys_toml(p));
    out.push('\n');
    let theme = crate::tui::theme_for(p);
    if crate::tui::no_color() {
        out.push_str("# NO_COLOR is set: every colour is dropped, bold and reverse stay.\n");
    }
    out.push_str(&theme.to_toml(p.theme.base));
    out.push_str("\n[tui]\n");
    match p.tui.org_column_width {
        Some(width) => out.push_str(&format!("org_column_width = {width}\n")),
        None => out.push_str(
            "# org_column_width is not set: 35% of the terminal's width, 30 to 48 columns\n",
        ),
    }
    let mask = p.tui.mask_char();
    let note = if mask == DEFAULT_MASK_CHAR {
        "  # the default"
    } else {
        ""
    };
    out.push_str(&format!(
        "mask_char = {}{note}\n",
        toml::Value::String(mask.to_string())
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(text: &str) -> Selection {
        Selection {
            choice: crate::preferences::KeyringChoice::File,
            reason: "keyring = \"file\" in /x/config.toml".into(),
            preferences: crate::preferences::parse(text).unwrap(),
        }
    }

    #[test]
    fn what_show_prints_reads_back_as_the_same_settings() {
        let chosen = "idle_warning_days = 9\n[theme]\nbase = \"light\"\nkey = \"#102030\"\n[tui]\norg_column_width = 40\nmask_char = \"*\"\n[keys]\nrefresh = [\"f5\"]\n";
        let shown = show(&selection(chosen));
        let again = crate::preferences::parse(&shown).unwrap();
        assert_eq!(again.keyring, Some(crate::preferences::KeyringChoice::File));
        assert_eq!(again.idle_warning_days, Some(9));
        assert_eq!(again.file_key_timeout_minutes, Some(15));
        assert_eq!(again.tui.org_column_width, Some(40));
        assert_eq!(again.tui.mask_char(), '*');
        assert_eq!(again.theme.base, crate::preferences::ThemeBase::Light);
        let p = crate::preferences::parse(chosen).unwrap();
        // Read back, the written theme is the theme in effect (NO_COLOR aside).
        if !crate::tui::no_color() {
            assert_eq!(crate::tui::theme_for(&again), crate::tui::theme_for(&p));
        }
        assert!(shown.contains("refresh = [\"f5\"]"), "{shown}");
        assert!(
            shown.contains("# keyring = \"file\" in /x/config.toml"),
            "{shown}"
        );
    }

    #[test]
    fn defaults_are_written_out() {
        let shown = show(&selection(""));
        assert!(shown.contains("base = \"dark\""), "{shown}");
        assert!(
            shown.contains("mask_char = \"•\"  # the default"),
            "{shown}"
        );
        assert!(shown.contains("# org_column_width is not set"), "{shown}");
        assert!(shown.contains("idle_warning_days = 25"), "{shown}");
    }
}
