//! `l` in the terminal app end to end: the real binary in a pseudo-terminal, a "browser" that
//! is a script recording the URL it was asked to open, the test following that URL to the fake
//! Salesforce and its redirect back to sfkey, the org landing in the list and the keyring.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::login::{free_port, http_get, newest_login_refresh_token};
use common::pty::{self, Terminal};
use common::steps::stored_refresh_token;
use common::{TestEnv, assert_success, stdout};
use sfkey::fake_salesforce::{FAKE_USERNAME, LoginClient};

/// A "browser": a script that writes the URL it gets to `out`.
fn recording_browser(dir: &Path, out: &Path) -> String {
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script.display().to_string()
}

fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the browser was never opened");
}

/// `l`, then the form: name, custom login URL (the fake), no site, no client id.
fn start_login(term: &mut Terminal, name: &str, url: &str) {
    term.send("l");
    term.wait_for(" Log in with the browser ");
    term.send(format!("{name}\t\x1b[C\x1b[C"));
    term.wait_for("Login URL");
    term.send(format!("\t{url}\t\t\t"));
    term.send("\r");
    term.wait_for(&format!("Log in: {name}"));
}

#[test]
fn l_logs_in_through_the_browser_and_esc_cancels() {
    let env = TestEnv::new("tui-login");
    let port = free_port();
    env.server.add_login_client(LoginClient::new(
        "PlatformCLI",
        None,
        &format!("http://localhost:{port}/OauthRedirect"),
    ));
    let scratch = tempfile::tempdir().unwrap();
    let opened = scratch.path().join("opened-url");
    let browser = recording_browser(scratch.path(), &opened);
    let mut cmd = pty::command(&env, &[]);
    cmd.env("SFKEY_BROWSER", &browser);
    cmd.env("SFKEY_LOGIN_PORT", port.to_string());
    let url = env.server.url().to_string();
    let mut term = Terminal::spawn(cmd, 100, 30);
    term.wait_for("No orgs yet");

    start_login(&mut term, "tui-login", &url);
    let authorize = wait_for_file(&opened);
    assert!(
        authorize.starts_with(&format!("{url}/services/oauth2/authorize?")),
        "{authorize}"
    );
    term.wait_for_all(&["Opened your browser", "Esc cancels"]);

    // c copies the URL (through the terminal here: no display).
    term.send("c");
    term.wait_for("sent the login URL via OSC 52");
    let copies = term.copies();
    let copied = STANDARD.decode(&copies.last().unwrap().base64).unwrap();
    assert_eq!(String::from_utf8(copied).unwrap(), authorize);

    // The browser's part: the login page redirects back to sfkey with the code.
    let (status, location, _) = http_get(&authorize);
    assert_eq!(status, 302);
    let location = location.unwrap();
    let (wrong, _, _) = http_get(&location.replace("state=", "state=x"));
    assert_eq!(wrong, 400, "a wrong state must be refused");
    term.wait_for("Esc cancels");
    let (status, _, _) = http_get(&location);
    assert_eq!(status, 200);
    term.wait_for_all(&["▸tui-login", &format!("logged in as {FAKE_USERNAME}")]);

    let out = env.run(&["show", "tui-login"], "");
    assert_success(&out);
    assert!(stdout(&out).contains(FAKE_USERNAME), "{}", stdout(&out));
    assert_success(&env.run(&["refresh", "tui-login"], ""));

    // The same user under another name is not a second org: sfkey asks, then stores the login
    // in the saved org.
    let first_id = env.store().find("tui-login").unwrap().id;
    std::fs::remove_file(&opened).unwrap();
    start_login(&mut term, "tui-again", &url);
    let authorize = wait_for_file(&opened);
    let (_, location, _) = http_get(&authorize);
    let (status, _, _) = http_get(&location.unwrap());
    assert_eq!(status, 200);
    term.wait_for_all(&["already saved as tui-login", "y store it"]);
    term.send("y");
    term.wait_for("updated tui-login: logged in as");
    let orgs = env.store().orgs().unwrap();
    assert_eq!(orgs.len(), 1, "{orgs:?}");
    assert_eq!(orgs[0].id, first_id);
    assert_eq!(
        stored_refresh_token(&env, "tui-login"),
        newest_login_refresh_token(&env.server)
    );

    // Esc while waiting: the popup goes, nothing is saved, the port is freed.
    std::fs::remove_file(&opened).unwrap();
    start_login(&mut term, "tui-cancel", &url);
    wait_for_file(&opened);
    term.send("\x1b");
    term.wait_for("login cancelled");
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpListener::bind(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the port was not freed");
        std::thread::sleep(Duration::from_millis(50));
    }
    let listed = stdout(&env.run(&["list"], ""));
    assert!(!listed.contains("tui-cancel"), "{listed}");

    term.send("q");
    assert!(term.wait_exit().success());
    env.assert_no_secrets_on_disk();
    assert_success(&env.run(&["remove", "tui-login", "--yes"], ""));
}

/// In the demo, `l` logs in at the demo's fake Salesforce (its URL is filled in), so a login can
/// be tried without an org: the test plays the browser and the org joins the demo's list.
#[test]
fn l_in_the_demo_logs_in_at_the_fake_salesforce() {
    let env = TestEnv::new("tui-login-demo");
    let port = free_port();
    let scratch = tempfile::tempdir().unwrap();
    let opened = scratch.path().join("opened-url");
    let browser = recording_browser(scratch.path(), &opened);
    let mut cmd = pty::command(&env, &["--demo"]);
    cmd.env("SFKEY_BROWSER", &browser);
    cmd.env("SFKEY_LOGIN_PORT", port.to_string());
    let mut term = Terminal::spawn(cmd, 100, 30);
    term.wait_for("acme-prod");
    term.send("l");
    term.wait_for(" Log in with the browser ");
    term.wait_for("http://127.0.0.1:");
    term.send("demo-login\x13");
    let authorize = wait_for_file(&opened);
    assert!(authorize.starts_with("http://127.0.0.1:"), "{authorize}");
    let (status, location, _) = http_get(&authorize);
    assert_eq!(status, 302);
    let (status, _, _) = http_get(&location.unwrap());
    assert_eq!(status, 200);
    term.wait_for_all(&["▸demo-login", &format!("logged in as {FAKE_USERNAME}")]);
    term.send("r");
    term.wait_for("HTTP 200");
    env.assert_config_dir_empty();
}
