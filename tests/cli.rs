//! The command line without a window: errors that name their cause, and listings.

use std::process::Command;

fn minihost(args: &[&str]) -> (i32, String, String) {
    // RUST_BACKTRACE is set so that a backtrace leaking into user-facing errors would show.
    let out = Command::new(env!("CARGO_BIN_EXE_minihost"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_config_fails_with_file_line_column_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>x</p>").unwrap();
    std::fs::write(
        dir.path().join("minis.config.json"),
        "{\n  \"navbar\": { \"bgColorDark\": \"dark\" },\n  \"domain\": { \"trustedDomains\": [\"https://*.example.com\"] }\n}\n",
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let (code, _, err) = minihost(&["run", dir.path().to_str().unwrap(), "--data-dir", data.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(!err.contains("backtrace"), "{err}");
    let file = dir.path().join("minis.config.json");
    assert!(
        err.contains(&format!(
            "{}:2:30: error: navbar.bgColorDark: `dark` is not a hex colour",
            file.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{}:3:34: error: domain.trustedDomains[0]: `https://*.example.com` contains a wildcard",
            file.display()
        )),
        "{err}"
    );
}

#[test]
fn missing_build_output_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("minis.config.json"), r#"{"build": {"outputDir": "dist"}}"#).unwrap();
    let (code, _, err) = minihost(&["run", dir.path().to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("dist") && err.contains("build the app first"), "{err}");
}

#[test]
fn unknown_device_and_user_are_named() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path().to_str().unwrap();
    let (code, _, err) = minihost(&["run", "--data-dir", d, "--device", "nokia-3310"]);
    assert_ne!(code, 0);
    assert!(err.contains("unknown device `nokia-3310`") && err.contains("iphone-14"), "{err}");
    let (code, _, err) = minihost(&["run", "--data-dir", d, "--user", "mallory"]);
    assert_ne!(code, 0);
    assert!(err.contains("no test user `mallory`") && err.contains("alice"), "{err}");
}

#[test]
fn devices_lists_every_profile() {
    let (code, out, _) = minihost(&["devices"]);
    assert_eq!(code, 0);
    for id in [
        "iphone-se",
        "iphone-14",
        "iphone-15-pro",
        "iphone-15-pro-max",
        "pixel-7",
        "android-small",
    ] {
        assert!(out.lines().any(|l| l.starts_with(id)), "{id} missing:\n{out}");
    }
    assert!(out.contains("299,62,386,94"), "capsule of iPhone 15 Pro:\n{out}");
}

#[test]
fn help_describes_run() {
    let (code, out, _) = minihost(&["run", "--help"]);
    assert_eq!(code, 0);
    for flag in [
        "--user",
        "--signed-out",
        "--data-dir",
        "--log-bridge",
        "--device",
        "--theme",
        "--consent",
        "--platform",
    ] {
        assert!(out.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn unusable_data_dir_is_named_with_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let data = file.join("data");
    let (code, _, err) = minihost(&["platform", "serve", "--data-dir", data.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!("error: cannot create data dir {}: ", data.display())),
        "{err}"
    );
    assert_eq!(err.matches("(os error").count(), 1, "{err}");
    assert!(!err.contains("backtrace"), "{err}");
}

#[test]
fn explain_prints_each_rule_the_logs_name() {
    let (code, out, _) = minihost(&["explain"]);
    assert_eq!(code, 0);
    for rule in minihost_core::rules::RULES {
        assert!(out.lines().any(|l| l.starts_with(rule.name)), "{} missing:\n{out}", rule.name);
        let (code, text, _) = minihost(&["explain", rule.name]);
        assert_eq!(code, 0);
        assert!(text.starts_with(&format!("{}: {}", rule.name, rule.summary)), "{text}");
        assert!(text.contains(rule.fix), "{text}");
    }
    let (code, _, err) = minihost(&["explain", "no-such-rule"]);
    assert_eq!(code, 1);
    assert!(err.contains("no rule `no-such-rule`") && err.contains("trusted-domains"), "{err}");
}

#[test]
fn a_vite_source_root_says_to_build_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("minis.config.json"), r#"{"build":{"outputDir":"dist"}}"#).unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        r#"<script type="module" src="/src/main.tsx"></script>"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("package.json"), r#"{"name":"d","scripts":{"build":"vite build"}}"#).unwrap();
    let data = tempfile::tempdir().unwrap();
    let (code, _, err) = minihost(&["run", dir.path().to_str().unwrap(), "--data-dir", data.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("/src/main.tsx") && err.contains("run `npm run build` first"), "{err}");
}

#[test]
fn run_without_a_display_says_how_to_get_one() {
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("minis.config.json"), "{}").unwrap();
    std::fs::write(app.path().join("index.html"), "<p>x</p>").unwrap();
    let data = tempfile::tempdir().unwrap();
    for display in [None, Some(":4242")] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_minihost"));
        cmd.args(["run", app.path().to_str().unwrap(), "--data-dir", data.path().to_str().unwrap()])
            .env("RUST_BACKTRACE", "1")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DISPLAY");
        if let Some(d) = display {
            cmd.env("DISPLAY", d);
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{display:?}: {err}");
        assert!(err.starts_with("error: no display"), "{display:?}: {err}");
        assert!(err.contains("DISPLAY") && err.contains("xvfb-run"), "{err}");
        assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
        if let Some(d) = display {
            assert!(err.contains(&format!("DISPLAY={d}")), "names the display it tried: {err}");
        }
    }
}
