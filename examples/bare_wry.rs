//! The performance floor minihost is measured against: a minimal wry + tao program with no
//! bridge, no SDK, no policy, no chrome and no platform. It serves a folder from its own
//! custom scheme (`bare://app/`, byte ranges, files read on a thread), opens `index.html`, and
//! answers each `window.ipc.postMessage("ID[:payload]")` with
//! `evaluate_script("__bare_reply(ID)")`.
//!
//! Run: `cargo run --release --example bare_wry -- DIR [--size 390x844]`
//! (`bench/run` builds it with the same profile as minihost and runs the two interleaved.)
//! It prints `loaded URL` on stdout when a page has finished loading. With
//! `BARE_TRACE_STARTUP=1` it prints `phase NAME UNIX_MS` on stderr at the start-up points
//! minihost's `--trace-startup` also logs, so bench/run can put the two side by side.
//! `BARE_INIT_SCRIPT=FILE` adds FILE as a document-start script (to bisect what minihost's
//! injected SDK costs on its own; see BENCHMARKS.md). A page message in minihost's JSON shape
//! (`{"id":N,...}`, sent by that script's `TTMinis`) is answered as minihost answers
//! `getLoginStatus`, so the bridge round trip can be bisected the same way.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use http::{header, Request, Response, StatusCode};
use tao::event::{Event, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoop};
use tao::platform::unix::WindowExtUnix;
use tao::window::WindowBuilder;
use wry::{PageLoadEvent, WebView, WebViewBuilder, WebViewBuilderExtUnix};

/// Open-ended ranges are cut to this, as minihost cuts them (`assets::MAX_CHUNK`).
const MAX_CHUNK: u64 = 4 * 1024 * 1024;

/// Prints the phase with the wall-clock time in ms, once per name.
fn phase(name: &'static str) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    static ON: AtomicBool = AtomicBool::new(false);
    static SEEN: Mutex<Vec<&str>> = Mutex::new(Vec::new());
    if name == "main entered" && std::env::var_os("BARE_TRACE_STARTUP").is_some() {
        ON.store(true, Ordering::Relaxed);
    }
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let mut seen = SEEN.lock().unwrap();
    if !seen.contains(&name) {
        seen.push(name);
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64()
            * 1000.0;
        eprintln!("phase {name} {ms:.1}");
    }
}

