//! What `granted_scopes` (the read behind every `getLoginStatus`) costs per call on a durable
//! SQLite file, against `PRAGMA data_version` on a read-only connection of its own (what
//! validating a cache costs), and with another connection's writes in between.
//!
//! Run: `cargo run --release -p minihost-platform --example grant_read_cost [-- --calls 200000]`
//! A benchmark, not a test: nothing here asserts a time.

use std::time::Instant;

use minihost_platform::{NewApp, Platform, PlatformOptions, USER_INFO_BASIC};
use rusqlite::{Connection, OpenFlags};

fn main() {
    let calls: usize = std::env::args()
        .skip_while(|a| a != "--calls")
        .nth(1)
        .map(|v| v.parse().expect("--calls wants a number"))
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().unwrap();
    let platform = Platform::open(dir.path(), PlatformOptions::default()).unwrap();
    platform
        .ensure_app(NewApp {
            client_key: "bench".into(),
            ..NewApp::default()
        })
        .unwrap();
    let user = platform.users().unwrap()[0].id;
    platform.grant(user, "bench", &[USER_INFO_BASIC.to_string()]).wait().unwrap();

    let time = |name: &str, f: &mut dyn FnMut()| {
        for _ in 0..calls / 10 {
            f();
        }
        let t = Instant::now();
        for _ in 0..calls {
            f();
        }
        println!("{name:<44} {:>8.3} µs per call", t.elapsed().as_secs_f64() * 1e6 / calls as f64);
    };
    time("granted_scopes", &mut || {
        assert!(!platform.granted_scopes(user, "bench").unwrap().is_empty());
    });
    let watch = Connection::open_with_flags(
        dir.path().join("platform.sqlite3"),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap();
    let plain = Connection::open_with_flags(
        dir.path().join("platform.sqlite3"),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap();
    time("the grants SELECT itself (uncached read)", &mut || {
        let v: String = plain
            .prepare_cached("SELECT scopes FROM grants WHERE user_id = ?1 AND client_key = ?2")
            .unwrap()
            .query_row(rusqlite::params![user, "bench"], |r| r.get(0))
            .unwrap();
        assert!(!v.is_empty());
    });
    time("PRAGMA data_version (own connection)", &mut || {
        let v: i64 = watch
            .prepare_cached("PRAGMA data_version")
            .unwrap()
            .query_row([], |r| r.get(0))
            .unwrap();
        assert!(v > 0);
    });
    let shm = std::fs::File::open(dir.path().join("platform.sqlite3-shm")).unwrap();
    time("pread of the WAL-index header (48 bytes)", &mut || {
        let mut h = [0u8; 48];
        std::os::unix::fs::FileExt::read_exact_at(&shm, &mut h, 0).unwrap();
        assert!(h != [0; 48]);
    });
}
