//! `/v2/user/info/`: fields gated by scope and by what the app may ask, field validation, bad
//! tokens, and open_id/union_id scoped by app, developer and host app.

use minihost_platform::{
    CodeRequest, HostApp, NewApp, PlatformOptions, USER_INFO_BASIC, USER_INFO_OPEN_ID, USER_INFO_PROFILE, USER_INFO_STATS,
};
use reqwest::StatusCode;

use crate::support::{minis_code, Reply, Server};

#[tokio::test]
async fn user_info_is_gated_by_scope_and_validates_fields() {
    let server = Server::temp(PlatformOptions::default()).await;
    let full = server.app("awfull", &[]);
    let minis_only = server
        .platform
        .ensure_app(NewApp {
            client_key: "awminis".into(),
            allowed_scopes: Some(vec![USER_INFO_OPEN_ID.into(), USER_INFO_BASIC.into()]),
            ..NewApp::default()
        })
        .unwrap()
        .0;
    let dave = server.user("dave");

    let all = server
        .exchange(
            &full,
            &minis_code(&server, "awfull", "dave", &[USER_INFO_BASIC, USER_INFO_PROFILE, USER_INFO_STATS]),
        )
        .await
        .str("/access_token");
    let info = server
        .user_info(&all, "follower_count,following_count,likes_count,video_count,is_verified,username")
        .await;
    let user = &info.json()["data"]["user"];
    assert_eq!(user["follower_count"], dave.follower_count);
    assert_eq!(user["following_count"], dave.following_count);
    assert_eq!(user["likes_count"], dave.likes_count);
    assert_eq!(user["video_count"], dave.video_count);
    assert_eq!(user["is_verified"], true);
    assert_eq!(user["username"], "dave");

    let basic = server
        .exchange(&full, &minis_code(&server, "awfull", "dave", &[USER_INFO_BASIC]))
        .await
        .str("/access_token");
    let message = server
        .user_info(&basic, "display_name,follower_count")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "scope_not_authorized");
    assert!(message.contains("follower_count") && message.contains(USER_INFO_STATS), "{message}");
    let message = server
        .user_info(&basic, "open_id,email")
        .await
        .assert_api_error(StatusCode::BAD_REQUEST, "invalid_params");
    assert!(message.contains("\"email\""), "{message}");
    server
        .user_info(&basic, "")
        .await
        .assert_api_error(StatusCode::BAD_REQUEST, "invalid_params");
    let no_fields = Reply::read(
        server
            .http
            .get(server.url("/v2/user/info/"))
            .bearer_auth(&basic)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(no_fields
        .assert_api_error(StatusCode::BAD_REQUEST, "invalid_params")
        .contains("fields"));

    // An app not approved for the profile scope: scope_permission_missed.
    let minis = server
        .exchange(&minis_only, &minis_code(&server, "awminis", "dave", &[USER_INFO_BASIC]))
        .await
        .str("/access_token");
    server
        .user_info(&minis, "username")
        .await
        .assert_api_error(StatusCode::BAD_REQUEST, "scope_permission_missed");

    // Missing or malformed tokens.
    let anonymous = Reply::read(server.http.get(server.url("/v2/user/info/?fields=open_id")).send().await.unwrap()).await;
    anonymous.assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    server
        .user_info("act.forged", "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    server
        .user_info(&"x".repeat(10_000), "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
}

#[tokio::test]
async fn identities_are_scoped_by_app_developer_and_host_app() {
    let server = Server::temp(PlatformOptions::default()).await;
    let mk = |key: &str, developer: &str| {
        server
            .platform
            .ensure_app(NewApp {
                client_key: key.into(),
                developer: Some(developer.into()),
                ..NewApp::default()
            })
            .unwrap()
            .0
    };
    let (a1, a2, b1) = (
        mk("studio-a-1", "studio-a"),
        mk("studio-a-2", "studio-a"),
        mk("studio-b-1", "studio-b"),
    );
    let alice = server.user("alice").id;
    let mut ids = Vec::new();
    for (app, host) in [
        (&a1, HostApp::TikTok),
        (&a2, HostApp::TikTok),
        (&b1, HostApp::TikTok),
        (&a1, HostApp::Douyin),
    ] {
        let code = server
            .platform
            .mint_code(CodeRequest {
                client_key: app.client_key.clone(),
                user_id: alice,
                scopes: vec![USER_INFO_OPEN_ID.into()],
                host_app: host,
                ..CodeRequest::default()
            })
            .wait()
            .unwrap();
        let tokens = server.exchange(app, &code).await;
        let info = server.user_info(&tokens.str("/access_token"), "open_id,union_id").await;
        assert_eq!(info.str("/data/user/open_id"), tokens.str("/open_id"));
        ids.push((info.str("/data/user/open_id"), info.str("/data/user/union_id")));
    }
    let open_ids: std::collections::HashSet<_> = ids.iter().map(|(o, _)| o).collect();
    assert_eq!(open_ids.len(), 4, "open_id differs per app and per host app");
    assert_eq!(ids[0].1, ids[1].1, "union_id is shared by a developer's apps");
    assert_ne!(ids[0].1, ids[2].1, "union_id differs across developers");
    assert_eq!(ids[0].1, ids[3].1, "union_id does not depend on the host app");
}
