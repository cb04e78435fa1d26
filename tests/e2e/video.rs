use crate::harness::{field, fixture, serial, Collector, Host};
use std::io::Write;

const BIG: u64 = 100 * 1024 * 1024;

/// A valid mp4 of 100 MiB: the sample's faststart clip followed by a sparse `free` box.
fn big_mp4(path: &std::path::Path) {
    let clip = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/mini-drama/media/ep1.mp4")).unwrap();
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(&clip).unwrap();
    let pad = BIG - clip.len() as u64;
    f.write_all(&(pad as u32).to_be_bytes()).unwrap();
    f.write_all(b"free").unwrap();
    f.set_len(BIG).unwrap();
}

/// (c) A 100 MB video streams by ranges: no response carries more than one chunk, the host
/// reads a small fraction of the file, and its memory stays bounded.
#[test]
fn large_video_is_served_by_ranges_with_bounded_memory() {
    let _g = serial();
    let collector = Collector::start();
    let app = fixture("video", &collector);
    big_mp4(&app.path().join("build/big.mp4"));
    let host = Host::start(&app.path().join("build"), &[]);
    let r = collector.wait("video", &host);

    assert_eq!(r["videoEvent"], "loadeddata", "the video decoded its first frame: {r}");
    assert_eq!(r["mid"]["status"], 206);
    assert_eq!(r["mid"]["range"], format!("bytes 50000000-50000099/{BIG}"));
    assert_eq!(r["mid"]["length"], 100);
    assert_eq!(r["openEnded"]["status"], 206);
    let chunk = minihost::assets::MAX_CHUNK;
    assert_eq!(r["openEnded"]["range"], format!("bytes 1000-{}/{BIG}", 1000 + chunk - 1), "open ranges are cut to one chunk");
    assert_eq!(r["past"]["status"], 416);
    assert_eq!(r["past"]["range"], format!("bytes */{BIG}"));

    let served: Vec<u64> = host
        .events()
        .iter()
        .filter(|e| field(e, "target") == "minihost::assets" && field(e, "path") == "/big.mp4")
        .map(|e| e["bytes"].as_u64().unwrap_or(0))
        .collect();
    assert!(!served.is_empty(), "no asset log lines for big.mp4");
    assert!(served.iter().all(|&b| b <= chunk), "a response exceeded one chunk: {served:?}");
    let total: u64 = served.iter().sum();
    assert!(total < BIG / 4, "the host read {total} bytes of a {BIG}-byte file for a few seconds of video");
    let peak_kb = host.proc_kb("VmHWM:");
    assert!(peak_kb * 1024 < BIG, "host peak RSS {peak_kb} kB is not bounded below the file size");
}
