//! End-to-end tests: the real binary, a real WebKitGTK webview under Xvfb, a real platform
//! server on loopback. Run with `xvfb-run -a cargo test --test e2e`.

mod chrome;
mod dev;
mod harness;
mod hostile;
mod layouts;
mod lifecycle;
mod monetization;
mod platform;
mod policy;
mod sample_backend;
mod sdk;
#[path = "../support/mod.rs"]
mod support;
mod traversal;
mod video;
