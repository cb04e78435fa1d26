//! Property tests of Range parsing and path resolution: no panic, a satisfiable range stays
//! inside the file, and a resolved path never leaves the build folder. `PROPTEST_CASES` sets
//! the case count (see `config::proptests`).

use super::{parse_range, resolve, RangeError};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use std::path::{Path, PathBuf};

/// Range headers built from the grammar's pieces, plus numbers near `u64::MAX`.
fn range_header() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        (0u64..2000).prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_owned()),
        Just(String::new()),
        Just(" 7 ".to_owned()),
        Just("+1".to_owned()),
    ];
    let spec = (number.clone(), prop::sample::select(vec!["-", "--", "", " - "]), number).prop_map(|(a, dash, b)| format!("{a}{dash}{b}"));
    let unit = prop::sample::select(vec!["bytes=", "BYTES=", " bytes=", "bytes =", "items=", ""]);
    (unit, prop::collection::vec(spec, 0..4)).prop_map(|(unit, specs)| format!("{unit}{}", specs.join(",")))
}

fn check_range(header: &str, len: u64) -> Result<(), TestCaseError> {
    match parse_range(header, len) {
        Ok(r) => {
            prop_assert!(r.start <= r.end && r.end < len, "{header:?} on {len} bytes gave {r:?}");
            prop_assert_eq!(r.len(), r.end - r.start + 1);
        }
        Err(RangeError::Malformed | RangeError::Unsatisfiable) => {}
    }
    Ok(())
}

/// `build/` with a few files, a symlink to a file outside, a symlink to the folder above,
/// and one that stays inside; `secret.txt` sits outside.
fn tree() -> (tempfile::TempDir, PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("build");
    std::fs::create_dir_all(root.join("js")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::write(root.join("index.html"), "x").unwrap();
    std::fs::write(root.join("js/app.js"), "x").unwrap();
    std::fs::write(root.join("a b.css"), "x").unwrap();
    std::fs::write(outer.path().join("secret.txt"), "s").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(outer.path().join("secret.txt"), root.join("secret-link")).unwrap();
        symlink(outer.path(), root.join("up")).unwrap();
        symlink(root.join("js"), root.join("scripts")).unwrap();
    }
    let root = root.canonicalize().unwrap();
    (outer, root)
}

fn url_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        3 => prop::sample::select(vec![
            "", ".", "..", "%2e%2e", "%2E.", ".%2e", "js", "app.js", "index.html", "a%20b.css",
            "empty", "secret-link", "up", "scripts", "secret.txt", "build", "%2f", "%5c", "%00",
            "%ff", "%", "%2", "C:", "c%3a", "~", "\\..", "..\\", "%252e%252e",
        ])
        .prop_map(str::to_owned),
        1 => "[^/]{0,8}",
    ];
    prop::collection::vec(segment, 0..7).prop_map(|s| format!("/{}", s.join("/")))
}

fn check_resolve(root: &Path, url_path: &str) -> Result<(), TestCaseError> {
    if let Ok(file) = resolve(root, url_path) {
        let real = file.canonicalize().unwrap();
        prop_assert!(real.starts_with(root), "{url_path:?} resolved to {}", real.display());
        prop_assert!(real.is_file(), "{url_path:?} resolved to a non-file {}", real.display());
    }
    Ok(())
}

proptest! {
    #![proptest_config(crate::config::proptests::proptest_config())]

    #[test]
    fn any_range_header_stays_inside_the_file(header in any::<String>(), len in any::<u64>()) {
        check_range(&header, len)?;
    }

    #[test]
    fn grammar_shaped_ranges_stay_inside_the_file(
        header in range_header(),
        len in prop_oneof![0u64..2000, any::<u64>(), Just(u64::MAX), Just(0)],
    ) {
        check_range(&header, len)?;
    }
}

/// Runs `paths` against one tree, made once for all cases rather than once per case.
fn never_leaves_the_root(paths: impl Strategy<Value = String>) {
    let (_outer, root) = tree();
    // The tree is what the cases need: a way in through a symlink, and ways out.
    assert!(resolve(&root, "/scripts/app.js").is_ok());
    assert!(resolve(&root, "/up/secret.txt").is_err() && resolve(&root, "/secret-link").is_err());
    let mut runner = TestRunner::new(crate::config::proptests::proptest_config());
    if let Err(e) = runner.run(&paths, |p| check_resolve(&root, &p)) {
        panic!("{e}");
    }
}

#[test]
fn a_resolved_path_never_leaves_the_root() {
    never_leaves_the_root(url_path());
}

#[test]
fn any_text_as_a_path_never_leaves_the_root() {
    never_leaves_the_root(any::<String>());
}
