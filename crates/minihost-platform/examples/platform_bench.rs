//! Throughput and latency of the platform emulator on loopback with a durable SQLite file:
//! token exchange, user info, and the two together (a login), each sustained for a few seconds
//! by concurrent keep-alive clients, next to a baseline measured in the same run (a bare axum
//! route behind the same client, the HTTP floor on this machine).
//!
//! Run: `cargo run --release -p minihost-platform --example platform_bench [-- --secs 5 --concurrency 32]`
//! Prints a markdown table for BENCHMARKS.md. A benchmark, not a test: nothing here asserts a time.
//!
//! `--grants-only --peer-url http://127.0.0.1:PORT [--peer-path /default/token]` measures
//! something else: `grant_type=client_credentials` grants per second against the emulator
//! (started here on a file-backed data dir, on its own runtime) and against another OAuth server
//! at the peer URL (bench/oauth-peer/run starts navikt's mock-oauth2-server there), with the same
//! clients, concurrency and round length, after a warm-up of each, in alternating rounds.
//! Further flags of that mode: `--warmup-secs N` (default 10), `--rounds N` (default 3, each
//! `--secs` long per target), `--durability normal|full`, `--peer-client-id ID`,
//! `--peer-scope S`, `--peer-name NAME` (for the table), `--data-dir-parent DIR` (default: the
//! current dir), `--peer-pid PID` (to tell the peer's CPU from other processes' per round).
//! After the comparison it sustains grants against two fresh emulators for `--sustain-secs N`
//! (default 20; 0 skips) with `client_token_ttl` = `--sustain-ttl N` (default 1 s), moving the
//! platform clock on by `PURGE_GRACE_SECS` every `--purge-every-ms N` (default 1000) in both, and
//! calling `Platform::purge_expired` after each step in the second only; it reports the database
//! size (the SQLite file and its -wal) and the rows left in each.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use minihost_platform::{App, CodeRequest, Durability, NewApp, Platform, PlatformOptions, USER_INFO_BASIC};
use tokio::net::TcpListener;

struct Config {
    secs: u64,
    concurrency: usize,
    grants: Option<GrantsConfig>,
}

struct GrantsConfig {
    peer_url: String,
    peer_path: String,
    peer_client_id: String,
    peer_scope: String,
    peer_name: String,
    warmup_secs: u64,
    rounds: usize,
    durability: Durability,
    data_dir_parent: PathBuf,
    peer_pid: Option<u32>,
    sustain_secs: u64,
    sustain_ttl: u64,
    purge_every_ms: u64,
}

const USAGE: &str = "flags: --secs N --concurrency N, and for the client_credentials comparison \
    --grants-only --peer-url URL [--peer-path P --peer-client-id ID --peer-scope S \
    --warmup-secs N --rounds N --durability normal|full --data-dir-parent DIR \\
    --peer-pid PID --sustain-secs N --sustain-ttl N --purge-every-ms N]";

fn config() -> Config {
    let mut cfg = Config {
        secs: 5,
        concurrency: 32,
        grants: None,
    };
    let mut grants_only = false;
    let mut g = GrantsConfig {
        peer_url: String::new(),
        peer_path: "/default/token".into(),
        peer_client_id: "minihost-bench".into(),
        peer_scope: "api".into(),
        peer_name: "peer".into(),
        warmup_secs: 10,
        rounds: 3,
        durability: Durability::default(),
        data_dir_parent: std::env::current_dir().unwrap(),
        peer_pid: None,
        sustain_secs: 20,
        sustain_ttl: 1,
        purge_every_ms: 1_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--grants-only" {
            grants_only = true;
            continue;
        }
        let value = args.next().unwrap_or_else(|| panic!("{flag} needs a value; {USAGE}"));
        let num = || value.parse::<u64>().unwrap_or_else(|_| panic!("{flag} needs a number; {USAGE}"));
        match flag.as_str() {
            "--secs" => cfg.secs = num(),
            "--concurrency" => cfg.concurrency = num() as usize,
            "--peer-url" => g.peer_url = value.trim_end_matches('/').to_string(),
            "--peer-path" => g.peer_path = value,
            "--peer-client-id" => g.peer_client_id = value,
            "--peer-scope" => g.peer_scope = value,
            "--peer-name" => g.peer_name = value,
            "--warmup-secs" => g.warmup_secs = num(),
            "--rounds" => g.rounds = num() as usize,
            "--durability" => {
                g.durability = match value.as_str() {
                    "normal" => Durability::Normal,
                    "full" => Durability::Full,
                    other => panic!("--durability {other}: use normal or full"),
                }
            }
            "--data-dir-parent" => g.data_dir_parent = PathBuf::from(value),
            "--peer-pid" => g.peer_pid = Some(num() as u32),
            "--sustain-secs" => g.sustain_secs = num(),
            "--sustain-ttl" => g.sustain_ttl = num(),
            "--purge-every-ms" => g.purge_every_ms = num(),
            _ => panic!("unknown flag {flag}; {USAGE}"),
        }
    }
    if grants_only {
        assert!(!g.peer_url.is_empty(), "--grants-only needs --peer-url; {USAGE}");
        cfg.grants = Some(g);
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

/// What `concurrency` tasks running `op` back to back for `secs` did.
struct Round {
    latencies_us: Vec<u32>,
    errors: usize,
    elapsed: Duration,
}

/// Runs `op` from `concurrency` tasks until `secs` have passed; latencies are sorted.
async fn drive<F, Fut>(concurrency: usize, secs: u64, op: F) -> Round
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
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
    let elapsed = start.elapsed();
    latencies_us.sort_unstable();
    Round {
        latencies_us,
        errors,
        elapsed,
    }
}

