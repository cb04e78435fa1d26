//! The one public error of the bindings, mapped from the core's errors in one place.

use minihost_core::host::HostError;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum MinihostError {
    /// The app: no config, a bad `minis.config.json` (file, line and column in the message),
    /// no build output.
    #[error("{detail}")]
    App { detail: String },
    /// The platform is unreachable, refused this host, or lacks the test user.
    #[error("{detail}")]
    Platform { detail: String },
    /// A file could not be read or written.
    #[error("{detail}")]
    Io { detail: String },
    /// An argument is wrong; the message names it.
    #[error("{detail}")]
    Invalid { detail: String },
}

impl From<HostError> for MinihostError {
    fn from(e: HostError) -> MinihostError {
        let detail = e.to_string();
        match e {
            HostError::App(_) => MinihostError::App { detail },
            HostError::Platform { .. } | HostError::UnknownUser { .. } | HostError::NoEmulator => MinihostError::Platform { detail },
            HostError::Io { .. } => MinihostError::Io { detail },
            HostError::UnknownDevice { .. } | HostError::AppOrigin(_) | HostError::BackendOrigin { .. } => {
                MinihostError::Invalid { detail }
            }
        }
    }
}

/// Unpacks a packaged app (`minis.zip`) into `data_dir/apps/<sha256 of the bytes>/` once, and
/// returns that folder. Entries that would land outside it are refused.
pub(crate) fn unpack(bytes: &[u8], data_dir: &Path) -> Result<PathBuf, MinihostError> {
    use std::io::Read;
    let io = |what: &str, e: &dyn std::fmt::Display| MinihostError::Io {
        detail: format!("{what}: {e}"),
    };
    let digest = {
        use std::hash::{Hash, Hasher};
        // Names the folder only; the archive's own CRCs guard the contents.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut h);
        format!("{:016x}-{}", h.finish(), bytes.len())
    };
    let dest = data_dir.join("apps").join(digest);
    if dest.join(".unpacked").exists() {
        return Ok(dest);
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| MinihostError::Invalid {
        detail: format!("app_package is not a zip archive: {e}"),
    })?;
    std::fs::create_dir_all(&dest).map_err(|e| io(&format!("cannot create {}", dest.display()), &e))?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| io("unreadable app_package entry", &e))?;
        let Some(relative) = entry.enclosed_name() else {
            return Err(MinihostError::Invalid {
                detail: format!("app_package entry {:?} leaves the app folder", entry.name()),
            });
        };
        let path = dest.join(relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&path).map_err(|e| io(&format!("cannot create {}", path.display()), &e))?;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(&format!("cannot create {}", parent.display()), &e))?;
        }
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|e| io(&format!("cannot read {}", entry.name()), &e))?;
        std::fs::write(&path, data).map_err(|e| io(&format!("cannot write {}", path.display()), &e))?;
    }
    std::fs::write(dest.join(".unpacked"), b"").map_err(|e| io("cannot mark the app unpacked", &e))?;
    Ok(dest)
}
