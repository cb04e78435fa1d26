use crate::harness::{fixture, fixture_with, serial, Collector, Host};
use serde_json::{json, Value};
use std::process::{Command, Stdio};

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

/// With the platform over HTTP, page messages are handled off the UI thread: while the
/// platform holds `getLoginStatus`'s call, the window still takes a key press and switches the
/// theme, and the held call then completes.
#[test]
fn a_stalled_remote_platform_does_not_freeze_the_window() {
    let _g = serial();
    let data = tempfile::tempdir().unwrap();
    let (_server, url) = platform_server(data.path());
    let proxy = crate::support::StallingProxy::start(&url, minihost_platform_api::host_api::GRANTS);
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
