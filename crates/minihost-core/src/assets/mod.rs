//! The app's build output, served over the custom scheme: safe path resolution, content
//! types and HTTP ranges. A range response never reads more than `MAX_CHUNK` bytes, so a
//! `<video>` streaming a large file costs bounded memory per request.

mod mime;
mod path;
#[cfg(test)]
mod proptests;
mod range;

pub use mime::content_type;
pub use path::{resolve, PathError};
pub use range::{parse_range, ByteRange, RangeError};

use http::{header, Method, Response, StatusCode};
use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The most one range response carries. Open-ended and oversized ranges are shortened to
/// this; the reply's `Content-Range` says what was sent and clients ask for the rest.
pub const MAX_CHUNK: u64 = 4 * 1024 * 1024;

/// The largest file [`Assets::serve`] answers whole. A webview API that takes one buffer per
/// response (wry's custom protocol) holds the file in memory; larger files must be asked for
/// with a Range header (media elements do) or streamed (the media server).
pub const MAX_WHOLE_BODY: u64 = 64 * 1024 * 1024;

pub type Body = Cow<'static, [u8]>;

/// A static file tree rooted at the app's build output.
#[derive(Debug, Clone)]
pub struct Assets {
    root: PathBuf,
}

/// What was served, for logging and for HTML post-processing by the caller.
#[derive(Debug)]
pub struct Served {
    pub response: Response<Body>,
    pub file: Option<PathBuf>,
    pub bytes_read: u64,
}

impl Assets {
    /// `root` must exist; it is canonicalised once so symlink checks are cheap.
    pub fn new(root: &Path) -> std::io::Result<Assets> {
        Ok(Assets {
            root: root.canonicalize()?,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Serves `url_path` (still percent-encoded, as it appears in the URL), reading the body
    /// into memory. Range responses are cut to `MAX_CHUNK`; a whole file over
    /// `MAX_WHOLE_BODY` is refused rather than read.
    pub fn serve(&self, method: &Method, url_path: &str, range: Option<&str>) -> Served {
        match self.open(method, url_path, range, Some(MAX_CHUNK)) {
            Err(served) => *served,
            Ok(opened) if opened.response.body().as_ref().is_some_and(|s| s.len > MAX_WHOLE_BODY) => {
                let len = opened.response.body().as_ref().map_or(0, |s| s.len);
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!(
                        "{} is {len} bytes, over the {MAX_WHOLE_BODY} bytes one response may hold; request it with a Range header",
                        opened.file.display()
                    ),
                )
            }
            Ok(opened) => {
                let (parts, slice) = opened.response.into_parts();
                let mut body = Vec::new();
                if let Some(s) = slice {
                    let read = s.read_to_end(&mut body);
                    if let Err(e) = read {
                        return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("cannot read file: {e}"));
                    }
                }
                let bytes_read = body.len() as u64;
                Served {
                    response: Response::from_parts(parts, Cow::Owned(body)),
                    file: Some(opened.file),
                    bytes_read,
                }
            }
        }
    }

    /// Resolves and opens `url_path` and decides status and headers, without reading the
    /// body: the caller reads the returned slice into memory or streams it. `cap` limits
    /// how much one range response carries.
    pub fn open(&self, method: &Method, url_path: &str, range: Option<&str>, cap: Option<u64>) -> Result<Opened, Box<Served>> {
        if method != Method::GET && method != Method::HEAD {
            return Err(Box::new(error(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD are served")));
        }
        let path = match resolve(&self.root, url_path) {
            Ok(f) => f,
            Err(e @ PathError::NotFound) => return Err(Box::new(error(StatusCode::NOT_FOUND, &e.to_string()))),
            Err(e) => return Err(Box::new(error(StatusCode::FORBIDDEN, &e.to_string()))),
        };
        let io_error = |e: std::io::Error| Box::new(error(StatusCode::INTERNAL_SERVER_ERROR, &format!("cannot read file: {e}")));
        let file = File::open(&path).map_err(io_error)?;
        let len = file.metadata().map_err(io_error)?.len();
        let builder = Response::builder()
            .header(header::CONTENT_TYPE, content_type(&path))
            .header(header::ACCEPT_RANGES, "bytes")
            .header(header::CACHE_CONTROL, "no-cache");
        let wanted = match range.map(|r| parse_range(r, len)) {
            None => None,
            Some(Ok(r)) => Some(r),
            Some(Err(RangeError::Unsatisfiable)) => {
                let response = builder
                    .status(StatusCode::RANGE_NOT_SATISFIABLE)
                    .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                    .body(Cow::Borrowed(&[][..]))
                    .expect("static headers are valid");
                return Err(Box::new(Served {
                    response,
                    file: Some(path),
                    bytes_read: 0,
                }));
            }
            // A malformed Range header is ignored, as RFC 9110 allows.
            Some(Err(RangeError::Malformed)) => None,
        };
        let (status, start, count) = match wanted {
            Some(r) => (StatusCode::PARTIAL_CONTENT, r.start, cap.map_or(r.len(), |c| r.len().min(c))),
            None => (StatusCode::OK, 0, len),
        };
        let mut builder = builder.status(status).header(header::CONTENT_LENGTH, count);
        if status == StatusCode::PARTIAL_CONTENT {
            builder = builder.header(header::CONTENT_RANGE, format!("bytes {start}-{}/{len}", start + count - 1));
        }
        let slice = (method != Method::HEAD).then_some(Slice { file, start, len: count });
        Ok(Opened {
            response: builder.body(slice).expect("headers are valid"),
            file: path,
        })
    }
}

/// A byte range of an open file: what a response body must carry.
#[derive(Debug)]
pub struct Slice {
    pub file: File,
    pub start: u64,
    pub len: u64,
}

impl Slice {
    pub fn read_to_end(mut self, out: &mut Vec<u8>) -> std::io::Result<()> {
        self.file.seek(SeekFrom::Start(self.start))?;
        out.reserve_exact(self.len as usize);
        self.file.take(self.len).read_to_end(out)?;
        Ok(())
    }
}

/// Status and headers decided, body not yet read.
#[derive(Debug)]
pub struct Opened {
    pub response: Response<Option<Slice>>,
    pub file: PathBuf,
}

fn error(status: StatusCode, message: &str) -> Served {
    Served {
        response: error_response(status, message),
        file: None,
        bytes_read: 0,
    }
}

/// A plain-text error, `"404 Not Found: {message}"`: what the app origin answers when it
/// refuses a request (here, or for the dev server in `minihost dev`).
pub(crate) fn error_response(status: StatusCode, message: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Cow::Owned(
            format!("{} {}: {message}\n", status.as_u16(), status.canonical_reason().unwrap_or("")).into_bytes(),
        ))
        .expect("static headers are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, Assets) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<h1>hi</h1>").unwrap();
        std::fs::create_dir(dir.path().join("media")).unwrap();
        std::fs::write(
            dir.path().join("media/clip.mp4"),
            (0..=255u8).cycle().take(10_000).collect::<Vec<_>>(),
        )
        .unwrap();
        let assets = Assets::new(dir.path()).unwrap();
        (dir, assets)
    }

    fn header<'a>(s: &'a Served, name: &str) -> &'a str {
        s.response.headers().get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }

