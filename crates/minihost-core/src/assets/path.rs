//! Maps a URL path to a file inside the build folder, refusing every way out of it.

use percent_encoding::percent_decode_str;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("no such file in the app's build output")]
    NotFound,
    #[error("path traversal refused: `..` leaves the app's build output")]
    Traversal,
    #[error("path refused: an encoded `/`, `\\`, drive letter or NUL is not allowed in a segment")]
    BadSegment,
    #[error("path refused: the percent-encoding is not valid UTF-8")]
    BadEncoding,
    #[error("symlink refused: it points outside the app's build output")]
    EscapingSymlink,
}

/// Resolves `url_path` (percent-encoded, starting with `/`) under `root` (canonical).
/// Directories resolve to their `index.html`.
pub fn resolve(root: &Path, url_path: &str) -> Result<PathBuf, PathError> {
    let mut out = root.to_path_buf();
    for raw in url_path.split('/') {
        let seg = percent_decode_str(raw).decode_utf8().map_err(|_| PathError::BadEncoding)?;
        match &*seg {
            "" | "." => continue,
            ".." => return Err(PathError::Traversal),
            s if s.contains(['/', '\\', '\0']) || (s.len() >= 2 && s.as_bytes()[1] == b':') => return Err(PathError::BadSegment),
            s => out.push(s),
        }
    }
    let mut real = out.canonicalize().map_err(|_| PathError::NotFound)?;
    if !real.starts_with(root) {
        return Err(PathError::EscapingSymlink);
    }
    if real.is_dir() {
        real = real.join("index.html").canonicalize().map_err(|_| PathError::NotFound)?;
        if !real.starts_with(root) {
            return Err(PathError::EscapingSymlink);
        }
    }
    if !real.is_file() {
        return Err(PathError::NotFound);
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (tempfile::TempDir, PathBuf) {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("build");
        std::fs::create_dir_all(root.join("js")).unwrap();
        std::fs::write(root.join("index.html"), "x").unwrap();
        std::fs::write(root.join("js/app.js"), "x").unwrap();
        std::fs::write(root.join("with space.js"), "x").unwrap();
        std::fs::write(outer.path().join("secret.txt"), "s").unwrap();
        let canonical = root.canonicalize().unwrap();
        (outer, canonical)
    }

    #[test]
    fn resolves_files_and_directory_indexes() {
        let (_o, r) = root();
        assert_eq!(resolve(&r, "/js/app.js").unwrap(), r.join("js/app.js"));
        assert_eq!(resolve(&r, "/").unwrap(), r.join("index.html"));
        assert_eq!(resolve(&r, "").unwrap(), r.join("index.html"));
        assert_eq!(resolve(&r, "/./js//app.js").unwrap(), r.join("js/app.js"));
        assert_eq!(resolve(&r, "/with%20space.js").unwrap(), r.join("with space.js"));
        assert_eq!(resolve(&r, "/js/missing.js"), Err(PathError::NotFound));
        assert_eq!(resolve(&r, "/js"), Err(PathError::NotFound), "a directory without index.html");
    }

    #[test]
    fn traversal_in_every_spelling_is_refused() {
        let (_o, r) = root();
        for (path, want) in [
            ("/../secret.txt", PathError::Traversal),
            ("/js/../../secret.txt", PathError::Traversal),
            ("/%2e%2e/secret.txt", PathError::Traversal),
            ("/%2E%2E/secret.txt", PathError::Traversal),
            ("/.%2e/secret.txt", PathError::Traversal),
            ("/..%2fsecret.txt", PathError::BadSegment),
            ("/..%5csecret.txt", PathError::BadSegment),
            ("/%2fetc%2fpasswd", PathError::BadSegment),
            ("/C:%5cWindows", PathError::BadSegment),
            ("/x%00.js", PathError::BadSegment),
            ("/%ff%fe", PathError::BadEncoding),
        ] {
            assert_eq!(resolve(&r, path), Err(want), "{path}");
        }
        // Double encoding decodes once: `%2e%2e` is then a literal (missing) file name.
        assert_eq!(resolve(&r, "/%252e%252e/secret.txt"), Err(PathError::NotFound));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_leaving_the_root_are_refused() {
        let (o, r) = root();
        std::os::unix::fs::symlink(o.path().join("secret.txt"), r.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(o.path(), r.join("up")).unwrap();
        std::os::unix::fs::symlink(r.join("js/app.js"), r.join("inside.js")).unwrap();
        assert_eq!(resolve(&r, "/link.txt"), Err(PathError::EscapingSymlink));
        assert_eq!(resolve(&r, "/up/secret.txt"), Err(PathError::EscapingSymlink));
        assert_eq!(resolve(&r, "/inside.js").unwrap(), r.join("js/app.js"));
    }
}
