//! Ads, payments and subscriptions in the real webview: the page calls `TTMinis`, the host
//! draws its sheets, keys answer them, and a webhook receiver on loopback checks every
//! delivery's `Tiktok-Signature` as an app's server would.

use super::harness::{fixture_with, serial, Collector, Host, Screenshot};
use super::support::{exchange, serve, Served};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use minihost_platform_api::webhook;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CLIENT_KEY: &str = "e2e-shop";
const SECRET: &str = "e2e-shop-secret-0123456789abcdef";

fn post(url: &str, bearer: Option<&str>, body: Value) -> Value {
    let mut req = reqwest::blocking::Client::new().post(url).json(&body);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req.send().unwrap().json().unwrap()
}

type Deliveries = Arc<(Mutex<Vec<Value>>, Condvar)>;

/// A webhook endpoint that accepts only deliveries whose signature verifies against the app's
/// secret at the platform's time (`now` plus the clock offset the test applied).
struct Receiver {
    url: String,
    verified: Deliveries,
    refused: Arc<AtomicU64>,
    offset: Arc<AtomicU64>,
    _rt: tokio::runtime::Runtime,
}

#[derive(Clone)]
struct ReceiverState {
    verified: Deliveries,
    refused: Arc<AtomicU64>,
    offset: Arc<AtomicU64>,
}

