//! `sfkey import` and `sfkey export` end to end: the real binary, the real keyring, the loopback
//! Salesforce, and a stub `sf` on PATH that prints the Salesforce CLI's real JSON shapes.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::path::{Path, PathBuf};

use common::{TestEnv, assert_fails_with, assert_success, stderr, stdout};
use serde_json::Value;
use sfkey::fake_salesforce::Behaviour;
use sfkey::store::{KeyringStore, SecretKind, SecretStore};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/salesforce.postman-environment.json"
);

/// A fresh grant on the fake server, as an auth URL for it.
fn auth_url(env: &mut TestEnv, name: &str, with_secret: bool) -> String {
    let client_id = format!("3MVG9client-{name}");
    let (secret, refresh) = env.grant(&client_id, with_secret, |g| g);
    let host = env
        .server
        .url()
        // The fake speaks plain HTTP: say so (a bare loopback host is https, as in sf).
        .trim_end_matches('/')
        .to_string();
    format!(
        "force://{client_id}:{}:{refresh}@{host}",
        secret.as_deref().unwrap_or("")
    )
}

fn orgs_json(env: &TestEnv) -> Vec<Value> {
    let out = env.run(&["list", "--json"], "");
    assert_success(&out);
    serde_json::from_str::<Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The variable `key` of a Postman environment export.
fn postman_var(doc: &Value, key: &str) -> Value {
    let values = doc["values"].as_array().unwrap();
    let var = values.iter().find(|v| v["key"] == key);
    var.unwrap_or_else(|| panic!("no {key} in {doc}")).clone()
}

fn secret_of(env: &TestEnv, name: &str, kind: SecretKind) -> Option<String> {
    let org = env.store().find(name).unwrap();
    use secrecy::ExposeSecret;
    KeyringStore::new()
        .get(&org.id, kind)
        .unwrap()
        .map(|s| s.expose_secret().to_string())
}

#[test]
fn an_auth_url_on_stdin_becomes_an_org_that_refreshes() {
    let mut env = TestEnv::new("import-stdin");
    let url = auth_url(&mut env, "acme", false);
    let out = env.run(&["import", "-", "--name", "acme"], &format!("{url}\n"));
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("Added acme from stdin"), "{err}");
    assert!(!err.contains("TESTSECRET"), "{err}");
    let org = env.store().find("acme").unwrap();
    assert_eq!(org.login_url, env.server.url().trim_end_matches('/'));
    assert_eq!(org.client_id, "3MVG9client-acme");
    assert_eq!(secret_of(&env, "acme", SecretKind::ClientSecret), None);
    let out = env.run(&["refresh", "acme"], "");
    assert_success(&out);
    // The refresh's id URL gives the org and user ids.
    let org = env.store().find("acme").unwrap();
    assert!(org.salesforce_org_id.as_deref().unwrap().starts_with("00D"));

    // Export gives back the URL that was imported.
    let out = env.run(&["export", "acme", "--format", "sfdx-url"], "");
    assert_success(&out);
    assert_eq!(stdout(&out), format!("{url}\n"));
    env.assert_no_secrets_on_disk();
}

