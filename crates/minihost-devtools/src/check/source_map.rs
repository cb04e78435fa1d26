//! `//# sourceMappingURL=`: a file next to the bundle or a base64 `data:` URL.

use super::{frame_at, Location};
use base64::Engine;
use std::path::{Component, Path, PathBuf};

pub struct Map {
    map: sourcemap::SourceMap,
    dir: PathBuf,
}

/// The bundle's source map, if it names one that loads.
pub fn load(js: &Path, text: &str) -> Option<Map> {
    let tail = &text[super::floor_char(text, text.len().saturating_sub(4096))..];
    let at = tail.rfind("sourceMappingURL=")?;
    let url = tail[at + "sourceMappingURL=".len()..]
        .split_whitespace()
        .next()?
        .trim_end_matches("*/");
    let dir = js.parent().unwrap_or(Path::new(".")).to_owned();
    let bytes = if let Some(data) = url.strip_prefix("data:") {
        let (_, b64) = data.split_once(";base64,")?;
        base64::engine::general_purpose::STANDARD.decode(b64).ok()?
    } else {
        let decoded = percent_encoding::percent_decode_str(url.split(['?', '#']).next()?)
            .decode_utf8()
            .ok()?;
        std::fs::read(dir.join(decoded.as_ref())).ok()?
    };
    let map = sourcemap::SourceMap::from_slice(&bytes).ok()?;
    Some(Map { map, dir })
}

impl Map {
    /// The original position of a generated one (1-based line, UTF-16 column), with a frame
    /// from the map's `sourcesContent` or the file on disk.
    pub fn lookup(&self, line: u32, column: u32, base: &Path) -> Option<(Location, Option<String>)> {
        let token = self.map.lookup_token(line - 1, column - 1)?;
        if token.get_dst_line() != line - 1 {
            return None;
        }
        let source = token.get_source()?;
        let src_line = token.get_src_line() + 1;
        let src_col = token.get_src_col() + 1;
        let path = source_path(&self.dir, source);
        let shown = match &path {
            Some(p) => p.strip_prefix(base).unwrap_or(p).to_string_lossy().replace('\\', "/"),
            None => source.to_owned(),
        };
        let content = self
            .map
            .get_source_contents(token.get_src_id())
            .map(str::to_owned)
            .or_else(|| path.and_then(|p| std::fs::read_to_string(p).ok()));
        let frame = content.map(|c| frame_at(&c, src_line, src_col as usize));
        Some((
            Location {
                file: shown,
                line: src_line,
                column: src_col,
            },
            frame,
        ))
    }
}

/// A source entry as a path: relative to the map, `webpack://name/./x` as `x`.
fn source_path(dir: &Path, source: &str) -> Option<PathBuf> {
    let rel = if let Some(rest) = source.strip_prefix("webpack://") {
        rest.split_once('/').map_or(rest, |(_, p)| p)
    } else if source.contains("://") {
        return None;
    } else {
        source
    };
    let mut out = dir.to_owned();
    for c in Path::new(rel).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    Some(out)
}
