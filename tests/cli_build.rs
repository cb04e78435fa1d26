//! `minihost build`: the zip holds exactly what the manifest lists, with those sizes and
//! hashes; a package over the size limit warns; check errors stop the build.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::process::Command;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("dist/assets/img")).unwrap();
    std::fs::write(
        p.join("minis.config.json"),
        r##"{"navbar":{"bgColorLight":"#ffffff"},"build":{"outputDir":"dist"},"domain":{"trustedDomains":["https://api.example.com"]}}"##,
    )
    .unwrap();
    std::fs::write(p.join("dist/index.html"), "<script src=\"assets/app.js\"></script>").unwrap();
    std::fs::write(
        p.join("dist/assets/app.js"),
        "TTMinis.login(cb); TTMinis.createRewardedVideoAd({adUnitId: 'a'}); fetch('https://api.example.com/x');",
    )
    .unwrap();
    let noise: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(p.join("dist/assets/img/poster.png"), noise).unwrap();
    dir
}

fn build(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_minihost"))
        .arg("build")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_zip_matches_its_manifest_and_carries_the_config() {
    let dir = project();
    let (code, out, err) = build(dir.path(), &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("warning: "), "{err}");
    assert!(
        out.contains("assets/") && out.contains("total (unpacked)"),
        "size report by folder: {out}"
    );
    let dist = dir.path().join("dist");
    assert_eq!(
        std::fs::read(dist.join("minis.config.json")).unwrap(),
        std::fs::read(dir.path().join("minis.config.json")).unwrap()
    );
    let manifest: minihost_devtools::build::Manifest =
        serde_json::from_slice(&std::fs::read(dist.join("minis.manifest.json")).unwrap()).unwrap();
    let paths: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["assets/app.js", "assets/img/poster.png", "index.html", "minis.config.json"]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(dir.path().join("minis.zip")).unwrap()).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    names.sort();
    let mut want: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    want.push("minis.manifest.json".into());
    want.sort();
    assert_eq!(names, want);
    for f in &manifest.files {
        let mut bytes = Vec::new();
        zip.by_name(&f.path).unwrap().read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes.len() as u64, f.size, "{}", f.path);
        assert_eq!(hex::encode(Sha256::digest(&bytes)), f.sha256, "{}", f.path);
        assert_eq!(bytes, std::fs::read(dist.join(&f.path)).unwrap());
    }
    assert_eq!(manifest.total_size, manifest.files.iter().map(|f| f.size).sum::<u64>());
}

#[test]
fn a_package_over_the_limit_warns_with_the_number_and_its_source() {
    let dir = project();
    let (code, _, err) = build(dir.path(), &["--size-limit", "100000"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("over the package size limit of 100000 bytes") && err.contains("UNCONFIRMED"),
        "{err}"
    );
}

#[test]
fn check_errors_stop_the_build() {
    let dir = project();
    std::fs::write(dir.path().join("dist/assets/app.js"), "setTimeout('go()', 1)").unwrap();
    let (code, _, err) = build(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("dist/assets/app.js:1:12: error[no-eval]"), "{err}");
    assert!(err.contains("check found 1 errors; the package was not built"), "{err}");
    assert!(!dir.path().join("minis.zip").exists());
}
