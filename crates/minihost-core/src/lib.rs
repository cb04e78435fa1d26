//! minihost's core: the `Host` every shell drives. Config, policy, assets, the `TTMinis`
//! bridge, the shell model and the remote platform client; it knows nothing of webviews or
//! of the emulator, which reach it through `minihost-platform-api`'s `HostPlatform`.

pub mod app;
pub mod app_origin;
pub mod assets;
pub mod bridge;
pub mod config;
pub mod dev_server;
pub mod error_codes;
pub mod host;
pub mod package;
pub mod platform;
pub mod policy;
pub mod rules;
pub mod sdk;
pub mod shell;
pub mod shell_api;
pub mod startup;
