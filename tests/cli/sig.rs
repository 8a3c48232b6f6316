//! The signature check and the token details end to end: the library over loopback, the
//! `refresh` and `token` commands; the keyring is the real one. The TUI's verdicts are an
//! in-process loop test (tests/tui/signature.rs).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{TestEnv, assert_success, stderr, stdout};
use secrecy::{ExposeSecret, SecretString};
use sfkey::fake_salesforce::{Behaviour, FAKE_ORG_ID, FAKE_USER_ID};
use sfkey::org::Org;
use sfkey::salesforce::HttpSettings;
use sfkey::salesforce::signature::{SignatureCheck, Unverifiable};
use sfkey::saved_org::refresh::{ClientFor, Refreshed, refresh_org};
use sfkey::store::{NewSecrets, SecretKind, Store};

/// A POSIX zone 5:30 east of UTC, so local times differ from UTC without needing tzdata.
const TZ: &str = "XYZ-5:30";

fn refresh(store: &Store, org: &Org) -> Refreshed {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(refresh_org(
            store,
            org,
            ClientFor::Build(HttpSettings::default()),
        ))
        .unwrap()
}

/// Saves an org through the library, with or without a client secret, answering `behaviour`.
fn add(env: &mut TestEnv, name: &str, with_secret: bool, behaviour: Behaviour) -> (Store, Org) {
    let client_id = format!("3MVG9{name}");
    let (secret, refresh) = env.grant(&client_id, with_secret, |g| g.with(behaviour));
    let store = env.store();
    let org = store
        .add(
            Org::new(name, env.server.url(), client_id),
            NewSecrets {
                client_secret: secret.map(SecretString::from),
                refresh_token: SecretString::from(refresh),
            },
        )
        .unwrap();
    (store, org)
}

#[test]
fn the_library_reports_each_verdict_and_keeps_the_token_on_a_mismatch() {
    let mut env = TestEnv::new("sig-library");
    let (store, good) = add(&mut env, "good", true, Behaviour::Ok);
    assert_eq!(refresh(&store, &good).signature, SignatureCheck::Verified);

    let (store, public) = add(&mut env, "public", false, Behaviour::Ok);
    assert_eq!(
        refresh(&store, &public).signature,
        SignatureCheck::Unverifiable(Unverifiable::NoClientSecret)
    );

    let (store, bad) = add(&mut env, "bad", true, Behaviour::BadSignature);
    let done = refresh(&store, &bad);
    assert_eq!(done.signature, SignatureCheck::Mismatch);
    // The token is saved all the same: the signature does not cover it, and the user decides.
    let stored = store.secret(&bad.id, SecretKind::AccessToken).unwrap();
    let issued = done.success.token.access_token().unwrap();
    assert_eq!(
        stored.map(|s| s.expose_secret().to_string()),
        Some(issued.expose_secret().to_string())
    );
    env.assert_no_secrets_on_disk();
}

#[test]
fn refresh_prints_the_details_after_the_answer() {
    let mut env = TestEnv::new("sig-cli-details");
    env.add_org("prod", true, |g| g);
    let out = env
        .cmd(&["refresh", "prod"])
        .env("TZ", TZ)
        .output()
        .unwrap();
    assert_success(&out);
    let text = stdout(&out);
    let headers_at = text.find("Response Header:").unwrap();
    let details_at = text.find("\nDetails:\n").unwrap();
    assert!(headers_at < details_at, "{text}");
    let details = &text[details_at..];
    for expected in [
        "  signature  ✓ verified with your client secret\n",
        "  scope      refresh_token  refresh tokens (offline access)\n",
        "             openid         an id_token in each answer\n",
        "             api            data through the APIs\n",
        "  id_token   decoded, NOT VERIFIED: sfkey does not check it against the org's /id/keys\n",
        "             header  kid fake · typ JWT · alg RS256\n",
        "             aud     fake-client\n",
        &format!("  id         org {FAKE_ORG_ID} · user {FAKE_USER_ID}\n"),
    ] {
        assert!(
            details.contains(expected),
            "{expected:?} missing:\n{details}"
        );
    }
    // Local time in the zone of TZ, and its age; the id_token's times the same way.
    let issued = details
        .lines()
        .find(|l| l.starts_with("  issued_at  "))
        .unwrap_or_else(|| panic!("no issued_at:\n{details}"));
    assert!(issued.ends_with(" +05:30 · just now"), "{issued}");
    let exp = details.lines().find(|l| l.contains(" exp ")).unwrap();
    assert!(exp.contains(" +05:30 · in 4m"), "{exp}");
    // Nothing secret: the access token stays masked in the body and never shows in details.
    let access = env.server.issued_secrets().pop().unwrap();
    assert!(!text.contains(&access), "{text}");
    assert!(!stderr(&out).contains("WARNING"), "{}", stderr(&out));
    env.assert_no_secrets_on_disk();
}

#[test]
fn a_mismatch_is_loud_refresh_exits_3_and_scripts_still_get_their_token() {
    let mut env = TestEnv::new("sig-cli-mismatch");
    env.add_org("tampered", true, |g| g.with(Behaviour::BadSignature));

    let out = env.run(&["refresh", "tampered"], "");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "  signature  ✗ MISMATCH\n             the answer does not match your client secret"
        ),
        "{text}"
    );
    let err = stderr(&out);
    assert!(
        err.contains("sfkey: WARNING: SIGNATURE MISMATCH for tampered"),
        "{err}"
    );
    assert!(err.contains("sfkey edit tampered --secrets"), "{err}");

    // --help says what 3 means.
    let help = stdout(&env.run(&["refresh", "--help"], ""));
    assert!(help.contains("3 when the token arrived"), "{help}");

    // token: the token on stdout as usual, the warning on stderr.
    let out = env.run(&["token", "tampered", "--refresh"], "");
    assert_success(&out);
    let newest = env.server.issued_secrets().pop().unwrap();
    assert_eq!(stdout(&out), format!("{newest}\n"));
    assert!(
        stderr(&out).contains("SIGNATURE MISMATCH"),
        "{}",
        stderr(&out)
    );

    // A stored token handed out without a refresh has no answer to check: no warning.
    let out = env.run(&["token", "tampered"], "");
    assert_success(&out);
    assert!(!stderr(&out).contains("MISMATCH"), "{}", stderr(&out));

    // userinfo refreshes first when the stored token is gone, and warns the same way.
    assert_success(&env.run(&["revoke", "tampered", "--yes"], ""));
    let out = env.run(&["userinfo", "tampered"], "");
    assert_success(&out);
    assert!(
        stderr(&out).contains("sfkey: WARNING: SIGNATURE MISMATCH for tampered"),
        "{}",
        stderr(&out)
    );
    env.assert_no_secrets_on_disk();
}

#[test]
fn without_a_client_secret_the_signature_is_unverifiable() {
    let mut env = TestEnv::new("sig-cli-public");
    env.add_org("public", false, |g| g);
    let out = env.run(&["refresh", "public"], "");
    assert_success(&out);
    let text = stdout(&out);
    assert!(
        text.contains(
            "  signature  unverifiable\n             no client secret is stored for this org\n"
        ),
        "{text}"
    );
    assert!(!stderr(&out).contains("MISMATCH"), "{}", stderr(&out));
}
