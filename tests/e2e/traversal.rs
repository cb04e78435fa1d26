use crate::harness::{fixture, serial, Collector, Host};

/// (d) Nothing outside the build output is served, however the path is spelled.
#[test]
fn traversal_attempts_are_refused() {
    let _g = serial();
    let collector = Collector::start();
    let app = fixture("traversal", &collector);
    let build = app.path().join("build");
    std::fs::write(app.path().join("secret.txt"), "TOP-SECRET").unwrap();
    std::fs::create_dir(app.path().join("outside")).unwrap();
    std::fs::write(app.path().join("outside/secret.txt"), "TOP-SECRET").unwrap();
    std::os::unix::fs::symlink(app.path().join("secret.txt"), build.join("escape.txt")).unwrap();
    std::os::unix::fs::symlink(app.path().join("outside"), build.join("escape-dir")).unwrap();
    let host = Host::start(&build, &[]);
    let r = collector.wait("traversal", &host);

    for attempt in r.as_array().unwrap() {
        let path = attempt["path"].as_str().unwrap();
        assert!(
            !attempt["body"].as_str().unwrap_or("").contains("TOP-SECRET"),
            "{path} leaked the secret: {attempt}"
        );
        if path == "inside.txt" {
            assert_eq!(attempt["status"], 200, "{attempt}");
            continue;
        }
        let status = attempt["status"].as_u64().unwrap_or(0);
        assert!(
            status == 403 || status == 404 || attempt.get("error").is_some(),
            "{path}: {attempt}"
        );
    }
    let by_path = |p: &str| r.as_array().unwrap().iter().find(|a| a["path"] == p).unwrap().clone();
    assert_eq!(by_path("escape.txt")["status"], 403, "symlink out of the build is forbidden");
    assert_eq!(by_path("escape-dir/secret.txt")["status"], 403);
    assert_eq!(
        by_path("..%2fsecret.txt")["status"],
        403,
        "encoded separators are refused, not normalised"
    );
}