async fn receive(State(s): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + s.offset.load(Ordering::SeqCst);
    let header = headers.get(webhook::SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if webhook::verify(SECRET, header, &body, now, webhook::DEFAULT_TOLERANCE_SECS).is_err() {
        s.refused.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    let mut envelope: Value = serde_json::from_slice(&body).unwrap();
    // `content` is a JSON string; decode it for the assertions.
    envelope["content"] = serde_json::from_str(envelope["content"].as_str().unwrap()).unwrap();
    s.verified.0.lock().unwrap().push(envelope);
    s.verified.1.notify_all();
    StatusCode::OK
}

impl Receiver {
    fn start() -> Receiver {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let state = ReceiverState {
            verified: Arc::default(),
            refused: Arc::default(),
            offset: Arc::default(),
        };
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}/webhook", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/webhook", axum::routing::post(receive))
            .with_state(state.clone());
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver {
            url,
            verified: state.verified,
            refused: state.refused,
            offset: state.offset,
            _rt: rt,
        }
    }

    /// Waits for a verified delivery of `event` whose content satisfies `pred`.
    fn wait(&self, event: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let (lock, cv) = &*self.verified;
        let end = Instant::now() + Duration::from_secs(60);
        let mut seen = lock.lock().unwrap();
        loop {
            if let Some(d) = seen.iter().find(|d| d["event"] == event && pred(&d["content"])) {
                return d.clone();
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no verified `{event}` webhook; got {seen:#?}");
            seen = cv.wait_timeout(seen, left).unwrap().0;
        }
    }
}

/// The platform with the app registered (webhook to `receiver`), alice holding 500 Beans, and
/// alice's access token as the app's server holds it.
fn shop_platform(served: &Served, receiver: &Receiver) -> String {
    let url = &served.url;
    let app = post(
        &format!("{url}/__admin/apps"),
        None,
        json!({"client_key": CLIENT_KEY, "client_secret": SECRET, "webhook_url": receiver.url}),
    );
    assert_eq!(app["created"], true, "{app}");
    let beans = post(
        &format!("{url}/__admin/users/beans"),
        None,
        json!({"username": "alice", "beans": 500}),
    );
    assert_eq!(beans["beans"], 500, "{beans}");
    let code = post(
        &format!("{url}/__admin/codes"),
        None,
        json!({"client_key": CLIENT_KEY, "username": "alice", "scopes": "user.info.basic"}),
    );
    let token = exchange(url, CLIENT_KEY, SECRET, code["code"].as_str().unwrap());
    token["access_token"].as_str().unwrap_or_else(|| panic!("{token}")).to_string()
}

fn create_order(url: &str, token: &str, order_id: &str, beans: i64) -> String {
    let r = post(
        &format!("{url}/v2/minis/trade_order/create/"),
        Some(token),
        json!({"token_type": "BEANS", "token_amount": beans,
               "order_info": {"order_id": order_id, "product_name": format!("Episode {order_id}")}}),
    );
    r["data"]["trade_order_id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
}

/// Waits until sheet `id` (of `kind`) has focused its default action, so keys reach it.
fn sheet_ready(host: &Host, id: u64, kind: &str) {
    host.wait_event(&format!("sheet {id} ({kind}) ready"), |e| {
        e["message"] == "sheet ready" && e["sheet"] == id && e["kind"] == kind
    });
}

#[test]
fn purchases_go_through_the_pay_sheet_and_reach_the_server_signed() {
    let _g = serial();
    let collector = Collector::start();
    let receiver = Receiver::start();
    let platform_data = tempfile::tempdir().unwrap();
    let served = serve(platform_data.path(), &[]);
    let token = shop_platform(&served, &receiver);
    let url = served.url.clone();
    let ok = create_order(&url, &token, "ep-4", 100);
    let cancel = create_order(&url, &token, "ep-5", 100);
    let dear = create_order(&url, &token, "ep-6", 1000);
    let sub = post(
        &format!("{url}/v2/minis/subscription/create/"),
        Some(&token),
        json!({"tier_id": "sandbox_499_1M", "order_info": {"order_id": "vip-1", "product_name": "VIP pass"}}),
    );
    let sub = sub["data"]["trade_order_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{sub}"))
        .to_string();
    let dir = fixture_with(
        "shop",
        &collector,
        &[
            ("SCENARIO", "pay"),
            ("ORDER_OK", &ok),
            ("ORDER_CANCEL", &cancel),
            ("ORDER_DEAR", &dear),
            ("ORDER_SUB", &sub),
        ],
    );
    let host = Host::start(&dir.path().join("build"), &["--platform", &url]);

    sheet_ready(&host, 1, "pay");
    host.screenshot_when("the pay sheet over a dimmed page", |s| {
        let p = s.pixel(20, 300);
        p.iter().all(|&c| c < 0xa0) && super::harness::close(s.pixel(s.width / 2, s.height - 60), [0xff, 0xff, 0xff], 10)
    })
    .publish("pay");
    host.keys(&["Return"]);
    let paid = collector.wait("paid", &host);
    assert_eq!(paid, json!({"is_success": true, "trade_order_id": ok}));
    let hook = receiver.wait("minis.trade_order.redeem.success", |c| c["trade_order_id"] == ok.as_str());
    assert_eq!(
        (hook["client_key"].as_str(), hook["content"]["order_id"].as_str()),
        (Some(CLIENT_KEY), Some("ep-4"))
    );
    assert!(hook["user_openid"].as_str().is_some_and(|o| !o.is_empty()), "{hook}");

    let double = collector.wait("double", &host);
    assert_eq!(double["is_success"], false);
    assert_eq!(double["error"]["error_code"], 10010, "each trade order is paid once: {double}");

    sheet_ready(&host, 2, "pay");
    host.keys(&["Escape"]);
    let cancelled = collector.wait("cancelled", &host);
    assert_eq!(
        (cancelled["is_success"].clone(), cancelled["error"]["error_code"].clone()),
        (json!(false), json!(10003))
    );

    // 400 Beans left for a 1000-Beans order: the sheet offers a top-up; leaving it is an error.
    sheet_ready(&host, 3, "pay");
    host.keys(&["Escape"]);
    let poor = collector.wait("poor", &host);
    assert_eq!(poor["error"]["error_code"], 10009, "{poor}");

    sheet_ready(&host, 4, "subscribe");
    host.keys(&["Return"]);
    let subscribed = collector.wait("subscribed", &host);
    assert_eq!(subscribed["is_success"], true, "{subscribed}");
    let sub_id = subscribed["subscription_id"].as_str().unwrap().to_string();
    receiver.wait("minis.subscription.create", |c| c["subscription_id"] == sub_id.as_str());

    // Sandbox subscriptions renew every 5 minutes of platform time.
    receiver.offset.store(301, Ordering::SeqCst);
    let advanced = post(&format!("{url}/__admin/clock/advance"), None, json!({"seconds": 301}));
    assert!(advanced.get("now").is_some(), "{advanced}");
    receiver.wait("minis.subscription.renew", |c| c["subscription_id"] == sub_id.as_str());

    let status = post(
        &format!("{url}/v2/minis/trade_order/query/"),
        Some(&token),
        json!({"trade_order_id": cancel}),
    );
    assert_eq!(
        status["data"]["trade_order_status"], "PENDING",
        "a cancelled order stays payable: {status}"
    );
    assert_eq!(
        receiver.refused.load(Ordering::SeqCst),
        0,
        "every delivery was signed with the app's secret"
    );
}

/// Whether the middle of the window shows the ad creative (bright colour bars, not the app's
/// white page or the black backdrop).
fn shows_creative(s: &Screenshot) -> bool {
    let p = s.pixel(s.width / 2, s.height / 4);
    let (max, min) = (*p.iter().max().unwrap(), *p.iter().min().unwrap());
    max > 0x60 && max - min > 0x40
}

#[test]
fn rewarded_and_interstitial_ads_play_and_say_whether_they_ended() {
    let _g = serial();
    let collector = Collector::start();
    let dir = fixture_with("shop", &collector, &[("SCENARIO", "ads")]);
    let host = Host::start(&dir.path().join("build"), &[]);

    // A 2-second ad closes itself at the end: watched to the end.
    let watched = collector.wait("watched", &host);
    assert_eq!(watched["shown"]["ok"], true, "{watched}");
    assert_eq!(watched["closes"], json!([{"isEnded": true}]), "{watched}");
    let again = collector.wait("single-use", &host);
    assert_eq!(
        (again["ok"].clone(), again["error"]["error_code"].clone()),
        (json!(false), json!(11003)),
        "{again}"
    );

    // A 60-second ad: it plays (two frames differ), then the viewer closes it early.
    sheet_ready(&host, 2, "ad");
    let first = host.screenshot_when("the ad creative on screen", shows_creative);
    let probe = (first.width / 2, first.height / 4);
    host.screenshot_when("a later frame of the creative", |s| {
        shows_creative(s) && s.pixel(probe.0, probe.1) != first.pixel(probe.0, probe.1)
    })
    .publish("ad");
    host.keys(&["Escape"]);
    let early = collector.wait("early", &host);
    assert_eq!(early["closes"], json!([{"isEnded": false}]), "closed early, no reward: {early}");

    let forced = collector.wait("forced", &host);
    assert_eq!(forced["shown"]["error"]["error_code"], 50101, "{forced}");
    assert_eq!(forced["errors"][0]["error_code"], 50101, "onError heard it too: {forced}");
    let nofill = collector.wait("nofill", &host);
    assert_eq!(nofill["onError"]["error_code"], 20001, "{nofill}");
    assert_eq!(nofill["show"]["error"]["error_code"], 20001, "{nofill}");

    let interstitial = collector.wait("interstitial", &host);
    assert_eq!(interstitial["closes"], json!([{"isEnded": true}]), "{interstitial}");
    let shown: Vec<Value> = host.events().into_iter().filter(|e| e["message"] == "ad show").collect();
    assert_eq!(shown.len(), 3, "short, long and the interstitial were shown: {shown:?}");
}