#[test]
fn files_arguments_and_duplicates() {
    let mut env = TestEnv::new("import-files");
    let url = auth_url(&mut env, "uat", true);
    // Input files hold secrets, so they live outside the config dir the secret scan reads.
    let inputs = tempfile::tempdir().unwrap();
    let dir = inputs.path();
    // The JSON `sf org auth show-sfdx-auth-url --json` prints, in a file.
    let file = dir.join("auth.json");
    std::fs::write(
        &file,
        format!(r#"{{"status":0,"result":{{"sfdxAuthUrl":"{url}"}},"warnings":["This command exposes a sensitive SFDX Auth URL"]}}"#),
    )
    .unwrap();
    let out = env.run(&["import", file.to_str().unwrap(), "--name", "uat"], "");
    assert_success(&out);
    assert!(
        stderr(&out).contains(&format!("Added uat from {}", file.display())),
        "{}",
        stderr(&out)
    );
    assert!(
        secret_of(&env, "uat", SecretKind::ClientSecret)
            .unwrap()
            .contains("TESTSECRET")
    );

    // The same auth URL under another name: the refresh token gives it away.
    let out = env.run(&["import", "-", "--name", "uat2"], &url);
    assert_fails_with(
        &out,
        "uat2 is already saved as uat (same login URL, client id and refresh token)",
    );

    // The same org again: refused without --update, nothing changes.
    let out = env.run(&["import", &url, "--name", "uat"], "");
    let err = assert_fails_with(
        &out,
        "uat is already saved as uat (same login URL, client id and refresh token)",
    );
    assert!(
        err.contains("--update") && err.contains("shell history"),
        "{err}"
    );
    assert!(!err.contains("TESTSECRET"), "{err}");
    assert_eq!(orgs_json(&env).len(), 1);

    // With --update it replaces the secrets of the same org (same id).
    let id = env.store().find("uat").unwrap().id;
    let newer = auth_url(&mut env, "uat", false);
    let out = env.run(&["import", "-", "--name", "uat"], &newer);
    let err = assert_fails_with(&out, "uat is already saved as uat (same name)");
    assert!(err.contains("choose another name with --name"), "{err}");
    let out = env.run(&["import", "-", "--name", "uat", "--update"], &newer);
    assert_success(&out);
    assert!(
        stderr(&out).contains("Updated uat from stdin"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.store().find("uat").unwrap().id, id);
    assert_eq!(secret_of(&env, "uat", SecretKind::ClientSecret), None);
    assert_eq!(orgs_json(&env).len(), 1);
    env.assert_no_secrets_on_disk();
}

#[test]
fn bad_input_names_the_source_and_field_and_saves_nothing() {
    let mut env = TestEnv::new("import-bad");
    let url = auth_url(&mut env, "x", true);
    let missing = env.dir.join("nope.json");
    let out = env.run(&["import", missing.to_str().unwrap()], "");
    assert_fails_with(&out, &format!("{}: file: no such file", missing.display()));

    let broken = url.replacen(':', "", 2).replacen("force", "force:", 1);
    let out = env.run(&["import", "-"], &broken);
    let err = assert_fails_with(&out, "stdin: auth URL: malformed SFDX auth URL");
    assert!(
        err.contains("nothing was imported") && !err.contains("TESTSECRET"),
        "{err}"
    );

    // Input files hold secrets, so they live outside the config dir the secret scan reads.
    let inputs = tempfile::tempdir().unwrap();
    let dir = inputs.path();
    let env_file = dir.join("env.json");
    std::fs::write(&env_file, r#"{"name":"x","values":[{"key":"url","value":"https://login.salesforce.com"},{"key":"clientId","value":"3MVG9"}]}"#).unwrap();
    let out = env.run(&["import", env_file.to_str().unwrap()], "");
    assert_fails_with(
        &out,
        &format!(
            "{}: variable \"_refreshToken\": is missing or empty",
            env_file.display()
        ),
    );

    let out = env.run(&["import", "-"], "[1, 2]");
    assert_fails_with(&out, "stdin: text: is neither");
    assert!(orgs_json(&env).is_empty());
    env.assert_no_secrets_on_disk();
}

#[test]
fn postman_sample_round_trips_and_export_carries_the_last_access_token() {
    let mut env = TestEnv::new("import-postman");
    env.secrets_used.extend([
        "SAMPLECLIENTSECRET0123456789".into(),
        "5Aep861SAMPLErefreshTokenForTheReadme".into(),
    ]);
    let out = env.run(&["import", SAMPLE], "");
    assert_success(&out);
    assert!(
        stderr(&out).contains("Added Acme-Production from"),
        "{}",
        stderr(&out)
    );
    let first = orgs_json(&env);

    // Input files hold secrets, so they live outside the config dir the secret scan reads.
    let inputs = tempfile::tempdir().unwrap();
    let dir = inputs.path();
    let exported = dir.join("env.json");
    // The sample's org is a real one: no network call from a test.
    let export = [
        "export",
        "Acme-Production",
        "--format",
        "postman-env",
        "--no-refresh",
        "-o",
        exported.to_str().unwrap(),
    ];
    let out = env.run(&export, "");
    assert_success(&out);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&exported).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    let var = |key: &str| postman_var(&doc, key);
    assert_eq!(var("_refreshToken")["type"], "secret");
    assert_eq!(
        var("_refreshToken")["value"],
        "5Aep861SAMPLErefreshTokenForTheReadme"
    );
    assert_eq!(var("_orgId")["value"], "00D5g000004ABCDEAA");
    // A second export refuses to overwrite.
    let out = env.run(&export, "");
    assert_fails_with(&out, "already exists");
    // Re-importing the export is the same org: refused, then updated in place.
    let out = env.run(&["import", exported.to_str().unwrap()], "");
    assert_fails_with(&out, "same org id and user");
    let out = env.run(&["import", exported.to_str().unwrap(), "--update"], "");
    assert_success(&out);
    let mut again = orgs_json(&env);
    // The update stored the refresh token again, so its "stored since" moved; nothing else did.
    let mut first = first.clone();
    for org in first.iter_mut().chain(again.iter_mut()) {
        org.as_object_mut()
            .unwrap()
            .remove("refresh_token_since_ms");
    }
    assert_eq!(first, again);
    std::fs::remove_file(&exported).unwrap();

    // An org refreshed against the fake server exports its last access token.
    let url = auth_url(&mut env, "live", true);
    assert_success(&env.run(&["import", "-", "--name", "live"], &url));
    assert_success(&env.run(&["refresh", "live"], ""));
    let out = env.run(&["export", "live", "--format", "postman-env"], "");
    assert_success(&out);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let access = postman_var(&doc, "_accessToken");
    assert_eq!(
        access["value"].as_str(),
        secret_of(&env, "live", SecretKind::AccessToken).as_deref()
    );
    assert_eq!(access["type"], "secret");
    let user = postman_var(&doc, "_userId");
    assert!(user["value"].as_str().unwrap().starts_with("005"));
    env.assert_no_secrets_on_disk();
}

/// A stub `sf` in its own dir: answers `org list` and `org auth show-sfdx-auth-url` with the
/// CLI's JSON, and logs its argv so the test can check no secret was passed.
fn stub_sf(dir: &Path, acme_url: &str, legacy_url: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let list = r#"{"status":0,"result":{"other":[{"accessToken":"00D5g000004ABCD!AQ0AQstub","instanceUrl":"https://acme.my.salesforce.com","orgId":"00D5g000004ABCDEAA","username":"admin@acme.com","loginUrl":"https://login.salesforce.com","clientId":"PlatformCLI","isDevHub":false,"instanceApiVersion":"62.0","instanceApiVersionLastRetrieved":"11/20/2026, 10:00:00 AM","alias":"acme","lastUsed":"2026-11-20T10:00:00.000Z","connectedStatus":"Unknown","defaultMarker":"(U)","isDefaultUsername":true}],"sandboxes":[],"nonScratchOrgs":[{"accessToken":"00D5g000004ABCD!AQ0AQstub","instanceUrl":"https://acme.my.salesforce.com","orgId":"00D5g000004ABCDEAA","username":"admin@acme.com","loginUrl":"https://login.salesforce.com","clientId":"PlatformCLI","alias":"acme","connectedStatus":"Unknown"},{"accessToken":"00D5g000004CICI!AQ0AQstub","instanceUrl":"https://ci.my.salesforce.com","orgId":"00D5g000004CICIEAA","username":"ci@acme.com","loginUrl":"https://login.salesforce.com","clientId":"3MVG9jwtapp","alias":"ci-jwt","connectedStatus":"Unknown"},{"instanceUrl":"https://old.my.salesforce.com","orgId":"00D5g000004OLDDEAA","username":"old@acme.com","loginUrl":"https://login.salesforce.com","alias":"legacy","connectedStatus":"Unknown"}],"devHubs":[],"scratchOrgs":[]},"warnings":[]}"#;
    let jwt = r#"{"name":"NoRefreshTokenError","message":"An SFDX Auth URL is not available for \"ci@acme.com\". This URL is only available for orgs authenticated via a web-based login flow. Re-authenticate to the org using \"sf org login web\" to make it available.","exitCode":1,"context":"OrgAuthShowSfdxAuthUrl","commandName":"OrgAuthShowSfdxAuthUrl","stack":"NoRefreshTokenError: An SFDX Auth URL is not available","warnings":["This command exposes a sensitive SFDX Auth URL containing a refresh token that grants persistent access to the org."],"status":1,"code":"NoRefreshTokenError"}"#;
    let script = format!(
        r#"#!/bin/sh
echo "$*" >> "{log}"
echo "SF_DISABLE_AUTOUPDATE=$SF_DISABLE_AUTOUPDATE" >> "{log}"
case "$*" in
  "alias list --json") cat <<'EOF'
{{"status":0,"result":[{{"alias":"acme","value":"admin@acme.com"}},{{"alias":"prod","value":"admin@acme.com"}},{{"alias":"ci-jwt","value":"ci@acme.com"}},{{"alias":"legacy","value":"old@acme.com"}}],"warnings":[]}}
EOF
  ;;
  "org auth show-sfdx-auth-url --json -o legacy") cat <<'EOF'
{{"status":0,"result":{{"sfdxAuthUrl":"{legacy_url}"}},"warnings":[]}}
EOF
  ;;
  "org list --json --skip-connection-status") cat <<'EOF'
{list}
EOF
  ;;
  "org auth show-sfdx-auth-url --json -o acme") cat <<'EOF'
{{"status":0,"result":{{"sfdxAuthUrl":"{acme_url}"}},"warnings":["This command exposes a sensitive SFDX Auth URL containing a refresh token that grants persistent access to the org."]}}
EOF
  ;;
  "org auth show-sfdx-auth-url --json -o ci-jwt") cat <<'EOF'
{jwt}
EOF
  exit 1 ;;
  *) echo '{{"status":1,"name":"UnexpectedArgs","message":"stub sf got unexpected arguments"}}'; exit 1 ;;
