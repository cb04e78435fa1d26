//! The v2 token and revoke endpoints: code replay and races, client authentication, refresh
//! with and without rotation, revocation, expiry on the platform clock, client credentials;
//! over a socket, and through `oneshot` without one.

use minihost_platform::{App, CodeRequest, HostApp, NewApp, PlatformOptions, USER_INFO_BASIC, USER_INFO_OPEN_ID};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{minis_code, Direct, Reply, Server};

#[tokio::test]
async fn code_replay_is_invalid_grant_and_revokes_the_tokens_it_minted() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_BASIC]);
    let first = server.exchange(&app, &code).await;
    assert_eq!(first.status, StatusCode::OK);
    let access = first.str("/access_token");
    assert_eq!(server.user_info(&access, "display_name").await.status, StatusCode::OK);

    let replay = server.exchange(&app, &code).await;
    let description = replay.assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    assert!(description.contains("already been used"), "{description}");
    server
        .user_info(&access, "display_name")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    server
        .refresh(&app, &first.str("/refresh_token"))
        .await
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");

    // An unknown code is invalid_grant too.
    server
        .exchange(&app, "not-a-code")
        .await
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn concurrent_exchanges_of_one_code_let_exactly_one_through() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]);
    let replies = futures_join_all((0..8).map(|_| server.exchange(&app, &code))).await;
    let ok: Vec<&Reply> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    assert_eq!(ok.len(), 1, "exactly one exchange wins");
    for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
        reply.assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    // The losers were replays, so the winner's token is revoked.
    server
        .user_info(&ok[0].str("/access_token"), "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
}

/// Runs futures concurrently on the current task (no extra dependency needed).
async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = handles.iter().map(|_| None).collect();
    let mut handles: Vec<_> = handles.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, out) in handles.iter_mut().zip(outputs.iter_mut()) {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn wrong_secret_and_unknown_client_are_invalid_client_401() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]);
    let wrong = server
        .token(&[
            ("client_key", &app.client_key),
            ("client_secret", "not-the-secret"),
            ("code", &code),
            ("grant_type", "authorization_code"),
        ])
        .await;
    assert!(wrong
        .assert_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client")
        .contains("client_secret"));
    let unknown = server
        .token(&[
            ("client_key", "nobody"),
            ("client_secret", &app.client_secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
        ])
        .await;
    unknown.assert_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    // The code survived both attempts.
    assert_eq!(server.exchange(&app, &code).await.status, StatusCode::OK);
}

#[tokio::test]
async fn refresh_with_rotation() {
    let opts = PlatformOptions {
        rotate_refresh_tokens: true,
        ..PlatformOptions::default()
    };
    let server = Server::temp(opts).await;
    let app = server.app("awminidrama", &[]);
    let first = server
        .exchange(&app, &minis_code(&server, &app.client_key, "bob", &[USER_INFO_BASIC]))
        .await;
    let old_refresh = first.str("/refresh_token");

    let refreshed = server.refresh(&app, &old_refresh).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let new_refresh = refreshed.str("/refresh_token");
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(refreshed.json()["refresh_expires_in"], 31_536_000);
    assert_eq!(refreshed.str("/open_id"), first.str("/open_id"));
    assert_eq!(refreshed.str("/scope"), USER_INFO_BASIC);
    let info = server.user_info(&refreshed.str("/access_token"), "display_name").await;
    assert_eq!(info.json()["data"]["user"]["display_name"], "Bob Okafor");

    let newer = server.refresh(&app, &new_refresh).await;
    assert_eq!(newer.status, StatusCode::OK, "{}", newer.text);

    // Reusing the rotated-out token means it leaked: the whole family goes (RFC 9700 §4.14.2).
    let reuse = server.refresh(&app, &old_refresh).await;
    assert!(reuse
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant")
        .contains("revoked"));
    for access in [
        first.str("/access_token"),
        refreshed.str("/access_token"),
        newer.str("/access_token"),
    ] {
        server
            .user_info(&access, "display_name")
            .await
            .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    }
    for refresh in [new_refresh, newer.str("/refresh_token")] {
        server
            .refresh(&app, &refresh)
            .await
            .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
}

#[tokio::test]
async fn concurrent_rotating_refreshes_of_one_token_let_exactly_one_through() {
    let opts = PlatformOptions {
        rotate_refresh_tokens: true,
        ..PlatformOptions::default()
    };
    let server = Server::temp(opts).await;
    let app = server.app("awminidrama", &[]);
    let first = server
        .exchange(&app, &minis_code(&server, &app.client_key, "bob", &[USER_INFO_BASIC]))
        .await;
    let refresh = first.str("/refresh_token");
    let replies = futures_join_all((0..8).map(|_| server.refresh(&app, &refresh))).await;
    let ok: Vec<&Reply> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    assert_eq!(ok.len(), 1, "exactly one refresh wins");
    for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
        reply.assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    // The losers reused a rotated token, so the winner's tokens are revoked too.
    server
        .user_info(&ok[0].str("/access_token"), "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    server
        .refresh(&app, &ok[0].str("/refresh_token"))
        .await
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn refresh_without_rotation_returns_the_same_refresh_token() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let first = server
        .exchange(&app, &minis_code(&server, &app.client_key, "bob", &[USER_INFO_BASIC]))
        .await;
    let refreshed = server.refresh(&app, &first.str("/refresh_token")).await;
    assert_eq!(refreshed.str("/refresh_token"), first.str("/refresh_token"));
    assert_ne!(refreshed.str("/access_token"), first.str("/access_token"));
}

#[tokio::test]
async fn revoke_then_user_info_is_401() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let tokens = server
        .exchange(&app, &minis_code(&server, &app.client_key, "alice", &[USER_INFO_BASIC]))
        .await;
    let access = tokens.str("/access_token");

    let wrong = server
        .http
        .post(server.url("/v2/oauth/revoke/"))
        .form(&[
            ("client_key", app.client_key.as_str()),
            ("client_secret", "bad-secret"),
            ("token", &access),
        ])
        .send()
        .await
        .unwrap();
    Reply::read(wrong)
        .await
        .assert_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    assert_eq!(server.user_info(&access, "open_id").await.status, StatusCode::OK);

    let revoke = server
        .http
        .post(server.url("/v2/oauth/revoke/"))
        .form(&[
            ("client_key", app.client_key.as_str()),
            ("client_secret", &app.client_secret),
            ("token", &access),
        ])
        .send()
        .await
        .unwrap();
    let revoke = Reply::read(revoke).await;
    assert_eq!(revoke.status, StatusCode::OK);
    assert_eq!(revoke.json(), json!({}));
    server
        .user_info(&access, "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    server
        .refresh(&app, &tokens.str("/refresh_token"))
        .await
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn expiry_via_the_clock_gives_401_then_refresh_or_relogin_recovers() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let tokens = server
        .exchange(&app, &minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]))
        .await;
    let access = tokens.str("/access_token");
    let unused_code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]);

    let advanced = server.admin_post("/__admin/clock/advance", json!({"seconds": 86_400})).await;
    assert_eq!(advanced.status, StatusCode::OK, "{}", advanced.text);
    assert!(advanced.json()["offset"].as_u64().unwrap() >= 86_400);

    let expired = server.user_info(&access, "open_id").await;
    let message = expired.assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
    assert!(message.contains("invalid"), "{message}");
    // The 10-minute code expired too.
    let stale = server.exchange(&app, &unused_code).await;
    assert!(stale
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant")
        .contains("expired"));

    // Re-login on 401: the refresh token (365 days) still works, and so does a new code.
    let refreshed = server.refresh(&app, &tokens.str("/refresh_token")).await;
    assert_eq!(
        server.user_info(&refreshed.str("/access_token"), "open_id").await.status,
        StatusCode::OK
    );
    let relogin = server
        .exchange(&app, &minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]))
        .await;
    assert_eq!(
        server.user_info(&relogin.str("/access_token"), "open_id").await.status,
        StatusCode::OK
    );

    // Past the refresh token's lifetime, only a new login helps.
    server.admin_post("/__admin/clock/advance", json!({"seconds": 31_536_000})).await;
    server
        .refresh(&app, &tokens.str("/refresh_token"))
        .await
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn client_credentials_issue_clt_tokens_that_are_not_user_tokens() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let reply = server.client_credentials(&app).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert!(body["access_token"].as_str().unwrap().starts_with("clt."));
    assert_eq!(body["expires_in"], 7_200);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none());
    server
        .user_info(body["access_token"].as_str().unwrap(), "open_id")
        .await
        .assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
}

