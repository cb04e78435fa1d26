//! `MINIHOST_BRIDGE_COST=1`: where the host's time per bridge call goes. The bridge and the
//! shell add the time of each stage (envelope parse, platform read, the rest of dispatch, reply
//! render, handing the script to the webview); every [`REPORT_EVERY`] calls one line on target
//! `minihost::bridge::cost` gives the mean µs per call of each. Off, a stage costs one load.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

#[derive(Clone, Copy)]
pub enum Stage {
    /// `Envelope::parse`.
    Parse = 0,
    /// Reads from the platform (the grants behind `getLoginStatus`).
    Platform = 1,
    /// All of `Host::handle_message`, parse and platform included.
    Handle = 2,
    /// Effects to page script text.
    Render = 3,
    /// `evaluate_script` on the UI thread (the host's side of it).
    Evaluate = 4,
}

const STAGES: usize = 5;
const REPORT_EVERY: u64 = 2_000;
static NANOS: [AtomicU64; STAGES] = [const { AtomicU64::new(0) }; STAGES];
static CALLS: AtomicU64 = AtomicU64::new(0);

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("MINIHOST_BRIDGE_COST").is_some_and(|v| v != "0"))
}

/// A start time when cost accounting is on.
pub fn start() -> Option<Instant> {
    enabled().then(Instant::now)
}

pub fn add(stage: Stage, since: Option<Instant>) {
    if let Some(t) = since {
        NANOS[stage as usize].fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
}

/// One call done (counted by the shell after it handed the reply over).
pub fn call_done() {
    if !enabled() {
        return;
    }
    let n = CALLS.fetch_add(1, Ordering::Relaxed) + 1;
    if n % REPORT_EVERY == 0 {
        let us = |s: Stage| NANOS[s as usize].swap(0, Ordering::Relaxed) as f64 / 1000.0 / REPORT_EVERY as f64;
        let (parse, platform, handle, render, evaluate) = (
            us(Stage::Parse),
            us(Stage::Platform),
            us(Stage::Handle),
            us(Stage::Render),
            us(Stage::Evaluate),
        );
        tracing::info!(
            target: "minihost::bridge::cost",
            calls = REPORT_EVERY,
            parse_us = format!("{parse:.2}"),
            platform_us = format!("{platform:.2}"),
            dispatch_us = format!("{:.2}", handle - parse - platform),
            render_us = format!("{render:.2}"),
            evaluate_us = format!("{evaluate:.2}"),
            "bridge cost per call"
        );
    }
}