esac
"#,
        log = dir.join("sf-argv.log").display()
    );
    let path = bin.join("sf");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn with_path(env: &TestEnv, bin: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = env.cmd(args);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path);
    common::run_with_stdin(cmd, "")
}

#[test]
fn from_sf_imports_web_orgs_by_alias_and_reports_jwt_orgs() {
    let mut env = TestEnv::new("import-sf");
    let url = auth_url(&mut env, "acme", false);
    // A legacy sf org has no client id: sf writes `force://:TOKEN@host` and uses its own app.
    let (_, legacy_token) = env.grant("PlatformCLI", false, |g| g);
    let legacy_url = format!(
        "force://:{legacy_token}@{}",
        env.server.url().trim_end_matches('/')
    );
    let stub = tempfile::tempdir().unwrap();
    let stub_dir = stub.path();
    let bin = stub_sf(stub_dir, &url, &legacy_url);

    let out = with_path(&env, &bin, &["import", "--from-sf"]);
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("Added acme from sf"), "{err}");
    assert!(err.contains("Added legacy from sf"), "{err}");
    assert_eq!(env.store().find("legacy").unwrap().client_id, "PlatformCLI");
    assert_success(&env.run(&["refresh", "legacy"], ""));
    assert!(err.contains("user admin@acme.com"), "{err}");
    assert!(
        err.contains("Skipped ci-jwt: sf has no refresh token"),
        "{err}"
    );
    let org = env.store().find("acme").unwrap();
    assert_eq!(org.salesforce_org_id.as_deref(), Some("00D5g000004ABCDEAA"));
    assert_eq!(
        org.instance_url.as_deref(),
        Some("https://acme.my.salesforce.com")
    );
    assert_success(&env.run(&["refresh", "acme"], ""));

    // Again: the same username at the same login URL and client id is a duplicate: skipped,
    // and with nothing new that is a failure that says so.
    let out = with_path(&env, &bin, &["import", "--from-sf", "acme"]);
    let err = assert_fails_with(&out, "nothing was imported");
    assert!(err.contains("Skipped acme: already saved as acme"), "{err}");
    // A known org does not block a new one: remove legacy, import everything again.
    assert_success(&env.run(&["remove", "legacy", "--yes"], ""));
    let out = with_path(&env, &bin, &["import", "--from-sf"]);
    assert_success(&out);
    let err = stderr(&out);
    assert!(err.contains("Added legacy from sf"), "{err}");
    assert!(err.contains("Skipped acme: already saved as acme"), "{err}");
    // A second alias that `sf org list` does not show is found through `sf alias list`.
    let out = with_path(&env, &bin, &["import", "--from-sf", "prod", "--update"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("Updated acme from sf"),
        "{}",
        stderr(&out)
    );

    // Only the JWT org: nothing to import is a failure that says why.
    let out = with_path(&env, &bin, &["import", "--from-sf", "ci-jwt"]);
    let err = assert_fails_with(&out, "nothing was imported");
    assert!(err.contains("Skipped ci-jwt"), "{err}");
    let out = with_path(&env, &bin, &["import", "--from-sf", "nope"]);
    assert_fails_with(
        &out,
        "nope: no org with that alias or username; sf knows: acme, ci-jwt",
    );

    // sf was asked by alias; no secret ever went into its argv.
    let argv = std::fs::read_to_string(stub_dir.join("sf-argv.log")).unwrap();
    assert!(
        argv.contains("org auth show-sfdx-auth-url --json -o acme"),
        "{argv}"
    );
    assert!(
        !argv.contains("TESTSECRET") && !argv.contains("force://"),
        "{argv}"
    );
    // sf's own name for "do not update yourself" (not SF_AUTOUPDATE_DISABLE), on every call.
    assert!(argv.contains("SF_DISABLE_AUTOUPDATE=true"), "{argv}");
    assert!(!argv.contains("SF_DISABLE_AUTOUPDATE=\n"), "{argv}");
    assert_eq!(orgs_json(&env).len(), 2);
    env.assert_no_secrets_on_disk();
}

