//! Runs the real `minihost` binary (real WebKitGTK webview, under Xvfb) against fixture apps,
//! with a loopback collector the fixture pages report to.

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a page may take to report before the test fails (a hang guard, not a timing test).
const DEADLINE: Duration = Duration::from_secs(90);

/// WebKit processes are heavy on two cores: run one host at a time.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "end-to-end tests need an X display: run them under `xvfb-run -a cargo test`"
    );
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

type Results = Arc<(Mutex<HashMap<String, Value>>, Condvar)>;

/// A loopback HTTP server fixture pages POST their findings to (`/result/NAME`).
pub struct Collector {
    pub url: String,
    results: Results,
    _rt: tokio::runtime::Runtime,
}

impl Collector {
    pub fn start() -> Collector {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let results: Results = Arc::default();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/ping", get(|| async { "pong" }))
            .route(
                "/result/{name}",
                post(|State(r): State<Results>, UrlPath(name): UrlPath<String>, body: String| async move {
                    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
                    r.0.lock().unwrap().insert(name, value);
                    r.1.notify_all();
                    ""
                }),
            )
            .layer(axum::middleware::map_response(|mut res: axum::response::Response| async move {
                res.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
                res
            }))
            .with_state(results.clone());
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Collector { url, results, _rt: rt }
    }

    /// Waits for the page's report `name`.
    pub fn wait(&self, name: &str, host: &Host) -> Value {
        let (lock, cv) = &*self.results;
        let end = Instant::now() + DEADLINE;
        let mut map = lock.lock().unwrap();
        loop {
            if let Some(v) = map.remove(name) {
                assert!(v.get("crashed").is_none(), "fixture page crashed: {v}\nhost stderr:\n{}", host.stderr());
                return v;
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no `{name}` report from the page within {DEADLINE:?}\nhost stderr:\n{}", host.stderr());
            map = cv.wait_timeout(map, left).unwrap().0;
        }
    }
}

/// Copies fixture app `name` into a temp dir, pointing it at the collector.
pub fn fixture(name: &str, collector: &Collector) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apps").join(name);
    let dir = tempfile::tempdir().unwrap();
    let build = dir.path().join("build");
    std::fs::create_dir(&build).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().replace("{{COLLECTOR}}", &collector.url);
        std::fs::write(build.join(path.file_name().unwrap()), text).unwrap();
    }
    dir
}

type Lines = Arc<(Mutex<Vec<String>>, Condvar)>;

/// A running `minihost run`.
pub struct Host {
    child: Child,
    stdout: Lines,
    stderr: Lines,
    /// Kept alive (and deleted) with the host.
    _data_dir: tempfile::TempDir,
}

fn pump(stream: impl std::io::Read + Send + 'static) -> Lines {
    let lines: Lines = Arc::default();
    let l = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            l.0.lock().unwrap().push(line);
            l.1.notify_all();
        }
    });
    lines
}

impl Host {
    pub fn start(app: &Path, extra: &[&str]) -> Host {
        let data_dir = tempfile::tempdir().unwrap();
        Host::start_with_data(app, data_dir, extra)
    }

    pub fn start_with_data(app: &Path, data_dir: tempfile::TempDir, extra: &[&str]) -> Host {
        let mut child = Command::new(env!("CARGO_BIN_EXE_minihost"))
            .arg("run")
            .arg(app)
            .arg("--data-dir")
            .arg(data_dir.path())
            .arg("--log-format")
            .arg("json")
            .args(extra)
            .env("RUST_LOG", std::env::var("MINIHOST_TEST_LOG").unwrap_or_else(|_| "info,minihost::assets=debug".into()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn minihost");
        let stdout = pump(child.stdout.take().unwrap());
        let stderr = pump(child.stderr.take().unwrap());
        Host { child, stdout, stderr, _data_dir: data_dir }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr.0.lock().unwrap().join("\n")
    }

    /// Waits for a stdout line starting with `prefix` and returns the rest of it.
    pub fn stdout_line(&self, prefix: &str) -> String {
        let (lock, cv) = &*self.stdout;
        let end = Instant::now() + DEADLINE;
        let mut lines = lock.lock().unwrap();
        loop {
            if let Some(l) = lines.iter().find(|l| l.starts_with(prefix)) {
                return l[prefix.len()..].trim().to_owned();
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no stdout line `{prefix}…`; stderr:\n{}", self.stderr());
            lines = cv.wait_timeout(lines, left).unwrap().0;
        }
    }

    /// The embedded platform's base URL, as printed by `minihost run`.
    pub fn platform_url(&self) -> String {
        self.stdout_line("platform: ").split_whitespace().next().unwrap().to_owned()
    }

    /// The registered app's secret (printed when `run` registers it).
    pub fn client_secret(&self) -> String {
        self.stdout_line("registered app").rsplit(' ').next().unwrap().to_owned()
    }

    /// Structured log events (stderr, `--log-format json`).
    pub fn events(&self) -> Vec<Value> {
        self.stderr.0.lock().unwrap().iter().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// Waits until a log event satisfies `pred`.
    pub fn wait_event(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let (lock, cv) = &*self.stderr;
        let end = Instant::now() + DEADLINE;
        let mut lines = lock.lock().unwrap();
        loop {
            if let Some(v) = lines.iter().filter_map(|l| serde_json::from_str::<Value>(l).ok()).find(|v| pred(v)) {
                return v;
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no log event: {what}; stderr:\n{}", lines.join("\n"));
            lines = cv.wait_timeout(lines, left).unwrap().0;
        }
    }

    /// A field of `/proc/PID/status` in kB (VmRSS, VmHWM).
    pub fn proc_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} missing"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// A counter of `/proc/PID/io` (rchar: bytes the host read).
    pub fn proc_io(&self, field: &str) -> u64 {
        let io = std::fs::read_to_string(format!("/proc/{}/io", self.pid())).unwrap();
        io.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).unwrap().parse().unwrap()
    }

}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The string field `key` of a log event.
pub fn field<'a>(event: &'a Value, key: &str) -> &'a str {
    event.get(key).and_then(Value::as_str).unwrap_or("")
}
