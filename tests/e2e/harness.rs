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
type Gates = Arc<Mutex<std::collections::HashSet<String>>>;

/// A loopback HTTP server fixture pages POST their findings to (`/result/NAME`).
pub struct Collector {
    pub url: String,
    results: Results,
    gates: Gates,
    _rt: tokio::runtime::Runtime,
}

impl Collector {
    pub fn start() -> Collector {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let results: Results = Arc::default();
        let gates: Gates = Arc::default();
        let g = gates.clone();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/ping", get(|| async { "pong" }))
            // Pages poll a gate to wait for the test (e.g. until a screenshot is taken).
            .route(
                "/gate/{name}",
                get(move |UrlPath(name): UrlPath<String>| {
                    let open = g.lock().unwrap().contains(&name);
                    async move {
                        if open {
                            "open"
                        } else {
                            "closed"
                        }
                    }
                }),
            )
            .route(
                "/result/{name}",
                post(
                    |State(r): State<Results>, UrlPath(name): UrlPath<String>, body: String| async move {
                        let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
                        r.0.lock().unwrap().insert(name, value);
                        r.1.notify_all();
                        ""
                    },
                ),
            )
            .layer(axum::middleware::map_response(|mut res: axum::response::Response| async move {
                res.headers_mut()
                    .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
                res
            }))
            .with_state(results.clone());
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Collector {
            url,
            results,
            gates,
            _rt: rt,
        }
    }

    /// Lets a page waiting on gate `name` go on.
    pub fn open_gate(&self, name: &str) {
        self.gates.lock().unwrap().insert(name.to_owned());
    }

    /// Waits for the page's report `name`.
    pub fn wait(&self, name: &str, host: &Host) -> Value {
        let (lock, cv) = &*self.results;
        let end = Instant::now() + DEADLINE;
        let mut map = lock.lock().unwrap();
        loop {
            if let Some(v) = map.remove(name) {
                assert!(
                    v.get("crashed").is_none(),
                    "fixture page crashed: {v}\nhost stderr:\n{}",
                    host.stderr()
                );
                return v;
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no `{name}` report from the page within {DEADLINE:?}\nhost stderr:\n{}",
                host.stderr()
            );
            map = cv.wait_timeout(map, left).unwrap().0;
        }
    }
}

/// Copies fixture app `name` into a temp dir, pointing it at the collector.
pub fn fixture(name: &str, collector: &Collector) -> tempfile::TempDir {
    fixture_with(name, collector, &[])
}

