//! State on disk: users, apps, grants, tokens, revocations and code use survive a restart on
//! the same data dir, with the same id secret and without seeding twice.

use minihost_platform::{HostApp, PlatformOptions, USER_INFO_BASIC, USER_INFO_OPEN_ID};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{data_dir, minis_code, Server, REDIRECT};

#[tokio::test]
async fn data_survives_a_restart_on_the_same_data_dir() {
    let dir = data_dir();
    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[REDIRECT]);
    let added = server.admin_post("/__admin/users", json!({"username": "frank", "beans": 77})).await;
    assert_eq!(added.status, StatusCode::OK);
    let code = minis_code(&server, &app.client_key, "frank", &[USER_INFO_BASIC]);
    let tokens = server.exchange(&app, &code).await;
    let pending_code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]);
    let revoked = server
        .exchange(&app, &minis_code(&server, &app.client_key, "bob", &[USER_INFO_OPEN_ID]))
        .await;
    let revoke = server
        .http
        .post(server.url("/v2/oauth/revoke/"))
        .form(&[
            ("client_key", app.client_key.as_str()),
            ("client_secret", &app.client_secret),
            ("token", &revoked.str("/access_token")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    let base_before = server.base.clone();
    server.stop().await;

    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    assert_ne!(server.base, base_before);
    let frank = server.user("frank");
    assert_eq!(frank.beans, 77);
    assert_eq!(server.platform.app(&app.client_key).unwrap().unwrap(), app);
    assert_eq!(
        server.platform.granted_scopes(frank.id, &app.client_key).unwrap(),
        vec![USER_INFO_BASIC]
    );
    // Same per-data-dir secret: same open_id.
    assert_eq!(
        tokens.str("/open_id"),
        server.platform.open_id(HostApp::TikTok, &app.client_key, frank.id)
    );
    // Tokens survive; so does their revocation and the used/unused state of codes.
    let info = server.user_info(&tokens.str("/access_token"), "open_id").await;
    assert_eq!(info.str("/data/user/open_id"), tokens.str("/open_id"));
    assert_eq!(server.refresh(&app, &tokens.str("/refresh_token")).await.status, StatusCode::OK);
    server
        .user_info(&revoked.str("/access_token"), "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    server
        .exchange(&app, &code)
        .await
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(server.exchange(&app, &pending_code).await.status, StatusCode::OK);
    // Seeds were not added a second time.
    assert_eq!(server.platform.users().unwrap().iter().filter(|u| u.username == "alice").count(), 1);
}

#[tokio::test]
async fn an_advanced_clock_survives_a_restart_and_expired_tokens_stay_expired() {
    let dir = data_dir();
    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[REDIRECT]);
    let code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]);
    let tokens = server.exchange(&app, &code).await;
    let advanced = server.admin_post("/__admin/clock/advance", json!({"seconds": 2 * 86_400})).await;
    assert_eq!(advanced.status, StatusCode::OK);
    server
        .user_info(&tokens.str("/access_token"), "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    server.stop().await;

    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    assert!(server.platform.clock().offset() >= 2 * 86_400);
    server
        .user_info(&tokens.str("/access_token"), "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
}

/// Two servers on one data dir: an advance on one is the time on the other at its next
/// request, so a token that one expired is expired at both.
#[tokio::test]
async fn two_servers_on_one_data_dir_agree_on_the_clock_after_an_advance() {
    let dir = data_dir();
    let a = Server::open(dir.path(), PlatformOptions::default()).await;
    let b = Server::open(dir.path(), PlatformOptions::default()).await;
    let app = a.app("awminidrama", &[REDIRECT]);
    let code = minis_code(&a, &app.client_key, "alice", &[USER_INFO_OPEN_ID]);
    let tokens = a.exchange(&app, &code).await;
    let token = tokens.str("/access_token");
    assert_eq!(b.user_info(&token, "open_id").await.status, StatusCode::OK, "valid at both before");

    let advanced = a.admin_post("/__admin/clock/advance", json!({"seconds": 2 * 86_400})).await;
    assert_eq!(advanced.status, StatusCode::OK, "{}", advanced.text);
    let at_b = b.get("/__admin/clock").await.json();
    assert_eq!(at_b["offset"], advanced.json()["offset"], "{at_b}");
    b.user_info(&token, "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
}
