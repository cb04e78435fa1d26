//! The platform emulator over a real socket: Minis and web login flows, refresh, revoke,
//! expiry, failures, legacy v1, admin API, hostile input and persistence across restarts.

#[path = "platform/support.rs"]
mod support;

use minihost::platform::cli::{self, AppCommand, PlatformCommand, UserCommand};
use minihost::platform::{
    CodeRequest, HostApp, NewApp, PlatformOptions, USER_INFO_BASIC, USER_INFO_OPEN_ID, USER_INFO_PROFILE, USER_INFO_STATS,
};
use reqwest::StatusCode;
use serde_json::json;
use support::{data_dir, pkce_pair, query_param, ConsentForm, Reply, Server, REDIRECT};

fn minis_code(server: &Server, client_key: &str, username: &str, scopes: &[&str]) -> String {
    server
        .platform
        .mint_code(CodeRequest {
            client_key: client_key.into(),
            user_id: server.user(username).id,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..CodeRequest::default()
        })
        .unwrap()
}

fn authorize_url(server: &Server, path: &str, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&server.url(path)).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url.to_string()
}

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

#[tokio::test]
async fn web_flow_with_state_and_pkce() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awweb", &[REDIRECT]);
    let bob = server.user("bob");
    let (verifier, challenge) = pkce_pair();
    let state = "csrf s&t=\"é\"<x>";

    let page = server
        .get(
            &authorize_url(
                &server,
                "/v2/auth/authorize/",
                &[
                    ("client_key", &app.client_key),
                    ("scope", "user.info.basic,user.info.profile"),
                    ("redirect_uri", REDIRECT),
                    ("state", state),
                    ("response_type", "code"),
                    ("code_challenge", &challenge),
                    ("code_challenge_method", "S256"),
                ],
            )[server.base.len()..],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    for expected in [
        "@alice",
        "@bob",
        "Bob Okafor",
        USER_INFO_BASIC,
        USER_INFO_PROFILE,
        "Allow",
        "Deny",
        REDIRECT,
    ] {
        assert!(page.text.contains(expected), "consent page lacks {expected:?}");
    }
    assert!(!page.text.contains("<x>"), "state must be escaped");
    let form = ConsentForm::parse(&page.text);
    assert_eq!(form.action, "/v2/auth/authorize/");
    assert_eq!(form.get("state"), Some(state));

    let back = form.submit(&server, Some(bob.id), "allow").await;
    let location = back.location();
    assert_eq!(&location.as_str()[..REDIRECT.len()], REDIRECT);
    assert_eq!(query_param(&location, "state").as_deref(), Some(state));
    assert_eq!(
        query_param(&location, "scopes").as_deref(),
        Some("user.info.basic,user.info.profile")
    );
    let code = query_param(&location, "code").unwrap();

    let tokens = server
        .token(&[
            ("client_key", &app.client_key),
            ("client_secret", &app.client_secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    assert_eq!(tokens.str("/scope"), "user.info.basic,user.info.profile");
    let info = server
        .user_info(
            &tokens.str("/access_token"),
            "display_name,username,is_verified,bio_description,profile_deep_link",
        )
        .await;
    let user = &info.json()["data"]["user"];
    assert_eq!(user["display_name"], "Bob Okafor");
    assert_eq!(user["username"], "bob");
    assert_eq!(user["is_verified"], false);
    assert_eq!(user["bio_description"], bob.bio.as_str());
    assert_eq!(user["profile_deep_link"], "https://www.tiktok.com/@bob");
}

#[tokio::test]
async fn web_flow_remembers_the_user_unless_auto_auth_is_disabled() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awweb", &[REDIRECT]);
    let carol = server.user("carol");
    let params = [
        ("client_key", app.client_key.as_str()),
        ("scope", "user.info.basic"),
        ("redirect_uri", REDIRECT),
        ("state", "one"),
        ("response_type", "code"),
    ];
    let page = server
        .get(&authorize_url(&server, "/v2/auth/authorize/", &params)[server.base.len()..])
        .await;
    let back = ConsentForm::parse(&page.text).submit(&server, Some(carol.id), "allow").await;
    let cookie = back.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();

    let again = server
        .http
        .get(authorize_url(&server, "/v2/auth/authorize/", &params))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let again = Reply::read(again).await;
    let code = query_param(&again.location(), "code").unwrap();
    let tokens = server
        .token(&[
            ("client_key", &app.client_key),
            ("client_secret", &app.client_secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
        ])
        .await;
    assert_eq!(
        tokens.str("/open_id"),
        server.platform.open_id(HostApp::TikTok, &app.client_key, carol.id)
    );

    let mut forced = params.to_vec();
    forced.push(("disable_auto_auth", "1"));
    let page = server
        .http
        .get(authorize_url(&server, "/v2/auth/authorize/", &forced))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let page = Reply::read(page).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Allow"));
    // The remembered user is preselected.
    assert!(page.text.contains(&format!("value=\"{}\" checked", carol.id)), "{}", page.text);
}

#[tokio::test]
async fn web_flow_deny_redirects_with_access_denied_and_state() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awweb", &[REDIRECT]);
    let page = server
        .get(
            &authorize_url(
                &server,
                "/v2/auth/authorize/",
                &[
                    ("client_key", &app.client_key),
                    ("scope", "user.info.basic"),
                    ("redirect_uri", REDIRECT),
                    ("state", "xyz"),
                    ("response_type", "code"),
                ],
            )[server.base.len()..],
        )
        .await;
    let back = ConsentForm::parse(&page.text).submit(&server, None, "deny").await;
    let location = back.location();
    assert_eq!(query_param(&location, "error").as_deref(), Some("access_denied"));
    assert!(query_param(&location, "error_description").is_some());
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz"));
    assert_eq!(query_param(&location, "code"), None);
    assert!(server
        .platform
        .granted_scopes(server.user("alice").id, &app.client_key)
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn authorize_errors_redirect_only_to_registered_uris() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awweb", &[REDIRECT]);
    let evil = "https://evil.example.com/steal";
    let base = [
        ("client_key", app.client_key.as_str()),
        ("scope", "user.info.basic"),
        ("state", "s"),
        ("response_type", "code"),
    ];
    // Unregistered, near-miss and missing redirect_uri: an error page, never a redirect.
    for redirect in [Some(evil), Some("https://drama.example.com/auth/callback/"), None] {
        let mut params = base.to_vec();
        if let Some(r) = redirect {
            params.push(("redirect_uri", r));
        }
        let page = server
            .get(&authorize_url(&server, "/v2/auth/authorize/", &params)[server.base.len()..])
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{redirect:?}");
        assert!(page.headers.get("location").is_none());
        assert!(page.text.contains("redirect_uri"), "{}", page.text);
    }
    // A forged consent POST gets the same treatment.
    let forged = server
        .http
        .post(server.url("/v2/auth/authorize/"))
        .form(&[
            ("client_key", app.client_key.as_str()),
            ("scope", "user.info.basic"),
            ("redirect_uri", evil),
            ("response_type", "code"),
            ("user_id", "1"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    let forged = Reply::read(forged).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert!(forged.headers.get("location").is_none());

    // Unknown app: page. Bad scope or response_type with a good redirect_uri: error redirect.
    let page = server
        .get(
            &authorize_url(
                &server,
                "/v2/auth/authorize/",
                &[("client_key", "nope"), ("redirect_uri", REDIRECT)],
            )[server.base.len()..],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    for (name, value, error) in [
        ("scope", "video.list", "invalid_scope"),
        ("response_type", "token", "unsupported_response_type"),
        ("code_challenge", "not-hex", "invalid_request"),
    ] {
        let mut params: Vec<(&str, &str)> = base.iter().copied().filter(|(k, _)| *k != name).collect();
        params.push(("redirect_uri", REDIRECT));
        params.push((name, value));
        let reply = server
            .get(&authorize_url(&server, "/v2/auth/authorize/", &params)[server.base.len()..])
            .await;
        let location = reply.location();
        assert_eq!(query_param(&location, "error").as_deref(), Some(error), "{name}={value}");
        assert_eq!(query_param(&location, "state").as_deref(), Some("s"));
    }
}

#[tokio::test]
async fn token_exchange_enforces_redirect_uri_and_pkce_bindings() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awweb", &[REDIRECT, "https://drama.example.com/other"]);
    let (verifier, challenge) = pkce_pair();
    let code = server
        .platform
        .mint_code(CodeRequest {
            client_key: app.client_key.clone(),
            user_id: server.user("alice").id,
            scopes: vec![USER_INFO_BASIC.into()],
            redirect_uri: Some(REDIRECT.into()),
            code_challenge: Some(challenge),
            host_app: HostApp::TikTok,
        })
        .unwrap();
    let attempt = |redirect: Option<&'static str>, verifier: Option<String>| {
        let mut form = vec![
            ("client_key", app.client_key.clone()),
            ("client_secret", app.client_secret.clone()),
            ("code", code.clone()),
            ("grant_type", "authorization_code".to_string()),
        ];
        if let Some(r) = redirect {
            form.push(("redirect_uri", r.to_string()));
        }
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        let server = &server;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            server.token(&pairs).await
        }
    };
    let missing = attempt(None, Some(verifier.clone())).await;
    assert!(missing
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_request")
        .contains("redirect_uri"));
    let mismatch = attempt(Some("https://drama.example.com/other"), Some(verifier.clone())).await;
    assert!(mismatch
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant")
        .contains("redirect_uri"));
    let no_verifier = attempt(Some(REDIRECT), None).await;
    assert!(no_verifier
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_request")
        .contains("code_verifier"));
    let wrong = attempt(Some(REDIRECT), Some("x".repeat(64))).await;
    assert!(wrong
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant")
        .contains("code_verifier"));
    // None of the failures consumed the code.
    let ok = attempt(Some(REDIRECT), Some(verifier)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);

    // A Minis code must not carry a redirect_uri at exchange.
    let minis = minis_code(&server, &app.client_key, "bob", &[USER_INFO_OPEN_ID]);
    let reply = server
        .token(&[
            ("client_key", &app.client_key),
            ("client_secret", &app.client_secret),
            ("code", &minis),
            ("grant_type", "authorization_code"),
            ("redirect_uri", REDIRECT),
        ])
        .await;
    reply.assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
}

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

    server
        .refresh(&app, &old_refresh)
        .await
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(server.refresh(&app, &new_refresh).await.status, StatusCode::OK);
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

#[tokio::test]
async fn client_credentials_issue_clt_tokens_that_are_not_user_tokens() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let reply = server
        .token(&[
            ("client_key", &app.client_key),
            ("client_secret", &app.client_secret),
            ("grant_type", "client_credentials"),
        ])
        .await;
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
async fn hostile_input_gets_clear_4xx_and_leaves_state_intact() {
    let server = Server::temp(PlatformOptions::default()).await;
    let app = server.app("awminidrama", &[]);
    let users_before = server.platform.users().unwrap();
    let token_url = server.url("/v2/oauth/token/");
    let post_raw = |url: String, content_type: &'static str, body: Vec<u8>| {
        let http = server.http.clone();
        async move { Reply::read(http.post(url).header("content-type", content_type).body(body).send().await.unwrap()).await }
    };
    let form = "application/x-www-form-urlencoded";

    let empty = post_raw(token_url.clone(), form, vec![]).await;
    assert!(empty
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_request")
        .contains("grant_type"));
    let no_secret = post_raw(
        token_url.clone(),
        form,
        b"grant_type=client_credentials&client_key=awminidrama".to_vec(),
    )
    .await;
    assert!(no_secret
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_request")
        .contains("client_secret"));
    let repeated = post_raw(
        token_url.clone(),
        form,
        b"grant_type=client_credentials&client_key=a&client_key=b&client_secret=x".to_vec(),
    )
    .await;
    assert!(repeated
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_request")
        .contains("client_key"));
    let unsupported = post_raw(
        token_url.clone(),
        form,
        b"grant_type=password&client_key=a&client_secret=b".to_vec(),
    )
    .await;
    unsupported.assert_oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    let json_body = post_raw(
        token_url.clone(),
        "application/json",
        br#"{"grant_type":"client_credentials"}"#.to_vec(),
    )
    .await;
    assert!(json_body
        .assert_oauth_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request")
        .contains("Content-Type"));
    let binary = post_raw(token_url.clone(), form, vec![0xff, 0xfe, b'=', 0x00, b'&', b'%', b'Z']).await;
    binary.assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    let huge = post_raw(token_url.clone(), form, vec![b'a'; 200 * 1024]).await;
    assert!(huge
        .assert_oauth_error(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request")
        .contains("exceeds"));
    let huge_code = format!(
        "grant_type=authorization_code&client_key=awminidrama&client_secret={}&code={}",
        app.client_secret,
        "c".repeat(60_000)
    );
    post_raw(token_url.clone(), form, huge_code.into_bytes())
        .await
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");

    // Admin JSON: malformed, mistyped, unknown field, oversized, wrong media type.
    let admin = server.url("/__admin/users");
    for (body, content_type) in [
        (b"{".to_vec(), "application/json"),
        (br#"{"username": 5}"#.to_vec(), "application/json"),
        (br#"{"username": "zed", "color": "red"}"#.to_vec(), "application/json"),
        (br#"["zed"]"#.to_vec(), "application/json"),
        (b"username=zed".to_vec(), form),
    ] {
        let reply = post_raw(admin.clone(), content_type, body).await;
        assert!(reply.status.is_client_error(), "{}", reply.text);
        assert!(!reply.json()["error_description"].as_str().unwrap().is_empty());
    }
    let unknown = post_raw(
        admin.clone(),
        "application/json",
        br#"{"username": "zed", "color": "red"}"#.to_vec(),
    )
    .await;
    assert!(unknown.text.contains("color"), "{}", unknown.text);
    let big = post_raw(
        admin.clone(),
        "application/json",
        format!(r#"{{"username":"{}"}}"#, "z".repeat(100_000)).into_bytes(),
    )
    .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    let negative = server.admin_post("/__admin/clock/advance", json!({"seconds": -5})).await;
    assert_eq!(negative.status, StatusCode::BAD_REQUEST);
    assert_eq!(negative.json()["field"], "seconds", "{}", negative.text);
    let mistyped = server
        .admin_post("/__admin/users", json!({"username": "zed", "beans": "lots"}))
        .await;
    assert_eq!(mistyped.status, StatusCode::BAD_REQUEST);
    assert_eq!(mistyped.json()["field"], "beans", "{}", mistyped.text);

    // v1 user info with junk.
    let v1 = server.url("/user/info/");
    for body in [
        b"[]".to_vec(),
        b"nope".to_vec(),
        br#"{"access_token": 1}"#.to_vec(),
        br#"{"access_token":"a","open_id":"b","fields":"x"}"#.to_vec(),
    ] {
        let reply = post_raw(v1.clone(), "application/json", body).await;
        assert!(reply.status.is_client_error(), "{}", reply.text);
        assert!(reply.json()["error"]["code"].as_i64().unwrap() > 0);
    }

    // Unknown routes and methods, and a bare authorize request.
    let missing = server.get("/v3/whatever").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["log_id"], missing.log_id.as_str());
    let wrong_method = server.get("/v2/oauth/token/").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    let bare = server.get("/v2/auth/authorize/").await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);
    assert!(bare.text.contains("client_key is required"));
    assert!(bare.text.contains(&bare.log_id), "the error page shows the log id");

    // Nothing was created or broken along the way.
    assert_eq!(server.platform.users().unwrap(), users_before);
    let code = minis_code(&server, &app.client_key, "alice", &[USER_INFO_OPEN_ID]);
    let ok = server.exchange(&app, &code).await;
    assert_eq!(server.user_info(&ok.str("/access_token"), "open_id").await.status, StatusCode::OK);
}

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
async fn cli_additions_are_seen_by_a_running_server_on_the_same_data_dir() {
    let dir = data_dir();
    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    cli::run(PlatformCommand::App(AppCommand::Add {
        data_dir: Some(dir.path().to_path_buf()),
        client_key: "awfromcli".into(),
        client_secret: Some("cli-secret-123".into()),
        redirect_uris: vec![REDIRECT.into()],
        developer: Some("studio-cli".into()),
        webhook_url: Some("https://drama.example.com/hooks/tiktok".into()),
        scopes: vec![],
    }))
    .await
    .unwrap();
    cli::run(PlatformCommand::User(UserCommand::Add {
        data_dir: Some(dir.path().to_path_buf()),
        username: "gina".into(),
        display_name: Some("Gina From CLI".into()),
        avatar_url: None,
        bio: None,
        verified: false,
        followers: 1,
        following: 2,
        likes: 3,
        videos: 4,
        beans: 5,
    }))
    .await
    .unwrap();

    let creds = server
        .token(&[
            ("client_key", "awfromcli"),
            ("client_secret", "cli-secret-123"),
            ("grant_type", "client_credentials"),
        ])
        .await;
    assert_eq!(creds.status, StatusCode::OK, "{}", creds.text);
    let app = server.platform.app("awfromcli").unwrap().unwrap();
    assert_eq!(app.developer, "studio-cli");
    assert_eq!(app.webhook_url.as_deref(), Some("https://drama.example.com/hooks/tiktok"));
    let code = minis_code(&server, "awfromcli", "gina", &[USER_INFO_BASIC]);
    let tokens = server.exchange(&app, &code).await;
    let info = server.user_info(&tokens.str("/access_token"), "display_name").await;
    assert_eq!(info.str("/data/user/display_name"), "Gina From CLI");

    // A bad CLI invocation fails with an error naming the field, adding nothing.
    let err = cli::run(PlatformCommand::User(UserCommand::Add {
        data_dir: Some(dir.path().to_path_buf()),
        username: "bad name".into(),
        display_name: None,
        avatar_url: None,
        bio: None,
        verified: false,
        followers: 0,
        following: 0,
        likes: 0,
        videos: 0,
        beans: 0,
    }))
    .await
    .unwrap_err();
    assert!(err.to_string().contains("username"), "{err}");
}

#[tokio::test]
async fn admin_api_refuses_peers_that_are_not_known_to_be_loopback() {
    // Without connect info (a router mounted elsewhere, behind a proxy), the peer is unknown.
    let platform = minihost::platform::Platform::in_memory(PlatformOptions::default()).unwrap();
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
