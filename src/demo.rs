//! `sfkey --demo`: the whole app with no org and no keyring. A fake Salesforce on loopback
//! answers like the real one (seed fields and headers, gzip, chunked); secrets live in memory;
//! the orgs file goes to a temporary folder that is removed at exit.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::fake_salesforce::{Behaviour, FakeSalesforce, Grant, LoginClient};
use crate::org::{Org, OrgId};
use crate::store::{MemoryStore, NewSecrets, Store};

/// The demo's connected app.
const CLIENT_ID: &str = "3MVG9DEMO.sfkey.demo.connected.app";

/// One demo org: name, site, answer, delay.
struct DemoOrg {
    name: &'static str,
    site: Option<&'static str>,
    behaviour: Behaviour,
    delay_ms: u64,
    /// Whether its app has a client secret (without one the signature is unverifiable).
    client_secret: bool,
}

fn demo_orgs() -> Vec<DemoOrg> {
    vec![
        DemoOrg {
            name: "acme-prod",
            site: None,
            behaviour: Behaviour::Ok,
            delay_ms: 80,
            client_secret: true,
        },
        DemoOrg {
            name: "uat-rotating",
            site: None,
            behaviour: Behaviour::Rotate,
            delay_ms: 120,
            client_secret: true,
        },
        DemoOrg {
            name: "old-sandbox",
            site: None,
            behaviour: Behaviour::Error {
                status: 400,
                error: "invalid_grant".into(),
                description: "expired access/refresh token".into(),
            },
            delay_ms: 60,
            client_secret: true,
        },
        DemoOrg {
            name: "slow-dev",
            site: None,
            behaviour: Behaviour::Ok,
            delay_ms: 4_000,
            client_secret: true,
        },
        DemoOrg {
            name: "partner-portal",
            site: Some("/partners"),
            behaviour: Behaviour::Ok,
            delay_ms: 90,
            client_secret: false,
        },
        DemoOrg {
            name: "maintenance",
            site: None,
            behaviour: Behaviour::Maintenance,
            delay_ms: 50,
            client_secret: true,
        },
        DemoOrg {
            name: "bad-signature",
            site: None,
            behaviour: Behaviour::BadSignature,
            delay_ms: 70,
            client_secret: true,
        },
    ]
}

/// A running demo: the fake server and a store over memory and a temporary folder.
pub struct Demo {
    store: Store,
    server: FakeSalesforce,
    dir: PathBuf,
}

impl Demo {
    /// Starts the server and saves the demo orgs.
    pub fn start() -> anyhow::Result<Self> {
        let server = FakeSalesforce::start()?;
        let dir = std::env::temp_dir().join(format!("sfkey-demo-{}", OrgId::generate()));
        std::fs::create_dir_all(&dir)?;
        let store = Store::new(&dir, Arc::new(MemoryStore::new()));
        // `l` in the demo logs in at the fake, which approves the Salesforce CLI's app at once.
        let callback = format!(
            "http://localhost:{}/OauthRedirect",
            crate::login::app_port()
        );
        server.add_login_client(LoginClient::new(
            crate::login::DEFAULT_CLIENT_ID,
            None,
            &callback,
        ));
        let demo = Self { store, server, dir };
        for (i, org) in demo_orgs().into_iter().enumerate() {
            let refresh_token = format!("5Aep861DEMO{i}{}", OrgId::generate());
            let secret = org.client_secret.then_some("demo-client-secret");
            demo.server.add_grant(
                &refresh_token,
                Grant::new(CLIENT_ID, secret)
                    .with(org.behaviour)
                    .delayed(Duration::from_millis(org.delay_ms)),
            );
            let mut saved = Org::new(org.name, demo.server.url(), CLIENT_ID);
            saved.site = org.site.map(str::to_string);
            demo.store.add(
                saved,
                NewSecrets {
                    client_secret: secret.map(SecretString::from),
                    refresh_token: SecretString::from(refresh_token),
                },
            )?;
        }
        Ok(demo)
    }

    /// The store the app should use.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The fake's URL: the login URL of every demo org, and of a login from the demo.
    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// What the banner says.
    pub fn banner(&self) -> String {
        format!(
            "in-memory keyring · fake Salesforce at {} · nothing is kept",
            self.server.url()
        )
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::salesforce::HttpSettings;
    use crate::salesforce::signature::{SignatureCheck, Unverifiable};
    use crate::saved_org::refresh::{ClientFor, refresh_org};

    #[test]
    fn demo_orgs_refresh_against_the_fake_and_leave_nothing_behind() {
        let demo = Demo::start().unwrap();
        let orgs = demo.store().orgs().unwrap();
        assert_eq!(orgs.len(), demo_orgs().len());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let refresh = |name: &str| {
            let org = demo.store().find(name).unwrap();
            runtime.block_on(refresh_org(
                demo.store(),
                &org,
                ClientFor::Build(HttpSettings::default()),
            ))
        };
        let ok = refresh("partner-portal").unwrap();
        assert_eq!(ok.success.exchange.header("content-encoding"), Some("gzip"));
        assert_eq!(
            ok.signature,
            SignatureCheck::Unverifiable(Unverifiable::NoClientSecret)
        );
        assert_eq!(
            refresh("acme-prod").unwrap().signature,
            SignatureCheck::Verified
        );
        assert_eq!(
            refresh("bad-signature").unwrap().signature,
            SignatureCheck::Mismatch
        );
        assert!(refresh("uat-rotating").unwrap().rotated);
        let expired = refresh("old-sandbox").unwrap_err();
        assert_eq!(expired.token_error().unwrap().code(), "invalid_grant");
        let dir = demo.dir.clone();
        drop(demo);
        assert!(!dir.exists());
    }
}
