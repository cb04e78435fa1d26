use crate::harness::{field, fixture, serial, Collector, Host};
use std::io::Write;

const BIG: u64 = 100 * 1024 * 1024;

/// A valid mp4 of `size` bytes: the sample's faststart clip followed by a sparse `free` box.
fn padded_mp4(path: &std::path::Path, size: u64) {
    let clip = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/mini-drama/media/ep1.mp4")).unwrap();
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(&clip).unwrap();
    let pad = size - clip.len() as u64;
    f.write_all(&(pad as u32).to_be_bytes()).unwrap();
    f.write_all(b"free").unwrap();
    f.set_len(size).unwrap();
}

/// (c) A 100 MB video streams by ranges: no custom-scheme response carries more than one chunk,
/// the host reads no more of the file than the player asked for (the player itself fetches
/// most of the file), and its memory stays bounded.
#[test]
fn large_video_is_served_by_ranges_with_bounded_memory() {
    let _g = serial();
    let collector = Collector::start();
    let app = fixture("video", &collector);
    padded_mp4(&app.path().join("build/big.mp4"), BIG);
    let host = Host::start(&app.path().join("build"), &[]);
    let r = collector.wait("video", &host);
    assert_eq!(r["videoEvent"], "loadeddata", "the video decoded its first frame: {r}");
    assert_eq!(r["mid"]["status"], 206);
    assert_eq!(r["mid"]["range"], format!("bytes 50000000-50000099/{BIG}"));
    assert_eq!(r["mid"]["length"], 100);
    assert_eq!(r["openEnded"]["status"], 206);
    let chunk = minihost_core::assets::MAX_CHUNK;
    assert_eq!(
        r["openEnded"]["range"],
        format!("bytes 1000-{}/{BIG}", 1000 + chunk - 1),
        "open ranges are cut to one chunk"
    );
    assert_eq!(r["past"]["status"], 416);
    assert_eq!(r["past"]["range"], format!("bytes */{BIG}"));

    // Read before the log is taken: every byte streamed was logged as requested before it was read.
    let read = host.proc_io("rchar:");
    let events = host.events();
    let big = |e: &&serde_json::Value| field(e, "target") == "minihost::assets" && field(e, "path") == "/big.mp4";
    let scheme: Vec<u64> = events
        .iter()
        .filter(big)
        .filter(|e| field(e, "via") != "media")
        .map(|e| e["bytes"].as_u64().unwrap_or(0))
        .collect();
    assert!(!scheme.is_empty(), "no custom-scheme responses for big.mp4");
    assert!(
        scheme.iter().all(|&b| b <= chunk),
        "a custom-scheme response exceeded one chunk: {scheme:?}"
    );
    let streamed = events.iter().filter(big).filter(|e| field(e, "via") == "media").count();
    assert!(streamed >= 1, "the <video> did not go through the media route");

    // Streaming, not buffering: the host's peak memory does not grow with the file. The
    // same page with a 1 MiB file is the yardstick.
    let requested: u64 = events.iter().filter(big).map(|e| e["bytes"].as_u64().unwrap_or(0)).sum();
    let peak_big = host.proc_kb("VmHWM:");
    drop(host);
    let small = fixture("video", &collector);
    padded_mp4(&small.path().join("build/big.mp4"), 1024 * 1024);
    let host = Host::start(&small.path().join("build"), &[]);
    let r = collector.wait("video", &host);
    assert_eq!(r["videoEvent"], "loadeddata", "{r}");
    let peak_small = host.proc_kb("VmHWM:");
    // Everything else the host reads (the app's files, fonts, themes, IPC) is the small run's total.
    let read_small = host.proc_io("rchar:");
    eprintln!(
        "host peak RSS: {peak_big} kB with 100 MiB, {peak_small} kB with 1 MiB; read {read} bytes, {requested} requested; {streamed} media requests"
    );
    assert!(
        read <= requested + read_small + 16 * 1024 * 1024,
        "the host read {read} bytes, more than the {requested} bytes of big.mp4 the player asked for plus the \
         {read_small} bytes a run with a 1 MiB file reads: something reads past the requested ranges"
    );
    assert!(
        peak_big < peak_small + 32 * 1024,
        "host peak RSS grew with the file: {peak_big} kB for 100 MiB vs {peak_small} kB for 1 MiB"
    );
}
