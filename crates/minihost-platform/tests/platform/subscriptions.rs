//! Subscriptions over HTTP: create, pay through the host API, renew by advancing the platform
//! clock (`/__admin/clock/advance` processes what is due before it answers), expire after the
//! last sandbox renewal, cancel and reactivate, and the state-error codes.

use minihost_platform::PlatformOptions;
use minihost_platform_api::host_api as wire;
use minihost_platform_api::monetization::{SANDBOX_RENEWALS, SANDBOX_RENEWAL_SECS};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{access_token, Receiver, Server};

const APP: &str = "awsubs";
const TIER: &str = "sandbox_499_1M";

async fn create(server: &Server, token: &str, order_id: &str) -> String {
    let data = server
        .minis_ok(
            "subscription/create",
            token,
            json!({"tier_id": TIER, "order_info": {"order_id": order_id, "product_name": "VIP", "order_detail": "monthly"}}),
        )
        .await;
    data["trade_order_id"].as_str().unwrap().to_string()
}

async fn subscribe(server: &Server, device: &str, user_id: i64, id: &str) -> crate::support::Reply {
    server
        .host_post(
            device,
            wire::ORDERS_SUBSCRIBE,
            json!({"trade_order_id": id, "user_id": user_id, "client_key": APP}),
        )
        .await
}

