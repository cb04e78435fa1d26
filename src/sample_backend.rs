//! `minihost run` without an app: the sample drama's server (the `minihost-backend` crate)
//! starts in process. It reaches the embedded platform over HTTP like any app server; the
//! host trusts its loopback origin for this app only, and the page learns its URL from
//! `backend-url.js` in the unpacked sample.

use minihost_backend::{Backend, BackendError, Config, WEBHOOK_PATH};
use minihost_core::app::{App, AppError};
use minihost_core::host::Host;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The script the sample loads before its app code; the bundled copy names no backend.
pub const URL_SCRIPT: &str = "backend-url.js";

#[derive(Debug, thiserror::Error)]
pub enum SampleBackendError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    App(#[from] AppError),
    #[error("the embedded platform at {url}: {why}")]
    Platform { url: String, why: String },
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// The backend's port, bound before the host starts so the policy can trust its origin.
pub struct SampleBackend {
    pub url: String,
    listener: std::net::TcpListener,
    data_dir: PathBuf,
}

impl SampleBackend {
    /// Binds 127.0.0.1 and writes the URL where the unpacked sample (under `data_dir`) reads it.
    pub fn bind(data_dir: &Path) -> Result<SampleBackend, SampleBackendError> {
        let io = |context: &str| {
            let context = context.to_string();
            move |source| SampleBackendError::Io { context, source }
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(io("cannot listen on 127.0.0.1 for the sample backend"))?;
        let url = format!("http://{}", listener.local_addr().map_err(io("no local address"))?);
        let sample = App::sample(&data_dir.join("cache"))?;
        let script = sample.root.join(URL_SCRIPT);
        std::fs::write(&script, format!("window.SAMPLE_BACKEND_URL = '{url}';\n"))
            .map_err(io(&format!("cannot write {}", script.display())))?;
        Ok(SampleBackend {
            url,
            listener,
            data_dir: data_dir.join("backend"),
        })
    }

    /// Reads the app's secret from the platform, points its webhooks here, and serves on the
    /// host's runtime. Returns the webhook URL.
    pub fn start(self, host: &Host) -> Result<String, SampleBackendError> {
        let platform = host.platform_url().to_string();
        let client_key = host.client_key();
        let failed = |why: String| SampleBackendError::Platform {
            url: platform.clone(),
            why,
        };
        let http = reqwest::blocking::Client::new();
        let apps: Value = http
            .get(format!("{platform}/__admin/apps"))
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .map_err(|e| failed(format!("cannot list apps: {e}")))?;
        let secret = apps["apps"]
            .as_array()
            .and_then(|apps| apps.iter().find(|a| a["client_key"] == client_key.as_str()))
            .and_then(|a| a["client_secret"].as_str())
            .ok_or_else(|| failed(format!("app {client_key} is not registered")))?
            .to_string();
        let webhook_url = format!("{}{WEBHOOK_PATH}", self.url);
        http.post(format!("{platform}/__admin/apps/webhook"))
            .json(&json!({ "client_key": client_key, "webhook_url": webhook_url }))
            .send()
            .and_then(|r| r.error_for_status())
            .map_err(|e| failed(format!("cannot set the webhook URL: {e}")))?;
        let backend = Backend::open(Config::new(&platform, &client_key, &secret, &self.data_dir))?;
        let io = |source| SampleBackendError::Io {
            context: "cannot serve the sample backend".into(),
            source,
        };
        self.listener.set_nonblocking(true).map_err(io)?;
        let runtime = host.runtime();
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(self.listener).map_err(io)?
        };
        runtime.spawn(async move {
            if let Err(e) = backend.serve(listener).await {
                tracing::error!(target: "minihost::sample_backend", "the sample backend stopped: {e}");
            }
        });
        Ok(webhook_url)
    }
}
