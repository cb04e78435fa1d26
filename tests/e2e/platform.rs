use crate::harness::{fixture, fixture_with, serial, Collector, Host};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

fn platform_server(data: &std::path::Path) -> (Host, String) {
    let server = Command::new(env!("CARGO_BIN_EXE_minihost"))
        .args(["platform", "serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let server = Host::adopt(server);
    let url = server.stdout_line("platform listening on").to_owned();
    (server, url)
}

/// `run --platform URL` uses a separately started `platform serve` on the same data dir:
/// a code minted in the window is exchanged and used at that server.
#[test]
fn run_against_an_external_platform_on_the_same_data_dir() {
    let _g = serial();
    let data = tempfile::tempdir().unwrap();
    let (_server, url) = platform_server(data.path());

    let collector = Collector::start();
    let app = fixture("sdk", &collector);
    let host = Host::start_in(&app.path().join("build"), data.path(), &["--platform", &url]);
    assert_eq!(host.platform_url(), url, "run reports the external platform");
    let r = collector.wait("sdk", &host);
    let code = r["loginObject"]["success"]["code"].as_str().unwrap();

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let secret = host.client_secret();
    let (token, user): (Value, Value) = rt.block_on(async {
        let c = reqwest::Client::new();
        let form = [
            ("client_key", "e2e-sdk"),
            ("client_secret", secret.as_str()),
            ("code", code),
            ("grant_type", "authorization_code"),
        ];
        let token: Value = c
            .post(format!("{url}/v2/oauth/token/"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let access = token["access_token"].as_str().unwrap_or_default().to_owned();
        let user = c
            .get(format!("{url}/v2/user/info/?fields=open_id,union_id"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (token, user)
    });
    assert_eq!(token["scope"], "user.info.open_id", "{token}");
    assert_eq!(user["data"]["user"]["open_id"], token["open_id"], "{user}");
    assert_eq!(user["error"]["code"], "ok");
}

/// A TCP proxy in front of a platform server that holds the first request naming `path`
/// until the test releases it: a platform that stalls mid-call.
struct StallingProxy {
    url: String,
    /// (holding the request now, released)
    state: Arc<(Mutex<(bool, bool)>, Condvar)>,
}

impl StallingProxy {
    fn start(upstream: &str, path: &'static str) -> StallingProxy {
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

    fn wait_holding(&self) {
        let (lock, cv) = &*self.state;
        let (st, timeout) = cv
            .wait_timeout_while(lock.lock().unwrap(), Duration::from_secs(60), |st| !st.0)
            .unwrap();
        assert!(!timeout.timed_out() && st.0, "no request was held within 60 s");
    }

    fn holding(&self) -> bool {
        self.state.0.lock().unwrap().0
    }

    fn release(&self) {
        let (lock, cv) = &*self.state;
        lock.lock().unwrap().1 = true;
        cv.notify_all();
    }
}

/// With the platform over HTTP, page messages are handled off the UI thread: while the
/// platform holds `getLoginStatus`'s call, the window still takes a key press and switches the
/// theme, and the held call then completes.
#[test]
fn a_stalled_remote_platform_does_not_freeze_the_window() {
    let _g = serial();
    let data = tempfile::tempdir().unwrap();
    let (_server, url) = platform_server(data.path());
    let proxy = StallingProxy::start(&url, minihost::platform::host_api::GRANTS);
    let collector = Collector::start();
    let app = fixture_with("chrome", &collector, &[("NAVBAR_STYLE", "default")]);
    let build = app.path().join("build");
    std::fs::write(build.join("scenario.json"), json!({ "names": ["geometry", "status"] }).to_string()).unwrap();
    let host = Host::start_in(&build, data.path(), &["--platform", &proxy.url]);
    let geometry = collector.wait("geometry", &host);
    assert_eq!(geometry["dark"], false);
    proxy.wait_holding();

    host.keys(&["ctrl+shift+d"]);
    let change = collector.wait("theme-change", &host);
    assert_eq!(change["dark"], true, "the theme switched");
    assert!(proxy.holding(), "the platform call was still held while the window answered");

    proxy.release();
    let status = collector.wait("status", &host);
    assert_eq!(
        status["status"], "not_authorized",
        "the held call completed with the platform's answer: {status}"
    );
}
