//! `minihost check`: the fixtures under tests/fixtures/check mark each line that must be
//! reported with `expect: RULE`; every other line must stay silent.

use minihost_devtools::check::{check_path, CheckOptions, Finding, Severity};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check")
}

/// `(file, line, rule)` for every `expect: RULE` marker in the files under `dir`.
fn expected(base: &Path, dir: &Path, out: &mut BTreeSet<(String, u32, String)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            expected(base, &p, out);
            continue;
        }
        if p.extension().is_some_and(|x| x == "map") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let file = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
        for (i, line) in text.lines().enumerate() {
            if let Some((_, rule)) = line.split_once("expect: ") {
                let rule: String = rule.chars().take_while(|c| c.is_ascii_lowercase() || *c == '-').collect();
                out.insert((file.clone(), i as u32 + 1, rule));
            }
        }
    }
}

fn got(findings: &[Finding]) -> BTreeSet<(String, u32, String)> {
    findings.iter().map(|f| (f.at.file.clone(), f.at.line, f.rule.to_owned())).collect()
}

#[test]
fn each_rule_reports_its_obfuscated_positives_and_none_of_the_look_alikes() {
    let dir = fixtures().join("js");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    assert!(files.len() >= 7);
    for f in files {
        let report = check_path(&f, &CheckOptions::default()).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let mut want = BTreeSet::new();
        for (i, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            if let Some((_, rule)) = line.split_once("expect: ") {
                want.insert((name.clone(), i as u32 + 1, rule.trim().to_owned()));
            }
        }
        if name.contains(".neg.") {
            assert!(want.is_empty());
        }
        assert_eq!(got(&report.findings), want, "{name}: {:#?}", report.findings);
    }
}

#[test]
fn a_project_is_checked_in_its_html_css_and_scripts_with_its_trusted_domains() {
    let app = fixtures().join("app");
    let report = check_path(&app, &CheckOptions::default()).unwrap();
    let mut want = BTreeSet::new();
    expected(&app, &app.join("dist"), &mut want);
    // The bundle built from src/original.js, found through its source map below.
    want.insert(("dist/assets/mapped.js".into(), 1, "no-eval".into()));
    assert_eq!(got(&report.findings), want, "{:#?}", report.findings);
    assert!(report.findings.iter().all(|f| f.severity == Severity::Error));
    // The same matcher as at run time: a look-alike host and plain http are not the origin.
    let look_alike = report
        .findings
        .iter()
        .find(|f| f.at.line == 8 && f.rule == "trusted-domains")
        .unwrap();
    assert_eq!(
        look_alike.hint,
        "add \"https://api.example.com.evil.example\" to domain.trustedDomains in minis.config.json"
    );
    // Inline scripts are placed in the HTML file.
    let inline = report
        .findings
        .iter()
        .find(|f| f.at.file == "dist/index.html" && f.rule == "no-eval")
        .unwrap();
    assert_eq!((inline.at.line, inline.at.column), (17, 7));
    assert!(
        inline.frame.contains("eval(\"boot()\")") && inline.frame.contains('^'),
        "{}",
        inline.frame
    );
}

#[test]
fn a_finding_in_a_minified_bundle_names_its_original_source_through_the_source_map() {
    let report = check_path(&fixtures().join("app"), &CheckOptions::default()).unwrap();
    let f = report.findings.iter().find(|f| f.at.file == "dist/assets/mapped.js").unwrap();
    assert_eq!(f.at.column, 80);
    let o = f.original.as_ref().expect("mapped to the original");
    assert_eq!((o.file.as_str(), o.line, o.column), ("src/original.js", 5, 10));
    assert!(f.original_frame.as_ref().unwrap().contains("return eval(greeting);"));
}

#[test]
fn a_parse_error_is_reported_and_the_other_files_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<script src=\"a.js\"></script>").unwrap();
    std::fs::write(dir.path().join("a.js"), "var x = ;\n").unwrap();
    std::fs::write(dir.path().join("b.js"), "\n\nsetTimeout('go()', 1);\n").unwrap();
    let r = check_path(dir.path(), &CheckOptions::default()).unwrap();
    let rules: Vec<(&str, &str, u32)> = r
        .findings
        .iter()
        .filter(|f| f.rule != "minis-config")
        .map(|f| (f.at.file.as_str(), f.rule, f.at.line))
        .collect();
    assert_eq!(rules, [("a.js", "parse-error", 1), ("b.js", "no-eval", 3)]);
}

fn project(config: &str, js: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dist")).unwrap();
    std::fs::write(dir.path().join("minis.config.json"), config).unwrap();
    std::fs::write(dir.path().join("dist/index.html"), "<script src=\"app.js\"></script>").unwrap();
    std::fs::write(dir.path().join("dist/app.js"), js).unwrap();
    dir
}

