//! End-to-end purchases per second on loopback with a durable SQLite file (`Durability::Full`):
//! each of K concurrent clients creates a Beans order (`/v2/minis/trade_order/create/` with the
//! user's Bearer token), pays it through the host API (`/__host/v1/orders/pay`), and waits until
//! the signed `minis.trade_order.redeem.success` webhook for it reached a loopback receiver.
//! A purchase's latency runs from the create request to the webhook's arrival.
//!
//! Run: `cargo run --release -p minihost-platform --example purchase_bench [-- --clients 16 --purchases 2000]`
//! A benchmark, not a test: nothing here asserts a time.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use minihost_platform::{CodeExchange, CodeRequest, Durability, NewApp, Platform, PlatformOptions, USER_INFO_OPEN_ID};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// Webhooks that arrived before their client waited, and clients waiting for theirs.
#[derive(Default)]
struct Arrivals {
    early: HashSet<String>,
    waiting: HashMap<String, oneshot::Sender<()>>,
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name} wants a number")))
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let clients = arg("--clients", 16);
    let purchases = arg("--purchases", 2_000);
    let dir = tempfile::tempdir().unwrap();
    let platform = Platform::open(
        dir.path(),
        PlatformOptions {
            durability: Durability::Full,
            request_log_capacity: 0,
            ..PlatformOptions::default()
        },
    )
    .unwrap();

    let arrivals: Arc<Mutex<Arrivals>> = Arc::default();
    let receiver = {
        let arrivals = arrivals.clone();
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: axum::body::Bytes| {
                let arrivals = arrivals.clone();
                async move {
                    let envelope: Value = serde_json::from_slice(&body).unwrap();
                    let content: Value = serde_json::from_str(envelope["content"].as_str().unwrap()).unwrap();
                    let id = content["trade_order_id"].as_str().unwrap().to_string();
                    let mut a = arrivals.lock().unwrap();
                    match a.waiting.remove(&id) {
                        Some(tx) => {
                            let _ = tx.send(());
                        }
                        None => {
                            a.early.insert(id);
                        }
                    }
                    axum::http::StatusCode::OK
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    let (app, _) = platform
        .ensure_app(NewApp {
            client_key: "awbench".into(),
            webhook_url: Some(hook),
            ..NewApp::default()
        })
        .unwrap();
    let dave = platform.user_by_username("dave").unwrap().unwrap();
    let code = platform
        .mint_code(CodeRequest {
            client_key: app.client_key.clone(),
            user_id: dave.id,
            scopes: vec![USER_INFO_OPEN_ID.into()],
            ..CodeRequest::default()
        })
        .wait()
        .unwrap();
    let access = platform
        .exchange_code(CodeExchange {
            client_key: &app.client_key,
            client_secret: &app.client_secret,
            code: &code,
            redirect_uri: None,
            code_verifier: None,
        })
        .wait()
        .unwrap()
        .access_token;
    let (base, _server) = minihost_platform::spawn_on_loopback(platform.clone()).await.unwrap();
    let http = reqwest::Client::new();
    let paired = json_of(http.post(format!("{base}/__host/v1/pair")).json(&json!({"device_name": "bench"}))).await;
    let device = paired["device_token"].as_str().unwrap().to_string();

    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (http, base, access, device, arrivals, next) =
                (http.clone(), base.clone(), access.clone(), device.clone(), arrivals.clone(), next.clone());
            let user_id = dave.id;
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= purchases {
                        return latencies;
                    }
                    let t0 = Instant::now();
                    let created = json_of(
                        http.post(format!("{base}/v2/minis/trade_order/create/"))
                            .bearer_auth(&access)
                            .json(&json!({"token_type": "BEANS", "token_amount": 1, "order_info": {"order_id": format!("bench-{i}"), "product_name": "Episode"}})),
                    )
                    .await;
                    let id = created["data"]["trade_order_id"].as_str().unwrap().to_string();
                    let (tx, rx) = oneshot::channel();
                    arrivals.lock().unwrap().waiting.insert(id.clone(), tx);
                    let paid = http
                        .post(format!("{base}/__host/v1/orders/pay"))
                        .bearer_auth(&device)
                        .json(&json!({"trade_order_id": id, "user_id": user_id, "client_key": "awbench"}))
                        .send()
                        .await
                        .unwrap();
                    assert!(paid.status().is_success(), "{}", paid.text().await.unwrap());
                    let early = {
                        let mut a = arrivals.lock().unwrap();
                        let early = a.early.remove(&id);
                        if early {
                            a.waiting.remove(&id);
                        }
                        early
                    };
                    if !early {
                        tokio::time::timeout(Duration::from_secs(30), rx).await.expect("webhook within 30 s").unwrap();
                    }
                    latencies.push(t0.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "purchases: {} with {clients} clients in {:.2} s: {:.0} purchases/s complete (create, pay, webhook received); latency p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
    );
    println!("Dave's Beans {} -> {}", dave.beans, platform.user(dave.id).unwrap().unwrap().beans);
}

/// Sends `request` and reads its JSON answer.
async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}
