//! The `minihost-backend` binary: it serves on the address it is given and says where, and a
//! missing credential is named.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn serve_prints_where_it_listens_and_answers() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_minihost-backend"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--platform",
            "http://127.0.0.1:9",
            "--client-key",
            "k",
            "--client-secret",
            "s",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line
        .strip_prefix("backend listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_string();
    assert!(line.contains(&format!("{url}/webhooks/tiktok")), "{line}");
    let health = reqwest::blocking::get(format!("{url}/api/health")).map(|r| r.text());
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(health.unwrap().unwrap(), "ok");
    assert!(data.path().join(minihost_backend::store::DB_FILE).exists());
}

#[test]
fn a_missing_client_secret_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_minihost-backend"))
        .args(["serve", "--client-key", "k"])
        .env_remove("TIKTOK_CLIENT_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--client-secret"), "{err}");
}