#[test]
fn the_required_integration_audit_warns_for_each_missing_capability() {
    let bare = project(
        r#"{"build":{"outputDir":"dist"},"domain":{"trustedDomains":[]}}"#,
        "console.log(1);",
    );
    let r = check_path(bare.path(), &CheckOptions::default()).unwrap();
    let audit: Vec<(&str, &str)> = r
        .findings
        .iter()
        .filter(|f| f.rule == "required-integration")
        .map(|f| (f.at.file.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(
        audit.iter().any(|(f, m)| m.contains("navbar") && *f == "minis.config.json"),
        "{audit:?}"
    );
    assert!(audit.iter().any(|(_, m)| m.contains("TTMinis.login")));
    assert!(audit.iter().any(|(_, m)| m.contains("createRewardedVideoAd")));
    assert!(r.findings.iter().all(|f| f.severity == Severity::Warning));
    let done = project(
        r##"{"navbar":{"bgColorLight":"#fff"},"build":{"outputDir":"dist"},"domain":{"trustedDomains":[]}}"##,
        "TTMinis.login(cb); TTMinis.createRewardedVideoAd({adUnitId: 'a'});",
    );
    assert!(check_path(done.path(), &CheckOptions::default()).unwrap().findings.is_empty());
}

#[test]
fn allowed_rules_come_from_the_flag_and_from_dev_check_allow() {
    let dir = project(
        r#"{"dev":{"checkAllow":["no-eval"]},"build":{"outputDir":"dist"},"domain":{"trustedDomains":[]}}"#,
        "eval('x'); navigator.vibrate(1); TTMinis.login(cb); TTMinis.createRewardedVideoAd({});",
    );
    let r = check_path(dir.path(), &CheckOptions::default()).unwrap();
    let rules: BTreeSet<&str> = r.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, BTreeSet::from(["blocked-apis", "required-integration"]));
    assert_eq!(r.allowed, [("no-eval".to_owned(), 1)]);
    let r = check_path(
        dir.path(),
        &CheckOptions {
            allow: vec!["blocked-apis".into()],
        },
    )
    .unwrap();
    assert!(r.findings.iter().all(|f| f.rule == "required-integration"));
    assert!(check_path(
        dir.path(),
        &CheckOptions {
            allow: vec!["nope".into()]
        }
    )
    .is_err());
    // A rule name the config gets wrong is a config error with its position.
    let bad = project(r#"{"dev":{"checkAllow":["no-evil"]}}"#, "1");
    let r = check_path(bad.path(), &CheckOptions::default()).unwrap();
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "minis-config" && f.severity == Severity::Error)
        .unwrap();
    assert_eq!((f.at.file.as_str(), f.at.line, f.at.column), ("minis.config.json", 1, 23));
    assert!(f.message.starts_with("dev.checkAllow[0]: `no-evil` is not a rule"), "{}", f.message);
}

fn minihost(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_minihost")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn one_file_is_checked_with_its_projects_trusted_domains() {
    let app = fixtures().join("app");
    let one = check_path(&app.join("dist/assets/app.js"), &CheckOptions::default()).unwrap();
    let whole = check_path(&app, &CheckOptions::default()).unwrap();
    let of_file = |r: &minihost_devtools::check::Report, file: &str| -> Vec<(u32, String)> {
        let mut v: Vec<(u32, String)> = r
            .findings
            .iter()
            .filter(|f| f.at.file.ends_with(file))
            .map(|f| (f.at.line, f.rule.to_owned()))
            .collect();
        v.sort();
        v
    };
    // The same findings as in the project's run: its trusted origins are not reported.
    assert!(!of_file(&whole, "assets/app.js").is_empty());
    assert_eq!(of_file(&one, "app.js"), of_file(&whole, "assets/app.js"));
}

#[test]
fn sarif_and_json_on_stdout_and_a_failing_exit_code_on_errors() {
    let app = fixtures().join("app");
    let (code, out) = minihost(&["check", app.to_str().unwrap(), "--format", "sarif"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    // Every finding of the project, each once.
    let findings = check_path(&app, &CheckOptions::default()).unwrap().findings;
    assert_eq!(results.len(), findings.len());
    let r = results.iter().find(|r| r["ruleId"] == "no-iframes").unwrap();
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "dist/index.html");
    assert_eq!(loc["region"]["startLine"], 14);
    assert_eq!(loc["region"]["startColumn"], 3);
    let rule_ids: Vec<&str> = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rule_ids.contains(&"no-eval") && rule_ids.contains(&"trusted-domains"));

    let (code, out) = minihost(&["check", app.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["errors"], findings.len());
    assert_eq!(v["findings"][0]["file"], "dist/assets/app.css");

    let (code, out) = minihost(&["check", fixtures().join("js/no-eval.neg.js").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

/// Real bundles from npm (installed by scripts/setup into tests/fixtures/check/bundles).
/// Every finding is listed with why it is true.
#[test]
fn real_third_party_bundles_are_checked_without_a_crash_and_every_finding_is_true() {
    let modules = fixtures().join("bundles/node_modules");
    assert!(
        modules.join("hls.js/dist/hls.min.js").is_file(),
        "run scripts/setup: it installs the bundles into {}",
        modules.display()
    );
    let cases: &[(&str, &[(u32, &str)])] = &[
        ("hls.js/dist/hls.min.js", &[]),
        ("hls.js/dist/hls.js", &[]),
        ("hls.js/dist/hls.mjs", &[]),
        ("hls.js/dist/hls.light.min.js", &[]),
        ("hls.js/dist/hls.worker.js", &[]),
        // `Function('return this')()` to find the global object: the Function constructor, as
        // written. In a browser `freeSelf` is truthy first, so CSP never sees it run.
        ("lodash/lodash.js", &[(436, "no-eval")]),
        ("lodash/lodash.min.js", &[(22, "no-eval")]),
        ("axios/dist/axios.min.js", &[]),
        ("axios/dist/esm/axios.js", &[]),
    ];
    for (file, want) in cases {
        let r = check_path(&modules.join(file), &CheckOptions::default()).unwrap();
        let have: Vec<(u32, &str)> = r.findings.iter().map(|f| (f.at.line, f.rule)).collect();
        assert_eq!(&have, want, "{file}: {:#?}", r.findings);
    }
}
