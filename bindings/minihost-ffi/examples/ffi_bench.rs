//! `handle_message` round trips in Rust, the baseline for the Python and Kotlin numbers
//! (`bench/ffi/run`). The call is `share`, which the core answers without the platform, so
//! what differs between the three is the foreign boundary. Prints µs per call; asserts nothing.

use minihost_ffi::{Consent, HostConfig, HostCore, Transport};

fn main() {
    let platform_url = std::env::args().nth(1).expect("usage: ffi_bench PLATFORM_URL APP_DIR CALLS");
    let app_dir = std::env::args().nth(2).expect("APP_DIR");
    let calls: u64 = std::env::args().nth(3).map_or(20_000, |n| n.parse().unwrap());
    let data = tempfile::tempdir().unwrap();
    let core = HostCore::new(
        HostConfig {
            app_dir: Some(app_dir),
            app_package: None,
            data_dir: data.path().to_string_lossy().into(),
            platform_url,
            pairing_token: None,
            transport: Transport::Android,
            consent: Consent::Ask,
            user: Some("alice".into()),
            dark: false,
            client_key: None,
            app_origin: None,
            start_script_in_html: None,
        },
        None,
    )
    .unwrap();
    let page = format!("{}index.html", core.start_url());
    let message = |i: u64| format!(r#"{{"id":{i},"method":"share","params":{{"title":"Episode 4"}}}}"#);
    for i in 0..1_000 {
        core.handle_message(page.clone(), message(i));
    }
    let start = std::time::Instant::now();
    for i in 0..calls {
        let effects = core.handle_message(page.clone(), message(i));
        assert_eq!(effects.len(), 1);
    }
    println!("rust {:.2} us/call", start.elapsed().as_secs_f64() * 1e6 / calls as f64);
}
