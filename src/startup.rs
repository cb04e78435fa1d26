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

/// The phases, in the order a start goes through them.
/// `platform opened` and `platform server bound` are the embedded platform's.
pub const PHASES: [&str; 15] = [
    "arguments parsed",
    "app resolved",
    "platform opened",
    "platform server bound",
    "platform ready",
    "media server bound",
    "host ready",
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
    seen.push(name);
    let ms = START.get().map_or(0.0, |t| t.elapsed().as_secs_f64() * 1000.0);
    let unix_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
        * 1000.0;
    tracing::info!(target: "minihost::startup", phase = name, ms = format!("{ms:.1}"), unix_ms = format!("{unix_ms:.1}"), "startup phase");
}
