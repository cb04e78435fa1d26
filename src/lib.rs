//! minihost, the command: it assembles the layers, each its own crate. `minihost-core` (the
//! `Host` every shell drives; no webview, no emulator), `minihost-desktop` (the wry + tao
//! shell), `minihost-devtools` (check, init, build), `minihost-platform` (the emulator) and
//! `minihost-backend` (the sample drama's server). This library is what `main.rs` and the
//! integration tests share: the emulator opened in process and the sample's backend.

pub mod embedded;
pub mod sample_backend;