/// Runs `op` from `concurrency` tasks until `secs` have passed (after a one-second warm-up).
async fn sustain<F, Fut>(name: &str, durability: &'static str, cfg: &Config, op: F) -> Phase
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    drive(cfg.concurrency, 1, op.clone()).await;
    let round = drive(cfg.concurrency, cfg.secs, op).await;
    Phase {
        name: name.to_string(),
        durability,
        ops: round.latencies_us.len(),
        errors: round.errors,
        elapsed: round.elapsed,
        latencies_us: round.latencies_us,
    }
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
                .wait()
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
    if let Some(g) = &cfg.grants {
        grants::run(&cfg, g, &runtime);
        return;
    }
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

/// `--grants-only`: client_credentials grants per second, the emulator against a peer server.
mod grants {
    use std::sync::atomic::AtomicBool;

    use minihost_platform::{Purged, DATABASE_FILE, PURGE_GRACE_SECS};

    use super::*;

    struct Target {
        label: String,
        url: String,
        body: &'static str,
    }

    struct Totals {
        warmup: Round,
        rounds: Vec<Round>,
        /// Per measured round: CPU that processes other than this one and the peer used, in %
        /// of the whole machine.
        other_cpu: Vec<f64>,
    }

    impl Totals {
        fn measured(&self) -> (Vec<u32>, usize, Duration) {
            let mut lat: Vec<u32> = self.rounds.iter().flat_map(|r| r.latencies_us.iter().copied()).collect();
            lat.sort_unstable();
            let errors = self.rounds.iter().map(|r| r.errors).sum();
            let elapsed = self.rounds.iter().map(|r| r.elapsed).sum();
            (lat, errors, elapsed)
        }

        fn rate(&self) -> f64 {
            let (lat, _, elapsed) = self.measured();
            lat.len() as f64 / elapsed.as_secs_f64()
        }

        fn issued(&self) -> usize {
            self.warmup.latencies_us.len() + self.rounds.iter().map(|r| r.latencies_us.len()).sum::<usize>()
        }
    }

    fn rate(r: &Round) -> f64 {
        r.latencies_us.len() as f64 / r.elapsed.as_secs_f64()
    }

    fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
        if sorted.is_empty() {
            return f64::NAN;
        }
        let i = ((sorted.len() - 1) as f64 * p).round() as usize;
        f64::from(sorted[i]) / 1000.0
    }

    fn form(pairs: &[(&str, &str)]) -> &'static str {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        Box::leak(s.finish().into_boxed_str())
    }

    /// One grant: the same request shape and response check for both servers.
    async fn grant(http: &reqwest::Client, t: &Target) -> bool {
        let response = http
            .post(&t.url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(t.body)
            .send()
            .await;
        match response {
            Ok(r) if r.status().is_success() => match r.bytes().await {
                Ok(body) => body.windows(12).any(|w| w == b"access_token"),
                Err(_) => false,
            },
            _ => false,
        }
    }

    async fn round(http: &reqwest::Client, t: &Arc<Target>, concurrency: usize, secs: u64) -> Round {
        let (h, t) = (http.clone(), t.clone());
        drive(concurrency, secs, move || {
            let (h, t) = (h.clone(), t.clone());
            async move { grant(&h, &t).await }
        })
        .await
    }

    /// (busy, total) jiffies of the whole machine, from /proc/stat.
    fn machine_jiffies() -> (u64, u64) {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let fields: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        let total: u64 = fields.iter().take(8).sum();
        let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
        (total.saturating_sub(idle), total)
    }

    /// utime + stime of a process (all its threads), in jiffies.
    fn process_jiffies(pid: &str) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after_name = stat.rsplit(')').next().unwrap_or("");
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // After the name: state is field 3, utime 14 and stime 15 (1-based, of the whole line).
        [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum()
    }

    struct CpuMark {
        machine: (u64, u64),
        ours: u64,
    }

    fn cpu_mark(peer: Option<u32>) -> CpuMark {
        let peer = peer.map(|p| process_jiffies(&p.to_string())).unwrap_or(0);
        CpuMark {
            machine: machine_jiffies(),
            ours: process_jiffies("self") + peer,
        }
    }

    /// Percent of the machine that other processes used since `start`.
    fn other_cpu(start: &CpuMark, peer: Option<u32>) -> f64 {
        let end = cpu_mark(peer);
        let busy = end.machine.0.saturating_sub(start.machine.0);
        let total = end.machine.1.saturating_sub(start.machine.1).max(1);
        let ours = end.ours.saturating_sub(start.ours);
        100.0 * busy.saturating_sub(ours) as f64 / total as f64
    }

    fn file_len(path: &Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    fn mib(bytes: u64) -> f64 {
        bytes as f64 / (1024.0 * 1024.0)
    }

    fn db_lens(dir: &Path) -> (u64, u64) {
        (
            file_len(&dir.join(DATABASE_FILE)),
            file_len(&dir.join(format!("{DATABASE_FILE}-wal"))),
        )
    }

    fn durability_label(d: Durability) -> &'static str {
        match d {
            Durability::Normal => "WAL, synchronous=NORMAL",
            Durability::Full => "WAL, synchronous=FULL",
        }
    }

    struct Emulator {
        platform: Platform,
        target: Arc<Target>,
        server: tokio::task::JoinHandle<std::io::Result<()>>,
    }

    /// Opens a platform on `dir` with the bench app and serves it on `server_rt`.
    fn start_emulator(server_rt: &tokio::runtime::Runtime, dir: &Path, opts: PlatformOptions) -> Emulator {
        let label = format!("minihost emulator ({})", durability_label(opts.durability));
        let platform = Platform::open(dir, opts).unwrap();
        let (app, _) = platform
            .ensure_app(NewApp {
                client_key: "awbench".into(),
                ..NewApp::default()
            })
            .unwrap();
        let listener = server_rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = server_rt.spawn(minihost_platform::serve(listener, platform.clone()));
        let target = Arc::new(Target {
            label,
            url: format!("{base}/v2/oauth/token/"),
            body: form(&[
                ("grant_type", "client_credentials"),
                ("client_key", &app.client_key),
                ("client_secret", &app.client_secret),
            ]),
        });
        Emulator { platform, target, server }
    }

    struct Sustained {
        purge: bool,
        round: Round,
        steps: usize,
        purged: Purged,
        purge_time: Duration,
        longest_purge: Duration,
        rows_left: u64,
        db: (u64, u64),
    }

    /// Grants for `secs` against a fresh emulator with short-lived client tokens while another
    /// thread moves its clock on by the purge grace every `every`, and with `purge` also purges.
    fn sustain_grants(
        cfg: &Config,
        g: &GrantsConfig,
        rt: &tokio::runtime::Runtime,
        server_rt: &tokio::runtime::Runtime,
        purge: bool,
    ) -> Sustained {
        let dir = tempfile::tempdir_in(&g.data_dir_parent).unwrap();
        let opts = PlatformOptions {
            durability: g.durability,
            client_token_ttl: g.sustain_ttl,
            request_log_capacity: 256,
            ..PlatformOptions::default()
        };
        let emu = start_emulator(server_rt, dir.path(), opts);
        let stop = Arc::new(AtomicBool::new(false));
        let every = Duration::from_millis(g.purge_every_ms.max(1));
        let (p, flag) = (emu.platform.clone(), stop.clone());
        let stepper = std::thread::spawn(move || {
            let (mut steps, mut purged, mut purge_time, mut longest) = (0usize, Purged::default(), Duration::ZERO, Duration::ZERO);
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(every);
                p.clock().advance(PURGE_GRACE_SECS);
                steps += 1;
                if purge {
                    let t0 = Instant::now();
                    let done = p.purge_expired().unwrap();
                    purge_time += t0.elapsed();
                    longest = longest.max(t0.elapsed());
                    purged.tokens += done.tokens;
                    purged.codes += done.codes;
                }
            }
            (steps, purged, purge_time, longest)
        });
        let round = rt.block_on(async {
            let http = reqwest::Client::builder().pool_max_idle_per_host(cfg.concurrency).build().unwrap();
            super::grants::round(&http, &emu.target, cfg.concurrency, g.sustain_secs).await
        });
        stop.store(true, Ordering::Relaxed);
        let (steps, purged, purge_time, longest_purge) = stepper.join().unwrap();
        let rows_left = emu.platform.stored_rows().unwrap().tokens;
        let db = db_lens(dir.path());
        emu.server.abort();
        eprintln!(
            "sustained, purge {}: {:.0} grants/s, {} errors, {} tokens left",
            if purge { "on" } else { "off" },
            rate(&round),
            round.errors,
            rows_left
        );
        Sustained {
            purge,
            round,
            steps,
            purged,
            purge_time,
            longest_purge,
            rows_left,
            db,
        }
    }

    pub fn run(cfg: &Config, g: &GrantsConfig, client_rt: &tokio::runtime::Runtime) {
        let durability = durability_label(g.durability);
        // The emulator gets its own runtime (as many workers as cores), so that it schedules
        // apart from the load generator like the peer process does; both cross loopback TCP.
        let server_rt = tokio::runtime::Builder::new_multi_thread()
            .thread_name("emulator")
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir_in(&g.data_dir_parent).unwrap();
        let opts = PlatformOptions {
            durability: g.durability,
            request_log_capacity: 256,
            ..PlatformOptions::default()
        };
        let ttl = opts.client_token_ttl;
        let emu = start_emulator(&server_rt, dir.path(), opts);
        let peer = Arc::new(Target {
            label: g.peer_name.clone(),
            url: format!("{}{}", g.peer_url, g.peer_path),
            body: form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &g.peer_client_id),
                ("client_secret", "minihost-bench-secret"),
                ("scope", &g.peer_scope),
            ]),
        });
        let targets = [emu.target.clone(), peer];
        let emulator_started = Instant::now();

        let totals: Vec<Totals> = client_rt.block_on(async {
            let http = reqwest::Client::builder().pool_max_idle_per_host(cfg.concurrency).build().unwrap();
            for t in &targets {
                assert!(grant(&http, t).await, "no client_credentials grant from {} at {}", t.label, t.url);
            }
            let mut totals = Vec::new();
            for t in &targets {
                eprintln!("warm-up: {} for {} s", t.label, g.warmup_secs);
                let warmup = round(&http, t, cfg.concurrency, g.warmup_secs).await;
                eprintln!("  {:.0} grants/s, {} errors", rate(&warmup), warmup.errors);
                totals.push(Totals { warmup, rounds: Vec::new(), other_cpu: Vec::new() });
            }
            for r in 0..g.rounds {
                // ABBA: the order flips each round, so drift in the machine's load hits both.
                let order: [usize; 2] = if r % 2 == 0 { [0, 1] } else { [1, 0] };
                for i in order {
                    let mark = cpu_mark(g.peer_pid);
                    let since = emulator_started.elapsed().as_secs();
                    let measured = round(&http, &targets[i], cfg.concurrency, cfg.secs).await;
                    let other = other_cpu(&mark, g.peer_pid);
                    eprintln!(
                        "round {} (from {} s after the emulator started): {}: {:.0} grants/s, {} errors, max {:.0} ms, other processes {:.0}% CPU",
                        r + 1,
                        since,
                        targets[i].label,
                        rate(&measured),
                        measured.errors,
                        percentile_ms(&measured.latencies_us, 1.0),
                        other
                    );
                    totals[i].rounds.push(measured);
                    totals[i].other_cpu.push(other);
                }
            }
            totals
        });
        // Every grant inserts a token row; none is dead in this run, so none is purged.
        let issued = totals[0].issued() + 1; // + the readiness check
        let (db_len, wal_len) = db_lens(dir.path());
        let rows = emu.platform.stored_rows().unwrap().tokens;
        emu.server.abort();
        drop(emu);

        let sustained: Vec<Sustained> = if g.sustain_secs > 0 {
            [false, true]
                .iter()
                .map(|&purge| sustain_grants(cfg, g, client_rt, &server_rt, purge))
                .collect()
        } else {
            Vec::new()
        };

        println!(
            "Machine: {}; {} concurrent keep-alive reqwest clients in one process, the same for both servers; \
             warm-up {} s each, then {} alternating rounds (ABBA) of {} s per server.\n",
            machine(),
            cfg.concurrency,
            g.warmup_secs,
            g.rounds,
            cfg.secs
        );
        println!("| server | grants | errors | grants/s | per round | other processes' CPU per round | warm-up grants/s | p50 ms | p99 ms | max ms |");
        println!("|---|---:|---:|---:|---|---|---:|---:|---:|---:|");
        for (t, tot) in targets.iter().zip(&totals) {
            let (lat, errors, _) = tot.measured();
            let per_round: Vec<String> = tot.rounds.iter().map(|r| format!("{:.0}", rate(r))).collect();
            let other: Vec<String> = tot.other_cpu.iter().map(|c| format!("{c:.0}%")).collect();
            println!(
                "| {} | {} | {} | {:.0} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
                t.label,
                lat.len(),
                errors,
                tot.rate(),
                per_round.join(", "),
                other.join(", "),
                rate(&tot.warmup),
                percentile_ms(&lat, 0.50),
                percentile_ms(&lat, 0.99),
                percentile_ms(&lat, 1.0),
            );
        }
        let (emu_lat, _, _) = totals[0].measured();
        let (peer_lat, _, _) = totals[1].measured();
        println!(
            "\nEmulator ÷ peer: {:.2}× the grants/s; p50 {:.2}×, p99 {:.2}× the latency.",
            totals[0].rate() / totals[1].rate(),
            percentile_ms(&emu_lat, 0.50) / percentile_ms(&peer_lat, 0.50),
            percentile_ms(&emu_lat, 0.99) / percentile_ms(&peer_lat, 0.99),
        );
        println!(
            "\nEmulator database after that run: {} client tokens issued (warm-up and one readiness check included), {} rows in `tokens` \
             (client_token_ttl {} s, so none was purgeable): {DATABASE_FILE} {:.1} MiB + -wal {:.1} MiB = {:.1} MiB, \
             {:.0} bytes per token.",
            issued,
            rows,
            ttl,
            mib(db_len),
            mib(wal_len),
            mib(db_len + wal_len),
            (db_len + wal_len) as f64 / issued.max(1) as f64,
        );

        if !sustained.is_empty() {
            println!(
                "\nSustained grants against a fresh emulator each ({durability}, {} clients, {} s): client_token_ttl {} s, \
                 platform clock moved on by PURGE_GRACE_SECS ({PURGE_GRACE_SECS} s) every {} ms in both; \
                 `Platform::purge_expired` after each step only with purge on.\n",
                cfg.concurrency, g.sustain_secs, g.sustain_ttl, g.purge_every_ms
            );
            println!("| purge | grants | errors | grants/s | p50 ms | p99 ms | max ms | purges | tokens purged | time in purge_expired (longest) | rows left | {DATABASE_FILE} MiB | -wal MiB | total MiB |");
            println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for run in &sustained {
                let lat = &run.round.latencies_us;
                println!(
                    "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {} | {:.1} | {:.1} | {:.1} |",
                    if run.purge { "on" } else { "off" },
                    lat.len(),
                    run.round.errors,
                    rate(&run.round),
                    percentile_ms(lat, 0.50),
                    percentile_ms(lat, 0.99),
                    percentile_ms(lat, 1.0),
                    if run.purge { run.steps.to_string() } else { "-".into() },
                    run.purged.tokens,
                    if run.purge {
                        format!(
                            "{:.0} ms ({:.0} ms)",
                            run.purge_time.as_secs_f64() * 1000.0,
                            run.longest_purge.as_secs_f64() * 1000.0
                        )
                    } else {
                        "-".into()
                    },
                    run.rows_left,
                    mib(run.db.0),
                    mib(run.db.1),
                    mib(run.db.0 + run.db.1),
                );
            }
        }
        server_rt.shutdown_background();
        drop(dir);
    }
}
