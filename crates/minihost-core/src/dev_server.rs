//! `minihost dev`: the app's own dev server (`dev.host:dev.port`) behind the app origin, so
//! its pages get the same CSP, SDK rewriting and bridge as a build. Each asset request is
//! forwarded over loopback with one pooled `reqwest` client, and the answer's body is read as
//! a stream up to the cap on a whole response ([`MAX_WHOLE_BODY`]), as for a file of the
//! build. The dev server's websocket (HMR) cannot pass a custom scheme, so the page connects
//! to it directly and the CSP admits that one origin.

use crate::assets::{error_response, Body, MAX_WHOLE_BODY};
use http::{header, Request, Response, StatusCode};
use std::borrow::Cow;
use std::io::{self, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The dev server runs on this machine: it accepts at once or not at all.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long it may stay silent, before its head and between reads of its body: a bundler
/// may compile a while on the first request.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct DevServer {
    pub host: String,
    pub port: u16,
    /// One client for every request, so connections are reused; a clone shares it.
    client: reqwest::blocking::Client,
    /// The most one response body may hold.
    cap: u64,
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
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            // The blocking client applies this to the wait for the head and to each read.
            .timeout(READ_TIMEOUT)
            // A loopback server, never reached through an HTTP(S)_PROXY of the environment.
            .no_proxy()
            // A redirect goes to the page, which follows it on the app origin.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client without TLS builds");
        DevServer {
            host: host.to_owned(),
            port,
            client,
            cap: MAX_WHOLE_BODY,
        }
    }

    pub fn origin(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The websocket origin its HMR client connects to.
    pub fn ws_origin(&self) -> String {
        format!("ws://{}:{}", self.host, self.port)
    }

    /// Whether it accepts connections. A connect only: a request could start a compile.
    pub fn is_up(&self) -> bool {
        let Ok(addrs) = (self.host.as_str(), self.port).to_socket_addrs() else {
            return false;
        };
        addrs.into_iter().any(|a| TcpStream::connect_timeout(&a, CONNECT_TIMEOUT).is_ok())
    }

    /// Forwards a request (method, path and query, `Accept`, `Range`, `If-None-Match`) and
    /// returns the answer, or a refusal naming the URL and the cap when its body is larger.
    /// `Err` when the dev server does not answer; its message is the cause
    /// ("Connection refused (os error 111)").
    pub fn forward<B>(&self, req: &Request<B>) -> io::Result<Response<Body>> {
        let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let url = format!("{}{target}", self.origin());
        // Identity: the body is measured against the cap, and HTML and CSS are rewritten.
        let mut request = self
            .client
            .request(req.method().clone(), &url)
            .header(header::ACCEPT_ENCODING, "identity");
        for name in [header::ACCEPT, header::RANGE, header::IF_NONE_MATCH] {
            if let Some(v) = req.headers().get(&name) {
                request = request.header(name, v.clone());
            }
        }
        let answer = request.send().map_err(|e| cause(&e))?;
        let mut builder = Response::builder().status(answer.status());
        for (name, value) in answer.headers() {
            if !HOP_BY_HOP.contains(&name.as_str()) {
                builder = builder.header(name, value);
            }
        }
        // Taken before reading: as the body is read, what is left is all reqwest says.
        let declared = answer.content_length();
        let Some(body) = read_capped(answer, declared, self.cap).map_err(|e| cause(&e))? else {
            return Ok(self.too_large(&url, declared));
        };
        Ok(builder
            .header(header::CONTENT_LENGTH, body.len())
            .body(Cow::Owned(body))
            .expect("status and headers come from a parsed response"))
    }

    /// The refusal of a body over the cap; `len` is its declared length, if any.
    fn too_large(&self, url: &str, len: Option<u64>) -> Response<Body> {
        let cap = self.cap;
        let size = len.map_or_else(|| "sends more than".to_owned(), |n| format!("is {n} bytes, over"));
        let message = format!("{url} {size} the {cap} bytes one response may hold; request it with a Range header");
        tracing::warn!(target: "minihost::assets", "{message}");
        error_response(StatusCode::INTERNAL_SERVER_ERROR, &message)
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

/// The body, or `None` when it is over `cap`: refused on its `declared` length before any of
/// it is read, else once `cap + 1` bytes have come; no more is read, and dropping `answer`
/// hangs up.
fn read_capped(answer: reqwest::blocking::Response, declared: Option<u64>, cap: u64) -> io::Result<Option<Vec<u8>>> {
    if declared.is_some_and(|n| n > cap) {
        return Ok(None);
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0) as usize);
    answer.take(cap + 1).read_to_end(&mut body)?;
    Ok((body.len() as u64 <= cap).then_some(body))
}

/// The innermost cause of a failure ("Connection refused (os error 111)"), which says more
/// than reqwest's "error sending request for url (...)".
fn cause(e: &(dyn std::error::Error + 'static)) -> io::Error {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let kind = inner.downcast_ref::<io::Error>().map_or(io::ErrorKind::Other, io::Error::kind);
    io::Error::new(kind, inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;
    use std::thread;

    impl DevServer {
        fn with_cap(mut self, cap: u64) -> DevServer {
            self.cap = cap;
            self
        }
    }

    /// A dev server on loopback for one request: connections that send nothing (`is_up`'s)
    /// are skipped; `answer` gets the request's head, lowercased, and writes the response.
    fn dev_server<T: Send + 'static>(
        answer: impl FnOnce(String, &mut TcpStream) -> T + Send + 'static,
    ) -> (DevServer, thread::JoinHandle<T>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || loop {
            let (mut s, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8];
            while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap() == 1 {
                head.push(byte[0]);
            }
            if !head.is_empty() {
                return answer(String::from_utf8(head).unwrap().to_ascii_lowercase(), &mut s);
            }
        });
        (DevServer::new("127.0.0.1", port), server)
    }

    fn get(path: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut r = Request::get(format!("minihost://app{path}"));
        for (name, value) in headers {
            r = r.header(*name, *value);
        }
        r.body(()).unwrap()
    }

    fn text(r: &Response<Body>) -> &str {
        std::str::from_utf8(r.body()).unwrap()
    }

    #[test]
    fn a_page_is_proxied_with_its_status_type_and_body() {
        let (dev, server) = dev_server(|head, s| {
            let answer = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\
                          Content-Security-Policy: x\r\nETag: \"v1\"\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
            s.write_all(answer.as_bytes()).unwrap();
            head
        });
        assert!(dev.is_up());
        let r = dev.forward(&get("/index.html?v=1", &[("accept", "text/html")])).unwrap();
        let head = server.join().unwrap();
        assert!(head.starts_with("get /index.html?v=1 http/1.1\r\n"), "{head}");
        for sent in [
            format!("host: 127.0.0.1:{}\r\n", dev.port),
            "accept: text/html\r\n".into(),
            "accept-encoding: identity\r\n".into(),
        ] {
            assert!(head.contains(&sent), "{sent:?} not in {head}");
        }
        assert_eq!((r.status(), text(&r)), (StatusCode::OK, "hello world"));
        assert_eq!(r.headers()[header::CONTENT_TYPE], "text/html");
        assert_eq!(r.headers()[header::ETAG], "\"v1\"");
        assert_eq!(r.headers()[header::CONTENT_LENGTH], "11", "the length of the body as read");
        assert!(r.headers().get(header::TRANSFER_ENCODING).is_none());
        assert!(
            r.headers().get(header::CONTENT_SECURITY_POLICY).is_none(),
            "the app origin sets its own"
        );
    }

    #[test]
    fn a_range_request_is_forwarded_and_answered_in_part() {
        let (dev, server) = dev_server(|head, s| {
            assert!(head.contains("range: bytes=2-4\r\n"), "{head}");
            let answer =
                "HTTP/1.1 206 Partial Content\r\nContent-Type: video/mp4\r\nContent-Range: bytes 2-4/10\r\nContent-Length: 3\r\n\r\nllo";
            s.write_all(answer.as_bytes()).unwrap();
        });
        let r = dev.forward(&get("/clip.mp4", &[("range", "bytes=2-4")])).unwrap();
        server.join().unwrap();
        assert_eq!((r.status(), text(&r)), (StatusCode::PARTIAL_CONTENT, "llo"));
        assert_eq!(r.headers()[header::CONTENT_RANGE], "bytes 2-4/10");
        assert_eq!(r.headers()[header::CONTENT_LENGTH], "3");
    }

    #[test]
    fn a_redirect_goes_to_the_page_unfollowed() {
        let (dev, server) = dev_server(|_, s| {
            s.write_all(b"HTTP/1.1 302 Found\r\nLocation: /app/\r\nContent-Length: 0\r\n\r\n")
                .unwrap();
        });
        let r = dev.forward(&get("/app", &[])).unwrap();
        server.join().unwrap();
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(r.headers()[header::LOCATION], "/app/");
    }

    /// Writes `chunk` until the client hangs up (`Err`) or `limit` bytes are out (`Ok`).
    fn write_until_refused(s: &mut TcpStream, chunk: &[u8], limit: usize) -> Result<usize, usize> {
        let mut written = 0;
        while written < limit {
            if s.write_all(chunk).is_err() {
                return Err(written);
            }
            written += chunk.len();
        }
        Ok(written)
    }

    const CAP: u64 = 4096;
    /// Far more than the loopback socket's buffers hold: only a client reading it all gets it.
    const ENDLESS: usize = 256 * 1024 * 1024;

    /// `path` forwarded under [`CAP`] to a dev server whose answer `send` writes: the
    /// dev server's origin and the refusal's text, once the server saw the client hang up.
    fn refused(path: &str, send: impl FnOnce(&mut TcpStream) -> Result<usize, usize> + Send + 'static) -> (String, String) {
        let (dev, server) = dev_server(|_, s| send(s));
        let r = dev.clone().with_cap(CAP).forward(&get(path, &[])).unwrap();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let written = server.join().unwrap();
        assert!(written.is_err(), "the client hung up instead of reading on: {written:?}");
        (dev.origin(), text(&r).to_owned())
    }

    #[test]
    fn a_body_over_the_cap_is_refused_on_its_declared_length_unread() {
        let (origin, text) = refused("/big.mp4", |s| {
            write!(s, "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: {ENDLESS}\r\n\r\n").unwrap();
            write_until_refused(s, &[0; 64 * 1024], ENDLESS)
        });
        assert_eq!(
            text,
            format!(
                "500 Internal Server Error: {origin}/big.mp4 is {ENDLESS} bytes, over the {CAP} bytes one response may hold; request it with a Range header\n"
            )
        );
    }

    #[test]
    fn a_streamed_body_over_the_cap_is_refused_once_the_cap_is_passed() {
        let (origin, text) = refused("/endless", |s| {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
                .unwrap();
            let chunk = [b"400\r\n".as_slice(), &[b'a'; 1024], b"\r\n"].concat();
            write_until_refused(s, &chunk, ENDLESS)
        });
        let said = format!("{origin}/endless sends more than the {CAP} bytes one response may hold");
        assert!(text.contains(&said), "{text}");
    }

    #[test]
    fn a_body_of_exactly_the_cap_is_served() {
        let (dev, server) = dev_server(|_, s| {
            s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n")
                .unwrap();
        });
        let r = dev.with_cap(4).forward(&get("/", &[])).unwrap();
        server.join().unwrap();
        assert_eq!((r.status(), text(&r)), (StatusCode::OK, "abcd"));
    }

    #[test]
    fn a_dev_server_that_is_down_gets_the_waiting_page_with_the_cause() {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dev = DevServer::new("127.0.0.1", port);
        assert!(!dev.is_up());
        let e = dev.forward(&get("/", &[])).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused, "{e}");
        assert!(
            e.to_string().starts_with("Connection refused"),
            "the cause, not reqwest's wrapping: {e}"
        );
        let page = dev.waiting_page(&e.to_string());
        assert_eq!(page.status(), StatusCode::BAD_GATEWAY);
        let html = text(&page);
        for said in [dev.origin().as_str(), "Connection refused", "npm run dev", "http-equiv=\"refresh\""] {
            assert!(html.contains(said), "{said:?} not in {html}");
        }
    }
}
