//! Packaged apps: a `minis.zip` (what `minihost build` makes and a phone shell receives) is
//! unpacked once into `DATA_DIR/apps/<SHA-256 of its bytes>/` and served from there like a
//! folder. An entry that would land outside that folder refuses the whole package.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("the app package is not a zip archive: {0}")]
    NotZip(String),
    #[error("the app package's entry {0:?} leaves the app folder")]
    Escapes(String),
    #[error("the app package's entry {name:?} is unreadable: {why}")]
    Entry { name: String, why: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// The folder `bytes` unpacks to under `data_dir`: named by their SHA-256, so the same package
/// is unpacked once and a changed one never reuses a stale folder.
pub fn folder(bytes: &[u8], data_dir: &Path) -> PathBuf {
    let digest = Sha256::digest(bytes);
    let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    data_dir.join("apps").join(name)
}

/// Unpacks `bytes` (unless done before) and returns the app's folder.
pub fn unpack(bytes: &[u8], data_dir: &Path) -> Result<PathBuf, PackageError> {
    let dest = folder(bytes, data_dir);
    let done = dest.join(".unpacked");
    if done.exists() {
        return Ok(dest);
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| PackageError::NotZip(e.to_string()))?;
    // Every name is checked before anything is written: a refused package leaves nothing.
    let mut entries = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| PackageError::NotZip(e.to_string()))?;
        let relative = entry
            .enclosed_name()
            .ok_or_else(|| PackageError::Escapes(entry.name().to_string()))?;
        entries.push((i, relative, entry.is_dir()));
    }
    for (i, relative, is_dir) in entries {
        let path = dest.join(relative);
        let dir = if is_dir { path.as_path() } else { path.parent().unwrap_or(&dest) };
        create_dir(dir)?;
        if is_dir {
            continue;
        }
        let mut entry = archive.by_index(i).map_err(|e| PackageError::NotZip(e.to_string()))?;
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(|e| PackageError::Entry {
            name: entry.name().to_string(),
            why: e.to_string(),
        })?;
        std::fs::write(&path, data).map_err(|source| PackageError::Io {
            context: format!("cannot write {}", path.display()),
            source,
        })?;
    }
    create_dir(&dest)?;
    std::fs::write(&done, b"").map_err(|source| PackageError::Io {
        context: format!("cannot write {}", done.display()),
        source,
    })?;
    Ok(dest)
}

fn create_dir(dir: &Path) -> Result<(), PackageError> {
    std::fs::create_dir_all(dir).map_err(|source| PackageError::Io {
        context: format!("cannot create {}", dir.display()),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_package_unpacks_once_into_a_folder_named_by_its_sha256() {
        let data = tempfile::tempdir().unwrap();
        let bytes = zip(&[("index.html", b"<title>A</title>"), ("js/app.js", b"1")]);
        let dir = unpack(&bytes, data.path()).unwrap();
        // SHA-256 of the bytes, hex: stable across Rust versions, unlike std's DefaultHasher.
        let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(dir, data.path().join("apps").join(hex));
        assert_eq!(std::fs::read_to_string(dir.join("js/app.js")).unwrap(), "1");
        std::fs::write(dir.join("index.html"), "changed").unwrap();
        assert_eq!(unpack(&bytes, data.path()).unwrap(), dir);
        assert_eq!(
            std::fs::read_to_string(dir.join("index.html")).unwrap(),
            "changed",
            "not unpacked twice"
        );
        let other = unpack(&zip(&[("index.html", b"B")]), data.path()).unwrap();
        assert_ne!(other, dir, "another package gets its own folder");
    }

    #[test]
    fn an_entry_leaving_the_folder_refuses_the_package_and_writes_nothing() {
        let data = tempfile::tempdir().unwrap();
        for evil in ["../escape.html", "/etc/passwd-copy", "a/../../escape.html"] {
            let bytes = zip(&[("index.html", b"ok"), (evil, b"x")]);
            let err = unpack(&bytes, data.path()).unwrap_err();
            assert!(matches!(&err, PackageError::Escapes(name) if name == evil), "{evil}: {err}");
            assert!(!folder(&bytes, data.path()).exists(), "{evil}: nothing written");
        }
        assert!(!data.path().join("escape.html").exists());
    }

    #[test]
    fn bytes_that_are_not_a_zip_are_a_clear_error() {
        let data = tempfile::tempdir().unwrap();
        let err = unpack(b"<html>", data.path()).unwrap_err();
        assert!(err.to_string().starts_with("the app package is not a zip archive"), "{err}");
    }
}
