//! Login Kit for Web (`/v2/auth/authorize/`): the consent page, state and PKCE, remembered
//! users, denial, redirect-URI checks, and the bindings a web code carries to the exchange.

use minihost_platform::{CodeRequest, HostApp, PlatformOptions, USER_INFO_BASIC, USER_INFO_OPEN_ID, USER_INFO_PROFILE};
use reqwest::StatusCode;

use crate::support::{authorize_url, minis_code, pkce_pair, query_param, ConsentForm, Reply, Server, REDIRECT};

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
    let app = server.app("awweb", &[REDIRECT, "https://drama.example.com/private-callback"]);
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
        // The page does not tell a stranger which URIs the app registered.
        assert!(!page.text.contains("private-callback"), "{}", page.text);
        if redirect.is_some() {
            assert!(page.text.contains("is not registered"), "{}", page.text);
        }
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
        .wait()
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
