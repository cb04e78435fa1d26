//! The Beans ledger survives a crash mid-burst. A real `minihost platform serve` takes
//! concurrent pays through the host API and is SIGKILLed once some (not all) were
//! acknowledged; restarted on the same data dir it must show: every acknowledged pay SUCCESS,
//! one debit ledger row per SUCCESS order and none for the others, debits summing to the
//! balance lost, and (at least once) every SUCCESS order's redeem webhook at the receiver.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;
use support::{exchange, serve};

const APP: &str = "awcrash";
const ORDERS: usize = 200;
const PRICE: i64 = 10;
const INITIAL: i64 = 5_000;
const PAYERS: usize = 8;
/// Kill the server once this many pays were acknowledged.
const KILL_AFTER: usize = ORDERS / 5;

fn minihost(args: &[&str], data: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_minihost"))
        .args(["platform"])
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Trade order ids whose redeem webhook arrived, with a condvar to wait on.
#[derive(Default)]
struct Received {
    ids: Mutex<HashMap<String, usize>>,
    arrived: Condvar,
}

/// A webhook receiver on 127.0.0.1, on its own runtime; it verifies every signature.
fn start_receiver(secret: Arc<Mutex<String>>, received: Arc<Received>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let app = axum::Router::new().route(
                "/hook",
                axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let (secret, received) = (secret.clone(), received.clone());
                    async move {
                        let signature = headers
                            .get(minihost_platform_api::webhook::SIGNATURE_HEADER)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        let secret = secret.lock().unwrap().clone();
                        // The platform clock is the wall clock here (nothing advances it).
                        let now = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap()
                            .as_secs();
                        if minihost_platform_api::webhook::verify(&secret, &signature, &body, now, 300).is_err() {
                            return axum::http::StatusCode::UNAUTHORIZED;
                        }
                        let envelope: Value = serde_json::from_slice(&body).unwrap();
                        if envelope["event"] == "minis.trade_order.redeem.success" {
                            let content: Value = serde_json::from_str(envelope["content"].as_str().unwrap()).unwrap();
                            let id = content["trade_order_id"].as_str().unwrap().to_string();
                            *received.ids.lock().unwrap().entry(id).or_default() += 1;
                            received.arrived.notify_all();
                        }
                        axum::http::StatusCode::OK
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(format!("http://{}/hook", listener.local_addr().unwrap())).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn post(client: &reqwest::blocking::Client, url: &str, bearer: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = client.post(url).json(body);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let response = req.send().unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn get(client: &reqwest::blocking::Client, url: &str) -> Value {
    client.get(url).send().unwrap().json().unwrap()
}

#[test]
fn a_crash_mid_burst_loses_no_acknowledged_pay_and_pays_nothing_twice() {
    let data = tempfile::tempdir().unwrap();
    let secret = Arc::new(Mutex::new(String::new()));
    let received = Arc::new(Received::default());
    let hook = start_receiver(secret.clone(), received.clone());

    // Set up through the CLI: the app with its webhook, the user and the balance.
    let added = minihost(&["app", "add", "--client-key", APP, "--webhook", &hook], data.path());
    let client_secret = added
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .expect("app add prints the secret")
        .to_string();
    *secret.lock().unwrap() = client_secret.clone();
    minihost(&["user", "add", "--username", "crash"], data.path());
    minihost(
        &["user", "beans", "--username", "crash", "--set", &INITIAL.to_string()],
        data.path(),
    );

    let server = serve(data.path(), &[]);
    let client = http();
    let (_, code) = post(
        &client,
        &format!("{}/__admin/codes", server.url),
        None,
        &json!({"client_key": APP, "username": "crash", "scopes": "user.info.open_id"}),
    );
    let tokens = exchange(&server.url, APP, &client_secret, code["code"].as_str().unwrap());
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let user_id = get(&client, &format!("{}/__admin/ledger?username=crash", server.url))["user_id"]
        .as_i64()
        .unwrap();

    let orders: Vec<String> = (0..ORDERS)
        .map(|i| {
            let (status, body) = post(
                &client,
                &format!("{}/v2/minis/trade_order/create/", server.url),
                Some(&access),
                &json!({"token_type": "BEANS", "token_amount": PRICE, "order_info": {"order_id": format!("crash-{i}"), "product_name": "Episode"}}),
            );
            assert_eq!(status, 200, "{body}");
            body["data"]["trade_order_id"].as_str().unwrap().to_string()
        })
        .collect();
    let (_, paired) = post(
        &client,
        &format!("{}/__host/v1/pair", server.url),
        None,
        &json!({"device_name": "crash-test"}),
    );
    let device = paired["device_token"].as_str().unwrap().to_string();

    // The burst: payers take orders from a shared queue until the server is gone.
    let next = AtomicUsize::new(0);
    let acked: Mutex<Vec<String>> = Mutex::default();
    let acked_count = AtomicUsize::new(0);
    let killed = AtomicBool::new(false);
    let signal = (Mutex::new(()), Condvar::new());
    std::thread::scope(|s| {
        for _ in 0..PAYERS {
            s.spawn(|| {
                let client = http();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= ORDERS || killed.load(Ordering::SeqCst) {
                        return;
                    }
                    let sent = client
                        .post(format!("{}/__host/v1/orders/pay", server.url))
                        .bearer_auth(&device)
                        .json(&json!({"trade_order_id": orders[i], "user_id": user_id, "client_key": APP}))
                        .send();
                    match sent {
                        Ok(r) if r.status().is_success() => {
                            acked.lock().unwrap().push(orders[i].clone());
                            acked_count.fetch_add(1, Ordering::SeqCst);
                            signal.1.notify_all();
                        }
                        Ok(r) => panic!("pay {i}: HTTP {}", r.status()),
                        // The server was killed under this request: its outcome is unknown.
                        Err(_) => return,
                    }
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut guard = signal.0.lock().unwrap();
        while acked_count.load(Ordering::SeqCst) < KILL_AFTER {
            assert!(
                Instant::now() < deadline,
                "only {} pays acknowledged",
                acked_count.load(Ordering::SeqCst)
            );
            guard = signal.1.wait_timeout(guard, Duration::from_millis(50)).unwrap().0;
        }
        drop(guard);
        server.kill(); // SIGKILL
        killed.store(true, Ordering::SeqCst);
    });
    let acked = acked.into_inner().unwrap();
    assert!(acked.len() >= KILL_AFTER);
    assert!(acked.len() < ORDERS, "the kill came after every pay; nothing was tested mid-burst");
    drop(server);

    // Restarted on the same data dir.
    let server = serve(data.path(), &[]);
    let listed = get(&client, &format!("{}/__admin/orders?client_key={APP}", server.url));
    let status: HashMap<String, String> = listed["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["trade_order_id"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(status.len(), ORDERS);
    for id in &acked {
        assert_eq!(status[id], "SUCCESS", "acknowledged pay of {id} was lost");
    }
    let success: HashSet<&String> = status.iter().filter(|(_, s)| *s == "SUCCESS").map(|(id, _)| id).collect();
    assert!(status.values().all(|s| s == "SUCCESS" || s == "PENDING"));
    eprintln!(
        "{} pays acknowledged before the kill; {} orders SUCCESS after the restart",
        acked.len(),
        success.len()
    );

    let ledger = get(&client, &format!("{}/__admin/ledger?username=crash", server.url));
    let current = ledger["beans"].as_i64().unwrap();
    let entries = ledger["entries"].as_array().unwrap();
    let debits: Vec<&Value> = entries.iter().filter(|e| e["reason"] == "pay").collect();
    let debited: i64 = debits.iter().map(|e| -e["delta"].as_i64().unwrap()).sum();
    assert_eq!(debited, INITIAL - current, "debits match the balance lost");
    assert_eq!(debited, success.len() as i64 * PRICE);
    let mut per_order: HashMap<&str, usize> = HashMap::new();
    for e in &debits {
        assert_eq!(e["delta"], -PRICE);
        *per_order.entry(e["trade_order_id"].as_str().unwrap()).or_default() += 1;
    }
    assert!(per_order.values().all(|&n| n == 1), "an order was debited twice: {per_order:?}");
    let debited_ids: HashSet<&str> = per_order.keys().copied().collect();
    let success_ids: HashSet<&str> = success.iter().map(|s| s.as_str()).collect();
    assert_eq!(debited_ids, success_ids, "exactly the SUCCESS orders were debited");
    // Each balance_after follows from the one before: no change bypassed the ledger.
    let mut balance = 0;
    for e in entries {
        balance += e["delta"].as_i64().unwrap();
        assert_eq!(e["balance_after"].as_i64().unwrap(), balance, "{e}");
    }
    assert_eq!(balance, current);

    // Every SUCCESS order's redeem webhook arrives at least once (the receiver de-duplicates).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ids = received.ids.lock().unwrap();
    while !success_ids.iter().all(|id| ids.contains_key(*id)) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "{} of {} redeem webhooks arrived", ids.len(), success_ids.len());
        ids = received.arrived.wait_timeout(ids, left.min(Duration::from_millis(200))).unwrap().0;
    }
    assert!(
        ids.keys().all(|id| success_ids.contains(id.as_str())),
        "a webhook for an unpaid order"
    );
}
