//! `minihost build`: checks the build output (errors stop it), copies `minis.config.json`
//! into it as the platform's CLI does, writes `minis.manifest.json` (every file with its size
//! and SHA-256) and packs everything into `minis.zip` next to the project's config.

use super::check::{self, CheckOptions};
use anyhow::{bail, Context, Result};
use minihost_core::config::{AppConfig, CONFIG_FILE};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub const MANIFEST_FILE: &str = "minis.manifest.json";
pub const ZIP_FILE: &str = "minis.zip";
/// The package size limit: 50 MB by one secondary source, 200 MB by another
/// (platform-spec §1.14, UNCONFIRMED); the lower one is used.
pub const PACKAGE_LIMIT: u64 = 50 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub allow: Vec<String>,
    /// Draw a progress bar (on a terminal).
    pub progress: bool,
    pub size_limit: u64,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            allow: Vec::new(),
            progress: false,
            size_limit: PACKAGE_LIMIT,
        }
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub files: Vec<ManifestFile>,
    #[serde(rename = "totalSize")]
    pub total_size: u64,
}

#[derive(Debug)]
pub struct Built {
    pub zip: PathBuf,
    pub manifest: PathBuf,
    pub zip_size: u64,
    /// Bytes by top-level folder of the output (`.` for files at its root), largest first.
    pub by_folder: Vec<(String, u64)>,
    pub warnings: Vec<String>,
}

pub fn build(dir: &Path, opts: &BuildOptions) -> Result<Built> {
    let config_path = dir.join(CONFIG_FILE);
    if !config_path.is_file() {
        bail!("{}: no {CONFIG_FILE}; run `minihost init` first", dir.display());
    }
    let loaded = AppConfig::load(&config_path)?;
    let root = check::output_root(dir, Some(&loaded.config));
    if !root.join("index.html").is_file() {
        bail!(
            "{}: no index.html in the build output (build.outputDir = {:?}); build the app first (for example `npm run build`)",
            root.display(),
            loaded.config.build.output_dir
        );
    }
    let report = check::check_path(dir, &CheckOptions { allow: opts.allow.clone() })?;
    if !report.findings.is_empty() {
        eprint!("{}", check::report::human(&report));
    }
    if report.errors() > 0 {
        bail!("check found {} errors; the package was not built", report.errors());
    }
    let mut warnings = Vec::new();
    if root != dir {
        std::fs::copy(&config_path, root.join(CONFIG_FILE))
            .with_context(|| format!("cannot copy {CONFIG_FILE} into {}", root.display()))?;
    }
    let zip_path = dir.join(ZIP_FILE);
    let mut files = Vec::new();
    walk(&root, &root, &mut files)?;
    files.retain(|(rel, _)| rel != MANIFEST_FILE && !(root == dir && rel == ZIP_FILE));
    files.sort();
    let mut entries = Vec::new();
    let mut total = 0;
    for (rel, path) in &files {
        let (size, sha256) = hash(path)?;
        total += size;
        entries.push(ManifestFile {
            path: rel.clone(),
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        files: entries,
        total_size: total,
    };
    let manifest_path = root.join(MANIFEST_FILE);
    let manifest_json = serde_json::to_string_pretty(&manifest)? + "\n";
    std::fs::write(&manifest_path, &manifest_json).with_context(|| format!("{}: cannot write", manifest_path.display()))?;

    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg:12} [{bar:30}] {bytes}/{total_bytes}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        b.set_message("packing");
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let tmp = zip_path.with_extension("zip.partial");
    {
        let file = std::fs::File::create(&tmp).with_context(|| format!("{}: cannot create", tmp.display()))?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        for (rel, path) in &files {
            let method = if precompressed(rel) {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(rel.as_str(), options)?;
            let mut f = std::fs::File::open(path)?;
            let mut buf = vec![0; 64 * 1024];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                zip.write_all(&buf[..n])?;
                bar.inc(n as u64);
            }
        }
        zip.start_file(MANIFEST_FILE, zip::write::SimpleFileOptions::default())?;
        zip.write_all(manifest_json.as_bytes())?;
        zip.finish()?.flush()?;
    }
    std::fs::rename(&tmp, &zip_path)?;
    bar.finish_and_clear();
    let zip_size = std::fs::metadata(&zip_path)?.len();

    let mut by_folder: Vec<(String, u64)> = Vec::new();
    for f in &manifest.files {
        let top = match f.path.split_once('/') {
            Some((d, _)) => format!("{d}/"),
            None => ".".to_owned(),
        };
        match by_folder.iter_mut().find(|(d, _)| *d == top) {
            Some((_, n)) => *n += f.size,
            None => by_folder.push((top, f.size)),
        }
    }
    by_folder.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!("{:<24} {:>12}", "folder", "bytes");
    for (d, n) in &by_folder {
        println!("{d:<24} {n:>12}");
    }
    println!("{:<24} {:>12}", "total (unpacked)", total);
    println!("{} ({} files, {zip_size} bytes)", zip_path.display(), manifest.files.len() + 1);
    if zip_size > opts.size_limit {
        let w = format!(
            "warning: {} is {zip_size} bytes, over the package size limit of {} bytes ({} MB: 50 MB by one secondary source, 200 MB by another; UNCONFIRMED)",
            zip_path.display(),
            opts.size_limit,
            opts.size_limit / (1024 * 1024)
        );
        eprintln!("{w}");
        warnings.push(w);
    }
    Ok(Built {
        zip: zip_path,
        manifest: manifest_path,
        zip_size,
        by_folder,
        warnings,
    })
}

/// Formats that deflate cannot shrink: stored as they are.
fn precompressed(path: &str) -> bool {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "avif" | "mp4" | "webm" | "mp3" | "m4a" | "ogg" | "woff" | "woff2" | "zip" | "gz" | "br"
    )
}

fn hash(path: &Path) -> Result<(u64, String)> {
    let mut f = std::fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 64 * 1024];
    let mut size = 0;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((size, hex::encode(h.finalize())))
}

/// Every regular file under `dir`, with its `/`-separated path relative to `root`. Symlinks
/// are not followed.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))? {
        let e = e?;
        let p = e.path();
        let ty = e.file_type()?;
        if ty.is_dir() {
            walk(root, &p, out)?;
        } else if ty.is_file() {
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            out.push((rel, p));
        }
    }
    Ok(())
}