#[test]
fn from_sf_without_sf_says_so() {
    let env = TestEnv::new("import-no-sf");
    let empty = env.dir.join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let mut cmd = env.cmd(&["import", "--from-sf"]);
    cmd.env("PATH", &empty);
    let out = common::run_with_stdin(cmd, "");
    assert_fails_with(&out, "sf: PATH: the Salesforce CLI (sf) is not on PATH");
}

/// What an org is, secrets included, for comparing two sfkeys' copies of it.
fn org_and_secrets(env: &TestEnv, name: &str) -> (Vec<Option<String>>, Vec<Option<String>>) {
    let org = env.store().find(name).unwrap();
    let fields = vec![
        Some(org.login_url),
        org.site,
        Some(org.client_id),
        org.username,
        org.instance_url,
        org.salesforce_org_id,
        org.salesforce_user_id,
    ];
    let secrets = [SecretKind::ClientSecret, SecretKind::RefreshToken]
        .into_iter()
        .map(|kind| secret_of(env, name, kind))
        .collect();
    (fields, secrets)
}

#[test]
fn exports_of_an_added_org_import_into_another_sfkey_as_the_same_org() {
    let mut env = TestEnv::new("export-round-trip");
    let (secret, refresh) = env.add_org("live", true, |g| g);
    assert_success(&env.run(&["edit", "live", "--username", "admin@acme.com"], ""));
    assert_success(&env.run(&["refresh", "live"], ""));
    let inputs = tempfile::tempdir().unwrap();
    let postman = inputs.path().join("live.postman_environment.json");
    let url_file = inputs.path().join("live.sfdx-url");
    for (format, path) in [("postman-env", &postman), ("sfdx-url", &url_file)] {
        let path = path.to_str().unwrap();
        let out = env.run(&["export", "live", "--format", format, "-o", path], "");
        assert_success(&out);
    }
    // What Postman and newman load: an environment of typed, enabled values.
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&postman).unwrap()).unwrap();
    assert_eq!(doc["_postman_variable_scope"], "environment");
    assert_eq!(doc["name"], "live");
    for value in doc["values"].as_array().unwrap() {
        assert!(
            value["key"].is_string() && value["value"].is_string(),
            "{value}"
        );
        assert_eq!(value["enabled"], true, "{value}");
        let secret = ["clientSecret", "_refreshToken", "_accessToken"]
            .contains(&value["key"].as_str().unwrap());
        assert_eq!(
            value["type"],
            if secret { "secret" } else { "default" },
            "{value}"
        );
    }

    // Another sfkey (its own config dir) gets the same org from the Postman export...
    let mut other = TestEnv::new("export-round-trip-other");
    other.secrets_used.extend(secret.clone());
    other.secrets_used.push(refresh.clone());
    let out = other.run(&["import", postman.to_str().unwrap()], "");
    assert_success(&out);
    assert_eq!(
        org_and_secrets(&other, "live"),
        org_and_secrets(&env, "live")
    );
    // ...and knows the auth URL export for the same org (the same refresh token).
    let out = other.run(
        &["import", url_file.to_str().unwrap(), "--name", "via-url"],
        "",
    );
    assert_fails_with(&out, "via-url is already saved as live");
    // The auth URL alone, into a fresh sfkey, is the same login URL, app and secrets.
    let mut third = TestEnv::new("export-round-trip-third");
    third.secrets_used.extend(secret.clone());
    third.secrets_used.push(refresh.clone());
    let out = third.run(
        &["import", url_file.to_str().unwrap(), "--name", "live"],
        "",
    );
    assert_success(&out);
    let (fields, secrets) = org_and_secrets(&third, "live");
    let (want_fields, want_secrets) = org_and_secrets(&env, "live");
    assert_eq!(fields[..3], want_fields[..3]);
    assert_eq!(secrets, want_secrets);
    // And it works: a refresh against the first sfkey's Salesforce.
    assert_success(&third.run(&["refresh", "live"], ""));
    for e in [&env, &other, &third] {
        e.assert_no_secrets_on_disk();
    }
}

