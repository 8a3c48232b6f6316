//! Unit tests of `interop`.

use std::sync::Arc;

use secrecy::ExposeSecret;

use super::*;
use crate::store::{MemoryStore, SecretKind};

fn imported(name: &str, username: Option<&str>) -> Imported {
    let mut org = Org::new(name, "https://acme.my.salesforce.com", "PlatformCLI");
    org.username = username.map(str::to_string);
    Imported {
        org,
        client_secret: None,
        refresh_token: SecretString::from(format!("rt-{name}")),
    }
}

fn no_token(_: &Org, _: &Imported) -> bool {
    false
}

#[test]
fn the_same_refresh_token_under_another_name_is_the_same_org() {
    let saved = imported("acme", None).org;
    let existing = vec![saved.clone()];
    let same =
        |o: &Org, i: &Imported| o.id == saved.id && i.refresh_token.expose_secret() == "rt-acme2";
    let err = plan(&existing, vec![imported("acme2", None)], false, same)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("already saved as acme (same login URL, client id and refresh token)"),
        "{err}"
    );
    let steps = plan(&existing, vec![imported("other", None)], false, same).unwrap();
    assert!(matches!(&steps[..], [Step::Add(_)]));
}

#[test]
fn names_are_made_valid() {
    assert_eq!(sanitize_name("Acme Prod (EU)"), "Acme-Prod--EU");
    assert_eq!(sanitize_name("admin@acme.com"), "admin@acme.com");
    assert_eq!(sanitize_name("  "), "org");
    assert_eq!(sanitize_name(&"x".repeat(80)).len(), 64);
}

#[test]
fn duplicates_by_ids_then_login_client_user_then_name() {
    let mut saved = imported("prod", Some("Admin@Acme.com")).org;
    saved.salesforce_org_id = Some("00D5g000004ABCDEAA".into());
    saved.salesforce_user_id = Some("0055g000001XYZAAA".into());
    let existing = vec![saved.clone()];

    let mut by_ids = imported("other", None).org;
    by_ids.login_url = "https://elsewhere.my.salesforce.com".into();
    by_ids.salesforce_org_id = Some("00D5g000004ABCD".into());
    by_ids.salesforce_user_id = Some("0055g000001XYZAAA".into());
    assert_eq!(
        find_duplicate(&existing, &by_ids).map(|(o, s)| (o.name.as_str(), s)),
        Some(("prod", Sameness::OrgAndUser))
    );
    let by_user = imported("other", Some("admin@acme.com")).org;
    assert_eq!(
        find_duplicate(&existing, &by_user).map(|(_, s)| s),
        Some(Sameness::LoginClientUser)
    );
    let other_user = imported("other", Some("someone@acme.com")).org;
    assert!(find_duplicate(&existing, &other_user).is_none());
    // `sf org list` names the org and username but no user id; the login URL may differ
    // (sf's auth URL carries the instance host).
    let mut from_sf = imported("other", Some("admin@acme.com")).org;
    from_sf.login_url = "https://acme.my.salesforce.com:8443".into();
    from_sf.salesforce_org_id = Some("00D5g000004ABCDEAA".into());
    assert_eq!(
        find_duplicate(&existing, &from_sf).map(|(_, s)| s),
        Some(Sameness::OrgAndUser)
    );
    from_sf.username = Some("someone@acme.com".into());
    assert!(find_duplicate(&existing, &from_sf).is_none());
    let by_name = imported("prod", Some("someone@acme.com")).org;
    assert_eq!(
        find_duplicate(&existing, &by_name).map(|(_, s)| s),
        Some(Sameness::Name)
    );
}

#[test]
fn a_duplicate_is_refused_without_update_and_updated_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::new(tmp.path(), Arc::new(MemoryStore::new()));
    let steps = plan(
        &[],
        vec![imported("prod", Some("a@acme.com"))],
        false,
        no_token,
    )
    .unwrap();
    let done = apply(&store, steps).unwrap();
    assert!(matches!(&done[..], [Done::Added(o)] if o.name == "prod"));
    let saved = store.orgs().unwrap();

    let mut again = imported("prod2", Some("a@acme.com"));
    again.refresh_token = SecretString::from("rt-new");
    again.org.instance_url = Some("https://acme.my.salesforce.com".into());
    let err = plan(&saved, vec![again], false, no_token)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("already saved as prod") && err.contains("--update"),
        "{err}"
    );

    let mut again = imported("prod2", Some("a@acme.com"));
    again.refresh_token = SecretString::from("rt-new");
    again.org.instance_url = Some("https://acme.my.salesforce.com".into());
    let done = apply(&store, plan(&saved, vec![again], true, no_token).unwrap()).unwrap();
    let [Done::Updated(org)] = &done[..] else {
        panic!("{done:?}");
    };
    assert_eq!(org.name, "prod");
    assert_eq!(org.id, saved[0].id);
    assert_eq!(
        org.instance_url.as_deref(),
        Some("https://acme.my.salesforce.com")
    );
    assert_eq!(store.orgs().unwrap().len(), 1);
    let rt = store
        .secret(&org.id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    assert_eq!(rt.expose_secret(), "rt-new");
}

#[test]
fn the_same_name_wins_and_any_other_ambiguity_is_refused() {
    let one = imported("one", Some("a@acme.com")).org;
    let two = imported("two", Some("a@acme.com")).org;
    let existing = vec![one, two];
    let steps = plan(
        &existing,
        vec![imported("two", Some("a@acme.com"))],
        true,
        no_token,
    );
    let [
        Step::Update {
            existing: target, ..
        },
    ] = &steps.unwrap()[..]
    else {
        panic!("not one update");
    };
    assert_eq!(target.name, "two");
    let err = plan(
        &existing,
        vec![imported("three", Some("a@acme.com"))],
        true,
        no_token,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("one (same login URL, client id and username), two (same login URL, client id and username)"), "{err}");
}

#[test]
fn one_source_cannot_name_the_same_org_twice() {
    let err = plan(
        &[],
        vec![imported("a", None), imported("a", None)],
        false,
        no_token,
    )
    .unwrap_err();
    assert_eq!(err, PlanError::Twice("a".into()));
}
