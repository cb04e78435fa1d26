//! Throughput and latency of the platform emulator on loopback with a durable SQLite file:
//! token exchange, user info, and the two together (a login), each sustained for a few seconds
//! by concurrent keep-alive clients, next to a baseline measured in the same run (a bare axum
//! route behind the same client, the HTTP floor on this machine).
//!
//! Run: `cargo run --release -p minihost-platform --example platform_bench [-- --secs 5 --concurrency 32]`
//! Prints a markdown table for BENCHMARKS.md. A benchmark, not a test: nothing here asserts a time.

use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use minihost_platform::{App, CodeRequest, Durability, NewApp, Platform, PlatformOptions, USER_INFO_BASIC};
use tokio::net::TcpListener;

struct Config {
    secs: u64,
    concurrency: usize,
}

fn config() -> Config {
    let mut cfg = Config { secs: 5, concurrency: 32 };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse().ok());
        match (pair[0].as_str(), value) {
            ("--secs", Some(v)) => cfg.secs = v,
            ("--concurrency", Some(v)) => cfg.concurrency = v as usize,
            (flag, _) => panic!("unknown or incomplete flag {flag}; use --secs N --concurrency N"),
        }
    }
    cfg
}

struct Phase {
    name: String,
    durability: &'static str,
    ops: usize,
    errors: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        f64::from(self.latencies_us[i]) / 1000.0
    }
}