#[test]
fn exporting_an_org_that_rotates_warns_and_needs_yes() {
    let mut env = TestEnv::new("export-rotating");
    env.add_org("steady", true, |g| g);
    env.add_org("rot", true, |g| g.with(Behaviour::Rotate));
    for name in ["steady", "rot"] {
        assert_success(&env.run(&["refresh", name], ""));
    }
    assert_eq!(env.store().find("rot").unwrap().rotates, Some(true));
    assert_eq!(env.store().find("steady").unwrap().rotates, Some(false));
    // An org that does not rotate exports as before.
    let out = env.run(&["export", "steady", "--format", "sfdx-url"], "");
    assert_success(&out);
    assert!(!stderr(&out).contains("rotates"), "{}", stderr(&out));
    // One that rotates: a warning that points to the proxy, and nothing without --yes.
    for format in ["sfdx-url", "postman-env"] {
        let out = env.run(&["export", "rot", "--format", format], "");
        let err = assert_fails_with(&out, "not exported");
        assert!(err.contains("rot rotates its refresh tokens"), "{err}");
        assert!(err.contains("sfkey exec --proxy rot"), "{err}");
        assert!(stdout(&out).is_empty(), "{}", stdout(&out));
        let out = env.run(&["export", "rot", "--format", format, "--yes"], "");
        assert_success(&out);
        assert!(stderr(&out).contains("rotates"), "{}", stderr(&out));
    }
    // Never refreshed: an auth URL comes with a note; a Postman export refreshes first, and
    // when that refresh rotates, the same warning and refusal.
    env.add_org("new-rot", true, |g| g.with(Behaviour::Rotate));
    let out = env.run(&["export", "new-rot", "--format", "sfdx-url"], "");
    assert_success(&out);
    assert!(stderr(&out).contains("is unknown"), "{}", stderr(&out));
    let out = env.run(&["export", "new-rot", "--format", "postman-env"], "");
    let err = assert_fails_with(&out, "not exported");
    assert!(err.contains("new-rot rotates its refresh tokens"), "{err}");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_postman_export_before_any_refresh_refreshes_first_and_names_the_api_version() {
    let mut env = TestEnv::new("export-postman-fresh");
    env.add_org("neo", true, |g| g);
    let value =
        |doc: &Value, key: &str| postman_var(doc, key)["value"].as_str().unwrap().to_string();
    // Never refreshed: the export refreshes first, so the collection's requests work at once.
    let out = env.run(&["export", "neo", "--format", "postman-env"], "");
    assert_success(&out);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(value(&doc, "_accessToken").starts_with(sfkey::fake_salesforce::ACCESS_TOKEN_PREFIX));
    assert_eq!(
        value(&doc, "_endpoint"),
        env.server.url().trim_end_matches('/')
    );
    assert_eq!(value(&doc, "version"), sfkey::fake_salesforce::API_VERSION);
    assert_eq!(env.server.token_requests(), 1);
    // With a token stored, no second refresh; --api-version wins over the org's answer.
    let out = env.run(
        &[
            "export",
            "neo",
            "--format",
            "postman-env",
            "--api-version",
            "59.0",
        ],
        "",
    );
    assert_success(&out);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value(&doc, "version"), "59.0");
    assert_eq!(env.server.token_requests(), 1);
    env.assert_no_secrets_on_disk();
}

#[test]
fn from_sf_with_a_crashing_sf_shows_its_status_and_error_line() {
    let env = TestEnv::new("import-sf-crash");
    let bin = env.dir.join("crash-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = "#!/bin/sh\n\
        echo '/usr/lib/node_modules/@salesforce/cli/node_modules/undici/index.js:116' >&2\n\
        echo \"TypeError: Cannot read properties of undefined (reading 'bind')\" >&2\n\
        echo '    at Object.<anonymous> (index.js:116:28)' >&2\n\
        exit 3\n";
    let path = bin.join("sf");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = with_path(&env, &bin, &["import", "--from-sf"]);
    let err = assert_fails_with(&out, "sf exited with status 3");
    assert!(
        err.contains("TypeError: Cannot read properties of undefined (reading 'bind')"),
        "{err}"
    );
}