/// Like `fixture`, also replacing each `{{KEY}}` with its value.
pub fn fixture_with(name: &str, collector: &Collector, vars: &[(&str, &str)]) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apps").join(name);
    let dir = tempfile::tempdir().unwrap();
    let build = dir.path().join("build");
    std::fs::create_dir(&build).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap().replace("{{COLLECTOR}}", &collector.url);
        for (k, v) in vars {
            text = text.replace(&format!("{{{{{k}}}}}"), v);
        }
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
    /// Deleted with the host when the host made it.
    _data_dir: Option<tempfile::TempDir>,
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
        let mut host = Host::start_in(app, data_dir.path(), extra);
        host._data_dir = Some(data_dir);
        host
    }

    /// Takes over a `minihost run` spawned with piped stdout and stderr.
    pub fn adopt(mut child: Child) -> Host {
        let stdout = pump(child.stdout.take().unwrap());
        let stderr = pump(child.stderr.take().unwrap());
        Host {
            child,
            stdout,
            stderr,
            _data_dir: None,
        }
    }

    /// Runs with platform state in `data_dir`, which outlives the host.
    pub fn start_in(app: &Path, data_dir: &Path, extra: &[&str]) -> Host {
        let child = Command::new(env!("CARGO_BIN_EXE_minihost"))
            .arg("run")
            .arg(app)
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--log-format")
            .arg("json")
            .args(extra)
            .env(
                "RUST_LOG",
                std::env::var("MINIHOST_TEST_LOG").unwrap_or_else(|_| "info,minihost::assets=debug".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn minihost");
        Host::adopt(child)
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
        self.stderr
            .0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
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

    /// Waits until `n` log events satisfy `pred`.
    pub fn wait_events(&self, what: &str, n: usize, pred: impl Fn(&Value) -> bool) {
        let (lock, cv) = &*self.stderr;
        let end = Instant::now() + DEADLINE;
        let mut lines = lock.lock().unwrap();
        loop {
            let seen = lines
                .iter()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|v| pred(v))
                .count();
            if seen >= n {
                return;
            }
            let left = end.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "{seen} of {n} log events: {what}; stderr:\n{}", lines.join("\n"));
            lines = cv.wait_timeout(lines, left).unwrap().0;
        }
    }

    /// Waits for a plain stderr line containing `text` (what the CLI prints before logging).
    pub fn wait_stderr(&self, text: &str) {
        let (lock, cv) = &*self.stderr;
        let end = Instant::now() + DEADLINE;
        let mut lines = lock.lock().unwrap();
        while !lines.iter().any(|l| l.contains(text)) {
            let left = end.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no stderr line with {text:?}; stderr:\n{}", lines.join("\n"));
            lines = cv.wait_timeout(lines, left).unwrap().0;
        }
    }

    /// A field of `/proc/PID/status` in kB (VmRSS, VmHWM).
    pub fn proc_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status
            .lines()
            .find(|l| l.starts_with(field))
            .unwrap_or_else(|| panic!("{field} missing"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// A counter of `/proc/PID/io` (rchar: bytes the host read).
    pub fn proc_io(&self, field: &str) -> u64 {
        let io = std::fs::read_to_string(format!("/proc/{}/io", self.pid())).unwrap();
        io.lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// Checks `f` until it gives a value, `None` after [`DEADLINE`]. For what tells no one when it
/// happens: a window mapped on the X server, a child process ending (std has no timed wait).
fn poll<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + DEADLINE;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The ids of the visible X windows `xdotool search` finds for `args`.
fn windows(args: &[&str]) -> Vec<String> {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible"])
        .args(args)
        .output()
        .expect("xdotool (scripts/setup installs it)");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
}

impl Host {
    /// The host's X window (found by its title).
    pub fn window(&self) -> String {
        poll(|| windows(&["--name", "minihost"]).into_iter().next())
            .unwrap_or_else(|| panic!("no minihost window; stderr:\n{}", self.stderr()))
    }

    /// Sends keys to the window (pointer moved onto it, so it has keyboard focus).
    pub fn keys(&self, keys: &[&str]) {
        let w = self.window();
        let run = |args: &[&str]| assert!(Command::new("xdotool").args(args).status().unwrap().success(), "xdotool {args:?}");
        run(&["mousemove", "--window", &w, "20", "300"]);
        let mut args = vec!["key", "--clearmodifiers"];
        args.extend_from_slice(keys);
        run(&args);
    }

    /// Clicks the left button at (x, y) of the window.
    pub fn click(&self, x: u32, y: u32) {
        let w = self.window();
        let (x, y) = (x.to_string(), y.to_string());
        let args = ["mousemove", "--window", &w, &x, &y, "click", "1"];
        assert!(Command::new("xdotool").args(args).status().unwrap().success(), "xdotool {args:?}");
    }

    /// Waits for the process to end by itself, within the deadline.
    pub fn wait_exit(&mut self, what: &str) -> std::process::ExitStatus {
        let status = poll(|| self.child.try_wait().unwrap());
        status.unwrap_or_else(|| panic!("minihost still runs {DEADLINE:?} after {what}; stderr:\n{}", self.stderr()))
    }

    /// Waits until `n` windows of this process are on screen (the main window and any menus).
    pub fn wait_windows(&self, n: usize, what: &str) {
        let pid = self.pid().to_string();
        let shown = poll(|| (windows(&["--pid", &pid]).len() >= n).then_some(()));
        shown.unwrap_or_else(|| panic!("no {what} within {DEADLINE:?}; stderr:\n{}", self.stderr()));
    }

    pub fn screenshot(&self) -> Screenshot {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("shot.png");
        let ok = Command::new("import")
            .args(["-window", &self.window()])
            .arg(&png)
            .status()
            .expect("import (ImageMagick)")
            .success();
        assert!(ok, "screenshot failed");
        Screenshot::load(&png)
    }

    /// Takes screenshots until one satisfies `pred` (the page may not have painted yet).
    pub fn screenshot_when(&self, what: &str, pred: impl Fn(&Screenshot) -> bool) -> Screenshot {
        let end = Instant::now() + DEADLINE;
        loop {
            let shot = self.screenshot();
            if pred(&shot) {
                return shot;
            }
            if Instant::now() > end {
                let kept = std::env::temp_dir().join("minihost-failed-shot.png");
                let _ = std::fs::copy(&shot.png, &kept);
                panic!("screen never showed {what}; last screenshot at {}", kept.display());
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }
}

/// A window screenshot as RGB pixels.
pub struct Screenshot {
    pub width: u32,
    pub height: u32,
    rgb: Vec<u8>,
    png: std::path::PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Screenshot {
    fn load(png: &Path) -> Screenshot {
        let dims = Command::new("convert")
            .arg(png)
            .args(["-format", "%w %h", "info:"])
            .output()
            .unwrap();
        let dims = String::from_utf8_lossy(&dims.stdout).to_string();
        let mut it = dims.split_whitespace().map(|n| n.parse::<u32>().unwrap());
        let (width, height) = (it.next().unwrap(), it.next().unwrap());
        let raw = Command::new("convert").arg(png).args(["-depth", "8", "rgb:-"]).output().unwrap();
        assert_eq!(raw.stdout.len(), (width * height * 3) as usize);
        let keep = tempfile::tempdir().unwrap();
        let kept = keep.path().join("shot.png");
        std::fs::copy(png, &kept).unwrap();
        Screenshot {
            width,
            height,
            rgb: raw.stdout,
            png: kept,
            _dir: Some(keep),
        }
    }

    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Rows from the top, at column `x`, whose colour is within `tol` of `rgb`.
    pub fn run_from_top(&self, x: u32, rgb: [u8; 3], tol: u8) -> u32 {
        (0..self.height).take_while(|&y| close(self.pixel(x, y), rgb, tol)).count() as u32
    }

    /// Bounding box (left, top, right, bottom; right/bottom exclusive) of pixels inside
    /// `area` that differ from `background` by more than `tol`.
    pub fn bbox_not(&self, area: (u32, u32, u32, u32), background: [u8; 3], tol: u8) -> Option<(u32, u32, u32, u32)> {
        let (l, t, r, b) = area;
        let mut bb: Option<(u32, u32, u32, u32)> = None;
        for y in t..b {
            for x in l..r {
                if !close(self.pixel(x, y), background, tol) {
                    bb = Some(match bb {
                        None => (x, y, x + 1, y + 1),
                        Some((a, c, d, e)) => (a.min(x), c.min(y), d.max(x + 1), e.max(y + 1)),
                    });
                }
            }
        }
        bb
    }

    /// Copies the PNG to `$MINIHOST_SCREENSHOTS/NAME.png` when that is set (README images).
    pub fn publish(&self, name: &str) {
        if let Some(dir) = std::env::var_os("MINIHOST_SCREENSHOTS") {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(&self.png, Path::new(&dir).join(format!("{name}.png"))).unwrap();
        }
    }
}

pub fn close(a: [u8; 3], b: [u8; 3], tol: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tol)
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

/// A form POST whose answer is JSON (the platform's token endpoint).
pub fn post_form(url: &str, form: &[(&str, &str)]) -> Value {
    reqwest::blocking::Client::new()
        .post(url)
        .form(form)
        .send()
        .unwrap()
        .json()
        .unwrap()
}
