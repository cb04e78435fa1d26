//! The legacy v1 API: connect page, query-string token calls, JSON user info, v1 refresh and
//! revoke, and v1's numeric error codes.

use minihost_platform::{HostApp, PlatformOptions, USER_INFO_BASIC};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{authorize_url, query_param, ConsentForm, Reply, Server, REDIRECT};

#[tokio::test]
async fn legacy_v1_flow() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awlegacy", &[REDIRECT]);
    let alice = server.user("alice");
    let connect = authorize_url(
        &server,
        "/platform/oauth/connect/",
        &[
            ("client_key", &app.client_key),
            ("scope", "user.info.basic"),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("state", "csrf123"),
        ],
    );
    let page = server.get(&connect[server.base.len()..]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let form = ConsentForm::parse(&page.text);
    assert_eq!(form.action, "/platform/oauth/connect/");
    let location = form.submit(&server, Some(alice.id), "allow").await.location();
    assert_eq!(query_param(&location, "state").as_deref(), Some("csrf123"));
    let code = query_param(&location, "code").unwrap();

    // The later v1 authorize path serves the same page.
    let later = connect.replace("/platform/oauth/connect/", "/auth/authorize/");
    let page = server.get(&later[server.base.len()..]).await;
    assert_eq!(ConsentForm::parse(&page.text).action, "/auth/authorize/");

    // POST /oauth/access_token/ with query parameters, as in seed 002.
    let token_url = |code: &str| {
        let mut url = url::Url::parse(&server.url("/oauth/access_token/")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_key", &app.client_key)
            .append_pair("client_secret", &app.client_secret)
            .append_pair("code", code)
            .append_pair("grant_type", "authorization_code");
        url
    };
    let reply = Reply::read(server.http.post(token_url(&code)).send().await.unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["message"], "success");
    let data = &body["data"];
    assert_eq!(data["error_code"], 0);
    assert_eq!(data["captcha"], "");
    assert_eq!(data["desc_url"], "");
    assert_eq!(data["description"], "");
    assert_eq!(data["expires_in"], 86_400);
    assert_eq!(data["refresh_expires_in"], 31_536_000);
    assert_eq!(data["scope"], USER_INFO_BASIC);
    assert_eq!(data["log_id"], reply.log_id.as_str());
    let access = data["access_token"].as_str().unwrap().to_string();
    let open_id = data["open_id"].as_str().unwrap().to_string();
    assert_eq!(open_id, server.platform.open_id(HostApp::TikTok, &app.client_key, alice.id));

    // POST /user/info/ with a JSON body.
    let fields = [
        "open_id",
        "union_id",
        "avatar_url",
        "avatar_url_100",
        "avatar_url_200",
        "avatar_large_url",
        "display_name",
    ];
    let info = server
        .http
        .post(server.url("/user/info/"))
        .json(&json!({"open_id": open_id, "access_token": access, "fields": fields}))
        .send()
        .await
        .unwrap();
    let info = Reply::read(info).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.text);
    let body = info.json();
    assert_eq!(body["error"]["code"], 0);
    assert_eq!(body["data"]["user"]["display_name"], "Alice Lin");
    assert_eq!(body["data"]["user"]["avatar_url_200"], alice.avatar_url.as_str());
    assert_eq!(body["data"]["user"].as_object().unwrap().len(), fields.len());

    // v1 errors: a replayed code, a mismatched open_id, a bad field.
    let replay = Reply::read(server.http.post(token_url(&code)).send().await.unwrap()).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    let body = replay.json();
    assert_eq!(body["message"], "error");
    assert_eq!(body["data"]["error_code"], 10007);
    assert!(body["data"]["description"].as_str().unwrap().contains("already been used"));
    let mismatch = server
        .http
        .post(server.url("/user/info/"))
        .json(&json!({"open_id": "someone-else", "access_token": access}))
        .send()
        .await
        .unwrap();
    let mismatch = Reply::read(mismatch).await;
    assert!(mismatch.json()["error"]["code"].as_i64().unwrap() > 0);
    assert_eq!(mismatch.json()["data"], json!({}));

    // Refresh the v1 way (no client_secret in the documented call).
    let code = {
        let page = server.get(&connect[server.base.len()..]).await;
        let location = ConsentForm::parse(&page.text)
            .submit(&server, Some(alice.id), "allow")
            .await
            .location();
        query_param(&location, "code").unwrap()
    };
    let tokens = Reply::read(server.http.post(token_url(&code)).send().await.unwrap()).await;
    let mut refresh_url = url::Url::parse(&server.url("/oauth/refresh_token/")).unwrap();
    refresh_url
        .query_pairs_mut()
        .append_pair("client_key", &app.client_key)
        .append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", &tokens.str("/data/refresh_token"));
    let refreshed = Reply::read(server.http.post(refresh_url).send().await.unwrap()).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    assert_eq!(refreshed.json()["data"]["error_code"], 0);
    let new_access = refreshed.str("/data/access_token");
    let info = server
        .http
        .post(server.url("/user/info/"))
        .json(&json!({"open_id": refreshed.str("/data/open_id"), "access_token": new_access}))
        .send()
        .await
        .unwrap();
    let info = Reply::read(info).await;
    assert_eq!(info.json()["data"]["user"]["display_name"], "Alice Lin", "{}", info.text);

    // Revoke the v1 way; the token then fails with v1's bad-token code.
    let mut revoke_url = url::Url::parse(&server.url("/oauth/revoke/")).unwrap();
    revoke_url
        .query_pairs_mut()
        .append_pair("open_id", &refreshed.str("/data/open_id"))
        .append_pair("access_token", &new_access);
    let revoked = Reply::read(server.http.post(revoke_url).send().await.unwrap()).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(revoked.json()["message"], "success");
    let after = server
        .http
        .post(server.url("/user/info/"))
        .json(&json!({"open_id": refreshed.str("/data/open_id"), "access_token": new_access}))
        .send()
        .await
        .unwrap();
    let after = Reply::read(after).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.json()["error"]["code"], 10008);
}
