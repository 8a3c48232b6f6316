//! Calls made with an access token (userinfo, introspect, revoke) against the loopback fake.
#![allow(clippy::unwrap_used)]

use secrecy::SecretString;
use sfkey::fake_salesforce::{FAKE_ORG_ID, FAKE_USER_ID, FAKE_USERNAME, FakeSalesforce, Grant};
use sfkey::salesforce::{
    ApiError, HttpClient, HttpSettings, RefreshRequest, fetch_userinfo, refresh_access_token,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh access token from the fake, straight from the grant (no keyring needed here).
async fn access_token(server: &FakeSalesforce, client: &HttpClient) -> SecretString {
    server.add_grant("5Aep861api", Grant::new("3MVG9api", None));
    let token_url = format!("{}/services/oauth2/token", server.url());
    let refresh = SecretString::from("5Aep861api");
    let request = RefreshRequest {
        token_url: &token_url,
        client_id: "3MVG9api",
        client_secret: None,
        refresh_token: &refresh,
    };
    let success = refresh_access_token(client, &request).await.unwrap();
    success.token.access_token().unwrap()
}

#[test]
fn userinfo_names_the_user_and_a_dead_session_is_told_apart() {
    let server = FakeSalesforce::start().unwrap();
    runtime().block_on(async {
        let client = HttpClient::new(&HttpSettings::default()).unwrap();
        let token = access_token(&server, &client).await;
        let (exchange, info) = fetch_userinfo(&client, server.url(), &token).await.unwrap();
        assert_eq!(exchange.status, 200);
        assert_eq!(info.username.as_deref(), Some(FAKE_USERNAME));
        assert_eq!(info.org_id.as_deref(), Some(FAKE_ORG_ID));
        assert_eq!(info.user_id.as_deref(), Some(FAKE_USER_ID));
        let request = server.requests().pop().unwrap();
        assert_eq!(request.method, "GET");
        assert!(
            request
                .header("authorization")
                .unwrap()
                .starts_with("Bearer ")
        );

        server.expire_access_tokens();
        let err = fetch_userinfo(&client, server.url(), &token)
            .await
            .unwrap_err();
        assert!(matches!(err, ApiError::SessionExpired { .. }), "{err}");
        assert!(err.to_string().contains("expired"), "{err}");
    });
}