    #[test]
    fn serves_index_for_directories() {
        let (_d, a) = tree();
        let s = a.serve(&Method::GET, "/", None);
        assert_eq!(s.response.status(), 200);
        assert_eq!(header(&s, "content-type"), "text/html; charset=utf-8");
        assert_eq!(&s.response.body()[..], b"<h1>hi</h1>");
    }

    #[test]
    fn ranges_return_206_with_content_range() {
        let (_d, a) = tree();
        let s = a.serve(&Method::GET, "/media/clip.mp4", Some("bytes=256-511"));
        assert_eq!(s.response.status(), 206);
        assert_eq!(header(&s, "content-range"), "bytes 256-511/10000");
        assert_eq!(header(&s, "content-length"), "256");
        assert_eq!(header(&s, "accept-ranges"), "bytes");
        assert_eq!(s.response.body()[0], 0);
        assert_eq!(s.response.body()[255], 255);
        let tail = a.serve(&Method::GET, "/media/clip.mp4", Some("bytes=-10"));
        assert_eq!(header(&tail, "content-range"), "bytes 9990-9999/10000");
    }

    #[test]
    fn unsatisfiable_range_is_416() {
        let (_d, a) = tree();
        let s = a.serve(&Method::GET, "/media/clip.mp4", Some("bytes=10000-"));
        assert_eq!(s.response.status(), 416);
        assert_eq!(header(&s, "content-range"), "bytes */10000");
    }

    #[test]
    fn head_sends_headers_only() {
        let (_d, a) = tree();
        let s = a.serve(&Method::HEAD, "/media/clip.mp4", None);
        assert_eq!(
            (s.response.status().as_u16(), header(&s, "content-length"), s.response.body().len()),
            (200, "10000", 0)
        );
        assert_eq!(a.serve(&Method::POST, "/", None).response.status(), 405);
    }

    #[test]
    fn open_ended_range_on_a_large_file_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.mp4");
        let f = File::create(&big).unwrap();
        f.set_len(3 * MAX_CHUNK + 7).unwrap(); // sparse: costs no disk
        let a = Assets::new(dir.path()).unwrap();
        let s = a.serve(&Method::GET, "/big.mp4", Some("bytes=0-"));
        assert_eq!(s.response.status(), 206);
        assert_eq!(s.bytes_read, MAX_CHUNK);
        assert_eq!(
            header(&s, "content-range"),
            format!("bytes 0-{}/{}", MAX_CHUNK - 1, 3 * MAX_CHUNK + 7)
        );
    }

    #[test]
    fn a_whole_file_over_the_cap_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        File::create(dir.path().join("huge.bin"))
            .unwrap()
            .set_len(MAX_WHOLE_BODY + 1)
            .unwrap();
        let a = Assets::new(dir.path()).unwrap();
        let s = a.serve(&Method::GET, "/huge.bin", None);
        assert_eq!((s.response.status().as_u16(), s.bytes_read), (500, 0));
        let text = String::from_utf8_lossy(s.response.body()).into_owned();
        assert!(text.contains("huge.bin") && text.contains("Range"), "{text}");
        assert_eq!(a.serve(&Method::GET, "/huge.bin", Some("bytes=0-")).bytes_read, MAX_CHUNK);
        assert_eq!(a.serve(&Method::HEAD, "/huge.bin", None).response.status(), 200);
    }

    #[test]
    fn missing_and_forbidden() {
        let (_d, a) = tree();
        assert_eq!(a.serve(&Method::GET, "/nope.js", None).response.status(), 404);
        assert_eq!(a.serve(&Method::GET, "/../etc/passwd", None).response.status(), 403);
        assert_eq!(a.serve(&Method::GET, "/%2e%2e/etc/passwd", None).response.status(), 403);
    }
}
