use crate::harness::{fixture, serial, Collector, Host};
use serde_json::{json, Value};

/// (a) The SDK URL loads offline; init, login, getLoginStatus and canIUse work in both
/// callback styles; the login code is exchangeable at the embedded platform's token endpoint.
#[test]
fn sdk_url_loads_and_both_callback_styles_work() {
    let _g = serial();
    let collector = Collector::start();
    let app = fixture("sdk", &collector);
    let log = app.path().join("bridge.jsonl");
    let host = Host::start(
        &app.path().join("build"),
        &["--device", "iphone-15-pro", "--log-bridge", log.to_str().unwrap()],
    );
    let r = collector.wait("sdk", &host);

    assert_eq!(r["hasSdk"], true, "the SDK script URL was answered locally");
    assert_eq!(r["hasEruda"], true, "the Eruda URL was answered locally");
    assert_eq!(r["beforeInit"], "TypeError", "methods are missing before init");
    assert_eq!(r["canIUseBeforeInit"], true);
    assert!(r.get("initReturn").is_none_or(Value::is_null), "init returns undefined: {r}");

    let positional = &r["loginPositional"]["authResponse"];
    assert!(positional["code"].as_str().is_some_and(|c| !c.is_empty()), "{r}");
    assert_eq!(positional["grantedScopes"], "user.info.open_id", "returnScopes reports the grant");
    assert!(r["loginNewest"]["authResponse"]["code"].is_string(), "login(cb) with no options");
    assert!(r["loginNewest"]["authResponse"].get("grantedScopes").is_none());
    assert!(r["loginObject"]["success"]["code"].is_string(), "{}", r["loginObject"]);
    assert_eq!(r["loginObject"]["complete"], true);
    assert_eq!(
        r["loginBadScope"]["authResponse"],
        Value::Null,
        "positional failure has a null authResponse"
    );
    assert_eq!(r["loginBadScope"]["error"]["error_code"], 10008);
    assert_eq!(
        r["loginObjectFail"]["fail"]["error"]["error_code"], 10008,
        "{}",
        r["loginObjectFail"]
    );
    assert!(r["loginObjectFail"].get("success").is_none());

    assert_eq!(r["statusPositional"], json!({"status": "connected"}));
    assert_eq!(r["statusObject"]["status"], "connected");
    assert_eq!(
        r["burst"],
        json!({"calls": 2000, "settled": 2000, "connected": 2000}),
        "2,000 concurrent calls"
    );
    assert_eq!(
        r["canIUse"],
        json!({"loginSuccessCode": true, "authorizeObjectScope": true, "menuLeft": true, "onShowAnchor": true,
               "setNavigationBarColor": true, "partialWord": false, "unknown": false, "pay": true})
    );
    assert_eq!(r["deviceInfo"]["bottomHeight"], 34);
    assert_eq!(r["deviceInfo"]["screenWidth"], 393);
    assert_eq!(
        r["menuButton"],
        json!({"width":0,"height":0,"top":0,"right":0,"bottom":0,"left":0}),
        "zeros in default navbar style"
    );
    assert_eq!(r["replyEntryWritable"], false, "the page cannot replace the reply entry");

    // The code minted in the window is a real platform code.
    let code = r["loginObject"]["success"]["code"].as_str().unwrap();
    let token: Value = crate::harness::post_form(
        &format!("{}/v2/oauth/token/", host.platform_url()),
        &[
            ("client_key", "e2e-sdk"),
            ("client_secret", &host.client_secret()),
            ("code", code),
            ("grant_type", "authorization_code"),
        ],
    );
    assert_eq!(token["scope"], "user.info.open_id", "{token}");
    assert!(token["access_token"].as_str().unwrap().starts_with("act."), "{token}");
    assert!(!token["open_id"].as_str().unwrap().is_empty());

    // --log-bridge recorded the traffic: the init, the login calls and their replies.
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let methods: Vec<&str> = lines
        .iter()
        .filter(|l| l["dir"] == "in")
        .filter_map(|l| l["msg"]["method"].as_str())
        .collect();
    assert!(
        methods.starts_with(&["init"]) && methods.iter().filter(|m| **m == "login").count() == 5,
        "{methods:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["dir"] == "out" && l["effect"] == "reply" && l["result"]["code"].as_str() == Some(code)),
        "the reply with the code is logged"
    );
}

/// `--trace-startup` logs every phase of the start path once, in the order a start goes.
#[test]
fn trace_startup_logs_each_phase_once_in_order() {
    let _g = serial();
    let collector = Collector::start();
    let app = fixture("sdk", &collector);
    let host = Host::start(&app.path().join("build"), &["--trace-startup"]);
    collector.wait("sdk", &host);
    host.wait_event("the first reply phase", |e| {
        crate::harness::field(e, "phase") == "first reply delivered"
    });
    let phases: Vec<(String, f64)> = host
        .events()
        .iter()
        .filter(|e| crate::harness::field(e, "target") == "minihost::startup")
        .map(|e| {
            let ms = crate::harness::field(e, "ms").parse().unwrap();
            (crate::harness::field(e, "phase").to_string(), ms)
        })
        .collect();
    let names: Vec<&str> = phases.iter().map(|(n, _)| n.as_str()).collect();
    let mut expected = minihost_core::startup::PHASES.to_vec();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected, "each phase once: {names:?}");
    let at = |name: &str| phases.iter().find(|(n, _)| n == name).unwrap().1;
    // The chain that is causal; the asset, init and load phases race the webview's build.
    for pair in [
        [minihost_core::startup::MAIN_ENTERED, "arguments parsed"],
        ["arguments parsed", "app resolved"],
        ["app resolved", "platform opened"],
        ["platform opened", "platform server bound"],
        ["platform server bound", "platform ready"],
        ["platform ready", "media server bound"],
        ["media server bound", "host ready"],
        ["host ready", "display checked"],
        ["display checked", "event loop built"],
        ["event loop built", "window created"],
        ["window created", "webview created"],
        ["webview created", "chrome built"],
        // The SDK comes inline in the first page, so it may be logged before that response is.
        ["chrome built", "first asset served"],
        ["chrome built", "SDK served"],
        ["SDK served", "TTMinis.init received"],
        ["TTMinis.init received", "first reply delivered"],
    ] {
        assert!(at(pair[0]) <= at(pair[1]), "{} before {}: {phases:?}", pair[0], pair[1]);
    }
}
