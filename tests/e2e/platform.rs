use crate::harness::{fixture, serial, Collector, Host};
use serde_json::Value;
use std::process::{Command, Stdio};

/// `run --platform URL` uses a separately started `platform serve` on the same data dir:
/// a code minted in the window is exchanged and used at that server.
#[test]
fn run_against_an_external_platform_on_the_same_data_dir() {
    let _g = serial();
    let data = tempfile::tempdir().unwrap();
    let server = Command::new(env!("CARGO_BIN_EXE_minihost"))
        .args(["platform", "serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let server = Host::adopt(server);
    let url = server.stdout_line("platform listening on").to_owned();

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
