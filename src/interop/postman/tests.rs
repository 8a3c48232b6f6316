//! Unit tests of `interop::postman`.

use super::*;

const SAMPLE: &str = include_str!("../../../assets/salesforce.postman-environment.json");
const SEED_ITEM: &str = include_str!("../../../assets/refresh-token.postman-item.json");

fn doc(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn every_variable_the_seed_request_uses_is_in_the_sample_and_read() {
    // `{{name}}` references of the seed's "Refresh Token" item, plus what its test script sets.
    let mut used: Vec<String> = SEED_ITEM
        .split("{{")
        .skip(1)
        .filter_map(|s| s.split_once("}}").map(|(name, _)| name.to_string()))
        .collect();
    assert!(SEED_ITEM.contains("context.set(\\\"_accessToken\\\""));
    used.push("_accessToken".into());
    used.sort();
    used.dedup();
    assert_eq!(
        used,
        [
            "_accessToken",
            "_refreshToken",
            "clientId",
            "clientSecret",
            "site",
            "url"
        ]
    );
    let sample = doc(SAMPLE);
    let keys: Vec<&str> = sample["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["key"].as_str().unwrap())
        .collect();
    for name in &used {
        assert!(keys.contains(&name.as_str()), "sample lacks {name}");
    }
    let org = import(&sample, "sample.json").unwrap();
    assert_eq!(org.org.login_url, "https://login.salesforce.com");
    assert_eq!(org.org.site.as_deref(), Some("/partners"));
    assert_eq!(org.org.name, "Acme-Production");
    assert_eq!(
        org.org.salesforce_org_id.as_deref(),
        Some("00D5g000004ABCDEAA")
    );
    assert_eq!(
        org.org.salesforce_user_id.as_deref(),
        Some("0055g00000ABCDEAAQ")
    );
    assert_eq!(
        org.org.instance_url.as_deref(),
        Some("https://acme.my.salesforce.com")
    );
    assert_eq!(org.org.username.as_deref(), Some("admin@acme.com"));
    assert!(org.client_secret.is_some());
}

#[test]
fn export_then_import_gives_the_same_org_back() {
    let first = import(&doc(SAMPLE), "sample.json").unwrap();
    let access = SecretString::from("00D5g000004ABCD!AQ0AQaccess");
    let text = export_environment(
        &first.org,
        first.client_secret.as_ref(),
        &first.refresh_token,
        Some(&access),
        Some("62.0"),
    );
    let exported = doc(&text);
    assert_eq!(exported["_postman_variable_scope"], "environment");
    assert_eq!(exported["id"].as_str().unwrap().len(), 36);
    let typed = |key: &str| {
        exported["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == key)
            .map(|v| {
                (
                    v["value"].as_str().unwrap().to_string(),
                    v["type"].as_str().unwrap().to_string(),
                )
            })
            .unwrap()
    };
    assert_eq!(
        typed("_accessToken"),
        (access.expose_secret().to_string(), "secret".into())
    );
    assert_eq!(typed("_refreshToken").1, "secret");
    assert_eq!(typed("clientSecret").1, "secret");
    assert_eq!(typed("url").1, "default");
    let again = import(&exported, "env.json").unwrap();
    let mut a = first.org.clone();
    let mut b = again.org.clone();
    b.id = a.id.clone();
    a.name = b.name.clone();
    assert_eq!(a, b);
    assert_eq!(
        again.refresh_token.expose_secret(),
        first.refresh_token.expose_secret()
    );
    assert_eq!(
        again.client_secret.map(|s| s.expose_secret().to_string()),
        first.client_secret.map(|s| s.expose_secret().to_string())
    );
}

#[test]
fn a_collections_variables_are_read_and_disabled_ones_skipped() {
    let collection = json!({
        "info": {"name": "Salesforce APIs"},
        "item": [],
        "variable": [
            {"key": "url", "value": "https://test.salesforce.com"},
            {"key": "clientId", "value": "3MVG9x"},
            {"key": "_refreshToken", "value": "5Aep861TOKEN", "type": "string"},
            {"key": "site", "value": "/nope", "enabled": false},
            // How a collection (v2.1) marks a variable off; Postman skips it.
            {"key": "clientSecret", "value": "disabled-secret", "disabled": true},
        ]
    });
    let org = import(&collection, "c.json").unwrap();
    assert_eq!(org.org.name, "Salesforce-APIs");
    assert_eq!(org.org.login_url, "https://test.salesforce.com");
    assert_eq!(org.org.site, None);
    assert_eq!(org.org.client_id, "3MVG9x");
    assert!(org.client_secret.is_none());
}

#[test]
fn bad_input_names_the_file_and_the_variable_and_no_secret() {
    let cases = [
        (json!({"foo": 1}), "top level"),
        (json!({"values": [{"value": "x"}]}), "values[0]"),
        (
            json!({"values": [{"key": "clientId", "value": "x"}]}),
            "variable \"url\"",
        ),
        (
            json!({"values": [{"key": "url", "value": "http://acme.com"}, {"key": "clientId", "value": "x"}, {"key": "_refreshToken", "value": "5AepSECRET"}]}),
            "variable \"url\"",
        ),
        (
            json!({"values": [{"key": "url", "value": "login"}, {"key": "clientId", "value": "x"}]}),
            "variable \"_refreshToken\"",
        ),
        (
            json!({"values": [{"key": "url", "value": "login"}, {"key": "clientId", "value": "x"}, {"key": "_refreshToken", "value": "5Aep SECRET"}]}),
            "variable \"_refreshToken\"",
        ),
        (
            json!({"values": [{"key": "url", "value": "login"}, {"key": "clientId", "value": "x"}, {"key": "_refreshToken", "value": "5AepSECRET"}, {"key": "_orgId", "value": "005x"}]}),
            "variable \"_orgId\"",
        ),
        (
            json!({"values": [{"key": "url", "value": "login"}, {"key": "clientId", "value": 5}]}),
            "variable \"clientId\"",
        ),
    ];
    for (input, needle) in cases {
        let err = import(&input, "env.json").unwrap_err().to_string();
        assert!(err.starts_with("env.json: "), "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
        assert!(!err.contains("SECRET"), "{err}");
    }
}
