use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::ExposeSecret;

use super::super::keymap::{Action, KeyMap};
use super::*;
use crate::store::SecretKind;

mod keys;

/// A fresh RSA key in PEM (made by the openssl CLI, as the grant tests make theirs).
fn test_key() -> String {
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .expect("the openssl CLI makes the test key (apt-get install openssl)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn press(form: &mut OrgForm, code: KeyCode) -> FormOutcome {
    let keys = KeyMap::default();
    form.on_key(&KeyEvent::new(code, KeyModifiers::NONE), &keys, &["prod"])
}

fn ctrl(form: &mut OrgForm, c: char) -> FormOutcome {
    let keys = KeyMap::default();
    form.on_key(
        &KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
        &keys,
        &["prod"],
    )
}

/// The key table config.toml's `[keys]` makes of `toml`.
fn keys_of(toml: &str) -> KeyMap {
    KeyMap::with(&crate::preferences::parse(toml).unwrap().keys)
}

fn type_text(form: &mut OrgForm, text: &str) {
    form.paste(text, &["prod"]);
}

/// Moves the focus to `field` with Tab.
fn focus(form: &mut OrgForm, field: Field) {
    for _ in 0..Field::ALL.len() {
        if form.focus == field {
            return;
        }
        press(form, KeyCode::Tab);
    }
    panic!("{field:?} is not shown: {:?}", form.visible_fields());
}

fn submitted(outcome: FormOutcome, form: &OrgForm) -> OrgDraft {
    match outcome {
        FormOutcome::Submit(draft) => *draft,
        other => panic!("not submitted ({other:?}): {:?}", form.errors),
    }
}

/// Chooses the kind on a new form.
fn add_kind(kind: crate::org::OrgKind) -> OrgForm {
    let mut form = OrgForm::add();
    focus(&mut form, Field::Kind);
    while form.kind != kind {
        press(&mut form, KeyCode::Right);
    }
    form
}

#[test]
fn an_invalid_form_saves_nothing_and_marks_each_bad_field() {
    let mut form = OrgForm::add();
    type_text(&mut form, "prod");
    focus(&mut form, Field::Login);
    press(&mut form, KeyCode::Left); // custom
    focus(&mut form, Field::LoginUrl);
    type_text(&mut form, "ftp://example.com");
    assert!(matches!(form.submit(&["prod"]), FormOutcome::Continue));
    assert!(form.error(Field::Name).unwrap().contains("already exists"));
    assert!(form.error(Field::LoginUrl).unwrap().contains("https://"));
    assert!(
        form.error(Field::ClientId)
            .unwrap()
            .contains("the Client id field")
    );
    assert!(form.error(Field::RefreshToken).is_some());
    assert_eq!(form.focus, Field::Name);
    assert!(!form.is_saving());
}

#[test]
fn an_error_goes_as_soon_as_its_field_is_fixed_and_no_new_one_appears() {
    let mut form = OrgForm::add();
    type_text(&mut form, "prod");
    form.submit(&["prod"]);
    assert!(form.error(Field::Name).is_some());
    assert!(form.error(Field::ClientId).is_some());
    press(&mut form, KeyCode::Char('2'));
    assert_eq!(form.error(Field::Name), None, "prod2 is free");
    assert!(form.error(Field::ClientId).is_some(), "not fixed yet");
    focus(&mut form, Field::ClientId);
    type_text(&mut form, "3MVG9cid");
    assert_eq!(form.error(Field::ClientId), None);
    // Breaking the name again before the next save does not re-mark it.
    focus(&mut form, Field::Name);
    press(&mut form, KeyCode::Backspace);
    assert_eq!(form.error(Field::Name), None);
}

#[test]
fn a_lightning_address_names_its_my_domain() {
    let mut form = OrgForm::add();
    type_text(&mut form, "prod");
    focus(&mut form, Field::Login);
    press(&mut form, KeyCode::Left); // custom
    focus(&mut form, Field::LoginUrl);
    type_text(&mut form, "https://acme.lightning.force.com");
    form.submit(&[]);
    let error = form.error(Field::LoginUrl).unwrap_or_default();
    assert!(
        error.contains("My Domain: https://acme.my.salesforce.com in the Login URL field"),
        "{error}"
    );
}

#[test]
fn a_valid_add_form_yields_the_org_and_its_secrets() {
    let mut form = OrgForm::add();
    type_text(&mut form, "uat");
    focus(&mut form, Field::Login);
    press(&mut form, KeyCode::Char(' ')); // sandbox
    press(&mut form, KeyCode::Tab); // login URL hidden: straight to site
    assert_eq!(form.focus, Field::Site);
    type_text(&mut form, "/partners/");
    press(&mut form, KeyCode::Tab);
    type_text(&mut form, "3MVG9cid");
    press(&mut form, KeyCode::Tab);
    press(&mut form, KeyCode::Tab); // no client secret
    type_text(&mut form, "5Aep861token\n");
    let mut draft = submitted(press(&mut form, KeyCode::Enter), &form);
    let org = &draft.org;
    assert_eq!(org.kind, OrgKind::RefreshToken);
    assert_eq!(org.name, "uat");
    assert_eq!(org.login_url, "https://test.salesforce.com");
    assert_eq!(org.site.as_deref(), Some("/partners"));
    assert_eq!(org.client_id, "3MVG9cid");
    assert!(draft.take_secret(SecretKind::ClientSecret).is_none());
    let token = draft.take_secret(SecretKind::RefreshToken).unwrap();
    assert_eq!(token.expose_secret(), "5Aep861token");
    assert!(form.is_saving());
}

#[test]
fn a_jwt_bearer_org_takes_a_pasted_multiline_key() {
    let mut form = add_kind(OrgKind::JwtBearer);
    assert_eq!(
        form.visible_fields(),
        [
            Field::Kind,
            Field::Name,
            Field::Login,
            Field::ClientId,
            Field::Username,
            Field::PrivateKey
        ]
    );
    focus(&mut form, Field::Name);
    type_text(&mut form, "ci");
    focus(&mut form, Field::ClientId);
    type_text(&mut form, "3MVG9cid");
    form.submit(&[]);
    assert!(form.error(Field::Username).unwrap().contains("username"));
    assert!(form.error(Field::PrivateKey).unwrap().contains("PEM"));
    focus(&mut form, Field::PrivateKey);
    type_text(&mut form, "TESTSECRET not a key");
    form.submit(&[]);
    let error = form.error(Field::PrivateKey).unwrap().to_string();
    assert!(
        error.contains("cannot sign") && !error.contains("TESTSECRET"),
        "{error}"
    );
    focus(&mut form, Field::PrivateKey);
    ctrl(&mut form, 'u');
    type_text(&mut form, &test_key());
    assert!(form.input(Field::PrivateKey).unwrap().line_count() > 3);
    focus(&mut form, Field::Username);
    type_text(&mut form, "ci@acme.com");
    let mut draft = submitted(ctrl(&mut form, 's'), &form);
    assert_eq!(draft.org.kind, OrgKind::JwtBearer);
    assert_eq!(draft.org.username.as_deref(), Some("ci@acme.com"));
    assert_eq!(draft.org.login_url, "https://login.salesforce.com");
    let key = draft.take_secret(SecretKind::PrivateKey).unwrap();
    assert!(
        key.expose_secret().contains("\n"),
        "the PEM keeps its lines"
    );
}

#[test]
fn client_credentials_refuse_the_shared_login_hosts_with_the_cli_words() {
    let mut form = add_kind(OrgKind::ClientCredentials);
    assert_eq!(
        form.visible_fields(),
        [
            Field::Kind,
            Field::Name,
            Field::LoginUrl,
            Field::ClientId,
            Field::ClientSecret
        ]
    );
    assert_eq!(form.label(Field::LoginUrl), "My Domain URL");
    focus(&mut form, Field::Name);
    type_text(&mut form, "integration");
    focus(&mut form, Field::LoginUrl);
    type_text(&mut form, "https://login.salesforce.com");
    focus(&mut form, Field::ClientId);
    type_text(&mut form, "3MVG9cid");
    form.submit(&[]);
    let error = form.error(Field::LoginUrl).unwrap();
    assert!(
        error.contains("refuses the client credentials flow"),
        "{error}"
    );
    assert!(
        error.contains("My Domain in the My Domain URL field"),
        "{error}"
    );
    assert!(form.error(Field::ClientSecret).unwrap().contains("secret"));
    focus(&mut form, Field::LoginUrl);
    ctrl(&mut form, 'u');
    type_text(&mut form, "https://acme.my.salesforce.com");
    focus(&mut form, Field::ClientSecret);
    type_text(&mut form, "s3cret");
    let mut draft = submitted(ctrl(&mut form, 's'), &form);
    assert_eq!(draft.org.kind, OrgKind::ClientCredentials);
    assert_eq!(draft.org.login_url, "https://acme.my.salesforce.com");
    let secret = draft.take_secret(SecretKind::ClientSecret).unwrap();
    assert_eq!(secret.expose_secret(), "s3cret");
}

#[test]
fn an_access_token_org_needs_a_session_id_and_its_instance() {
    let mut form = add_kind(OrgKind::AccessToken);
    assert_eq!(
        form.visible_fields(),
        [
            Field::Kind,
            Field::Name,
            Field::LoginUrl,
            Field::AccessToken
        ]
    );
    assert_eq!(form.label(Field::LoginUrl), "Instance URL");
    focus(&mut form, Field::Name);
    type_text(&mut form, "scratch");
    focus(&mut form, Field::LoginUrl);
    type_text(&mut form, "https://acme.my.salesforce.com");
    focus(&mut form, Field::AccessToken);
    type_text(&mut form, "TESTSECRET");
    form.submit(&[]);
    let error = form.error(Field::AccessToken).unwrap();
    assert!(error.contains("not a Salesforce access token") && !error.contains("TESTSECRET"));
    ctrl(&mut form, 'u');
    type_text(&mut form, "00D000000000001!AQ4AQ.token");
    let mut draft = submitted(ctrl(&mut form, 's'), &form);
    assert_eq!(
        draft.org.instance_url.as_deref(),
        Some("https://acme.my.salesforce.com")
    );
    assert_eq!(draft.org.client_id, "");
    assert!(draft.take_secret(SecretKind::AccessToken).is_some());
}

#[test]
fn editing_keeps_the_kind_and_the_secrets_unless_new_ones_are_typed() {
    let mut org = Org::new("prod", "https://acme.my.salesforce.com", "cid");
    org.site = Some("/p".into());
    let mut form = OrgForm::edit(&org);
    assert_eq!(form.login, LoginChoice::Custom);
    assert!(!form.visible_fields().contains(&Field::Kind));
    assert_eq!(form.input(Field::LoginUrl).unwrap().value(), org.login_url);
    focus(&mut form, Field::ClientSecret);
    type_text(&mut form, "new-secret");
    let mut draft = submitted(form.submit(&["prod"]), &form);
    assert_eq!(draft.org.id, org.id);
    assert_eq!(draft.org.site.as_deref(), Some("/p"));
    let secret = draft.take_secret(SecretKind::ClientSecret).unwrap();
    assert_eq!(secret.expose_secret(), "new-secret");
    assert!(draft.take_secret(SecretKind::RefreshToken).is_none());

    let mut jwt = Org::new("ci", "https://login.salesforce.com", "cid");
    jwt.kind = OrgKind::JwtBearer;
    jwt.username = Some("ci@acme.com".into());
    let mut form = OrgForm::edit(&jwt);
    assert!(form.title().contains("JWT bearer"));
    let draft = submitted(form.submit(&["ci"]), &form);
    assert_eq!(draft.org.kind, OrgKind::JwtBearer);
    assert_eq!(draft.org.username.as_deref(), Some("ci@acme.com"));
    assert!(draft.secrets.is_empty(), "the stored key stays");
}

#[test]
fn a_new_instance_url_needs_its_access_token() {
    let mut org = Org::new("scratch", "https://acme.my.salesforce.com", "");
    org.kind = OrgKind::AccessToken;
    let mut form = OrgForm::edit(&org);
    assert!(matches!(form.submit(&[]), FormOutcome::Submit(_)));
    let mut form = OrgForm::edit(&org);
    focus(&mut form, Field::LoginUrl);
    ctrl(&mut form, 'u');
    type_text(&mut form, "https://other.my.salesforce.com");
    form.submit(&[]);
    assert!(form.error(Field::AccessToken).is_some());
}
