//! `/__admin/`: users, codes, grants, token expiry, the clock and the request log over a
//! socket; and, through `oneshot`, that only a loopback peer is answered.

use minihost_platform::{PlatformOptions, USER_INFO_BASIC};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Call, Direct, Reply, Server, LOOPBACK, REMOTE};

#[tokio::test]
async fn admin_api_creates_users_mints_codes_expires_tokens_and_lists_requests() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);

    let created = server
        .admin_post(
            "/__admin/users",
            json!({"username": "erin", "display_name": "Erin Q", "beans": 250, "verified": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert_eq!(created.json()["user"]["beans"], 250);
    let duplicate = server.admin_post("/__admin/users", json!({"username": "ERIN"})).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    let bad = server.admin_post("/__admin/users", json!({"username": "erin2", "beans": -3})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["field"], "beans");
    // A body refused before the handler runs still gets a flat error with the request's log id.
    let array = server.admin_post("/__admin/users", json!(["erin2"])).await;
    assert_eq!(array.status, StatusCode::BAD_REQUEST, "{}", array.text);
    assert_eq!(array.json()["error_description"], "the body must be a JSON object");
    assert_eq!(
        array.json()["log_id"].as_str(),
        array.headers.get("x-tt-logid").and_then(|v| v.to_str().ok())
    );
    let form = server
        .http
        .post(server.url("/__admin/users"))
        .form(&[("username", "erin2")])
        .send()
        .await
        .unwrap();
    let form = Reply::read(form).await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", form.text);
    assert!(form.json()["log_id"].is_string());
    let users = server.get("/__admin/users").await.json();
    assert!(users["users"].as_array().unwrap().iter().any(|u| u["username"] == "erin"));

    let minted = server
        .admin_post(
            "/__admin/codes",
            json!({"client_key": app.client_key, "username": "erin", "scopes": "user.info.basic"}),
        )
        .await;
    assert_eq!(minted.status, StatusCode::OK, "{}", minted.text);
    let tokens = server.exchange(&app, &minted.str("/code")).await;
    assert_eq!(tokens.str("/open_id"), minted.str("/open_id"));
    let access = tokens.str("/access_token");
    assert_eq!(
        server.user_info(&access, "display_name").await.str("/data/user/display_name"),
        "Erin Q"
    );

    let grant = server
        .get(&format!("/__admin/grants?username=erin&client_key={}", app.client_key))
        .await;
    assert_eq!(grant.json()["scopes"], json!([USER_INFO_BASIC]));

    let expired = server.admin_post("/__admin/tokens/expire", json!({"token": access})).await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.text);
    server
        .user_info(&access, "display_name")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    let missing = server.admin_post("/__admin/tokens/expire", json!({"token": "act.nope"})).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Revoking the grant kills the refresh token and forgets consent.
    let revoked = server
        .admin_post("/__admin/grants/revoke", json!({"username": "erin", "client_key": app.client_key}))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(revoked.json()["client_keys"], json!([app.client_key]));
    assert!(revoked.json()["revoked_tokens"].as_u64().unwrap() >= 1);
    server
        .refresh(&app, &tokens.str("/refresh_token"))
        .await
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    let erin = server.user("erin");
    assert!(server.platform.granted_scopes(erin.id, &app.client_key).unwrap().is_empty());

    let clock = server.get("/__admin/clock").await.json();
    assert!(clock["now"].as_u64().unwrap() > 1_600_000_000);

    let log = server.get("/__admin/requests?limit=100").await.json();
    let entries = log["requests"].as_array().unwrap();
    let token_entry = entries
        .iter()
        .find(|e| e["log_id"] == tokens.log_id.as_str())
        .expect("the token request is in the log");
    assert_eq!(token_entry["path"], "/v2/oauth/token/");
    assert_eq!(token_entry["status"], 200);
    assert_eq!(token_entry["method"], "POST");
    let limited = server.get("/__admin/requests?limit=2").await.json();
    assert_eq!(limited["requests"].as_array().unwrap().len(), 2);
    let bad_limit = server.get("/__admin/requests?limit=-1").await;
    assert_eq!(bad_limit.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn admin_request_log_masks_secrets_from_v1_query_strings() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awlegacy", &[]);
    let url = format!(
        "/oauth/access_token/?client_key={}&client_secret={}&code=abc&grant_type=authorization_code",
        app.client_key, app.client_secret
    );
    let reply = Reply::read(server.http.post(server.url(&url)).send().await.unwrap()).await;
    assert_eq!(reply.json()["data"]["error_code"], 10007);
    let log = server.get("/__admin/requests").await.text;
    assert!(!log.contains(&app.client_secret), "secret leaked into the request log: {log}");
    assert!(log.contains("client_secret=***"), "{log}");
}

#[tokio::test]
async fn admin_api_refuses_peers_that_are_not_known_to_be_loopback() {
    // Without connect info (a router mounted elsewhere, behind a proxy), the peer is unknown.
    let platform = minihost_platform::Platform::in_memory(PlatformOptions::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = platform.router();
    let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let reply = Reply::read(reqwest::get(format!("{base}/__admin/users")).await.unwrap()).await;
    reply.assert_oauth_error(StatusCode::FORBIDDEN, "forbidden");
    // The public API still works there.
    let missing = Reply::read(reqwest::get(format!("{base}/v2/user/info/?fields=open_id")).await.unwrap()).await;
    missing.assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    task.abort();
}

#[tokio::test]
async fn oneshot_admin_creates_and_lists_users_for_a_loopback_peer() {
    let direct = Direct::in_memory();
    let created = direct
        .send(
            Call::post("/__admin/users")
                .json(&json!({"username": "hana", "display_name": "Hana K", "beans": 9}))
                .peer(LOOPBACK),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert_eq!(created.json()["user"]["username"], "hana");
    assert_eq!(created.json()["user"]["beans"], 9);
    assert_eq!(direct.platform.user_by_username("hana").unwrap().unwrap().display_name, "Hana K");

    // IPv6 and IPv4-mapped loopback peers are this machine too.
    for peer in ["[::1]:1", "[::ffff:127.0.0.1]:1", "127.0.0.1:1"] {
        let listed = direct.send(Call::get("/__admin/users").peer(peer.parse().unwrap())).await;
        assert_eq!(listed.status, StatusCode::OK, "{peer}: {}", listed.text);
        let users = listed.json()["users"].as_array().unwrap().clone();
        assert!(users.iter().any(|u| u["username"] == "hana"), "{peer}");
        assert_eq!(users.len(), direct.platform.users().unwrap().len());
    }
}

#[tokio::test]
async fn oneshot_admin_refuses_a_peer_on_another_machine() {
    let direct = Direct::in_memory();
    let users_before = direct.platform.users().unwrap();
    let mapped = "[::ffff:192.168.1.20]:1".parse().unwrap();
    for (name, call) in [
        ("list users", Call::get("/__admin/users").peer(REMOTE)),
        (
            "create user",
            Call::post("/__admin/users").json(&json!({"username": "mallory"})).peer(REMOTE),
        ),
        (
            "advance clock",
            Call::post("/__admin/clock/advance").json(&json!({"seconds": 60})).peer(REMOTE),
        ),
        ("index", Call::get("/__admin/").peer(REMOTE)),
        ("mapped IPv4 peer", Call::get("/__admin/users").peer(mapped)),
        ("no peer", Call::get("/__admin/users")),
    ] {
        let reply = direct.send(call).await;
        assert!(
            reply.assert_oauth_error(StatusCode::FORBIDDEN, "forbidden").contains("loopback"),
            "{name}"
        );
    }
    assert_eq!(direct.platform.users().unwrap(), users_before);
    assert_eq!(direct.platform.clock().offset(), 0);
}
