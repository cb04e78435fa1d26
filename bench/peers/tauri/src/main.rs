//! The Tauri 2 peer: the bench page (embedded from `dist/`, which bench/run writes from
//! bench/pages) in a 390x844 window, `window.BENCH` from DIR/config.js as an initialization
//! script, and a `ping` command for the `invoke` round trip.
//!
//! Run: `peer-tauri DIR`. Prints `loaded URL` on stdout when a page has finished loading.

use tauri::webview::PageLoadEvent;
use tauri::{WebviewUrl, WebviewWindowBuilder};

#[tauri::command]
fn ping() {}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: peer-tauri DIR (a folder with the bench's config.js)");
        std::process::exit(2)
    });
    let config = std::fs::read_to_string(std::path::Path::new(&dir).join("config.js")).unwrap_or_default();
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ping])
        .setup(move |app| {
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title("peer-tauri")
                .inner_size(390.0, 844.0)
                .resizable(false)
                .initialization_script(&config)
                .on_page_load(|_, payload| {
                    if let PageLoadEvent::Finished = payload.event() {
                        println!("loaded {}", payload.url());
                    }
                })
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("tauri runs");
}
