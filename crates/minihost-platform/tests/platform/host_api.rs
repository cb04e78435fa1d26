//! The host API (`/__host/v1/`) through `oneshot`: who may pair (loopback, or the pairing token
//! from another machine), that every paired route wants a real device token, and what a paired
//! host can do, down to a code the token endpoint of the same router accepts.

use minihost_platform::{HostApp, User, USER_INFO_BASIC, USER_INFO_OPEN_ID};
use minihost_platform_api::host_api::{self as wire, Code, PairResponse, Scopes};
use minihost_platform_api::EnsuredApp;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::support::{Call, Direct, Reply, LOOPBACK, REMOTE};

fn parse<T: DeserializeOwned>(reply: &Reply) -> T {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    serde_json::from_str(&reply.text).unwrap_or_else(|e| panic!("not the wire type ({e}): {}", reply.text))
}

fn pair_call(pairing_token: Option<&str>) -> Call {
    Call::post(wire::PAIR).json(&json!({"device_name": "pixel-8", "pairing_token": pairing_token}))
}

async fn pair_on_loopback(direct: &Direct) -> String {
    parse::<PairResponse>(&direct.send(pair_call(None).peer(LOOPBACK)).await).device_token
}

#[tokio::test]
async fn a_host_on_another_machine_pairs_only_with_the_pairing_token() {
    let direct = Direct::in_memory();
    // Before remote pairing is allowed, no token can be right; nor is an unknown peer local.
    for call in [
        pair_call(None).peer(REMOTE),
        pair_call(Some("pair-guess")).peer(REMOTE),
        pair_call(None),
    ] {
        direct.send(call).await.assert_oauth_error(StatusCode::FORBIDDEN, "forbidden");
    }

    let pairing_token = direct.platform.allow_remote_pairing();
    let refused = direct.send(pair_call(None).peer(REMOTE)).await;
    assert!(refused
        .assert_oauth_error(StatusCode::FORBIDDEN, "forbidden")
        .contains("pairing token"));
    let wrong = direct.send(pair_call(Some("pair-wrong")).peer(REMOTE)).await;
    wrong.assert_oauth_error(StatusCode::FORBIDDEN, "forbidden");

    let paired = direct.send(pair_call(Some(&pairing_token)).peer(REMOTE)).await;
    let device_token = parse::<PairResponse>(&paired).device_token;
    assert!(device_token.starts_with(wire::DEVICE_TOKEN_PREFIX), "{device_token}");
    let device = direct.platform.device_by_token(&device_token).unwrap().unwrap();
    assert_eq!((device.name.as_str(), device.loopback), ("pixel-8", false));
}

#[tokio::test]
async fn a_host_on_loopback_pairs_without_a_token() {
    let direct = Direct::in_memory();
    let device_token = pair_on_loopback(&direct).await;
    assert!(device_token.starts_with("dvt."), "{device_token}");
    let device = direct.platform.device_by_token(&device_token).unwrap().unwrap();
    assert!(device.loopback);
    // IPv6 loopback counts too.
    let v6 = direct.send(pair_call(None).peer("[::1]:40000".parse().unwrap())).await;
    assert!(parse::<PairResponse>(&v6).device_token.starts_with("dvt."));
    // A bad device name is refused by name, and pairs nothing.
    let bad = direct
        .send(Call::post(wire::PAIR).json(&json!({"device_name": " "})).peer(LOOPBACK))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
    assert_eq!(bad.json()["field"], "device_name");
}

/// One valid call to each route behind pairing; only the device token can be at fault.
fn paired_calls(user_id: i64) -> Vec<(&'static str, Call)> {
    vec![
        ("GET users", Call::get(wire::USERS)),
        ("GET user", Call::get(&wire::user_path("alice"))),
        (
            "POST apps/ensure",
            Call::post(wire::APPS_ENSURE).json(&json!({"client_key": "awhosted"})),
        ),
        (
            "GET grants",
            Call::get(&format!("{}?user_id={user_id}&client_key=awminidrama", wire::GRANTS)),
        ),
        (
            "POST grants",
            Call::post(wire::GRANTS).json(&json!({"user_id": user_id, "client_key": "awminidrama", "scopes": [USER_INFO_BASIC]})),
        ),
        (
            "POST codes",
            Call::post(wire::CODES).json(&json!({"client_key": "awminidrama", "user_id": user_id, "scopes": [USER_INFO_OPEN_ID]})),
        ),
        (
            "POST wallet/top_up",
            Call::post(wire::TOP_UP).json(&json!({"user_id": user_id, "beans": 1})),
        ),
        (
            "POST ads/admit",
            Call::post(wire::ADS_ADMIT).json(&json!({"client_key": "awminidrama", "ad_unit_id": "u"})),
        ),
    ]
}

