//! `minihost init` on a Vite project, a Create React App project and a plain folder; a second
//! run changes nothing; a broken config is reported with its position and left untouched.

use std::path::{Path, PathBuf};
use std::process::Command;

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/init").join(name), &dir);
    (tmp, dir)
}

fn init(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_minihost"))
        .arg("init")
        .arg(dir)
        .args(extra)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn config(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("minis.config.json")).unwrap()).unwrap()
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn vite_project_gets_dist_and_its_root_index_html() {
    let (_t, dir) = fixture("vite");
    let before = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let (code, out, err) = init(&dir, &["--client-key", "ck_vite", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let c = config(&dir);
    assert_eq!(c["build"]["outputDir"], "dist");
    assert_eq!(c["build"]["htmlEntry"], "index.html");
    assert_eq!(c["dev"]["port"], 5173);
    assert_eq!(c["dev"]["clientKey"], "ck_vite");
    assert_eq!(c["dev"]["name"], "vite-drama");
    assert_eq!(c["navbar"]["bgColorLight"], "#ffffff");
    assert!(c["domain"]["trustedDomains"].as_array().unwrap().is_empty());
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let head = "  <head>\n";
    let injected = "    <script src=\"https://connect.tiktok-minis.com/drama/sdk.js\"></script>\n    <script>\n      TTMinis.init({ clientKey: \"ck_vite\" });\n    </script>\n    <script src=\"https://connect.tiktok-minis.com/libs/eruda.js\"></script>\n    <script>\n      eruda.init();\n    </script>\n";
    assert_eq!(html, before.replacen(head, &format!("{head}{injected}"), 1));
    // The config it wrote is one the host accepts.
    minihost_core::config::AppConfig::load(&dir.join("minis.config.json")).unwrap();
}

#[test]
fn cra_project_gets_build_and_public_index_html_with_crlf_and_tabs_kept() {
    let (_t, dir) = fixture("cra");
    let (code, out, err) = init(&dir, &["--yes", "--no-console"]);
    assert_eq!(code, 0, "{out}{err}");
    let c = config(&dir);
    assert_eq!(c["build"]["outputDir"], "build");
    assert_eq!(c["build"]["htmlEntry"], "public/index.html");
    assert_eq!(c["dev"]["clientKey"], "your-client-key");
    assert!(out.contains("replace \"your-client-key\""), "{out}");
    let html = std::fs::read_to_string(dir.join("public/index.html")).unwrap();
    assert!(html.contains("\t<head>\r\n\t\t<script src=\"https://connect.tiktok-minis.com/drama/sdk.js\"></script>\r\n\t\t<script>\r\n\t\t\tTTMinis.init({ clientKey: \"your-client-key\" });\r\n\t\t</script>\r\n\t\t<meta charset"), "{html:?}");
    assert!(!html.contains("eruda"));
    assert_eq!(
        html.matches('\n').count(),
        html.matches("\r\n").count(),
        "every line ending stays CRLF"
    );
}

#[test]
fn plain_folder_is_its_own_output_and_a_second_run_changes_nothing() {
    let (_t, dir) = fixture("plain");
    let (code, out, err) = init(&dir, &["--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let c = config(&dir);
    assert_eq!(c["build"]["outputDir"], ".");
    assert_eq!(c["build"]["htmlEntry"], "index.html");
    let once = snapshot(&dir);
    let (code, out, _) = init(&dir, &["--yes", "--client-key", "other"]);
    assert_eq!(code, 0);
    assert!(out.contains("left unchanged"), "{out}");
    assert_eq!(snapshot(&dir), once, "byte-identical after the second run");
    // The plain folder runs as it is: the host resolves it to itself.
    let app = minihost_core::app::App::resolve(&dir).unwrap();
    assert_eq!(app.root.canonicalize().unwrap(), dir.canonicalize().unwrap());
}

#[test]
fn a_broken_config_is_reported_with_its_position_and_left_untouched() {
    let (_t, dir) = fixture("broken");
    let before = snapshot(&dir);
    let (code, _, err) = init(&dir, &["--yes"]);
    assert_eq!(code, 1);
    let file = dir.join("minis.config.json");
    assert!(err.starts_with(&format!("{}:8:1: error: invalid JSON", file.display())), "{err}");
    assert_eq!(snapshot(&dir), before);
}
