//! Text from outside through the real binary: hostile server answers and hand-edited orgs files
//! reach the terminal escaped and cut, never raw and never as a panic; output into a closed pipe
//! ends quietly; odd input gets a message that says what is wrong.
#![allow(clippy::unwrap_used)]

use crate::common;

use base64::Engine;
use common::{TestEnv, assert_fails_with, assert_success, stderr, stdout};
use sfkey::fake_salesforce::{Behaviour, ROTATED_REFRESH_PREFIX};

/// Characters that must never reach a terminal raw: C0 but newline, DEL, C1, bidi controls.
fn raw_control(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[track_caller]
fn assert_escaped(what: &str, text: &str) {
    if let Some(c) = raw_control(text) {
        panic!("{what} printed U+{:04X} raw:\n{text:?}", u32::from(c));
    }
}

fn jwt(claims: &serde_json::Value) -> String {
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2ln",
        b64(&serde_json::json!({"alg": "RS256"})),
        b64(claims)
    )
}

#[test]
fn a_hostile_answer_is_printed_escaped_and_its_rotated_token_still_saved() {
    let mut env = TestEnv::new("text-hostile");
    let long_word = "s".repeat(70_000);
    let long_claim = "c".repeat(70_000);
    let fields = vec![
        ("scope".to_string(), format!("api {long_word} web\u{9b}2J")),
        ("token_type".into(), "Bearer\u{9b}31m\u{202e}".into()),
        (
            "x\u{85}odd\u{2066}".into(),
            "\u{1b}]52;c;ZXZpbA==\u{7}\u{9d}".into(),
        ),
        (
            "id_token".into(),
            jwt(&serde_json::json!({ long_claim.clone(): 1, "name\u{202e}": "Eve\u{9b}" })),
        ),
    ];
    let header = ("X-Note".to_string(), "a\u{9b}b\u{202e}c".to_string());
    env.add_org("hostile", true, |g| {
        g.with(Behaviour::Hostile { fields, header })
    });

    let out = env.run(&["refresh", "hostile"], "");
    assert_success(&out);
    let text = stdout(&out);
    assert_escaped("refresh", &text);
    assert_escaped("refresh's stderr", &stderr(&out));
    // The body is JSON: C1 and bidi as JSON escapes; everything else as visible escapes.
    assert!(
        text.contains(r#""token_type": "Bearer\u009b31m\u202e""#),
        "{}",
        &text[..2000]
    );
    assert!(
        text.contains(r"x-note: a\u{9b}b\u{202e}c"),
        "headers not escaped"
    );
    assert!(text.contains(r"name\u{202e}"), "claim name not escaped");
    assert!(text.contains(r"Eve\u{9b}"), "claim value not escaped");
    // Long values are cut in the aligned details, not in the raw body.
    assert!(text.contains(&long_word), "the body keeps the answer whole");
    let details = &text[text.find("\nDetails:").unwrap()..];
    assert!(!details.contains(&long_word), "a detail line is not cut");
    assert!(
        details.contains('…'),
        "{}",
        &details[..details.len().min(3000)]
    );
    for line in details.lines() {
        assert!(
            line.chars().count() <= 1100,
            "a detail line of {} chars",
            line.len()
        );
    }
    // The rotated refresh token was saved first: the org refreshes again.
    let issued = env.server.issued_secrets();
    assert!(issued.iter().any(|s| s.starts_with(ROTATED_REFRESH_PREFIX)));
    let out = env.run(&["refresh", "hostile"], "");
    assert_success(&out);
    env.assert_no_secrets_on_disk();
}

/// Replaces the `username =` line of the only org with a hand-edited one.
fn hand_edit(env: &TestEnv, username: &str, notes: &str) {
    let path = env.dir.join("orgs.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let quote = |s: &str| toml_string(s);
    let edited: String = text
        .lines()
        .map(|line| {
            if line.starts_with("client_id") {
                format!(
                    "{line}\nusername = {}\nnotes = {}",
                    quote(username),
                    quote(notes)
                )
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, edited).unwrap();
}

/// A TOML basic string with every control written as `\uXXXX`, as a hand edit could.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn a_hand_edited_orgs_file_is_printed_escaped_and_cut() {
    let mut env = TestEnv::new("text-file");
    env.add_org("prod", false, |g| g);
    let long = "u".repeat(66_000);
    hand_edit(
        &env,
        &format!("{long}\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}moc"),
        "note\u{1b}[2J\u{85}\u{2067}end\nsecond line",
    );
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["show", "prod"],
        &["show", "prod", "--json"],
    ] {
        let out = env.run(args, "");
        assert_success(&out);
        assert_escaped(&args.join(" "), &stdout(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    let table = stdout(&env.run(&["list"], ""));
    for line in table.lines() {
        assert!(
            line.chars().count() < 200,
            "a list line of {} chars",
            line.len()
        );
    }
    assert!(table.contains("uuu…"), "{table}");
    let json = stdout(&env.run(&["list", "--json"], ""));
    assert!(
        json.contains(r"\u009b2J\u202emoc"),
        "{}",
        &json[json.len() - 400..]
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        parsed[0]["username"]
            .as_str()
            .unwrap()
            .ends_with("\u{9b}2J\u{202e}moc")
    );
    let show = stdout(&env.run(&["show", "prod"], ""));
    assert!(
        show.contains(r"note\u{1b}[2J\u{85}\u{2067}end\nsecond line"),
        "{show}"
    );
}

#[test]
fn output_into_a_closed_pipe_ends_quietly_with_status_zero() {
    let mut env = TestEnv::new("text-pipe");
    env.add_org("prod", false, |g| g);
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["show", "prod"],
        &["show", "prod", "--json"],
        &["refresh", "prod"],
        &["token", "prod"],
        &["env", "prod"],
        &["userinfo", "prod"],
        &["userinfo", "prod", "--json"],
        &["introspect", "prod"],
        &["export", "prod", "--format", "postman-env"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        // Nobody reads: every write fails with EPIPE, as after `| head -1` has left.
        drop(reader);
        let out = env
            .cmd(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
    // And through a shell that fails a pipeline on any failing part.
    let script = "for i in $(seq 40); do \"$SFKEY\" list --json; done | head -1 >/dev/null";
    let out = std::process::Command::new("bash")
        .args(["-o", "pipefail", "-c", script])
        .env("SFKEY", env!("CARGO_BIN_EXE_sfkey"))
        .env("SFKEY_CONFIG_DIR", &env.dir)
        .env("SFKEY_LOG", "off")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn login_hosts_outside_salesforce_need_any_host_and_are_shown_in_punycode() {
    let mut env = TestEnv::new("text-hosts");
    let add = |name: &str, url: &str, extra: &[&str]| {
        let mut args = vec!["add", name, "--login-url", url, "--client-id", "3MVG9x"];
        args.extend(extra);
        env.run(&args, "s-TESTSECRET\nr-TESTSECRET\n")
    };
    // A Cyrillic `о` in `login`.
    let err = assert_fails_with(
        &add("homoglyph", "https://lоgin.salesforce.com", &[]),
        "--any-host",
    );
    assert!(err.contains("xn--lgin-"), "{err}");
    assert!(err.is_ascii(), "the host is shown in punycode: {err}");
    let err = assert_fails_with(
        &add("suffix", "https://login.salesforce.com.evil.example", &[]),
        "not a Salesforce domain",
    );
    assert!(err.contains("login.salesforce.com.evil.example"), "{err}");
    let out = add("homoglyph", "https://lоgin.salesforce.com", &["--any-host"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("warning: the login host xn--lgin-"),
        "{}",
        stderr(&out)
    );
    let listed = stdout(&env.run(&["list"], ""));
    assert!(listed.contains("https://xn--lgin-"), "{listed}");

    // The address copied from the browser names the My Domain to use.
    assert_fails_with(
        &add("lightning", "https://acme.lightning.force.com", &[]),
        "--login-url https://acme.my.salesforce.com",
    );
    assert_fails_with(
        &add("x", "acme.my.salesforce.com", &[]),
        "must start with https://",
    );
    assert_fails_with(
        &add("x", "https://acme.my.salesforce.com?x=1", &[]),
        "a query",
    );
    assert_fails_with(
        &add("x", "https://acme .my.salesforce.com", &[]),
        "has a space",
    );
    assert_fails_with(&add(".", "login", &[]), "invalid org name");
    assert_fails_with(&add("..", "login", &[]), "invalid org name");
    // edit and login check the same way.
    assert_fails_with(
        &env.run(
            &["edit", "homoglyph", "--login-url", "https://evil.example"],
            "",
        ),
        "--any-host",
    );
    assert_fails_with(
        &env.run(&["login", "x", "--login-url", "https://evil.example"], ""),
        "--any-host",
    );
    env.secrets_used.push("r-TESTSECRET".into());
    env.assert_no_secrets_on_disk();
}

#[test]
fn an_auth_url_with_a_space_in_its_host_is_refused() {
    let env = TestEnv::new("text-authurl");
    let out = env.run(
        &["import", "-"],
        "force://3MVG9x::5Aep861TESTSECRETx@bad host\n",
    );
    let err = assert_fails_with(&out, "has a space");
    assert!(!err.contains("TESTSECRET"), "{err}");
    let out = env.run(
        &["import", "-"],
        "force://3MVG9x::5Aep861TESTSECRETx@evil.example\n",
    );
    assert_fails_with(&out, "--any-host");
    assert_eq!(stdout(&env.run(&["list", "--json"], "")).trim(), "[]");
}

#[test]
fn a_hand_edited_org_id_is_refused_with_a_clear_message() {
    let mut env = TestEnv::new("text-orgid");
    env.add_org("prod", false, |g| g);
    let path = env.dir.join("orgs.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited: String = text
        .lines()
        .map(|l| {
            if l.starts_with("id = ") {
                "id = \"../../escape\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, edited).unwrap();
    let err = assert_fails_with(&env.run(&["refresh", "prod"], ""), "invalid org id");
    assert!(err.contains("../../escape"), "{err}");
    assert!(!env.dir.join("..").join("escape").exists());
    assert!(env.server.requests().is_empty(), "nothing is sent");
}

#[test]
fn rough_edges_of_a_first_use_get_a_clear_word() {
    let mut env = TestEnv::new("text-rough");
    // No orgs: every way to get one.
    let out = env.run(&["list"], "");
    assert_success(&out);
    let said = stderr(&out);
    for way in [
        "sfkey login NAME",
        "sfkey import",
        "sfkey add NAME",
        "sfkey --demo",
    ] {
        assert!(said.contains(way), "{way}: {said}");
    }
    env.add_org("rotate", false, |g| g);
    env.add_org("prod", false, |g| g);
    // A near miss names the org that was meant.
    let err = assert_fails_with(&env.run(&["refresh", "rotat"], ""), "Did you mean rotate?");
    assert!(err.contains("Saved orgs: rotate, prod."), "{err}");
    assert_fails_with(&env.run(&["show", "prdo"], ""), "Did you mean prod?");
    let err = assert_fails_with(&env.run(&["token", "staging"], ""), "no org named");
    assert!(!err.contains("Did you mean"), "{err}");
    // A log level that is not one is said, and the command still runs.
    let out = env
        .cmd(&["list"])
        .env("SFKEY_LOG", "verbose")
        .output()
        .unwrap();
    assert_success(&out);
    assert!(
        stderr(&out).contains("SFKEY_LOG=\"verbose\" is not a level"),
        "{}",
        stderr(&out)
    );
    // `refresh` and `show` round the latency the same way.
    let out = env.run(&["refresh", "prod"], "");
    assert_success(&out);
    let said = stderr(&out);
    let latency = said
        .split("Refreshed prod in ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_string();
    assert!(latency.ends_with(" ms") && !latency.contains('.'), "{said}");
    let shown = stdout(&env.run(&["show", "prod"], ""));
    assert!(
        shown.contains(&format!("(HTTP 200), {latency}")),
        "{latency}: {shown}"
    );
}

#[test]
fn invalid_client_without_a_stored_secret_says_none_is_stored() {
    let mut env = TestEnv::new("text-nosecret");
    // The app has a secret; the org was saved without one.
    let (_, refresh) = env.grant("3MVG9needs", true, |g| g);
    let url = env.server.url().to_string();
    let out = env.run(
        &[
            "add",
            "nosecret",
            "--login-url",
            &url,
            "--client-id",
            "3MVG9needs",
        ],
        &format!("\n{refresh}\n"),
    );
    assert_success(&out);
    let err = assert_fails_with(&env.run(&["refresh", "nosecret"], ""), "invalid_client");
    assert!(err.contains("no client secret is stored"), "{err}");
    assert!(err.contains("needs a client secret"), "{err}");
    assert!(err.contains("sfkey edit nosecret --secrets"), "{err}");
    assert!(!err.contains("wrong"), "{err}");
}

#[test]
fn an_imported_file_is_printed_escaped() {
    let mut env = TestEnv::new("text-import");
    std::fs::create_dir_all(&env.dir).unwrap();
    let username = "admin\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}moc.evil@acme.com";
    let file = env.dir.join("hostile.postman_environment.json");
    let doc = serde_json::json!({"name": "hostile", "values": [
        {"key": "url", "value": "https://login.salesforce.com"},
        {"key": "clientId", "value": "3MVG9hostile"},
        {"key": "username", "value": username},
        {"key": "_refreshToken", "value": "5Aep861TESTSECRETimport"},
    ]});
    std::fs::write(&file, doc.to_string()).unwrap();
    env.secrets_used.push("5Aep861TESTSECRETimport".into());
    let out = env.run(&["import", file.to_str().unwrap(), "--name", "hostile"], "");
    assert_success(&out);
    let said = stderr(&out);
    assert_escaped("import", &said);
    assert!(
        said.contains(r"admin\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}moc.evil@acme.com"),
        "{said}"
    );
    let listed = stdout(&env.run(&["list"], ""));
    assert_escaped("list after import", &listed);
    std::fs::remove_file(&file).unwrap();
    env.assert_no_secrets_on_disk();
}
