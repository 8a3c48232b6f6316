//! Calls made with an access token (userinfo, introspect, revoke) against the loopback fake.
#![allow(clippy::unwrap_used)]

use secrecy::SecretString;
use sfkey::fake_salesforce::{
    FAKE_ORG_ID, FAKE_USER_ID, FAKE_USERNAME, FakeSalesforce, Grant, SESSION_SECONDS,
};
use sfkey::salesforce::revoke::is_invalid_token;
use sfkey::salesforce::{
    ApiError, HttpClient, HttpSettings, IntrospectRequest, RefreshRequest, TokenKind,
    fetch_userinfo, introspect, refresh_access_token, revoke,
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

#[test]
fn introspect_tells_active_with_expiry_and_inactive_after_expiry() {
    let server = FakeSalesforce::start().unwrap();
    runtime().block_on(async {
        let client = HttpClient::new(&HttpSettings::default()).unwrap();
        let token = access_token(&server, &client).await;
        let url = format!("{}/services/oauth2/introspect", server.url());
        let request = IntrospectRequest {
            url: &url,
            token: &token,
            kind: TokenKind::AccessToken,
            client_id: "3MVG9api",
            client_secret: None,
        };
        let (exchange, info) = introspect(&client, &request).await.unwrap();
        assert_eq!(exchange.status, 200);
        assert!(info.active);
        let (exp, iat) = (info.exp.unwrap(), info.iat.unwrap());
        assert_eq!(exp - iat, SESSION_SECONDS);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(iat.abs_diff(now) < 60, "iat {iat} now {now}");
        assert_eq!(info.username.as_deref(), Some(FAKE_USERNAME));
        let sent = server.requests().pop().unwrap();
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.field("token_type_hint"), Some("access_token"));
        assert_eq!(sent.field("client_id"), Some("3MVG9api"));
        assert_eq!(sent.field("client_secret"), None);

        // Another app's credentials are refused as a client error, not an expired session.
        let wrong = IntrospectRequest {
            client_id: "3MVG9other",
            ..request
        };
        let err = introspect(&client, &wrong).await.unwrap_err();
        assert!(
            matches!(&err, ApiError::Refused { code, .. } if code == "invalid_client"),
            "{err}"
        );

        server.expire_access_tokens();
        let (_, info) = introspect(&client, &request).await.unwrap();
        assert!(!info.active);
        assert_eq!(info.exp, None);
    });
}

#[test]
fn revoking_an_access_token_ends_it_and_a_second_time_is_invalid_token() {
    let server = FakeSalesforce::start().unwrap();
    runtime().block_on(async {
        let client = HttpClient::new(&HttpSettings::default()).unwrap();
        let token = access_token(&server, &client).await;
        let url = format!("{}/services/oauth2/revoke", server.url());
        let exchange = revoke(&client, &url, &token).await.unwrap();
        assert_eq!(exchange.status, 200);
        assert_eq!(server.requests().pop().unwrap().method, "POST");
        let err = fetch_userinfo(&client, server.url(), &token)
            .await
            .unwrap_err();
        assert!(err.is_session_expired(), "{err}");
        // The refresh token lives on.
        assert!(server.is_live("5Aep861api"));

        let err = revoke(&client, &url, &token).await.unwrap_err();
        assert!(is_invalid_token(&err), "{err}");
        assert!(
            matches!(&err, ApiError::Refused { exchange, .. } if exchange.status == 400),
            "{err}"
        );
    });
}

#[test]
fn revoking_the_refresh_token_ends_it_and_its_access_tokens() {
    let server = FakeSalesforce::start().unwrap();
    runtime().block_on(async {
        let client = HttpClient::new(&HttpSettings::default()).unwrap();
        let token = access_token(&server, &client).await;
        let url = format!("{}/services/oauth2/revoke", server.url());
        let refresh = SecretString::from("5Aep861api");
        revoke(&client, &url, &refresh).await.unwrap();
        assert!(!server.is_live("5Aep861api"));
        let err = fetch_userinfo(&client, server.url(), &token)
            .await
            .unwrap_err();
        assert!(err.is_session_expired(), "{err}");
        // A refresh with it now fails as Salesforce's does.
        let token_url = format!("{}/services/oauth2/token", server.url());
        let request = RefreshRequest {
            token_url: &token_url,
            client_id: "3MVG9api",
            client_secret: None,
            refresh_token: &refresh,
        };
        let err = refresh_access_token(&client, &request).await.unwrap_err();
        assert_eq!(err.code(), "invalid_grant");
    });
}

#[test]
fn the_fake_server_command_revokes_any_refresh_token_it_accepted() {
    let server = FakeSalesforce::start().unwrap();
    // What `sfkey fake-server` does: any refresh token is good.
    server.accept_any(Grant::new("3MVG9any", None));
    runtime().block_on(async {
        let client = HttpClient::new(&HttpSettings::default()).unwrap();
        let token_url = format!("{}/services/oauth2/token", server.url());
        let refresh = SecretString::from("any-refresh-token");
        let request = RefreshRequest {
            token_url: &token_url,
            client_id: "3MVG9any",
            client_secret: None,
            refresh_token: &refresh,
        };
        let token = refresh_access_token(&client, &request)
            .await
            .unwrap()
            .token
            .access_token()
            .unwrap();
        let url = format!("{}/services/oauth2/revoke", server.url());
        revoke(&client, &url, &refresh).await.unwrap();
        let err = fetch_userinfo(&client, server.url(), &token)
            .await
            .unwrap_err();
        assert!(err.is_session_expired(), "{err}");
    });
}
