//! `minihost dev`: the app's own dev server (`dev.host:dev.port`) behind the app origin, so
//! its pages get the same CSP, SDK rewriting and bridge as a build. One HTTP/1.1 request per
//! asset over loopback, `Connection: close`; the dev server's websocket (HMR) cannot pass a
//! custom scheme, so the page connects to it directly and the CSP admits that one origin.

use crate::assets::Body;
use http::{header, HeaderName, Request, Response, StatusCode};
use std::borrow::Cow;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct DevServer {
    pub host: String,
    pub port: u16,
}

/// Headers that describe one connection, not the resource.
const HOP_BY_HOP: [&str; 6] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "upgrade",
    "content-security-policy",
];

impl DevServer {
    pub fn new(host: &str, port: u16) -> DevServer {
        DevServer {
            host: host.to_owned(),
            port,
        }
    }

    pub fn origin(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The websocket origin its HMR client connects to.
    pub fn ws_origin(&self) -> String {
        format!("ws://{}:{}", self.host, self.port)
    }

    fn connect(&self) -> std::io::Result<TcpStream> {
        let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
        for addr in (self.host.as_str(), self.port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
                Ok(s) => return Ok(s),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    pub fn is_up(&self) -> bool {
        self.connect().is_ok()
    }

    /// Forwards a request (method, path and query, `Range`, `Accept`) and returns the answer.
    pub fn forward<B>(&self, req: &Request<B>) -> std::io::Result<Response<Body>> {
        let mut s = self.connect()?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let mut head = format!(
            "{} {target} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\nAccept-Encoding: identity\r\n",
            req.method(),
            self.host,
            self.port
        );
        for name in [header::ACCEPT, header::RANGE, header::IF_NONE_MATCH] {
            if let Some(v) = req.headers().get(&name).and_then(|v| v.to_str().ok()) {
                head.push_str(&format!("{name}: {v}\r\n"));
            }
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        parse_response(&raw).ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP response"))
    }

    /// What the page shows while the dev server is down; it retries every second.
    pub fn waiting_page(&self, why: &str) -> Response<Body> {
        let html = format!(
            "<!doctype html><meta http-equiv=\"refresh\" content=\"1\"><body style=\"font:14px sans-serif;padding:24px\">\
             <p>Waiting for the dev server at {} ({}).</p><p>Start it with <code>npm run dev</code>; this page loads the app when it answers.</p>",
            html_escape::encode_text(&self.origin()),
            html_escape::encode_text(why)
        );
        Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-store")
            .body(Cow::Owned(html.into_bytes()))
            .expect("static headers are valid")
    }
}

fn parse_response(raw: &[u8]) -> Option<Response<Body>> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut builder = Response::builder().status(status);
    let mut chunked = false;
    for l in lines {
        let (name, value) = l.split_once(':')?;
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim();
        if name == "transfer-encoding" && value.to_ascii_lowercase().contains("chunked") {
            chunked = true;
        }
        if HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        if let Ok(n) = HeaderName::from_bytes(name.as_bytes()) {
            builder = builder.header(n, value);
        }
    }
    let body = &raw[end + 4..];
    let body = if chunked { dechunk(body)? } else { body.to_vec() };
    builder = builder.header(header::CONTENT_LENGTH, body.len());
    builder.body(Cow::Owned(body)).ok()
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&b[..eol]).ok()?.split(';').next()?.trim();
        let n = usize::from_str_radix(size, 16).ok()?;
        b = &b[eol + 2..];
        if n == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..n)?);
        b = b.get(n + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_parsed_with_chunks_and_without_hop_by_hop_headers() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nContent-Security-Policy: x\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        let r = parse_response(raw).unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.body().as_ref(), b"hello world");
        assert_eq!(r.headers()[header::CONTENT_LENGTH], "11");
        assert!(r.headers().get(header::CONTENT_SECURITY_POLICY).is_none());
        let plain = parse_response(b"HTTP/1.0 404 Not Found\r\nContent-Length: 2\r\n\r\nno").unwrap();
        assert_eq!((plain.status().as_u16(), plain.body().as_ref()), (404, &b"no"[..]));
    }
}
