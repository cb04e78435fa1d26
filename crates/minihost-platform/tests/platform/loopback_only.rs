//! The guard of `/__admin/` and `/__host/v1/` against pages in a browser on this machine: a
//! DNS-rebinding page (loopback peer, foreign `Host`) and a cross-site "simple" POST (foreign
//! `Origin`, no or `text/plain` Content-Type) are refused by cause; local clients still pass.

use minihost_platform::{NewApp, PlatformOptions};
use minihost_platform_api::host_api as wire;
use reqwest::header::{CONTENT_TYPE, HOST, ORIGIN};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Call, Direct, Reply, Server, LOOPBACK, REMOTE};

const ADVANCE: &str = "/__admin/clock/advance";

fn direct_with_app() -> Direct {
    let direct = Direct::in_memory();
    direct
        .platform
        .ensure_app(NewApp {
            client_key: "awsecret".into(),
            client_secret: Some("the-client-secret".into()),
            ..NewApp::default()
        })
        .unwrap();
    direct
}

fn assert_refused(reply: &Reply, status: StatusCode, mentions: &str, name: &str) {
    let error = if status == StatusCode::FORBIDDEN {
        "forbidden"
    } else {
        "invalid_request"
    };
    let description = reply.assert_oauth_error(status, error);
    assert!(description.contains(mentions), "{name}: {description}");
    assert!(!reply.text.contains("the-client-secret"), "{name} leaked a secret");
}

#[tokio::test]
async fn admin_refuses_a_foreign_or_missing_host_even_from_a_loopback_peer() {
    let direct = direct_with_app();
    for (name, call) in [
        ("foreign Host", Call::get("/__admin/apps").header(HOST, "evil.example")),
        (
            "foreign Host with port",
            Call::get("/__admin/apps").header(HOST, "evil.example:8787"),
        ),
        ("look-alike Host", Call::get("/__admin/apps").header(HOST, "127.0.0.1.nip.io:8787")),
        ("LAN Host", Call::get("/__admin/apps").header(HOST, "192.168.1.20:8787")),
        ("missing Host", Call::get("/__admin/apps").without_header(HOST)),
    ] {
        let reply = direct.send(call.peer(LOOPBACK)).await;
        assert_refused(&reply, StatusCode::FORBIDDEN, "Host", name);
    }
}

#[tokio::test]
async fn admin_over_a_socket_refuses_a_rebound_host() {
    let server = Server::temp(PlatformOptions::default()).await;
    server.app("awsecret", &[]);
    let reply = server
        .http
        .get(server.url("/__admin/apps"))
        .header(HOST, "evil.example")
        .send()
        .await
        .unwrap();
    let reply = Reply::read(reply).await;
    assert_refused(&reply, StatusCode::FORBIDDEN, "Host", "rebound Host");
    assert!(!reply
        .text
        .contains(&server.platform.app("awsecret").unwrap().unwrap().client_secret));
    // The same request under its real Host is answered.
    assert_eq!(server.get("/__admin/apps").await.status, StatusCode::OK);
}

