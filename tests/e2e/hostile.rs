use crate::harness::{field, fixture, serial, Collector, Host};

/// Garbage on the IPC channel gets logged, coded errors and leaves the bridge working.
#[test]
fn hostile_messages_do_not_break_the_host() {
    let _g = serial();
    let collector = Collector::start();
    let app = fixture("hostile", &collector);
    let host = Host::start(&app.path().join("build"), &[]);
    let r = collector.wait("hostile", &host);
    assert!(r["sent"].as_array().unwrap().iter().all(|s| s == "sent"), "{r}");
    assert_eq!(r["status"]["status"], "not_authorized", "the bridge still answers: {r}");
    assert!(r["login"]["authResponse"]["code"].is_string(), "{r}");
    for (what, needle) in [
        ("non-JSON", "not a bridge message"),
        ("oversized", "exceeds the 1048576-byte limit"),
    ] {
        host.wait_event(what, |e| {
            field(e, "target") == "minihost::bridge" && field(e, "message").contains(needle)
        });
    }
}