async fn advance(server: &Server, seconds: i64) -> Value {
    let reply = server.admin_post("/__admin/clock/advance", json!({"seconds": seconds})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()
}

async fn info(server: &Server, token: &str, id: &str) -> Value {
    server
        .minis_ok("subscription/get_subscription_info", token, json!({"subscription_id": id}))
        .await
}

#[tokio::test]
async fn a_subscription_renews_every_five_minutes_twelve_times_then_expires() {
    let server = Server::temp(PlatformOptions::default()).await;
    let receiver = Receiver::start(&[]).await;
    server.app_with_webhook(APP, &receiver.url);
    let token = access_token(&server, APP, "alice").await;
    let alice = server.user("alice");
    let device = server.pair().await;
    let order = create(&server, &token, "sub-1").await;
    let subscribed = subscribe(&server, &device, alice.id, &order).await;
    assert_eq!(subscribed.status, StatusCode::OK, "{}", subscribed.text);
    let sub_id = subscribed.str("/subscription_id");
    assert!(sub_id.starts_with("SUB"), "{sub_id}");
    assert_eq!(server.user("alice").beans, alice.beans, "subscriptions cost no Beans");

    let first = info(&server, &token, &sub_id).await;
    assert_eq!(first["tier_id"], TIER);
    assert_eq!(first["trade_order_id"], order.as_str());
    assert_eq!(first["is_subscription_rights_valid"], true);
    assert_eq!(first["is_renewal_normal"], true);
    assert_eq!(first["is_sandbox"], true);
    assert_eq!(first["pay_type"], "IAP");
    let begin = first["begin_time"].as_i64().unwrap();
    assert_eq!(first["end_time"].as_i64().unwrap(), begin + SANDBOX_RENEWAL_SECS);
    assert_eq!(first["next_duduct_time"], first["end_time"]);
    let list = server.minis_ok("subscription/get_active_list", &token, json!({})).await;
    assert_eq!(list["subscriptions"], json!([first.clone()]));
    let order_info = server
        .minis_ok("subscription/get_trade_order_info", &token, json!({"trade_order_id": order}))
        .await;
    assert_eq!(
        (order_info["trade_order_status"].as_str(), order_info["subscription_id"].as_str()),
        (Some("SUCCESS"), Some(sub_id.as_str()))
    );

    // 301 s: exactly one renewal, done before the advance answered.
    assert_eq!(advance(&server, SANDBOX_RENEWAL_SECS + 1).await["subscriptions_processed"], 1);
    let renewed = info(&server, &token, &sub_id).await;
    assert_eq!(renewed["begin_time"].as_i64().unwrap(), begin + SANDBOX_RENEWAL_SECS);
    assert_eq!(renewed["end_time"].as_i64().unwrap(), begin + 2 * SANDBOX_RENEWAL_SECS);
    assert_eq!(server.platform.subscription(&sub_id).unwrap().unwrap().renewals, 1);

    for n in 2..=SANDBOX_RENEWALS {
        advance(&server, SANDBOX_RENEWAL_SECS).await;
        assert_eq!(server.platform.subscription(&sub_id).unwrap().unwrap().renewals, n);
    }
    let last = info(&server, &token, &sub_id).await;
    assert_eq!(last["next_duduct_time"], 0, "no renewal after the last one");
    assert_eq!(last["is_subscription_rights_valid"], true);
    advance(&server, SANDBOX_RENEWAL_SECS).await;
    let expired = info(&server, &token, &sub_id).await;
    assert_eq!(expired["is_subscription_rights_valid"], false);
    assert_eq!(expired["is_renewal_normal"], false);
    assert_eq!(server.platform.subscription(&sub_id).unwrap().unwrap().status, "expired");
    let list = server.minis_ok("subscription/get_active_list", &token, json!({})).await;
    assert_eq!(list["subscriptions"], json!([]));

    // Webhooks: create, 12 renewals, expire, in that order, each naming the subscription.
    let hits = receiver.wait_for(2 + SANDBOX_RENEWALS as usize).await;
    let mut events: Vec<(i64, String)> = hits
        .iter()
        .map(|h| {
            (
                h.json()["create_time"].as_i64().unwrap(),
                h.json()["event"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    events.sort();
    let names: Vec<&str> = events.iter().map(|(_, e)| e.as_str()).collect();
    let mut expected = vec!["minis.subscription.create"];
    expected.extend(std::iter::repeat_n("minis.subscription.renew", SANDBOX_RENEWALS as usize));
    expected.push("minis.subscription.expire");
    assert_eq!(names, expected);
    for hit in &hits {
        let content = hit.content();
        assert_eq!(
            (content["subscription_id"].as_str(), content["tier_id"].as_str()),
            (Some(sub_id.as_str()), Some(TIER))
        );
        assert_eq!(
            (content["order_id"].as_str(), content["pay_type"].as_str()),
            (Some("sub-1"), Some("IAP"))
        );
    }
}

/// The delivery worker processes due subscriptions every second and whenever it is woken; an
/// advance still reports the renewals it made due, even with processing racing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advance_reports_its_renewals_while_processing_races_it() {
    let server = Server::temp(PlatformOptions::default()).await;
    server.app(APP, &[]);
    let token = access_token(&server, APP, "alice").await;
    let alice = server.user("alice");
    let device = server.pair().await;
    let order = create(&server, &token, "race-1").await;
    let sub_id = subscribe(&server, &device, alice.id, &order).await.str("/subscription_id");
    let racing = server.platform.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let racer = tokio::spawn({
        let stop = stop.clone();
        async move {
            let mut taken = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                taken += racing.process_subscriptions().await.unwrap();
                tokio::task::yield_now().await;
            }
            taken
        }
    });
    for n in 1..=SANDBOX_RENEWALS {
        let reply = advance(&server, SANDBOX_RENEWAL_SECS).await;
        assert_eq!(reply["subscriptions_processed"], 1, "advance {n}: {reply}");
        assert_eq!(server.platform.subscription(&sub_id).unwrap().unwrap().renewals, n);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(racer.await.unwrap(), 0, "the racing processor found nothing the advances left due");
}

#[tokio::test]
async fn subscription_state_errors_and_reactivation() {
    let server = Server::temp(PlatformOptions::default()).await;
    server.app(APP, &[]);
    let token = access_token(&server, APP, "alice").await;
    let alice = server.user("alice");
    let device = server.pair().await;

    let bad_tier = server
        .minis(
            "subscription/create",
            &token,
            json!({"tier_id": "gold", "order_info": {"order_id": "x", "product_name": "p"}}),
        )
        .await;
    bad_tier.assert_api_error(StatusCode::OK, "20001003");
    let order = create(&server, &token, "s-1").await;
    let dup = server
        .minis(
            "subscription/create",
            &token,
            json!({"tier_id": TIER, "order_info": {"order_id": "s-1", "product_name": "p"}}),
        )
        .await;
    dup.assert_api_error(StatusCode::OK, "20021002");
    // A second order of the same tier is fine until one is paid; then only one subscribes.
    let twin = create(&server, &token, "s-2").await;
    let sub_id = subscribe(&server, &device, alice.id, &order).await.str("/subscription_id");
    let second = subscribe(&server, &device, alice.id, &twin).await;
    assert_eq!(
        (second.status, second.json()["reason"].as_str()),
        (StatusCode::CONFLICT, Some("already_subscribed")),
        "{}",
        second.text
    );
    let again = subscribe(&server, &device, alice.id, &order).await;
    assert_eq!(again.json()["reason"], "already_paid");
    server
        .minis(
            "subscription/create",
            &token,
            json!({"tier_id": TIER, "order_info": {"order_id": "s-3", "product_name": "p"}}),
        )
        .await
        .assert_api_error(StatusCode::OK, "20021101");
    // Another tier is another subscription.
    server
        .minis_ok(
            "subscription/create",
            &token,
            json!({"tier_id": "sandbox_699_1M", "order_info": {"order_id": "s-4", "product_name": "p"}}),
        )
        .await;

    let reactivate = |id: &str, order_id: &str| {
        server.minis(
            "subscription/reactivate",
            &token,
            json!({"subscription_id": id, "order_info": {"order_id": order_id, "product_name": "VIP"}}),
        )
    };
    reactivate(&sub_id, "r-0").await.assert_api_error(StatusCode::OK, "20021103");
    reactivate("SUBnope", "r-0").await.assert_api_error(StatusCode::OK, "20021102");
    server
        .minis("subscription/get_subscription_info", &token, json!({"subscription_id": "SUBnope"}))
        .await
        .assert_api_error(StatusCode::OK, "20021102");
    // Bob cannot see or reactivate Alice's subscription.
    let bob_token = access_token(&server, APP, "bob").await;
    server
        .minis("subscription/get_subscription_info", &bob_token, json!({"subscription_id": sub_id}))
        .await
        .assert_api_error(StatusCode::OK, "20021102");

    // Cancel: renewal off, still valid to the period's end; then reactivation is allowed.
    let cancelled = server
        .admin_post("/__admin/subscriptions/cancel", json!({"subscription_id": sub_id}))
        .await;
    assert_eq!(cancelled.json()["subscription"]["renewal_on"], false, "{}", cancelled.text);
    let state = info(&server, &token, &sub_id).await;
    assert_eq!(
        (
            state["is_renewal_normal"].as_bool(),
            state["is_subscription_rights_valid"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert_eq!(state["next_duduct_time"], 0);
    let r1 = reactivate(&sub_id, "r-1").await;
    let r1 = r1.json()["data"]["trade_order_id"].as_str().unwrap().to_string();
    let done = subscribe(&server, &device, alice.id, &r1).await;
    assert_eq!(done.str("/subscription_id"), sub_id);
    assert_eq!(info(&server, &token, &sub_id).await["is_renewal_normal"], true);

    // Cancelled and left to expire, it can be reactivated into a fresh period.
    server
        .admin_post("/__admin/subscriptions/cancel", json!({"subscription_id": sub_id}))
        .await;
    advance(&server, SANDBOX_RENEWAL_SECS).await;
    assert_eq!(server.platform.subscription(&sub_id).unwrap().unwrap().status, "expired");
    server
        .admin_post("/__admin/subscriptions/cancel", json!({"subscription_id": sub_id}))
        .await
        .assert_oauth_error(StatusCode::CONFLICT, "conflict");
    let r2 = reactivate(&sub_id, "r-2").await.json()["data"]["trade_order_id"]
        .as_str()
        .unwrap()
        .to_string();
    subscribe(&server, &device, alice.id, &r2).await;
    let fresh = info(&server, &token, &sub_id).await;
    assert_eq!(
        (fresh["is_subscription_rights_valid"].as_bool(), fresh["trade_order_id"].as_str()),
        (Some(true), Some(r2.as_str()))
    );
    assert_eq!(server.platform.subscription(&sub_id).unwrap().unwrap().renewals, 0);

    let tiers = server
        .minis_ok(
            "subscription/get_subscription_tier_info",
            &token,
            json!({"tier_ids": [TIER], "device_platform": "android"}),
        )
        .await;
    assert_eq!(tiers["tier_infos"][TIER]["price"], "4.99");
    server
        .minis(
            "subscription/get_subscription_tier_info",
            &token,
            json!({"tier_ids": ["beans_100"], "device_platform": "ios"}),
        )
        .await
        .assert_api_error(StatusCode::OK, "20001003");
    server
        .minis("subscription/get_trade_order_info", &token, json!({"trade_order_id": "TOIDnope"}))
        .await
        .assert_api_error(StatusCode::OK, "20011002");
    let pending = server
        .minis_ok("subscription/get_trade_order_info", &token, json!({"trade_order_id": twin}))
        .await;
    assert_eq!(pending["trade_order_status"], "PENDING");
}
