//! What the integration test binaries share (each includes this file as `mod support;`): a
//! `minihost platform serve` process, the code exchange an app's server makes, and driving a
//! `Host` with page messages.
#![allow(dead_code)]

use minihost_core::shell_api::Host;
use minihost_core::shell_api::{Effect, Reply};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::Duration;

/// `minihost platform serve` on a free loopback port, its base URL read from its first line.
/// Its later stdout lines are kept (the server never blocks on a full pipe).
pub struct Served {
    child: std::sync::Mutex<Child>,
    pub url: String,
    lines: mpsc::Receiver<String>,
}

pub fn serve(data: &Path, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_minihost"))
        .args(["platform", "serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("platform listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_string();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    Served {
        child: std::sync::Mutex::new(child),
        url,
        lines,
    }
}

impl Served {
    /// The next stdout line, or `None` once the server has said nothing for 30 s.
    pub fn next_line(&self) -> Option<String> {
        self.lines.recv_timeout(Duration::from_secs(30)).ok()
    }

    /// SIGKILL, and reap.
    pub fn kill(&self) {
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The app's server: exchanges an authorization code at `/v2/oauth/token/`.
pub fn exchange(base: &str, client_key: &str, secret: &str, code: &str) -> Value {
    reqwest::blocking::Client::new()
        .post(format!("{base}/v2/oauth/token/"))
        .form(&[
            ("client_key", client_key),
            ("client_secret", secret),
            ("code", code),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap()
}

/// The page every facade test speaks from.
pub const PAGE: &str = "minihost://app/index.html";

/// A page call `{id, method, params}`.
pub fn call(host: &Host, id: u64, method: &str, params: Value) -> Vec<Effect> {
    host.handle_message(PAGE, &json!({"id": id, "method": method, "params": params}).to_string())
}

/// The one reply in `effects`, which must be for `id`: its result, or `(error_code, error_msg)`.
pub fn reply(effects: &[Effect], id: u64) -> Result<Value, (u32, String)> {
    let replies: Vec<&Reply> = effects
        .iter()
        .filter_map(|e| if let Effect::Reply(r) = e { Some(r) } else { None })
        .collect();
    assert_eq!(replies.len(), 1, "one reply expected in {effects:?}");
    assert_eq!(replies[0].id, Some(json!(id)));
    replies[0].result.clone().map_err(|e| (e.code(), e.error_msg))
}

/// A TCP proxy in front of a platform server that holds every request naming `path` until the
/// test releases it: a platform that stalls mid-call.
pub struct StallingProxy {
    pub url: String,
    /// (holding the request now, released)
    state: Arc<(Mutex<(bool, bool)>, Condvar)>,
}

impl StallingProxy {
    pub fn start(upstream: &str, path: &'static str) -> StallingProxy {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state: Arc<(Mutex<(bool, bool)>, Condvar)> = Arc::default();
        let s = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                let server = TcpStream::connect(&upstream).unwrap();
                let (mut from_server, mut to_client) = (server.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || std::io::copy(&mut from_server, &mut to_client));
                let (mut from_client, mut to_server, s) = (client, server, s.clone());
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n @ 1..) = from_client.read(&mut buf) {
                        let names = buf[..n].windows(path.len()).any(|w| w == path.as_bytes());
                        let (lock, cv) = &*s;
                        let mut st = lock.lock().unwrap();
                        if names && !st.1 {
                            st.0 = true;
                            cv.notify_all();
                            st = cv.wait_while(st, |st| !st.1).unwrap();
                            st.0 = false;
                        }
                        drop(st);
                        if to_server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        StallingProxy { url, state }
    }

    pub fn wait_holding(&self) {
        let (lock, cv) = &*self.state;
        let (st, timeout) = cv
            .wait_timeout_while(lock.lock().unwrap(), Duration::from_secs(60), |st| !st.0)
            .unwrap();
        assert!(!timeout.timed_out() && st.0, "no request was held within 60 s");
    }

    pub fn holding(&self) -> bool {
        self.state.0.lock().unwrap().0
    }

    pub fn release(&self) {
        let (lock, cv) = &*self.state;
        lock.lock().unwrap().1 = true;
        cv.notify_all();
    }
}
