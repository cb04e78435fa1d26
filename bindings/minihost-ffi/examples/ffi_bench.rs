//! `handle_message` round trips in Rust, the baseline for the Python and Kotlin numbers
//! (`bench/ffi/run`). Two calls the core answers without the platform: a one-way `__report`,
//! which returns no effects (what a call costs by itself), and `share`, which returns one
//! reply. What differs between the three languages is the foreign boundary. Prints µs per
//! call; asserts nothing about time.

use minihost_ffi::{Consent, HostConfig, HostCore, Transport};

/// Each case is timed this many times, interleaved with the others; the median is reported.
const ROUNDS: usize = 3;

/// (name, the message of call `i`, whether it returns a page script); the same in bench.py and
/// FfiBenchTest.kt.
type Case = (&'static str, fn(u64) -> String, bool);
const CASES: [Case; 2] = [
    (
        "empty",
        |i| format!(r#"{{"method":"__report","params":{{"kind":"bench","n":{i}}}}}"#),
        false,
    ),
    (
        "reply",
        |i| format!(r#"{{"id":{i},"method":"share","params":{{"title":"Episode 4"}}}}"#),
        true,
    ),
];

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
    let mut rounds = vec![Vec::new(); CASES.len()];
    for _ in 0..ROUNDS {
        for ((_, message, has_script), times) in CASES.iter().zip(&mut rounds) {
            for i in 0..1_000 {
                core.handle_message(page.as_bytes(), message(i).as_bytes());
            }
            let start = std::time::Instant::now();
            for i in 0..calls {
                let batch = core.handle_message(page.as_bytes(), message(i).as_bytes());
                assert_eq!(batch.page_script.is_some(), *has_script);
            }
            times.push(start.elapsed().as_secs_f64() * 1e6 / calls as f64);
        }
    }
    for ((name, ..), mut times) in CASES.iter().zip(rounds) {
        times.sort_by(f64::total_cmp);
        let all: Vec<String> = times.iter().map(|t| format!("{t:.2}")).collect();
        println!("rust {name} {:.2} us/call (rounds: {})", times[ROUNDS / 2], all.join(" "));
    }
}