#[tokio::test]
async fn every_paired_route_wants_a_real_device_token() {
    let direct = Direct::in_memory();
    direct
        .platform
        .ensure_app(minihost_platform::NewApp {
            client_key: "awminidrama".into(),
            ..Default::default()
        })
        .unwrap();
    let alice = direct.platform.user_by_username("alice").unwrap().unwrap();
    let apps_before = direct.platform.apps().unwrap();

    for (name, call) in paired_calls(alice.id) {
        let reply = direct.send(call.peer(LOOPBACK)).await;
        assert!(
            reply
                .assert_oauth_error(StatusCode::UNAUTHORIZED, "unauthorized")
                .contains(wire::PAIR),
            "{name} without a token"
        );
    }
    for forged in ["dvt.x!1", "dvt.", "act.x!1"] {
        for (name, call) in paired_calls(alice.id) {
            let reply = direct.send(call.bearer(forged).peer(LOOPBACK)).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{name} with {forged}: {}", reply.text);
            assert_eq!(reply.json()["error"], "unauthorized", "{name} with {forged}");
        }
    }
    // The refused calls changed nothing.
    assert_eq!(direct.platform.apps().unwrap(), apps_before);
    assert!(direct.platform.granted_scopes(alice.id, "awminidrama").unwrap().is_empty());

    let device_token = pair_on_loopback(&direct).await;
    for (name, call) in paired_calls(alice.id) {
        let reply = direct.send(call.bearer(&device_token).peer(LOOPBACK)).await;
        assert_eq!(reply.status, StatusCode::OK, "{name} with a device token: {}", reply.text);
    }
}

#[tokio::test]
async fn a_paired_host_registers_an_app_grants_and_mints_a_code_the_token_endpoint_takes() {
    let direct = Direct::in_memory();
    let pairing_token = direct.platform.allow_remote_pairing();
    let paired = direct.send(pair_call(Some(&pairing_token)).peer(REMOTE)).await;
    let token = parse::<PairResponse>(&paired).device_token;
    let call = |call: Call| direct.send(call.bearer(&token).peer(REMOTE));

    let users: Vec<User> = parse(&call(Call::get(wire::USERS)).await);
    assert_eq!(users, direct.platform.users().unwrap());
    let alice: User = parse(&call(Call::get(&wire::user_path("alice"))).await);
    assert_eq!(alice.display_name, "Alice Lin");
    call(Call::get(&wire::user_path("nobody")))
        .await
        .assert_oauth_error(StatusCode::NOT_FOUND, "not_found");

    let new_app = json!({"client_key": "awhosted", "redirect_uris": []});
    let ensured: EnsuredApp = parse(&call(Call::post(wire::APPS_ENSURE).json(&new_app)).await);
    assert!(ensured.created);
    let secret = ensured.client_secret.expect("the registering host is told the secret");
    let again: EnsuredApp = parse(&call(Call::post(wire::APPS_ENSURE).json(&new_app)).await);
    assert_eq!((again.created, again.client_secret), (false, None));

    let scopes = [USER_INFO_OPEN_ID, USER_INFO_BASIC];
    let grant = json!({"user_id": alice.id, "client_key": "awhosted", "scopes": scopes});
    let granted: Scopes = parse(&call(Call::post(wire::GRANTS).json(&grant)).await);
    assert_eq!(granted.scopes, scopes);
    let query = format!("{}?user_id={}&client_key=awhosted", wire::GRANTS, alice.id);
    let read: Scopes = parse(&call(Call::get(&query)).await);
    assert_eq!(read.scopes, scopes);
    let no_query = call(Call::get(wire::GRANTS)).await;
    assert!(no_query
        .assert_oauth_error(StatusCode::BAD_REQUEST, "invalid_request")
        .contains("user_id"));

    let request = json!({"client_key": "awhosted", "user_id": alice.id, "scopes": [USER_INFO_BASIC]});
    let code: Code = parse(&call(Call::post(wire::CODES).json(&request)).await);
    let tokens = direct
        .token(&[
            ("client_key", "awhosted"),
            ("client_secret", &secret),
            ("code", &code.code),
            ("grant_type", "authorization_code"),
        ])
        .await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    assert_eq!(
        tokens.str("/open_id"),
        direct.platform.open_id(HostApp::TikTok, "awhosted", alice.id)
    );
    assert_eq!(tokens.str("/scope"), USER_INFO_BASIC);
}
