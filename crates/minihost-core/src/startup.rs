//! `minihost run --trace-startup`: each phase of the start path, logged once with its time
//! since `main` was entered (`target: minihost::startup`, fields `phase`, `ms`, and `unix_ms`,
//! the wall clock, which bench/run compares with its spawn time and bare wry's phases).
//! Costs one atomic load per phase when off.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static ENABLED: AtomicBool = AtomicBool::new(false);
static SEEN: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Logged with the first phase, back-dated to [`begin`].
pub const MAIN_ENTERED: &str = "main entered";

/// The phases, in the order a start goes through them.
/// `platform opened` and `platform server bound` are the embedded platform's.
/// `host ready` and `display checked` overlap: the host starts on a thread while GTK
/// connects to the display.
pub const PHASES: [&str; 18] = [
    MAIN_ENTERED,
    "arguments parsed",
    "app resolved",
    "platform opened",
    "platform server bound",
    "platform ready",
    "media server bound",
    "host ready",
    "display checked",
    "event loop built",
    "window created",
    "webview created",
    "chrome built",
    "first asset served",
    "SDK served",
    "TTMinis.init received",
    "page loaded",
    "first reply delivered",
];

/// Marks process start; call first thing in `main`.
pub fn begin() {
    START.get_or_init(Instant::now);
}

/// Turns phase logging on (`--trace-startup`).
pub fn enable() {
    begin();
    ENABLED.store(true, Ordering::Relaxed);
}

/// Logs `name` the first time it is reached.
pub fn phase(name: &'static str) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    if seen.contains(&name) {
        return;
    }
    let ms = START.get().map_or(0.0, |t| t.elapsed().as_secs_f64() * 1000.0);
    let unix_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
        * 1000.0;
    if seen.is_empty() {
        // Where bare wry's trace starts, so the two line up from process start.
        log(MAIN_ENTERED, 0.0, unix_ms - ms);
    }
    seen.push(name);
    log(name, ms, unix_ms);
}

fn log(name: &str, ms: f64, unix_ms: f64) {
    tracing::info!(target: "minihost::startup", phase = name, ms = format!("{ms:.1}"), unix_ms = format!("{unix_ms:.1}"), "startup phase");
}