/// An app and a fresh Minis code for alice, on an in-process router.
fn direct_with_code() -> (Direct, App, String) {
    let direct = Direct::in_memory();
    let app = direct
        .platform
        .ensure_app(NewApp {
            client_key: "awminidrama".into(),
            ..NewApp::default()
        })
        .unwrap()
        .0;
    let alice = direct.platform.user_by_username("alice").unwrap().unwrap();
    let code = direct
        .platform
        .mint_code(CodeRequest {
            client_key: app.client_key.clone(),
            user_id: alice.id,
            scopes: vec![USER_INFO_BASIC.into()],
            ..CodeRequest::default()
        })
        .wait()
        .unwrap();
    (direct, app, code)
}

fn exchange_form<'a>(app: &'a App, secret: &'a str, code: &'a str) -> [(&'static str, &'a str); 4] {
    [
        ("client_key", &app.client_key),
        ("client_secret", secret),
        ("code", code),
        ("grant_type", "authorization_code"),
    ]
}

#[tokio::test]
async fn oneshot_token_endpoint_exchanges_a_code_once() {
    let (direct, app, code) = direct_with_code();
    let alice = direct.platform.user_by_username("alice").unwrap().unwrap();
    let tokens = direct.token(&exchange_form(&app, &app.client_secret, &code)).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    assert_eq!(tokens.headers["cache-control"], "no-store");
    assert!(tokens.str("/access_token").starts_with("act."));
    assert!(tokens.str("/refresh_token").starts_with("rft."));
    assert_eq!(tokens.str("/scope"), USER_INFO_BASIC);
    assert_eq!(
        tokens.str("/open_id"),
        direct.platform.open_id(HostApp::TikTok, &app.client_key, alice.id)
    );

    let replay = direct.token(&exchange_form(&app, &app.client_secret, &code)).await;
    assert!(replay
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant")
        .contains("already been used"));
    let unknown = direct.token(&exchange_form(&app, &app.client_secret, "not-a-code")).await;
    unknown.assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn oneshot_token_endpoint_refuses_a_wrong_client_secret_and_keeps_the_code() {
    let (direct, app, code) = direct_with_code();
    let wrong = direct.token(&exchange_form(&app, "not-the-secret", &code)).await;
    assert!(wrong
        .assert_oauth_error(StatusCode::UNAUTHORIZED, "invalid_client")
        .contains("client_secret"));
    let empty = direct.token(&exchange_form(&app, "", &code)).await;
    assert!(empty
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_request")
        .contains("client_secret"));
    let ok = direct.token(&exchange_form(&app, &app.client_secret, &code)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}
