//! Trade orders over HTTP: tiers, redeem amounts, create and query with every documented error
//! code, paying through the host API (once, from the balance, with a ledger row), refunds,
//! top-ups, ad admission, and one order paid by 50 threads at once.

use minihost_platform::{Platform, PlatformOptions};
use minihost_platform_api::host_api as wire;
use minihost_platform_api::monetization::{DeclineReason, PayRequest};
use minihost_platform_api::{HostPlatform, HostPlatformError};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{access_token, data_dir, Server};

const APP: &str = "awpay";

async fn setup() -> (Server, String) {
    let server = Server::temp(PlatformOptions::default()).await;
    server.app(APP, &[]);
    let token = access_token(&server, APP, "alice").await;
    (server, token)
}

#[tokio::test]
async fn tier_infos_and_redeem_amounts() {
    let (server, token) = setup().await;
    let data = server
        .minis_ok(
            "utility/get_tier_infos",
            &token,
            json!({"token_type": "BEANS", "tier_ids": ["beans_100", "beans_70"]}),
        )
        .await;
    assert_eq!(
        data["tier_infos"]["beans_100"],
        json!({"tier_id": "beans_100", "tier_name": "100 Beans", "token_type": "BEANS", "token_amount": 100,
               "price": "1.19", "currency": "USD", "symbol": "$"})
    );
    assert_eq!(data["tier_infos"]["beans_70"]["price"], "0.83");
    let unknown = server
        .minis(
            "utility/get_tier_infos",
            &token,
            json!({"token_type": "BEANS", "tier_ids": ["beans_100", "beans_9"]}),
        )
        .await;
    assert!(unknown.assert_api_error(StatusCode::OK, "20001003").contains("beans_9"));
    let valid = |amounts: Value| {
        let server = &server;
        let token = &token;
        async move {
            server
                .minis_ok(
                    "utility/check_redeem_amounts",
                    token,
                    json!({"token_type": "BEANS", "token_amounts": amounts}),
                )
                .await["valid"]
                .clone()
        }
    };
    assert_eq!(valid(json!([100, 70])).await, true);
    assert_eq!(valid(json!([100, 0])).await, false);
    assert_eq!(valid(json!([1.5])).await, false);
    assert_eq!(valid(json!(["100"])).await, false);
}

