//! `minihost dev` in the real webview: pages from a real local dev server (Python's
//! http.server, started after the host to show it connects when the server comes up), under
//! the same policy as `run`; the blocked fetch carries the rule name `check` reports.

use crate::harness::{field, serial, Collector, Host};
use serde_json::Value;
use std::process::{Command, Stdio};

const PAGE: &str = r#"<!doctype html>
<html><head>
<script src="https://connect.tiktok-minis.com/drama/sdk.js"></script>
</head><body><script>
(async () => {
  const r = { origin: location.origin, sdk: typeof TTMinis };
  try { await fetch("https://untrusted.example/collect"); r.untrusted = "ok"; } catch (e) { r.untrusted = e.name; }
  await fetch("{{COLLECTOR}}/result/dev", { method: "POST", body: JSON.stringify(r) });
})();
</script></body></html>
"#;

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The project's config: its dev server on loopback `port`, the collector trusted.
fn write_config(dir: &std::path::Path, client_key: &str, port: u16, collector: &Collector) {
    std::fs::write(
        dir.join("minis.config.json"),
        format!(
            r#"{{"dev":{{"clientKey":"{client_key}","host":"127.0.0.1","port":{port}}},"domain":{{"trustedDomains":["{}"]}}}}"#,
            collector.url
        ),
    )
    .unwrap();
}

/// `minihost dev DIR` with JSON logs.
fn start_dev(dir: &std::path::Path, data: &std::path::Path) -> Host {
    let child = Command::new(env!("CARGO_BIN_EXE_minihost"))
        .arg("dev")
        .arg(dir)
        .arg("--data-dir")
        .arg(data)
        .args(["--log-format", "json"])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Host::adopt(child)
}

#[test]
fn dev_runs_pages_from_the_dev_server_under_the_app_policy() {
    let _g = serial();
    let collector = Collector::start();
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    std::fs::create_dir(&www).unwrap();
    std::fs::write(www.join("index.html"), PAGE.replace("{{COLLECTOR}}", &collector.url)).unwrap();
    let port = free_port();
    write_config(dir.path(), "e2e-dev", port, &collector);

    // The static check of the same page names the fetch's rule.
    let report = minihost_devtools::check::check_path(dir.path(), &Default::default()).unwrap();
    let static_rules: Vec<(&str, u32)> = report
        .findings
        .iter()
        .filter(|f| f.severity == minihost_devtools::check::Severity::Error)
        .map(|f| (f.rule, f.at.line))
        .collect();
    assert_eq!(static_rules, [("trusted-domains", 7)], "{:#?}", report.findings);

    let data = tempfile::tempdir().unwrap();
    let host = start_dev(dir.path(), data.path());
    // Down at first: said so, with how to start it.
    host.wait_stderr("is not answering; start it with");
    let server = Server(
        Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
            .arg(&www)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3"),
    );

    let r = collector.wait("dev", &host);
    assert_eq!(r["origin"], "minihost://app", "served through the app origin: {r}");
    assert_eq!(r["sdk"], "object", "the SDK URL was answered by the host: {r}");
    assert_eq!(r["untrusted"], "TypeError", "{r}");
    let blocked = host.wait_event("CSP connect-src untrusted.example", |e: &Value| {
        field(e, "message") == "CSP violation" && field(e, "blocked_url").contains("untrusted.example")
    });
    assert_eq!(field(&blocked, "rule"), static_rules[0].0, "{blocked}");
    drop(server);
}

const HMR_PAGE: &str = r#"<!doctype html>
<html><head>
<script src="https://connect.tiktok-minis.com/drama/sdk.js"></script>
</head><body><script>
const ws = new WebSocket("ws://127.0.0.1:{{PORT}}/hmr");
ws.onmessage = (m) => { fetch("{{COLLECTOR}}/result/hmr", { method: "POST", body: JSON.stringify({ message: m.data }) }); ws.close(); };
ws.onerror = () => fetch("{{COLLECTOR}}/result/hmr", { method: "POST", body: JSON.stringify({ error: "websocket failed" }) });
</script></body></html>
"#;

#[test]
fn the_dev_servers_hmr_websocket_reaches_the_page() {
    let _g = serial();
    let collector = Collector::start();
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    std::fs::create_dir(&www).unwrap();
    let port = free_port();
    std::fs::write(
        www.join("index.html"),
        HMR_PAGE
            .replace("{{COLLECTOR}}", &collector.url)
            .replace("{{PORT}}", &port.to_string()),
    )
    .unwrap();
    write_config(dir.path(), "e2e-hmr", port, &collector);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dev/hmr_server.py");
    let _server = Server(
        Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(&www)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3"),
    );
    let data = tempfile::tempdir().unwrap();
    let host = start_dev(dir.path(), data.path());
    let r = collector.wait("hmr", &host);
    assert_eq!(
        r["message"], r#"{"type":"update"}"#,
        "the HMR channel of the dev server is open to the page: {r}"
    );
}
