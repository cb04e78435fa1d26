use crate::harness::{field, fixture, serial, Collector, Host};
use serde_json::Value;

/// (b) eval, `new Function`, string timers, an iframe, an external script and a fetch to an
/// untrusted domain are blocked and reported; a fetch to a trusted loopback server works.
#[test]
fn forbidden_things_are_blocked_and_reported() {
    let _g = serial();
    let collector = Collector::start();
    let app = fixture("policy", &collector);
    let host = Host::start(&app.path().join("build"), &[]);
    let r = collector.wait("policy", &host);

    assert_eq!(r["eval"]["ok"], false, "{r}");
    assert_eq!(r["newFunction"]["ok"], false, "{r}");
    assert_eq!(r["stringTimerRan"], false, "string timers never run");
    assert_eq!(r["frameLoaded"], false, "iframes are blocked");
    assert_eq!(r["externalScriptRan"], false);
    assert_eq!(r["untrustedFetch"], "TypeError");
    assert_eq!(r["lookalikeFetch"], "TypeError");
    assert_eq!(r["trustedFetch"], "pong", "trusted loopback origin is reachable");
    assert_eq!(
        (r["clipboard"].as_str(), r["geolocation"].as_str(), r["vibrate"].as_str()),
        (Some("undefined"), Some("undefined"), Some("undefined"))
    );
    assert_eq!(r["windowOpen"], "null");
    assert_eq!(r["stillHere"], true, "top-level navigation away was refused");

    let directives: Vec<&str> = r["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["directive"].as_str().unwrap_or(""))
        .collect();
    for d in ["script-src", "connect-src", "frame-src"] {
        assert!(
            directives.iter().any(|x| x.starts_with(d)),
            "page saw no {d} violation: {directives:?}"
        );
    }

    // The same violations reach the host log as structured events, with the source line.
    let csp = |directive: &'static str, blocked: &'static str| {
        host.wait_event(&format!("CSP {directive} {blocked}"), move |e: &Value| {
            field(e, "message") == "CSP violation"
                && field(e, "directive").starts_with(directive)
                && field(e, "blocked_url").contains(blocked)
        })
    };
    // Each names its rule and says how to comply, as `minihost explain RULE` does.
    let ruled = |e: &Value, rule: &str| {
        assert_eq!(field(e, "rule"), rule, "{e}");
        assert!(!field(e, "hint").is_empty(), "a hint: {e}");
    };
    let external = csp("script-src", "cdn.untrusted.example");
    assert!(
        field(&external, "source").starts_with("minihost://app/"),
        "the page is the source of a parser-blocked script: {external}"
    );
    ruled(&external, "own-scripts");
    let fetch = csp("connect-src", "untrusted.example");
    assert!(field(&fetch, "source").contains("test.js:"), "{fetch}");
    ruled(&fetch, "trusted-domains");
    let origin = minihost_core::policy::origin_of(field(&fetch, "blocked_url")).unwrap();
    assert_eq!(
        field(&fetch, "hint"),
        format!("add \"{origin}\" to domain.trustedDomains in minis.config.json"),
        "the exact config change"
    );
    ruled(&csp("frame-src", "minihost://app"), "no-iframes");
    let eval = host.wait_event("eval violation", |e| {
        field(e, "message") == "CSP violation" && field(e, "blocked_url") == "eval"
    });
    ruled(&eval, "no-eval");
    let nav = host.wait_event("blocked navigation", |e| {
        field(e, "message") == "blocked navigation" && field(e, "url").starts_with("https://example.com/phish")
    });
    ruled(&nav, "in-app-navigation");
    host.wait_event("blocked window.open", |e| {
        field(e, "message").contains("blocked") && field(e, "url").starts_with("https://example.com/")
    });
    let api = host.wait_event("clipboard use", |e| field(e, "api") == "navigator.clipboard");
    ruled(&api, "blocked-apis");
}