#[tokio::test]
async fn bad_parameters_are_40001000_naming_the_field() {
    let (server, token) = setup().await;
    let order = |info: Value| json!({"token_type": "BEANS", "token_amount": 100, "order_info": info});
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "trade_order/create",
            "no token_type",
            json!({"token_amount": 1, "order_info": {"order_id": "a", "product_name": "p"}}),
            "token_type",
        ),
        (
            "trade_order/create",
            "COINS",
            json!({"token_type": "COINS", "token_amount": 1, "order_info": {"order_id": "a", "product_name": "p"}}),
            "token_type",
        ),
        (
            "trade_order/create",
            "no amount",
            json!({"token_type": "BEANS", "order_info": {"order_id": "a", "product_name": "p"}}),
            "token_amount",
        ),
        (
            "trade_order/create",
            "zero",
            json!({"token_type": "BEANS", "token_amount": 0, "order_info": {"order_id": "a", "product_name": "p"}}),
            "token_amount",
        ),
        (
            "trade_order/create",
            "negative",
            json!({"token_type": "BEANS", "token_amount": -5, "order_info": {"order_id": "a", "product_name": "p"}}),
            "token_amount",
        ),
        (
            "trade_order/create",
            "string amount",
            json!({"token_type": "BEANS", "token_amount": "100", "order_info": {"order_id": "a", "product_name": "p"}}),
            "token_amount",
        ),
        (
            "trade_order/create",
            "fractional",
            json!({"token_type": "BEANS", "token_amount": 1.5, "order_info": {"order_id": "a", "product_name": "p"}}),
            "token_amount",
        ),
        (
            "trade_order/create",
            "no order_info",
            json!({"token_type": "BEANS", "token_amount": 1}),
            "order_info",
        ),
        (
            "trade_order/create",
            "order_info a string",
            json!({"token_type": "BEANS", "token_amount": 1, "order_info": "x"}),
            "order_info",
        ),
        (
            "trade_order/create",
            "no product_name",
            order(json!({"order_id": "a"})),
            "order_info.product_name",
        ),
        (
            "trade_order/create",
            "empty product_name",
            order(json!({"order_id": "a", "product_name": " "})),
            "order_info.product_name",
        ),
        (
            "trade_order/create",
            "numeric order_id",
            order(json!({"order_id": 5, "product_name": "p"})),
            "order_info.order_id",
        ),
        (
            "trade_order/create",
            "no order_id",
            order(json!({"product_name": "p"})),
            "order_info.order_id",
        ),
        (
            "trade_order/create",
            "bad quantity",
            order(json!({"order_id": "a", "product_name": "p", "quantity": -1})),
            "order_info.quantity",
        ),
        (
            "trade_order/create",
            "bad image_url",
            order(json!({"order_id": "a", "product_name": "p", "image_url": 3})),
            "order_info.image_url",
        ),
        (
            "trade_order/create",
            "bad iamge_url",
            order(json!({"order_id": "a", "product_name": "p", "iamge_url": []})),
            "order_info.iamge_url",
        ),
        ("trade_order/create", "array body", json!([1, 2]), "body"),
        ("trade_order/query", "no id", json!({}), "trade_order_id"),
        ("utility/get_tier_infos", "no tiers", json!({"token_type": "BEANS"}), "tier_ids"),
        (
            "utility/get_tier_infos",
            "empty tiers",
            json!({"token_type": "BEANS", "tier_ids": []}),
            "tier_ids",
        ),
        (
            "utility/get_tier_infos",
            "numeric tier",
            json!({"token_type": "BEANS", "tier_ids": [1]}),
            "tier_ids[0]",
        ),
        (
            "utility/check_redeem_amounts",
            "no amounts",
            json!({"token_type": "BEANS"}),
            "token_amounts",
        ),
        (
            "subscription/create",
            "no tier",
            json!({"order_info": {"order_id": "s", "product_name": "p"}}),
            "tier_id",
        ),
        (
            "subscription/create",
            "no order_info",
            json!({"tier_id": "sandbox_499_1M"}),
            "order_info",
        ),
        (
            "subscription/reactivate",
            "no id",
            json!({"order_info": {"order_id": "s", "product_name": "p"}}),
            "subscription_id",
        ),
        ("subscription/get_subscription_info", "no id", json!({}), "subscription_id"),
        ("subscription/get_trade_order_info", "no id", json!({}), "trade_order_id"),
        (
            "subscription/get_subscription_tier_info",
            "no platform",
            json!({"tier_ids": ["sandbox_499_1M"]}),
            "device_platform",
        ),
    ];
    for (path, what, body, field) in cases {
        let reply = server.minis(path, &token, body).await;
        let message = reply.assert_api_error(StatusCode::BAD_REQUEST, "40001000");
        assert!(message.contains(field), "{path} {what}: {message}");
    }
    // Bodies that are not JSON at all.
    for raw in ["{", "nope", "\u{0}"] {
        let response = server
            .http
            .post(server.url("/v2/minis/trade_order/create/"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        let reply = crate::support::Reply::read(response).await;
        assert!(
            reply.assert_api_error(StatusCode::BAD_REQUEST, "40001000").contains("body"),
            "{raw:?}"
        );
    }
    assert!(server.platform.orders(None).unwrap().is_empty(), "nothing was created");
}

#[tokio::test]
async fn bad_tokens_are_401_access_token_invalid() {
    let (server, token) = setup().await;
    let order = server.beans_order(&token, "o-1", 10).await;
    let expired = access_token(&server, APP, "alice").await;
    server.platform.expire_token(&expired).wait().unwrap();
    let client_token = server
        .platform
        .client_token(APP, &server.platform.app(APP).unwrap().unwrap().client_secret)
        .wait()
        .unwrap();
    for bad in ["act.unknown!1", "", expired.as_str(), client_token.access_token.as_str()] {
        for path in ["trade_order/create", "trade_order/query", "subscription/get_active_list"] {
            let request = server
                .http
                .post(server.url(&format!("/v2/minis/{path}/")))
                .json(&json!({"trade_order_id": order}));
            let request = if bad.is_empty() { request } else { request.bearer_auth(bad) };
            let reply = crate::support::Reply::read(request.send().await.unwrap()).await;
            reply.assert_api_error(StatusCode::UNAUTHORIZED, "access_token_invalid");
        }
    }
}

#[tokio::test]
async fn order_ids_are_unique_per_app_and_orders_are_private_to_their_app() {
    let (server, token) = setup().await;
    let id = server.beans_order(&token, "dev-1", 100).await;
    assert!(id.starts_with("TOID"), "{id}");
    let again = server
        .minis(
            "trade_order/create",
            &token,
            json!({"token_type": "BEANS", "token_amount": 5, "order_info": {"order_id": "dev-1", "product_name": "x", "iamge_url": "https://a.com/i.png"}}),
        )
        .await;
    assert!(again.assert_api_error(StatusCode::OK, "20021002").contains("dev-1"));
    // Another app may use the same developer order id, and cannot see this app's orders.
    server.app("awother", &[]);
    let other = access_token(&server, "awother", "alice").await;
    let theirs = server.beans_order(&other, "dev-1", 100).await;
    let data = server.minis_ok("trade_order/query", &token, json!({"trade_order_id": id})).await;
    assert_eq!(data, json!({"trade_order_id": id, "trade_order_status": "PENDING"}));
    for (token, id) in [(&token, theirs.as_str()), (&other, id.as_str()), (&token, "TOIDnope")] {
        let reply = server.minis("trade_order/query", token, json!({"trade_order_id": id})).await;
        reply.assert_api_error(StatusCode::OK, "20011002");
    }
    // The docs' misspelling iamge_url is accepted as image_url.
    let spelled = server
        .minis_ok(
            "trade_order/create",
            &token,
            json!({"token_type": "BEANS", "token_amount": 5, "order_info": {"order_id": "dev-2", "product_name": "x", "iamge_url": "https://a.com/i.png"}}),
        )
        .await;
    let record = server
        .platform
        .order_record(spelled["trade_order_id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(record.order.image_url.as_deref(), Some("https://a.com/i.png"));
}

#[tokio::test]
async fn paying_debits_once_with_one_ledger_row_and_declines_by_reason() {
    let (server, token) = setup().await;
    let alice = server.user("alice");
    let device = server.pair().await;
    let id = server.beans_order(&token, "dev-1", 300).await;
    let pay = |user_id: i64, client_key: &str, id: &str| json!({"trade_order_id": id, "user_id": user_id, "client_key": client_key});

    let order = server
        .http
        .get(server.url(&wire::order_path(&id)))
        .bearer_auth(&device)
        .send()
        .await
        .unwrap();
    let order: Value = order.json().await.unwrap();
    assert_eq!(
        (order["status"].as_str(), order["token_amount"].as_i64()),
        (Some("PENDING"), Some(300))
    );

    let paid = server.host_post(&device, wire::ORDERS_PAY, pay(alice.id, APP, &id)).await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.text);
    assert_eq!(paid.json(), json!({"trade_order_id": id, "balance": alice.beans - 300}));
    let data = server.minis_ok("trade_order/query", &token, json!({"trade_order_id": id})).await;
    assert_eq!(data["trade_order_status"], "SUCCESS");
    let ledger = server.platform.ledger(alice.id).unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (ledger[0].delta, ledger[0].reason.as_str(), ledger[0].trade_order_id.as_deref()),
        (-300, "pay", Some(id.as_str()))
    );

    let declined = |reply: crate::support::Reply, reason: &str| {
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
        assert_eq!(reply.json()["error"], "declined");
        assert_eq!(reply.json()["reason"], reason, "{}", reply.text);
        reply.json()["error_description"].as_str().unwrap().to_string()
    };
    declined(
        server.host_post(&device, wire::ORDERS_PAY, pay(alice.id, APP, &id)).await,
        "already_paid",
    );
    let fresh = server.beans_order(&token, "dev-2", 1).await;
    let bob = server.user("bob");
    declined(
        server.host_post(&device, wire::ORDERS_PAY, pay(bob.id, APP, &fresh)).await,
        "not_yours",
    );
    declined(
        server.host_post(&device, wire::ORDERS_PAY, pay(alice.id, "awother", &fresh)).await,
        "not_yours",
    );
    declined(
        server.host_post(&device, wire::ORDERS_SUBSCRIBE, pay(alice.id, APP, &fresh)).await,
        "wrong_kind",
    );
    let missing = server.host_post(&device, wire::ORDERS_PAY, pay(alice.id, APP, "TOIDnope")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    let unknown = server
        .http
        .get(server.url(&wire::order_path("TOIDnope")))
        .bearer_auth(&device)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // The order routes want a device token like every paired route.
    for (path, body) in [
        (wire::ORDERS_PAY, pay(alice.id, APP, &fresh)),
        (wire::ORDERS_SUBSCRIBE, pay(alice.id, APP, &fresh)),
    ] {
        let reply = server.host_post("dvt.forged!1", path, body).await;
        reply.assert_oauth_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let anonymous = server.http.get(server.url(&wire::order_path(&fresh))).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.user("alice").beans, alice.beans - 300, "declines changed nothing");
    assert_eq!(server.platform.ledger(alice.id).unwrap().len(), 1);
}

#[tokio::test]
async fn an_insufficient_balance_leaves_balance_order_and_ledger_unchanged() {
    let server = Server::temp(PlatformOptions::default()).await;
    server.app(APP, &[]);
    let token = access_token(&server, APP, "bob").await;
    let bob = server.user("bob");
    let device = server.pair().await;
    let id = server.beans_order(&token, "big", bob.beans + 1).await;
    let reply = server
        .host_post(
            &device,
            wire::ORDERS_PAY,
            json!({"trade_order_id": id, "user_id": bob.id, "client_key": APP}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert_eq!(reply.json()["reason"], "insufficient_beans");
    let message = reply.json()["error_description"].as_str().unwrap().to_string();
    assert!(
        message.contains(&format!("{} Beans", bob.beans)) && message.contains(&format!("{} Beans", bob.beans + 1)),
        "{message}"
    );
    assert_eq!(server.user("bob").beans, bob.beans);
    assert!(server.platform.ledger(bob.id).unwrap().is_empty());
    let data = server.minis_ok("trade_order/query", &token, json!({"trade_order_id": id})).await;
    assert_eq!(data["trade_order_status"], "PENDING");
    // After a top-up the same order pays.
    let topped = server
        .host_post(&device, wire::TOP_UP, json!({"user_id": bob.id, "beans": 1}))
        .await;
    assert_eq!(topped.json(), json!({"user_id": bob.id, "beans": bob.beans + 1}));
    let paid = server
        .host_post(
            &device,
            wire::ORDERS_PAY,
            json!({"trade_order_id": id, "user_id": bob.id, "client_key": APP}),
        )
        .await;
    assert_eq!(paid.json()["balance"], 0, "{}", paid.text);
    let bad = server
        .host_post(&device, wire::TOP_UP, json!({"user_id": bob.id, "beans": 0}))
        .await;
    assert_eq!((bad.status, bad.json()["field"].as_str()), (StatusCode::BAD_REQUEST, Some("beans")));
    let reasons: Vec<String> = server.platform.ledger(bob.id).unwrap().into_iter().map(|e| e.reason).collect();
    assert_eq!(reasons, ["top_up", "pay"]);
}

#[test]
fn fifty_threads_paying_one_order_succeed_exactly_once() {
    let dir = data_dir();
    let platform = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (id, alice) = runtime.block_on(async {
        let server = Server::start(platform.clone()).await;
        server.app(APP, &[]);
        let token = access_token(&server, APP, "alice").await;
        let id = server.beans_order(&token, "race", 7).await;
        (id, server.user("alice"))
    });
    let req = PayRequest {
        trade_order_id: id.clone(),
        user_id: alice.id,
        client_key: APP.into(),
    };
    let barrier = std::sync::Barrier::new(50);
    let outcomes: Vec<Result<_, HostPlatformError>> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..50)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    HostPlatform::pay_order(&platform, &req)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    for o in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert!(
            matches!(
                o,
                HostPlatformError::Declined {
                    reason: DeclineReason::AlreadyPaid,
                    ..
                }
            ),
            "{o:?}"
        );
    }
    assert_eq!(platform.user(alice.id).unwrap().unwrap().beans, alice.beans - 7);
    let debits: Vec<_> = platform.ledger(alice.id).unwrap();
    assert_eq!(debits.len(), 1);
}

#[tokio::test]
async fn refunds_credit_back_once_and_only_success_orders() {
    let (server, token) = setup().await;
    let alice = server.user("alice");
    let device = server.pair().await;
    let id = server.beans_order(&token, "r-1", 250).await;
    let refund = |id: &str| server.admin_post("/__admin/orders/refund", json!({"trade_order_id": id}));
    let pending = refund(&id).await;
    assert!(pending.assert_oauth_error(StatusCode::CONFLICT, "conflict").contains("PENDING"));
    server
        .host_post(
            &device,
            wire::ORDERS_PAY,
            json!({"trade_order_id": id, "user_id": alice.id, "client_key": APP}),
        )
        .await;
    let done = refund(&id).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.json()["order"]["status"], "REFUNDED");
    assert_eq!(done.json()["beans"], alice.beans);
    assert_eq!(server.user("alice").beans, alice.beans);
    let info = server
        .minis_ok("subscription/get_trade_order_info", &token, json!({"trade_order_id": id}))
        .await;
    assert_eq!(info["trade_order_status"], "REFUNDED");
    assert!(refund(&id)
        .await
        .assert_oauth_error(StatusCode::CONFLICT, "conflict")
        .contains("REFUNDED"));
    refund("TOIDnope").await.assert_oauth_error(StatusCode::NOT_FOUND, "not_found");
    let entries: Vec<(i64, String)> = server
        .platform
        .ledger(alice.id)
        .unwrap()
        .into_iter()
        .map(|e| (e.delta, e.reason))
        .collect();
    assert_eq!(entries, [(-250, "pay".to_string()), (250, "refund".to_string())]);
    // A paid order can never be paid again, refunded or not.
    let again = server
        .host_post(
            &device,
            wire::ORDERS_PAY,
            json!({"trade_order_id": id, "user_id": alice.id, "client_key": APP}),
        )
        .await;
    assert_eq!(again.json()["reason"], "already_paid");
}

#[tokio::test]
async fn admin_sets_balances_with_a_ledger_row_and_lists_orders() {
    let (server, token) = setup().await;
    let bob = server.user("bob");
    let set = server
        .admin_post("/__admin/users/beans", json!({"username": "bob", "beans": 1000}))
        .await;
    assert_eq!(set.json(), json!({"user_id": bob.id, "beans": 1000, "delta": 1000 - bob.beans}));
    let same = server
        .admin_post("/__admin/users/beans", json!({"user_id": bob.id, "beans": 1000}))
        .await;
    assert_eq!(same.json()["delta"], 0);
    let bad = server
        .admin_post("/__admin/users/beans", json!({"username": "bob", "beans": -1}))
        .await;
    assert_eq!(bad.json()["field"], "beans", "{}", bad.text);
    server
        .admin_post("/__admin/users/beans", json!({"username": "nobody", "beans": 1}))
        .await
        .assert_oauth_error(StatusCode::NOT_FOUND, "not_found");
    let ledger = server.get(&format!("/__admin/ledger?user_id={}", bob.id)).await.json();
    assert_eq!(ledger["beans"], 1000);
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 1);
    assert_eq!(ledger["entries"][0]["reason"], "admin_set");
    let id = server.beans_order(&token, "listed", 5).await;
    let listed = server.get(&format!("/__admin/orders?client_key={APP}")).await.json();
    assert_eq!(listed["orders"][0]["trade_order_id"], id.as_str());
    assert_eq!(listed["orders"][0]["order_info"]["order_id"], "listed");
    assert!(server.get("/__admin/orders?client_key=none").await.json()["orders"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn ads_are_admitted_by_interval_and_daily_cap_over_the_host_api() {
    let (server, _) = setup().await;
    let device = server.pair().await;
    let view = json!({"client_key": APP, "ad_unit_id": "unit-1", "user_id": null, "min_interval_secs": 60, "daily_cap": 5});
    let first = server.host_post(&device, wire::ADS_ADMIT, view.clone()).await;
    assert_eq!(first.json(), json!({"admission": "admitted"}));
    let second = server.host_post(&device, wire::ADS_ADMIT, view.clone()).await;
    assert_eq!(second.json()["admission"], "too_soon");
    assert!(second.json()["retry_after_secs"].as_u64().unwrap() <= 60);
    let capped = json!({"client_key": APP, "ad_unit_id": "unit-2", "daily_cap": 0});
    assert_eq!(
        server.host_post(&device, wire::ADS_ADMIT, capped).await.json(),
        json!({"admission": "cap_reached", "cap": 0})
    );
    let bad = server
        .host_post(&device, wire::ADS_ADMIT, json!({"client_key": APP, "ad_unit_id": ""}))
        .await;
    assert_eq!(bad.json()["field"], "ad_unit_id", "{}", bad.text);
}
