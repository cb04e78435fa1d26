//! Webhooks end to end: a receiver on 127.0.0.1 verifies each delivery with
//! `webhook::verify`; failed deliveries are retried with the same bytes on the platform clock;
//! pending deliveries survive a restart; the admin resends and changes where webhooks go.

use minihost_platform::{DeliveryStatus, PlatformOptions};
use minihost_platform_api::monetization::PayRequest;
use minihost_platform_api::webhook::{self, WebhookError};
use minihost_platform_api::HostApp;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{access_token, data_dir, Receiver, Server};

const APP: &str = "awhooks";

async fn paid_order(server: &Server, order_id: &str) -> String {
    let token = access_token(server, APP, "alice").await;
    let id = server.beans_order(&token, order_id, 10).await;
    let alice = server.user("alice");
    server
        .platform
        .pay_order(PayRequest {
            trade_order_id: id.clone(),
            user_id: alice.id,
            client_key: APP.into(),
        })
        .wait()
        .unwrap();
    id
}

#[tokio::test]
async fn a_redeem_webhook_is_signed_and_verifies_and_forgeries_do_not() {
    let server = Server::temp(PlatformOptions::default()).await;
    let receiver = Receiver::start(&[]).await;
    let app = server.app_with_webhook(APP, &receiver.url);
    let id = paid_order(&server, "hook-1").await;
    let hit = receiver.wait_for(1).await.remove(0);
    let signature = hit.signature.clone().expect("Tiktok-Signature header");
    let now = server.platform.clock().now();
    webhook::verify(&app.client_secret, &signature, &hit.body, now, webhook::DEFAULT_TOLERANCE_SECS).unwrap();

    let body = hit.json();
    assert_eq!(body["client_key"], APP);
    assert_eq!(body["event"], "minis.trade_order.redeem.success");
    assert!(body["create_time"].as_u64().unwrap() <= now);
    let alice = server.user("alice");
    assert_eq!(
        body["user_openid"],
        server.platform.open_id(HostApp::TikTok, APP, alice.id).as_str()
    );
    let content = hit.content();
    assert_eq!(content["trade_order_id"], id.as_str());
    assert_eq!(content["order_id"], "hook-1");
    assert_eq!(content["is_sandbox"], true);

    let forged = String::from_utf8(hit.body.clone()).unwrap().replace("hook-1", "hook-2");
    assert_eq!(
        webhook::verify(&app.client_secret, &signature, forged.as_bytes(), now, 300),
        Err(WebhookError::BadSignature)
    );
    assert!(matches!(
        webhook::verify(&app.client_secret, &signature, &hit.body, now + 301, 300),
        Err(WebhookError::Stale { .. })
    ));
    assert_eq!(
        webhook::verify("not-the-secret", &signature, &hit.body, now, 300),
        Err(WebhookError::BadSignature)
    );
    let outbox = server
        .wait_for_outbox("delivered", |d| d.iter().all(|d| d.status == DeliveryStatus::Delivered))
        .await;
    assert_eq!((outbox.len(), outbox[0].attempts, outbox[0].last_status), (1, 1, Some(200)));
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_bytes_when_the_clock_reaches_it() {
    let server = Server::temp(PlatformOptions::default()).await;
    let receiver = Receiver::start(&[500]).await;
    let app = server.app_with_webhook(APP, &receiver.url);
    paid_order(&server, "retry-1").await;
    receiver.wait_for(1).await;
    let outbox = server
        .wait_for_outbox("first attempt recorded", |d| d.first().is_some_and(|d| d.attempts == 1))
        .await;
    let first = &outbox[0];
    assert_eq!((first.status, first.last_status), (DeliveryStatus::Pending, Some(500)));
    assert_eq!(first.next_attempt_at, first.queued_at + 10, "{first:?}");
    assert_eq!(receiver.hits().len(), 1, "not due again before the clock gets there");

    let advanced = server.admin_post("/__admin/clock/advance", json!({"seconds": 10})).await;
    assert_eq!(advanced.status, StatusCode::OK);
    let hits = receiver.wait_for(2).await;
    assert_eq!(hits[0].body, hits[1].body, "a retry sends the same bytes");
    // Signed again at send time, with the advanced clock.
    webhook::verify(
        &app.client_secret,
        hits[1].signature.as_deref().unwrap(),
        &hits[1].body,
        server.platform.clock().now(),
        300,
    )
    .unwrap();
    let outbox = server
        .wait_for_outbox("delivered", |d| d[0].status == DeliveryStatus::Delivered)
        .await;
    assert_eq!(
        (outbox[0].attempts, outbox[0].last_status, outbox[0].last_error.as_deref()),
        (2, Some(200), None)
    );
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_and_given_up_after_72_hours() {
    let server = Server::temp(PlatformOptions::default()).await;
    // A port nothing listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    server.app_with_webhook(APP, &url);
    paid_order(&server, "lost-1").await;
    let outbox = server
        .wait_for_outbox("first failure", |d| d.first().is_some_and(|d| d.attempts == 1))
        .await;
    assert!(outbox[0].last_error.is_some() && outbox[0].last_status.is_none(), "{:?}", outbox[0]);
    let attempts = |server: &Server| server.platform.webhook_deliveries(None, None).unwrap()[0].attempts;
    let mut seen = 1;
    for _ in 0..80 {
        if server.platform.webhook_deliveries(None, None).unwrap()[0].status == DeliveryStatus::Failed {
            break;
        }
        server.admin_post("/__admin/clock/advance", json!({"seconds": 3_600})).await;
        server
            .wait_for_outbox("another attempt", |d| d[0].attempts > seen || d[0].status == DeliveryStatus::Failed)
            .await;
        seen = attempts(&server);
    }
    let outbox = server.platform.webhook_deliveries(None, Some(DeliveryStatus::Failed)).unwrap();
    assert_eq!(outbox.len(), 1, "given up after 72 h of platform time");
    assert!(outbox[0].attempts > 70, "{:?}", outbox[0]);
}

#[tokio::test]
async fn pending_deliveries_go_out_again_after_a_restart() {
    let dir = data_dir();
    let receiver = Receiver::start(&[500]).await;
    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    server.app_with_webhook(APP, &receiver.url);
    let id = paid_order(&server, "restart-1").await;
    receiver.wait_for(1).await;
    server
        .wait_for_outbox("first attempt failed", |d| d.first().is_some_and(|d| d.attempts == 1))
        .await;
    server.stop().await;

    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    let pending = server.platform.webhook_deliveries(None, Some(DeliveryStatus::Pending)).unwrap();
    assert_eq!((pending.len(), pending[0].attempts), (1, 1));
    server.admin_post("/__admin/clock/advance", json!({"seconds": 10})).await;
    let hits = receiver.wait_for(2).await;
    assert_eq!(hits[1].content()["trade_order_id"], id.as_str());
    assert_eq!(hits[0].body, hits[1].body);
    assert_eq!(hits[1].body, pending[0].body.as_bytes());
    server
        .wait_for_outbox("delivered after the restart", |d| d[0].status == DeliveryStatus::Delivered)
        .await;
}

#[tokio::test]
async fn two_servers_on_one_data_dir_send_each_due_delivery_once() {
    const N: usize = 24;
    let dir = data_dir();
    let receiver = Receiver::start(&[500; N]).await;
    let server = Server::open(dir.path(), PlatformOptions::default()).await;
    server.app_with_webhook(APP, &receiver.url);
    let mut ids = Vec::new();
    for i in 0..N {
        ids.push(paid_order(&server, &format!("shared-{i}")).await);
    }
    receiver.wait_for(N).await;
    server
        .wait_for_outbox("every first attempt failed", |d| d.len() == N && d.iter().all(|d| d.attempts == 1))
        .await;
    server.stop().await;
    // All of them due again at once, for two workers that start together.
    let db = rusqlite::Connection::open(dir.path().join(minihost_platform::DATABASE_FILE)).unwrap();
    db.execute("UPDATE webhook_deliveries SET next_attempt_at = 0", []).unwrap();
    drop(db);

    let (a, _b) = tokio::join!(
        Server::open(dir.path(), PlatformOptions::default()),
        Server::open(dir.path(), PlatformOptions::default())
    );
    receiver.wait_for(2 * N).await;
    a.wait_for_outbox("all delivered", |d| d.iter().all(|d| d.status == DeliveryStatus::Delivered))
        .await;
    let hits = receiver.hits();
    for id in &ids {
        let sent = hits.iter().filter(|h| h.content()["trade_order_id"] == id.as_str()).count();
        assert_eq!(sent, 2, "{id}: one failed attempt and one delivery, not one per server");
    }
    assert_eq!(hits.len(), 2 * N);
}

#[tokio::test]
async fn the_admin_resends_lists_and_redirects_webhooks() {
    let server = Server::temp(PlatformOptions::default()).await;
    let receiver = Receiver::start(&[]).await;
    server.app(APP, &[]);
    // No webhook URL: nothing is queued.
    paid_order(&server, "quiet-1").await;
    assert!(server.platform.webhook_deliveries(None, None).unwrap().is_empty());

    let set = server
        .admin_post("/__admin/apps/webhook", json!({"client_key": APP, "webhook_url": receiver.url}))
        .await;
    assert_eq!(set.json()["app"]["webhook_url"], receiver.url.as_str(), "{}", set.text);
    for bad in [
        json!({"client_key": APP, "webhook_url": "ftp://x"}),
        json!({"client_key": APP, "webhook_url": "not a url"}),
    ] {
        let reply = server.admin_post("/__admin/apps/webhook", bad).await;
        assert_eq!(reply.json()["field"], "webhook_url", "{}", reply.text);
    }
    server
        .admin_post("/__admin/apps/webhook", json!({"client_key": "nope", "webhook_url": null}))
        .await
        .assert_oauth_error(StatusCode::NOT_FOUND, "not_found");

    let id = paid_order(&server, "loud-1").await;
    receiver.wait_for(1).await;
    server
        .wait_for_outbox("delivered", |d| d.first().is_some_and(|d| d.status == DeliveryStatus::Delivered))
        .await;
    let listed = server
        .get(&format!("/__admin/webhooks?client_key={APP}&status=delivered"))
        .await
        .json();
    let listed = listed["webhooks"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1);
    let entry = &listed[0];
    assert_eq!(
        (entry["event"].as_str(), entry["trade_order_id"].as_str()),
        (Some("minis.trade_order.redeem.success"), Some(id.as_str()))
    );
    for key in ["id", "status", "attempts", "next_attempt_at", "last_status", "last_error", "body"] {
        assert!(entry.get(key).is_some(), "{key} in {entry}");
    }
    let bad_status = server.get("/__admin/webhooks?status=lost").await;
    assert_eq!(bad_status.json()["field"], "status");

    let resent = server.admin_post("/__admin/webhooks/resend", json!({"id": entry["id"]})).await;
    assert_eq!(resent.json()["webhook"]["status"], "pending", "{}", resent.text);
    let hits = receiver.wait_for(2).await;
    assert_eq!(hits[0].body, hits[1].body);
    server
        .wait_for_outbox("delivered again", |d| {
            d[0].status == DeliveryStatus::Delivered && d[0].attempts == 2
        })
        .await;
    server
        .admin_post("/__admin/webhooks/resend", json!({"id": 999_999}))
        .await
        .assert_oauth_error(StatusCode::NOT_FOUND, "not_found");

    // A refund webhook carries refund_amount; it goes to the current URL.
    let refund = server.admin_post("/__admin/orders/refund", json!({"trade_order_id": id})).await;
    assert_eq!(refund.status, StatusCode::OK, "{}", refund.text);
    let hits = receiver.wait_for(3).await;
    let refund_hit = hits
        .iter()
        .find(|h| h.json()["event"] == "minis.trade_order.refund_success")
        .unwrap();
    assert_eq!(refund_hit.content()["refund_amount"], 10);

    // Clearing the URL stops new deliveries.
    server
        .admin_post("/__admin/apps/webhook", json!({"client_key": APP, "webhook_url": null}))
        .await;
    let before = server.platform.webhook_deliveries(None, None).unwrap().len();
    paid_order(&server, "quiet-2").await;
    assert_eq!(server.platform.webhook_deliveries(None, None).unwrap().len(), before);
}
