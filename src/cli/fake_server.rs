//! The hidden `sfkey fake-server`: the loopback fake Salesforce as a process, for the
//! benchmarks and for trying sfkey without an org.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::fake_salesforce::{
    Behaviour, ClientCredentialsApp, FakeSalesforce, Grant, JwtApp, LoginClient,
};

/// Arguments of the hidden `sfkey fake-server`.
#[derive(Debug, Args)]
pub struct FakeServerArgs {
    /// Loopback address to listen on
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: String,
    /// The client id every refresh must carry
    #[arg(long, default_value = "fake-client-id")]
    pub client_id: String,
    /// Port of the login redirect (http://localhost:PORT/OauthRedirect) that the fake's
    /// authorize page sends browsers to, for `sfkey login`
    #[arg(long, default_value_t = crate::login::DEFAULT_PORT)]
    pub login_port: u16,
    /// A refresh token that rotates on every refresh (the old one then stops working);
    /// it must come with --rotating-client-id. Repeatable.
    #[arg(long, value_name = "REFRESH_TOKEN")]
    pub rotating: Vec<String>,
    /// The client id that the --rotating refresh tokens must come with; another than
    /// --client-id, so a rotated-away token is refused instead of taken as any token
    #[arg(long, default_value = "fake-rotating-client-id")]
    pub rotating_client_id: String,
    /// A JWT bearer app, `CLIENT_ID:USERNAME:CERT_FILE`: assertions for USERNAME signed by the
    /// key of the certificate (or public key) in CERT_FILE, with the fake's URL as audience.
    /// Repeatable
    #[arg(long, value_name = "CLIENT_ID:USERNAME:CERT_FILE")]
    pub jwt_app: Vec<String>,
    /// A client credentials app, `CLIENT_ID:SECRET` (a made-up secret: this is the fake).
    /// Repeatable
    #[arg(long, value_name = "CLIENT_ID:SECRET")]
    pub client_credentials_app: Vec<String>,
}

/// The hidden `sfkey fake-server`: prints its URL, then serves until killed.
pub fn run(args: &FakeServerArgs) -> anyhow::Result<ExitCode> {
    let server = FakeSalesforce::bind(&args.addr).context("cannot start the fake server")?;
    server.accept_any(Grant::new(&args.client_id, None));
    for token in &args.rotating {
        let grant = Grant::new(&args.rotating_client_id, None).with(Behaviour::Rotate);
        server.add_grant(token, grant);
    }
    for spec in &args.jwt_app {
        let mut parts = spec.splitn(3, ':');
        let (Some(client_id), Some(username), Some(cert_file)) =
            (parts.next(), parts.next(), parts.next())
        else {
            anyhow::bail!("--jwt-app {spec}: expected CLIENT_ID:USERNAME:CERT_FILE");
        };
        let certificate = std::fs::read_to_string(cert_file)
            .with_context(|| format!("--jwt-app: cannot read {cert_file}"))?;
        server.add_jwt_app(JwtApp::new(client_id, &certificate, server.url(), username));
    }
    for spec in &args.client_credentials_app {
        let Some((client_id, secret)) = spec.split_once(':') else {
            anyhow::bail!("--client-credentials-app: expected CLIENT_ID:SECRET");
        };
        server.add_client_credentials_app(ClientCredentialsApp {
            client_id: client_id.into(),
            client_secret: secret.into(),
            refuse: None,
        });
    }
    // Logins approve at once, with the given app and with the Salesforce CLI's.
    let callback = format!("http://localhost:{}/OauthRedirect", args.login_port);
    for client_id in [args.client_id.as_str(), crate::login::DEFAULT_CLIENT_ID] {
        server.add_login_client(LoginClient::new(client_id, None, &callback));
    }
    println!("{}", server.url());
    std::io::stdout().flush()?;
    loop {
        std::thread::park();
    }
}