fn main() -> wry::Result<()> {
    phase("main entered");
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let (mut width, mut height) = (390u32, 844u32); // minihost's default device (iphone-14)
    while let Some(arg) = args.next() {
        if arg == "--size" {
            let size = args.next().unwrap_or_default();
            let parsed = size.split_once('x').and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)));
            (width, height) = parsed.unwrap_or_else(|| usage());
        } else if root.is_none() && !arg.starts_with('-') {
            root = Some(PathBuf::from(arg));
        } else {
            usage();
        }
    }
    let root = root.unwrap_or_else(|| usage());

    let event_loop = EventLoop::new();
    let window = WindowBuilder::new()
        .with_title("bare_wry")
        .with_inner_size(tao::dpi::LogicalSize::new(width, height))
        .with_resizable(false)
        .build(&event_loop)
        .expect("cannot open a window (run under xvfb-run without a display)");
    phase("window created");

    let slot: Rc<RefCell<Option<WebView>>> = Rc::default();
    let ipc_slot = slot.clone();
    let mut builder = WebViewBuilder::new();
    if let Some(path) = std::env::var_os("BARE_INIT_SCRIPT") {
        let script = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("BARE_INIT_SCRIPT {}: {e}", PathBuf::from(&path).display()));
        builder = builder.with_initialization_script(script);
    }
    let webview = builder
        // Files are read off the UI thread, as any real app would (and as minihost does).
        .with_asynchronous_custom_protocol("bare".into(), move |_id, request, responder| {
            let root = root.clone();
            std::thread::spawn(move || {
                responder.respond(serve(&root, &request));
                phase("first asset served");
            });
        })
        .with_ipc_handler(move |request| {
            let body = request.body();
            let slot = ipc_slot.borrow();
            let Some(webview) = slot.as_ref() else { return };
            // A call in minihost's JSON shape (bridge-js given as BARE_INIT_SCRIPT and the
            // page's SDK installed) is answered as minihost answers getLoginStatus, so a run
            // differs from minihost's only in the host.
            if let Some(rest) = body.strip_prefix("{\"id\":") {
                let id = rest.split(',').next().and_then(|n| n.parse::<u64>().ok());
                if let (Some(id), false) = (id, body.contains("\"method\":\"init\"")) {
                    let _ = webview.evaluate_script(&format!(
                        "__minihost_reply({{\"id\":{id},\"ok\":true,\"result\":{{\"status\":\"not_logged_in\"}}}})"
                    ));
                    phase("first reply delivered");
                }
                return;
            }
            // Only the call id comes back; anything after `:` is payload the floor ignores.
            let id = body.split(':').next().unwrap_or_default();
            if let Ok(id) = id.parse::<u64>() {
                let _ = webview.evaluate_script(&format!("__bare_reply({id})"));
                phase("first reply delivered");
            }
        })
        .with_on_page_load_handler(|event, url| {
            if let PageLoadEvent::Finished = event {
                phase("page loaded");
                println!("loaded {url}");
            }
        })
        .with_url("bare://app/")
        .build_gtk(window.default_vbox().expect("tao window has a GTK box"))?;
    *slot.borrow_mut() = Some(webview);
    phase("webview created");

    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        if let Event::WindowEvent {
            event: WindowEvent::CloseRequested,
            ..
        } = event
        {
            *control_flow = ControlFlow::Exit;
        }
    });
}

fn usage() -> ! {
    eprintln!("usage: bare_wry DIR [--size WIDTHxHEIGHT]");
    std::process::exit(2)
}

fn serve(root: &Path, request: &Request<Vec<u8>>) -> Response<Cow<'static, [u8]>> {
    let path = request.uri().path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if path.split('/').any(|part| part == ".." || part.is_empty()) {
        return status(StatusCode::FORBIDDEN);
    }
    let file = root.join(path);
    let Ok(mut f) = std::fs::File::open(&file) else {
        return status(StatusCode::NOT_FOUND);
    };
    let Ok(len) = f.metadata().map(|m| m.len()) else {
        return status(StatusCode::NOT_FOUND);
    };
    let content_type = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("mp4") => "video/mp4",
        _ => "application/octet-stream",
    };
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT_RANGES, "bytes");
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| parse_range(r, len));
    let (builder, start, count) = match range {
        Some((start, end)) => {
            let end = end.min(start + MAX_CHUNK - 1);
            (
                builder
                    .status(StatusCode::PARTIAL_CONTENT)
                    .header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")),
                start,
                end - start + 1,
            )
        }
        None => (builder, 0, len),
    };
    let mut body = vec![0; count as usize];
    if f.seek(SeekFrom::Start(start)).and_then(|_| f.read_exact(&mut body)).is_err() {
        return status(StatusCode::INTERNAL_SERVER_ERROR);
    }
    builder
        .header(header::CONTENT_LENGTH, count)
        .body(Cow::Owned(body))
        .expect("valid headers")
}

/// `bytes=START-END` or `bytes=START-`, clamped to the file; anything else is served whole.
fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
    let (start, end) = value.strip_prefix("bytes=")?.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end = match end.trim() {
        "" => len.checked_sub(1)?,
        e => e.parse::<u64>().ok()?.min(len.checked_sub(1)?),
    };
    (start <= end).then_some((start, end))
}

fn status(code: StatusCode) -> Response<Cow<'static, [u8]>> {
    Response::builder().status(code).body(Cow::Borrowed(&[][..])).expect("valid status")
}
