//! The sample drama with its server, as `minihost run` with no app starts them: the sample in
//! the real webview, the reference backend and the platform on loopback, webhooks between
//! them. A tour script, added to the unpacked sample, clicks the sample's own buttons and
//! reports what its page shows; the test answers the host's sheets with keys, as a viewer
//! would, and plays the platform's side (expiring tokens, revoking the grant).

use super::harness::{serial, Collector, Host};
use serde_json::{json, Value};
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

/// Unpacks the sample where `minihost run` keeps it, with the tour added, the collector
/// trusted and a 10-second rewarded ad.
fn unpack_sample_with_tour(data: &Path, collector: &Collector) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = data.join("cache").join(format!("sample-{}", env!("CARGO_PKG_VERSION")));
    copy_dir(&root.join("examples/mini-drama"), &dir);
    let tour = std::fs::read_to_string(root.join("tests/fixtures/sample-tour/tour.js")).unwrap();
    std::fs::write(dir.join("tour.js"), tour.replace("{{COLLECTOR}}", &collector.url)).unwrap();
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let html = html.replace(
        r#"<script src="app.js" defer></script>"#,
        r#"<script src="app.js" defer></script>
  <script src="tour.js" defer></script>"#,
    );
    assert!(html.contains("tour.js"), "the sample's index.html loads app.js deferred");
    std::fs::write(dir.join("index.html"), html).unwrap();
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("minis.config.json")).unwrap()).unwrap();
    config["domain"]["trustedDomains"]
        .as_array_mut()
        .unwrap()
        .push(json!(collector.url));
    config["dev"]["ads"] = json!({ "episode-unlock": { "durationSeconds": 10 } });
    std::fs::write(dir.join("minis.config.json"), config.to_string()).unwrap();
    std::fs::write(dir.join(".complete"), b"").unwrap();
}

/// Waits until the host has shown `n` sheets of `kind` that are ready for keys.
fn nth_sheet_ready(host: &Host, kind: &str, n: usize) {
    host.wait_events(&format!("{kind} sheets ready"), n, |e| {
        e["message"] == "sheet ready" && e["kind"] == kind
    });
}

fn post(url: &str, body: Value) -> Value {
    reqwest::blocking::Client::new()
        .post(url)
        .json(&body)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn the_sample_logs_in_links_authorizes_buys_and_unlocks_by_ad_with_its_server() {
    let _g = serial();
    let collector = Collector::start();
    let data = tempfile::tempdir().unwrap();
    unpack_sample_with_tour(data.path(), &collector);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_minihost"))
        .args(["run", "--log-format", "json", "--data-dir"])
        .arg(data.path())
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let host = Host::adopt(child);
    let backend = host.stdout_line("backend: ");
    assert!(backend.starts_with("http://127.0.0.1:"), "{backend}");
    assert!(backend.contains("/webhooks/tiktok"), "{backend}");
    let platform = host.platform_url();

    // Start: the silent login reaches the server, which knows no account for alice yet (404).
    let start = collector.wait("start", &host);
    assert_eq!(start["session"], "new", "{start}");
    // The offered link: register, link, signed in; after a reload the login signs straight in.
    let linked = collector.wait("linked", &host);
    assert_eq!(linked["session"], "signed-in", "{linked}");
    assert!(linked["log"].as_str().unwrap().contains("User associated."), "{linked}");
    let relogin = collector.wait("relogin", &host);
    assert_eq!(
        (&relogin["session"], &relogin["welcome"]),
        (&json!("signed-in"), &json!(false)),
        "{relogin}"
    );

    // "Me": authorize (the consent sheet, Return), the profile synced from /v2/user/info/.
    nth_sheet_ready(&host, "consent", 1);
    host.keys(&["Return"]);
    let profile = collector.wait("profile", &host);
    assert_eq!(profile["name"], "Alice Lin", "{profile}");

    // Buy EP 4: the pay sheet, Return, the platform's signed webhook, the unlock.
    nth_sheet_ready(&host, "pay", 1);
    host.keys(&["Return"]);
    let bought = collector.wait("bought", &host);
    assert_eq!(bought["ep4"], "true", "{bought}");
    host.wait_event("the webhook unlocked EP 4", |e| {
        e["message"] == "payment confirmed" && e["how"] == "webhook"
    });

    // A rewarded ad watched to the end unlocks EP 5; one closed early leaves EP 6 locked.
    let watched = collector.wait("ad-watched", &host);
    assert_eq!(watched["ep5"], "true", "{watched}");
    nth_sheet_ready(&host, "ad", 2);
    host.keys(&["Escape"]);
    let early = collector.wait("ad-early", &host);
    assert_eq!((&early["ep6"], &early["card"]), (&json!("false"), &json!(true)), "{early}");

    // The server's platform tokens expire: the next call makes the app log in again.
    let db = rusqlite::Connection::open(data.path().join("backend/backend.sqlite")).unwrap();
    let (access, refresh): (String, String) = db
        .query_row("SELECT access_token, refresh_token FROM tiktok_identities", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    for token in [access, refresh] {
        let r = post(&format!("{platform}/__admin/tokens/expire"), json!({ "token": token }));
        assert_eq!(r["expired"], true, "{r}");
    }
    collector.open_gate("expired");
    nth_sheet_ready(&host, "pay", 2);
    host.keys(&["Escape"]);
    let expired = collector.wait("expired", &host);
    assert_eq!(expired["ep6"], "false", "cancelled, still locked: {expired}");

    // The user revokes the app's access: the app authorizes again.
    let r = post(
        &format!("{platform}/__admin/grants/revoke"),
        json!({ "username": "alice", "client_key": "sample-drama" }),
    );
    assert!(r.is_object(), "{r}");
    collector.open_gate("revoked");
    nth_sheet_ready(&host, "consent", 2);
    host.keys(&["Return"]);
    nth_sheet_ready(&host, "pay", 3);
    host.keys(&["Escape"]);
    collector.wait("revoked", &host);

    let unlocks: Vec<(i64, String)> = db
        .prepare("SELECT episode, source FROM unlocks ORDER BY episode")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(unlocks, [(4, "purchase".to_string()), (5, "ad".to_string())]);
}
