//! `sfkey config path` and `sfkey config show` on the real binary: the path and whether the
//! file exists, the effective settings as config.toml text, a broken file refused with its place.

use crate::common;

use common::{TestEnv, assert_fails_with, assert_success, stderr, stdout};

fn env(test: &str) -> TestEnv {
    let mut env = TestEnv::new(test);
    // The keyring line's comment says where the choice came from: not from the caller's shell.
    env.vars.push(("SFKEY_KEYRING", None));
    env.vars.push(("NO_COLOR", None));
    env
}

#[test]
fn config_path_names_the_file_and_says_whether_it_exists() {
    let env = env("config-path");
    std::fs::create_dir_all(&env.dir).unwrap();
    let path = env.dir.join("config.toml");
    let out = env.run(&["config", "path"], "");
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), path.display().to_string());
    assert!(
        stderr(&out).contains("does not exist yet"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&path, "idle_warning_days = 3\n").unwrap();
    let out = env.run(&["config", "path"], "");
    assert_success(&out);
    assert!(stderr(&out).contains("it exists"), "{}", stderr(&out));
}

#[test]
fn config_show_prints_every_effective_value_as_toml_that_reads_back() {
    let env = env("config-show");
    std::fs::create_dir_all(&env.dir).unwrap();
    let path = env.dir.join("config.toml");
    let chosen = "keyring = \"file\"\nfile_key_timeout_minutes = 5\n[theme]\nbase = \"light\"\nerror = { fg = \"#aa0000\", underline = true }\n[tui]\nmask_char = \"*\"\n[keys]\nrefresh = [\"f5\"]\n";
    std::fs::write(&path, chosen).unwrap();
    let out = env.run(&["config", "show"], "");
    assert_success(&out);
    let shown = stdout(&out);
    for needle in [
        "keyring = \"file\"  # keyring = \"file\" in ",
        "file_key_timeout_minutes = 5",
        "idle_warning_days = 25",
        "refresh = [\"f5\"]",
        "base = \"light\"",
        "error = { fg = \"#AA0000\", underline = true }",
        "mask_char = \"*\"",
        "# org_column_width is not set",
    ] {
        assert!(shown.contains(needle), "{needle}:\n{shown}");
    }
    let again: toml::Table = toml::from_str(&shown).expect("config show prints valid TOML");
    assert_eq!(again["tui"]["mask_char"].as_str(), Some("*"));
    // `show` only reads.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), chosen);
}

#[test]
fn config_show_refuses_a_broken_file_with_its_line_and_column() {
    let env = env("config-broken");
    std::fs::create_dir_all(&env.dir).unwrap();
    let path = env.dir.join("config.toml");
    let broken = "idle_warning_days = 3\n[tui]\nmask_chr = \"*\"\n";
    std::fs::write(&path, broken).unwrap();
    let out = env.run(&["config", "show"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = assert_fails_with(&out, "line 3, column 1");
    assert!(
        err.contains("mask_chr") && err.contains("never rewrites"),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}
