//! minihost: a host runtime for TikTok Minis mini dramas.
//!
//! The core (everything except `desktop`) knows nothing about webviews; shells adapt it.

pub mod assets;
pub mod config;
pub mod platform;
pub mod policy;
