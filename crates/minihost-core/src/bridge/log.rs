//! `--log-bridge FILE`: every message in and every effect out, one JSON object per line,
//! for debugging and later replay.

use super::Effect;
use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// Messages longer than this are logged truncated.
const MAX_LOGGED: usize = 64 * 1024;

pub struct BridgeLog {
    out: Mutex<BufWriter<File>>,
    start: Instant,
}

impl BridgeLog {
    pub fn create(path: &Path) -> std::io::Result<BridgeLog> {
        Ok(BridgeLog {
            out: Mutex::new(BufWriter::new(File::create(path)?)),
            start: Instant::now(),
        })
    }

    fn write(&self, line: serde_json::Value) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        // Logging must never break the bridge; a full disk loses log lines only.
        let written = serde_json::to_writer(&mut *out, &line)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out))
            .and_then(|_| out.flush());
        if let Err(e) = written {
            tracing::warn!(target: "minihost::bridge", "bridge log write failed: {e}");
        }
    }

    fn ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    pub(super) fn incoming(&self, page: &str, raw: &str) {
        let msg = match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(v) if raw.len() <= MAX_LOGGED => v,
            _ => json!({ "raw": raw.chars().take(MAX_LOGGED).collect::<String>(), "bytes": raw.len() }),
        };
        self.write(json!({ "t": self.ms(), "dir": "in", "page": page, "msg": msg }));
    }

    pub(super) fn effects(&self, effects: &[Effect]) {
        for e in effects {
            let mut line = e.to_json();
            line["t"] = json!(self.ms());
            line["dir"] = json!("out");
            self.write(line);
        }
    }
}
