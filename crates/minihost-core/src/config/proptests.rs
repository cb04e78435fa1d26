//! Property tests of the config parser: any text, JSON-shaped or not, gives diagnostics with
//! real positions and never a panic.
//!
//! Each property runs 2000 cases (quick enough for CI); `PROPTEST_CASES` overrides that for
//! every property test in the crate, e.g. `PROPTEST_CASES=1000000 cargo test --lib proptests`
//! runs a million of each.

use super::{AppConfig, Severity};
use proptest::prelude::*;
use std::path::Path;

/// The case count for every `proptests` module in the crate (see the module doc).
pub(crate) fn proptest_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000);
    ProptestConfig::with_cases(cases)
}

/// Fragments that reach the parser's interesting paths: known keys, comments, BOMs, the
/// refused JSON5 forms, control characters, unterminated strings.
fn jsonish() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        4 => prop::sample::select(vec![
            "{", "}", "[", "]", ":", ",", "\"", "'", "\\", "\n", "\r\n", "\t", " ", "\u{feff}", "\u{0}",
            "//", "/*", "*/", "\"navbar\"", "\"dev\"", "\"build\"", "\"domain\"", "\"style\"",
            "\"custom\"", "\"port\"", "\"clientKey\"", "\"outputDir\"", "\"output\"",
            "\"htmlEntry\"", "\"trustedDomains\"", "\"allowList\"", "\"bgColorLight\"",
            "\"#fff\"", "\"https://a.example\"", "\"http://127.0.0.1:1\"", "\"..\"", "3000",
            "0x10", "+1", ".5", "-0", "1e999", "true", "null", "Infinity", "\"\\x41\"", "\"\\u00e9\"",
            "\"\\ud800\"", "é", "😀",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    prop::collection::vec(fragment, 0..48).prop_map(|parts| parts.concat())
}

fn check(text: &str) {
    let lines = text.split('\n').count();
    let (diagnostics, accepted) = match AppConfig::parse(Path::new("c.json"), text) {
        Ok(c) => (c.warnings, true),
        Err(e) => match e {
            super::ConfigError::Invalid { errors, warnings, .. } => {
                assert!(!errors.is_empty(), "rejected without an error");
                (errors.into_iter().chain(warnings).collect(), false)
            }
            other => panic!("unexpected {other}"),
        },
    };
    for d in &diagnostics {
        assert!(d.line >= 1 && d.column >= 1, "{d:?}");
        assert!(d.line <= lines, "line {} of a {lines}-line text: {d:?}", d.line);
        assert!(!accepted || d.severity == Severity::Warning, "accepted with an error: {d:?}");
        assert!(d.message.chars().count() < 400, "{d:?}");
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn any_text_gets_positioned_diagnostics(text in any::<String>()) {
        check(&text);
    }

    #[test]
    fn json_shaped_text_gets_positioned_diagnostics(text in jsonish()) {
        check(&text);
    }

    #[test]
    fn any_bytes_load_or_fail_with_a_position(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Err(e) = std::str::from_utf8(&bytes) {
            let d = super::parse::not_utf8(&bytes, e);
            prop_assert!(d.line >= 1 && d.column >= 1);
            let offset = format!("byte offset {}", e.valid_up_to());
            prop_assert!(d.message.contains(&offset), "{:?}", d);
        }
    }
}
