//! The platform emulator in process: what `minihost run` gives the core as its
//! [`EmbeddedPlatform`](minihost_core::host::EmbeddedPlatform).

use minihost_core::host::{AppSource, HostError, HostOptions};
use minihost_core::platform::HostPlatform;
use minihost_platform::{Platform, PlatformOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Opens the emulator on `data_dir` and serves it on loopback on `runtime`, for the app's
/// backend.
pub fn open(data_dir: &Path, runtime: &tokio::runtime::Runtime) -> Result<(Arc<dyn HostPlatform>, String), HostError> {
    let platform = Platform::open(data_dir, PlatformOptions::default()).map_err(|e| HostError::Platform {
        platform: format!("the embedded platform (data in {})", data_dir.display()),
        source: e.into(),
    })?;
    minihost_core::startup::phase("platform opened");
    let (url, _server) = runtime
        .block_on(minihost_platform::spawn_on_loopback(platform.clone()))
        .map_err(|source| HostError::Io {
            context: "cannot serve the platform on 127.0.0.1".into(),
            source,
        })?;
    minihost_core::startup::phase("platform server bound");
    Ok((Arc::new(platform), url))
}

/// [`HostOptions::new`] with the emulator as its embedded platform.
pub fn host_options(app: AppSource, data_dir: PathBuf) -> HostOptions {
    let mut opts = HostOptions::new(app, data_dir);
    opts.embedded = Some(open);
    opts
}
