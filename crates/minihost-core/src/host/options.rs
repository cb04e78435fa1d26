//! How a host is started: which app, device, theme, consent mode, user and platform.

use super::HostError;
use crate::assets::Assets;
use crate::platform::{HostApp, HostPlatform};
use crate::shell::sheets::ConsentMode;
use crate::shell::Theme;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Opens the platform emulator in process on a data dir, serves it on loopback on `runtime`
/// for the app's backend, and returns it with its base URL. The CLI gives the emulator's; the
/// core has none of its own.
pub type EmbeddedPlatform = fn(&Path, &tokio::runtime::Runtime) -> Result<(Arc<dyn HostPlatform>, String), HostError>;

/// Serves the app's `<video>`/`<audio>` from a loopback HTTP server on `runtime`, for webviews
/// whose media stack plays no custom scheme (WebKitGTK). The desktop shell gives one.
pub type MediaServer = fn(Assets, &tokio::runtime::Runtime) -> std::io::Result<MediaRoute>;

/// Where a [`MediaServer`] listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRoute {
    /// `http://127.0.0.1:PORT`, admitted by the CSP's `media-src`.
    pub origin: String,
    /// The origin and its per-run token path, where bridge-js points media sources.
    pub base: String,
}

/// How bridge-js in the app's page reaches the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// `window.ipc.postMessage` (wry).
    #[default]
    Ipc,
    /// `window.MinihostAndroid.postMessage` (`addJavascriptInterface`).
    Android,
    /// `window.webkit.messageHandlers.minihost.postMessage` (`WKScriptMessageHandler`).
    Ios,
}

impl Transport {
    /// The name bridge-js knows it by.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Ipc => "ipc",
            Transport::Android => "android",
            Transport::Ios => "ios",
        }
    }

    /// Where a shell of this transport serves the app: Android's WebView gives custom schemes
    /// an opaque origin (no storage, no same-origin fetch), so it gets an https one.
    pub fn app_origin(self) -> &'static str {
        match self {
            Transport::Android => crate::policy::HTTPS_APP_ORIGIN,
            Transport::Ipc | Transport::Ios => crate::policy::APP_ORIGIN,
        }
    }

    /// A JavaScript function expression that posts one message string to the shell.
    pub fn post_message_js(self) -> &'static str {
        match self {
            Transport::Ipc => "function(s){window.ipc.postMessage(s)}",
            Transport::Android => "function(s){window.MinihostAndroid.postMessage(s)}",
            Transport::Ios => "function(s){window.webkit.messageHandlers.minihost.postMessage(s)}",
        }
    }

    /// Whether its webview has no document-start injection of its own (Android's framework
    /// WebView), so the start script goes inline at the top of every HTML page.
    pub fn inlines_start_script(self) -> bool {
        self == Transport::Android
    }
}

impl HostOptions {
    /// [`HostOptions::new`] with the defaults of a shell on `transport`: its app origin and
    /// where its start script goes.
    pub fn for_shell(app: AppSource, data_dir: PathBuf, transport: Transport) -> HostOptions {
        let mut opts = HostOptions::new(app, data_dir);
        opts.transport = transport;
        opts.app_origin = transport.app_origin().to_string();
        opts.start_script_in_html = transport.inlines_start_script();
        opts
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppSource {
    /// A project root (served from `build.outputDir`) or a build output folder.
    Dir(PathBuf),
    /// The bundled sample drama.
    Sample,
    /// `minihost dev`: a project whose pages come from its dev server (`dev.host:dev.port`),
    /// through the app origin.
    DevServer(PathBuf),
    /// `minihost dev --build`: a project's build output, the page reloaded when it changes.
    DevBuild(PathBuf),
    /// A packaged app (the bytes of a `minis.zip`), unpacked into the data dir once.
    Package(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformChoice {
    /// The emulator in process, on `HostOptions::data_dir`, also served on loopback for the
    /// app's backend; opened by [`HostOptions::embedded`].
    Embedded,
    /// A running `minihost platform serve` at `url`. `pairing_token` is needed when it is on
    /// another machine.
    Remote { url: String, pairing_token: Option<String> },
}

#[derive(Debug, Clone)]
pub struct HostOptions {
    pub app: AppSource,
    /// Device profile id (see `minihost devices`).
    pub device: String,
    pub theme: Theme,
    pub consent: ConsentMode,
    /// Username signed in at start; `None` starts signed out.
    pub user: Option<String>,
    pub host_app: HostApp,
    /// Overrides `dev.clientKey` and the key the page passes to `TTMinis.init`.
    pub client_key: Option<String>,
    /// Platform state (embedded), device tokens (remote), the unpacked sample.
    pub data_dir: PathBuf,
    pub platform: PlatformChoice,
    /// Write every bridge message and effect to this file as JSON lines.
    pub bridge_log: Option<PathBuf>,
    /// How [`PlatformChoice::Embedded`] is opened; without it that choice is an error.
    pub embedded: Option<EmbeddedPlatform>,
    /// Serve `<video>`/`<audio>` from a loopback HTTP server (WebKitGTK plays no custom scheme).
    pub media_server: Option<MediaServer>,
    /// How bridge-js reaches the shell.
    pub transport: Transport,
    /// Where the shell serves the app: [`policy::APP_ORIGIN`](crate::policy::APP_ORIGIN) on
    /// a custom scheme, [`HTTPS_APP_ORIGIN`](crate::policy::HTTPS_APP_ORIGIN) on Android.
    pub app_origin: String,
    /// Serve the document-start script inline at the top of every HTML page, for webviews
    /// with no document-start injection of their own (Android's framework WebView).
    pub start_script_in_html: bool,
    /// A loopback backend started for this app (`minihost run`'s sample backend): its origin
    /// is trusted as if `domain.trustedDomains` listed it.
    pub backend_origin: Option<String>,
}

impl HostOptions {
    /// The defaults of `minihost run`: the default device, light theme, sheets shown, `alice`
    /// signed in, the embedded platform, no media server.
    pub fn new(app: AppSource, data_dir: PathBuf) -> HostOptions {
        HostOptions {
            app,
            device: crate::shell::devices::DEFAULT_DEVICE.to_string(),
            theme: Theme::Light,
            consent: ConsentMode::Ask,
            user: Some("alice".into()),
            host_app: HostApp::TikTok,
            client_key: None,
            data_dir,
            platform: PlatformChoice::Embedded,
            bridge_log: None,
            embedded: None,
            media_server: None,
            transport: Transport::Ipc,
            app_origin: crate::policy::APP_ORIGIN.to_string(),
            start_script_in_html: false,
            backend_origin: None,
        }
    }
}