/// Runs `op` from `concurrency` tasks until `secs` have passed (after a one-second warm-up).
async fn sustain<F, Fut>(name: &str, durability: &'static str, cfg: &Config, op: F) -> Phase
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    for (measure, secs) in [(false, 1), (true, cfg.secs)] {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let start = Instant::now();
        let tasks: Vec<_> = (0..cfg.concurrency)
            .map(|_| {
                let op = op.clone();
                tokio::spawn(async move {
                    let (mut lat, mut errors) = (Vec::new(), 0usize);
                    while Instant::now() < deadline {
                        let t0 = Instant::now();
                        if op().await {
                            lat.push(t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                        } else {
                            errors += 1;
                        }
                    }
                    (lat, errors)
                })
            })
            .collect();
        let mut latencies_us = Vec::new();
        let mut errors = 0;
        for task in tasks {
            let (lat, e) = task.await.unwrap();
            latencies_us.extend(lat);
            errors += e;
        }
        if measure {
            latencies_us.sort_unstable();
            return Phase {
                name: name.to_string(),
                durability,
                ops: latencies_us.len(),
                errors,
                elapsed: start.elapsed(),
                latencies_us,
            };
        }
    }
    unreachable!("the measured round returns")
}

struct Target {
    base: String,
    app: App,
    codes: Arc<Vec<String>>,
    next_code: Arc<AtomicUsize>,
    tokens: Arc<Vec<String>>,
}

fn open(dir: &Path, durability: Durability) -> Platform {
    let opts = PlatformOptions {
        durability,
        // Codes are minted before the timed rounds start.
        code_ttl: 3_600,
        request_log_capacity: 256,
        ..PlatformOptions::default()
    };
    Platform::open(dir, opts).unwrap()
}

/// Prepares a data dir: an app, `codes` unused Minis codes and a set of live access tokens.
/// Minting uses `synchronous=NORMAL` whatever the measured durability, to keep setup short.
fn prepare(dir: &Path, codes: usize) -> (App, Vec<String>) {
    let platform = open(dir, Durability::Normal);
    let (app, _) = platform
        .ensure_app(NewApp {
            client_key: "awbench".into(),
            ..NewApp::default()
        })
        .unwrap();
    let users = platform.users().unwrap();
    let minted = (0..codes)
        .map(|i| {
            platform
                .mint_code(CodeRequest {
                    client_key: app.client_key.clone(),
                    user_id: users[i % users.len()].id,
                    scopes: vec![USER_INFO_BASIC.into()],
                    ..CodeRequest::default()
                })
                .unwrap()
        })
        .collect();
    (app, minted)
}

async fn start(dir: &Path, durability: Durability, app: App, codes: Vec<String>, http: &reqwest::Client) -> Target {
    let platform = open(dir, durability);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(minihost_platform::serve(listener, platform));
    // Access tokens for the user-info round come from the first codes, over HTTP.
    let mut tokens = Vec::new();
    for code in &codes[..64] {
        let body: serde_json::Value = http
            .post(format!("{base}/v2/oauth/token/"))
            .form(&[
                ("client_key", app.client_key.as_str()),
                ("client_secret", &app.client_secret),
                ("code", code),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(body["access_token"].as_str().unwrap().to_string());
    }
    Target {
        base,
        app,
        codes: Arc::new(codes),
        next_code: Arc::new(AtomicUsize::new(64)),
        tokens: Arc::new(tokens),
    }
}

async fn exchange(http: &reqwest::Client, t: &Target) -> Option<String> {
    let code = t.codes.get(t.next_code.fetch_add(1, Ordering::Relaxed))?;
    let response = http
        .post(format!("{}/v2/oauth/token/", t.base))
        .form(&[
            ("client_key", t.app.client_key.as_str()),
            ("client_secret", &t.app.client_secret),
            ("code", code),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    let body: serde_json::Value = response.json().await.ok()?;
    body["access_token"].as_str().map(str::to_string)
}

async fn user_info(http: &reqwest::Client, base: &str, token: &str) -> bool {
    let response = http
        .get(format!("{base}/v2/user/info/?fields=open_id,union_id,display_name,avatar_url"))
        .bearer_auth(token)
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
        _ => false,
    }
}

async fn baseline(http: &reqwest::Client) -> String {
    let router = axum::Router::new().route(
        "/ping",
        axum::routing::post(|| async { axum::Json(serde_json::json!({"ok": true})) }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    http.post(format!("{base}/ping")).send().await.unwrap();
    base
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    format!("{cores} cores, {cpu}")
}

fn main() {
    let cfg = config();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::builder().pool_max_idle_per_host(cfg.concurrency).build().unwrap();
        let mut phases = Vec::new();

        let ping = baseline(&http).await;
        let (h, p) = (http.clone(), ping.clone());
        phases.push(
            sustain("baseline: bare axum POST returning JSON", "-", &cfg, move || {
                let (h, p) = (h.clone(), p.clone());
                async move { h.post(format!("{p}/ping")).send().await.is_ok_and(|r| r.status().is_success()) }
            })
            .await,
        );

        // Enough codes for the fastest plausible rate; a run that drains them shows errors.
        let codes_needed = 64 + 15_000 * (cfg.secs as usize + 1) * 2;
        for (durability, label) in [
            (Durability::Normal, "WAL, synchronous=NORMAL"),
            (Durability::Full, "WAL, synchronous=FULL"),
        ] {
            let dir = tempfile::tempdir_in(std::env::current_dir().unwrap()).unwrap();
            eprintln!("{label}: minting {codes_needed} codes in {}", dir.path().display());
            let (app, codes) = prepare(dir.path(), codes_needed);
            let target = Arc::new(start(dir.path(), durability, app, codes, &http).await);

            let (h, t) = (http.clone(), target.clone());
            phases.push(
                sustain("token exchange (authorization_code)", label, &cfg, move || {
                    let (h, t) = (h.clone(), t.clone());
                    async move { exchange(&h, &t).await.is_some() }
                })
                .await,
            );
            let (h, t) = (http.clone(), target.clone());
            let turn = Arc::new(AtomicUsize::new(0));
            phases.push(
                sustain("user info (4 fields)", label, &cfg, move || {
                    let (h, t, turn) = (h.clone(), t.clone(), turn.clone());
                    async move {
                        let token = &t.tokens[turn.fetch_add(1, Ordering::Relaxed) % t.tokens.len()];
                        user_info(&h, &t.base, token).await
                    }
                })
                .await,
            );
            let (h, t) = (http.clone(), target.clone());
            phases.push(
                sustain("login: token exchange + user info", label, &cfg, move || {
                    let (h, t) = (h.clone(), t.clone());
                    async move {
                        match exchange(&h, &t).await {
                            Some(token) => user_info(&h, &t.base, &token).await,
                            None => false,
                        }
                    }
                })
                .await,
            );
            drop(dir);
        }

        let base_rate = phases[0].rate();
        println!(
            "Machine: {}; {} concurrent keep-alive clients in the same process; {} s per round after 1 s warm-up.\n",
            machine(),
            cfg.concurrency,
            cfg.secs
        );
        println!("| scenario | durability | ops | errors | ops/s | vs baseline | p50 ms | p99 ms | max ms |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for phase in &phases {
            println!(
                "| {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} |",
                phase.name,
                phase.durability,
                phase.ops,
                phase.errors,
                phase.rate(),
                phase.rate() / base_rate,
                phase.percentile_ms(0.50),
                phase.percentile_ms(0.99),
                phase.percentile_ms(1.0),
            );
        }
    });
}
