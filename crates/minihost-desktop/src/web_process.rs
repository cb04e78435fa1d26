//! The start of the web and network processes WebKitGTK spawns.
//!
//! Debian's and Ubuntu's libwebkit2gtk link the flite speech voices. One of them,
//! `libflite_cmu_time_awb`, carries about 31,000 data relocations against its own exported
//! symbols, and the dynamic loader looks each up through the process's whole library scope
//! (about 170 libraries), where the voice sits near the end: about 10 ms of every WebKit
//! process's start, before its `main` (BENCHMARKS.md). Preloading the library puts it first
//! in the scope. It is the library the process loads anyway; its exported names (voice tables
//! such as `frame_123`) are defined by no other library WebKit loads, so nothing binds
//! differently.

/// The voice library, by file name.
pub const VOICE: &str = "libflite_cmu_time_awb.so";

/// Adds the voice this process has mapped (so the web process will map it too) to the
/// `LD_PRELOAD` its children inherit. Call first thing in `main`: it sets an environment
/// variable, so no other thread may run yet. `MINIHOST_NO_PRELOAD=1` leaves the environment
/// alone.
pub fn preload_for_children() {
    if std::env::var_os("MINIHOST_NO_PRELOAD").is_some() {
        return;
    }
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    let Some(path) = mapped(&maps) else { return };
    let current = std::env::var("LD_PRELOAD").unwrap_or_default();
    if let Some(value) = with_preload(&current, path) {
        std::env::set_var("LD_PRELOAD", value);
    }
}

/// The voice's path in `/proc/self/maps` text.
fn mapped(maps: &str) -> Option<&str> {
    maps.lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .find(|path| path.starts_with('/') && path.rsplit('/').next().is_some_and(|name| name.starts_with(VOICE)))
}

/// `LD_PRELOAD` with `path` added, or `None` when it already names it.
fn with_preload(current: &str, path: &str) -> Option<String> {
    let listed = current.split([' ', ':']).any(|p| p == path);
    match (listed, current.trim().is_empty()) {
        (true, _) => None,
        (false, true) => Some(path.to_owned()),
        (false, false) => Some(format!("{path}:{current}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_mapped_voice_and_adds_it_once() {
        let maps = "7f00-7f10 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libflite.so.1\n\
                    7f10-7f20 r--p 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libflite_cmu_time_awb.so.1\n\
                    7f20-7f30 rw-p 00000000 00:00 0 \n";
        let path = mapped(maps).unwrap();
        assert_eq!(path, "/usr/lib/x86_64-linux-gnu/libflite_cmu_time_awb.so.1");
        assert_eq!(with_preload("", path).as_deref(), Some(path));
        assert_eq!(with_preload("/opt/a.so", path), Some(format!("{path}:/opt/a.so")));
        assert_eq!(with_preload(&format!("/opt/a.so {path}"), path), None);
        assert_eq!(mapped("7f00-7f10 r--p 0 08:01 1 /usr/lib/libflite.so.1\n"), None);
    }

    /// Where WebKitGTK links the voice (Debian, Ubuntu), this process, which links WebKitGTK
    /// too, has it mapped; elsewhere nothing is found.
    #[test]
    fn the_maps_of_a_webkit_process_name_the_voice_where_webkit_links_it() {
        let exe = std::env::current_exe().unwrap();
        let ldd = std::process::Command::new("ldd").arg(&exe).output().expect("ldd");
        let linked = String::from_utf8_lossy(&ldd.stdout).contains(VOICE);
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        assert_eq!(mapped(&maps).is_some(), linked, "{VOICE} linked: {linked}");
    }
}
