//! The Minis flow as the bridge drives it: `TTMinis.login` and `TTMinis.authorize` codes,
//! exchanged at the token endpoint, then read back at user info.

use minihost_platform::{HostApp, PlatformOptions, USER_INFO_BASIC, USER_INFO_OPEN_ID};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{data_dir, minis_code, Server};

#[tokio::test]
async fn minis_flow_bridge_login_code_then_token_then_user_info() {
    let dir = data_dir();
    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let alice = server.user("alice");

    // TTMinis.login: silent, user.info.open_id only; no redirect_uri, no code_verifier.
    let code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]);
    let reply = server.exchange(&app, &code).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.headers["cache-control"], "no-store");
    let body = reply.json();
    let expected_open_id = server.platform.open_id(HostApp::TikTok, &app.client_key, alice.id);
    assert_eq!(body["open_id"], expected_open_id.as_str());
    assert_eq!(body["scope"], USER_INFO_OPEN_ID);
    assert_eq!(body["expires_in"], 86_400);
    assert_eq!(body["refresh_expires_in"], 31_536_000);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("data").is_none(), "v2 token success is flat");
    let access = body["access_token"].as_str().unwrap().to_string();
    assert!(access.starts_with("act."));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("rft."));

    let info = server.user_info(&access, "open_id,union_id").await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.text);
    let user = &info.json()["data"]["user"];
    assert_eq!(user["open_id"], expected_open_id.as_str());
    assert_eq!(user["union_id"], server.platform.union_id(&app.developer, alice.id).as_str());
    assert_eq!(info.json()["error"], json!({"code": "ok", "message": "", "log_id": info.log_id}));
    // Only the requested fields come back.
    assert_eq!(user.as_object().unwrap().len(), 2);

    // Silent login does not unlock the profile.
    server
        .user_info(&access, "display_name")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "scope_not_authorized");

    // TTMinis.authorize: after consent, user.info.basic.
    let code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_BASIC]);
    let basic = server.exchange(&app, &code).await.str("/access_token");
    let info = server
        .user_info(&basic, "open_id,display_name,avatar_url,avatar_url_100,avatar_large_url")
        .await;
    let user = &info.json()["data"]["user"];
    assert_eq!(user["display_name"], alice.display_name.as_str());
    assert_eq!(user["avatar_url"], alice.avatar_url.as_str());
    assert_eq!(user["avatar_large_url"], alice.avatar_url.as_str());
    assert_eq!(user["open_id"], expected_open_id.as_str());
    assert_eq!(
        server.platform.granted_scopes(alice.id, &app.client_key).unwrap(),
        vec![USER_INFO_OPEN_ID, USER_INFO_BASIC]
    );
}