#[tokio::test]
async fn admin_refuses_cross_site_simple_posts() {
    let direct = Direct::in_memory();
    let body = br#"{"seconds": 60}"#;
    let post = || Call::post(ADVANCE).raw_body(body).peer(LOOPBACK);
    for (name, call, status, mentions) in [
        (
            "no Content-Type, foreign Origin",
            post().header(ORIGIN, "https://evil.example"),
            StatusCode::FORBIDDEN,
            "Origin",
        ),
        (
            "text/plain, foreign Origin",
            post().header(CONTENT_TYPE, "text/plain").header(ORIGIN, "https://evil.example"),
            StatusCode::FORBIDDEN,
            "Origin",
        ),
        (
            "JSON, foreign Origin",
            post()
                .header(CONTENT_TYPE, "application/json")
                .header(ORIGIN, "https://evil.example"),
            StatusCode::FORBIDDEN,
            "Origin",
        ),
        (
            "JSON, opaque Origin",
            post().header(CONTENT_TYPE, "application/json").header(ORIGIN, "null"),
            StatusCode::FORBIDDEN,
            "Origin",
        ),
        (
            "JSON, loopback-named file Origin",
            post().header(CONTENT_TYPE, "application/json").header(ORIGIN, "file://localhost"),
            StatusCode::FORBIDDEN,
            "Origin",
        ),
        ("no Content-Type", post(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "no Content-Type"),
        (
            "text/plain",
            post().header(CONTENT_TYPE, "text/plain"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "text/plain",
        ),
        (
            "empty body, no Content-Type",
            Call::post(ADVANCE).peer(LOOPBACK),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
    ] {
        let reply = direct.send(call).await;
        assert_refused(&reply, status, mentions, name);
    }
    assert_eq!(direct.platform.clock().offset(), 0, "no refused call moved the clock");
}

#[tokio::test]
async fn admin_still_answers_local_clients() {
    let direct = direct_with_app();
    for host in ["127.0.0.1", "127.0.0.1:8787", "localhost:3000", "LOCALHOST", "[::1]:8787", "[::1]"] {
        let reply = direct.send(Call::get("/__admin/apps").header(HOST, host).peer(LOOPBACK)).await;
        assert_eq!(reply.status, StatusCode::OK, "{host}: {}", reply.text);
    }
    for origin in ["http://localhost:3000", "http://127.0.0.1:8787", "https://[::1]:4443"] {
        let call = Call::post(ADVANCE)
            .json(&json!({"seconds": 1}))
            .header(ORIGIN, origin)
            .peer(LOOPBACK);
        let reply = direct.send(call).await;
        assert_eq!(reply.status, StatusCode::OK, "{origin}: {}", reply.text);
    }
    let charset = Call::post(ADVANCE)
        .raw_body(br#"{"seconds": 1}"#)
        .header(CONTENT_TYPE, "Application/JSON; charset=utf-8")
        .peer(LOOPBACK);
    assert_eq!(direct.send(charset).await.status, StatusCode::OK);
    assert_eq!(direct.platform.clock().offset(), 4);
}

fn pair(token: Option<&str>) -> Call {
    Call::post(wire::PAIR).json(&json!({"device_name": "pixel-8", "pairing_token": token}))
}

#[tokio::test]
async fn host_api_refuses_a_foreign_host_and_cross_site_writes() {
    let direct = Direct::in_memory();
    let rebound = direct.send(pair(None).header(HOST, "evil.example").peer(LOOPBACK)).await;
    assert_refused(&rebound, StatusCode::FORBIDDEN, "Host", "rebound pair");
    let users = direct.send(Call::get(wire::USERS).without_header(HOST).peer(LOOPBACK)).await;
    assert_refused(&users, StatusCode::FORBIDDEN, "Host", "no Host");
    let cross_site = Call::post(wire::PAIR)
        .raw_body(br#"{"device_name": "evil"}"#)
        .header(CONTENT_TYPE, "text/plain")
        .header(ORIGIN, "https://evil.example")
        .peer(LOOPBACK);
    assert_refused(&direct.send(cross_site).await, StatusCode::FORBIDDEN, "Origin", "cross-site pair");
    let plain = Call::post(wire::PAIR).raw_body(br#"{"device_name": "evil"}"#).peer(LOOPBACK);
    assert_refused(
        &direct.send(plain).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Content-Type",
        "untyped pair",
    );
    // A local host still pairs.
    let ok = direct.send(pair(None).header(HOST, "localhost:8787").peer(LOOPBACK)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

#[tokio::test]
async fn with_remote_pairing_any_host_passes_but_only_the_pairing_token_pairs_it() {
    let direct = Direct::in_memory();
    let pairing_token = direct.platform.allow_remote_pairing();

    // A phone on the LAN names the server by its LAN address.
    let phone = direct
        .send(pair(Some(&pairing_token)).header(HOST, "192.168.1.5:8787").peer(REMOTE))
        .await;
    assert_eq!(phone.status, StatusCode::OK, "{}", phone.text);
    let device_token = phone.str("/device_token");
    let users = direct
        .send(
            Call::get(wire::USERS)
                .header(HOST, "192.168.1.5:8787")
                .bearer(&device_token)
                .peer(REMOTE),
        )
        .await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text);

    // A rebinding page is a loopback peer under a foreign Host: it is not this machine.
    let rebound = direct.send(pair(None).header(HOST, "evil.example").peer(LOOPBACK)).await;
    assert!(rebound
        .assert_oauth_error(StatusCode::FORBIDDEN, "forbidden")
        .contains("pairing token"));
    // A browser page elsewhere is still refused by its Origin, token or not.
    let cross_site = pair(Some(&pairing_token))
        .header(HOST, "192.168.1.5:8787")
        .header(ORIGIN, "http://192.168.1.5:8787")
        .peer(REMOTE);
    assert_refused(&direct.send(cross_site).await, StatusCode::FORBIDDEN, "Origin", "foreign Origin");
    // The admin API is not widened by remote pairing.
    let admin = direct
        .send(Call::get("/__admin/apps").header(HOST, "evil.example").peer(LOOPBACK))
        .await;
    assert_refused(&admin, StatusCode::FORBIDDEN, "Host", "admin under remote pairing");
}
