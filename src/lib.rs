//! minihost: a host runtime for TikTok Minis mini dramas.
//!
//! The core (everything except `desktop`) knows nothing about webviews; shells adapt it.

pub mod app;
pub mod app_origin;
pub mod assets;
pub mod bridge;
pub mod config;
#[cfg(feature = "desktop")]
pub mod desktop;
pub mod dev_server;
#[cfg(feature = "devtools")]
pub mod devtools;
pub mod host;
pub mod media_server;
pub mod platform;
pub mod policy;
#[cfg(feature = "emulator")]
pub mod sample_backend;
pub mod sdk;
pub mod shell;
pub mod startup;
