//! [`Host`]: the facade every shell drives. It owns the app (config, policy, assets), the
//! bridge, the shell model and the platform connection. A shell moves bytes between its
//! webview and these methods and renders the [`Effect`]s they return; it decides nothing.
//!
//! A test drives a `Host` with no webview at all: `handle_message` in, effects out.

mod lifecycle;
mod options;

pub use options::{AppSource, EmbeddedPlatform, HostOptions, MediaRoute, MediaServer, PlatformChoice, Transport};

use crate::app::{App, AppError};
use crate::app_origin::AppOrigin;
use crate::assets::{Assets, Body};
use crate::bridge::{Bridge, BridgeLog, BridgeOptions, Effect, HostContext, HOST_VERSION};
use crate::config::Severity;
use crate::platform::{minis_app, HostPlatform, HostPlatformError, RemotePlatform};
use crate::policy::{Navigation, Policy, CHROME_ORIGIN};
use crate::shell::sheets::SheetAnswer;
use crate::shell::{sheet_page, Device, Layout, NavbarState, Theme, DEVICES};
use lifecycle::Lifecycle;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("the shell's app origin: {0}")]
    AppOrigin(String),
    #[error("unknown device `{name}`; known: {}", known.join(", "))]
    UnknownDevice { name: String, known: Vec<&'static str> },
    #[error("{platform}: {source}")]
    Platform {
        platform: String,
        #[source]
        source: HostPlatformError,
    },
    #[error("no test user `{name}` on {platform}; known users: {} (add one with `minihost platform user add`)", known.join(", "))]
    UnknownUser {
        name: String,
        platform: String,
        known: Vec<String>,
    },
    #[error("this host has no platform emulator of its own; pass --platform URL of a running `minihost platform serve`")]
    NoEmulator,
    #[error("the app's backend at {origin} cannot be trusted: {source}")]
    BackendOrigin {
        origin: String,
        #[source]
        source: crate::config::trusted_domains::TrustedOriginError,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// A sheet drawn as a web page (desktop; mobile shells may draw sheets natively instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetPage {
    pub url: String,
    pub html: String,
    /// The `Content-Security-Policy` header its response carries.
    pub csp: &'static str,
}

/// One entry of the capsule's ••• menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MenuItem {
    pub id: &'static str,
    pub label: &'static str,
}

/// The capsule's ••• menu, the same on every shell; a choice goes to [`Host::menu_chosen`].
pub const CAPSULE_MENU: &[MenuItem] = &[
    MenuItem {
        id: "share",
        label: "Share…",
    },
    MenuItem {
        id: "theme",
        label: "Switch light/dark",
    },
];

/// See [`Host::route_request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestRoute {
    /// On the app's origin: answer with [`Host::respond_asset`].
    App,
    /// A trusted domain: let the webview load it.
    Network,
    /// Neither: answer 403; the refusal is logged with its rule.
    Refused,
}

/// A running host for one app.
pub struct Host {
    app: App,
    title: String,
    registered_secret: Option<String>,
    platform_url: String,
    platform_description: String,
    calls_may_block: bool,
    transport: Transport,
    device: &'static Device,
    layout: Layout,
    policy: Arc<Policy>,
    origin: AppOrigin,
    bridge: Bridge,
    context: HostContext,
    lifecycle: Mutex<Lifecycle>,
    // Last: the servers stop when the runtime drops, after everything that uses them.
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("app", &self.app.root)
            .field("client_key", &self.client_key())
            .field("platform", &self.platform_url)
            .finish_non_exhaustive()
    }
}

impl Host {
    /// Resolves the app, connects to (or starts) the platform, registers the app on it if
    /// missing, and builds the bridge. Nothing is drawn: a shell does that.
    pub fn start(opts: HostOptions) -> Result<Host, HostError> {
        let app = match &opts.app {
            AppSource::Dir(dir) | AppSource::DevBuild(dir) => App::resolve(dir)?,
            AppSource::Sample => App::sample(&opts.data_dir.join("cache"))?,
            AppSource::DevServer(dir) => App::dev_server(dir)?,
            AppSource::Package(bytes) => App::resolve(&crate::package::unpack(bytes, &opts.data_dir).map_err(AppError::from)?)?,
        };
        crate::startup::phase("app resolved");
        let config = &app.config.config;
        let app_origin = crate::policy::app_origin(&opts.app_origin).map_err(HostError::AppOrigin)?;
        let device = Device::find(&opts.device).ok_or_else(|| HostError::UnknownDevice {
            name: opts.device.clone(),
            known: DEVICES.iter().map(|d| d.id).collect(),
        })?;
        let title = app.title();
        // `--client-key`, then dev.clientKey; without either, a stand-in until the page's
        // TTMinis.init names the key it really uses.
        let chosen = opts.client_key.clone().or_else(|| config.dev.client_key.clone());
        let adopt_page_key = chosen.is_none();
        let client_key = chosen.unwrap_or_else(|| format!("minihost-{}", slug(&title)));

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|source| HostError::Io {
                context: "cannot start the host's runtime".into(),
                source,
            })?;
        let (platform, platform_url) = connect(&opts, &runtime)?;
        let platform_description = platform.describe();
        let calls_may_block = platform.calls_may_block();
        let on_platform = |source| HostError::Platform {
            platform: platform_description.clone(),
            source,
        };
        let registered = platform.ensure_app(&minis_app(&client_key)).map_err(on_platform)?;
        crate::startup::phase("platform ready");
        if let Some(name) = &opts.user {
            if platform.user_by_username(name).map_err(on_platform)?.is_none() {
                let known = platform.users().map_err(on_platform)?.into_iter().map(|u| u.username).collect();
                return Err(HostError::UnknownUser {
                    name: name.clone(),
                    platform: platform_description,
                    known,
                });
            }
        }

        let assets = Assets::new(&app.root).map_err(|source| HostError::Io {
            context: format!("cannot open {}", app.root.display()),
            source,
        })?;
        let media = match opts.media_server {
            Some(serve) => {
                let route = serve(assets.clone(), &runtime).map_err(|source| HostError::Io {
                    context: "cannot start the media server on 127.0.0.1".into(),
                    source,
                })?;
                crate::startup::phase("media server bound");
                Some(route)
            }
            None => None,
        };
        let (media_origin, media_base) = media.map(|m| (m.origin, m.base)).unzip();
        let policy = Arc::new(Policy::for_shell(
            &*with_backend(config, opts.backend_origin.as_deref())?,
            &app_origin,
            media_origin,
        ));
        let log = match &opts.bridge_log {
            Some(path) => Some(BridgeLog::create(path).map_err(|source| HostError::Io {
                context: format!("cannot create {}", path.display()),
                source,
            })?),
            None => None,
        };
        let bridge_opts = BridgeOptions {
            client_key: client_key.clone(),
            adopt_page_key,
            app_name: title.clone(),
            host_app: opts.host_app,
            consent: opts.consent,
            user: opts.user.clone(),
            theme: opts.theme,
        };
        let bridge = Bridge::new(policy.clone(), platform, config, bridge_opts, log).map_err(|e| HostError::Platform {
            platform: platform_description.clone(),
            source: HostPlatformError::Internal(e.error_msg),
        })?;
        let layout = Layout::new(device, config.navbar.style);
        let mut context = HostContext::new(opts.transport.name(), Some(client_key.clone()), device, &layout);
        context.media_base = media_base;
        context.app_origin = app_origin;
        let origin = match &opts.app {
            AppSource::DevServer(_) => {
                AppOrigin::new(assets, policy.clone()).with_dev_server(crate::dev_server::DevServer::new(&config.dev.host, config.dev.port))
            }
            AppSource::DevBuild(_) => AppOrigin::new(assets, policy.clone()).with_reload(app.root.clone()),
            _ => AppOrigin::new(assets, policy.clone()),
        };
        let origin = match opts.start_script_in_html {
            true => origin.with_start_script(&crate::sdk::init_script(&context)),
            false => origin,
        };
        crate::startup::phase("host ready");
        Ok(Host {
            app,
            title,
            registered_secret: registered.client_secret,
            platform_url,
            platform_description,
            calls_may_block,
            transport: opts.transport,
            device,
            layout,
            policy,
            origin,
            bridge,
            context,
            lifecycle: Mutex::new(Lifecycle::default()),
            runtime,
        })
    }

    // --- what the shell asks about the app --------------------------------------------------

    /// Warnings about `minis.config.json` (`file:line:col: warning: …`) and about how the
    /// app was found.
    pub fn config_warnings(&self) -> Vec<String> {
        let loaded = &self.app.config;
        loaded
            .warnings
            .iter()
            .filter(|w| w.severity == Severity::Warning)
            .map(|w| w.display(&loaded.path).to_string())
            .chain(self.app.notes.iter().map(|n| format!("note: {n}")))
            .collect()
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn window_title(&self) -> String {
        format!("{} — minihost ({})", self.title, self.device.name)
    }

    /// The client key the session uses now (the page's, once adopted).
    pub fn client_key(&self) -> String {
        self.bridge.client_key()
    }

    /// The client secret, when this start registered the app on the platform.
    pub fn registered_secret(&self) -> Option<&str> {
        self.registered_secret.as_deref()
    }

    /// The base URL an app backend uses instead of `https://open.tiktokapis.com`.
    pub fn platform_url(&self) -> &str {
        &self.platform_url
    }

    pub fn platform_description(&self) -> &str {
        &self.platform_description
    }

    /// Whether [`Host::handle_message`] and [`Host::handle_sheet_message`] may wait on the
    /// network (a platform over HTTP): a shell then hands them to a worker, in arrival order,
    /// so a slow or stalled server never freezes its UI thread.
    pub fn messages_may_block(&self) -> bool {
        self.calls_may_block
    }

    pub fn device(&self) -> &'static Device {
        self.device
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Where navbar, capsule and app go on a screen a mobile shell measured.
    pub fn layout_for(&self, device: &Device) -> Layout {
        Layout::new(device, self.app.config.config.navbar.style)
    }

    /// The `Content-Security-Policy` of the app's HTML, for shells that set headers themselves.
    pub fn csp(&self) -> &str {
        self.policy.csp()
    }

    pub fn user_agent(&self) -> String {
        self.device.user_agent(HOST_VERSION)
    }

    /// The document-start script: bridge-js with this host's context and transport.
    pub fn init_script(&self) -> String {
        crate::sdk::init_script(&self.context)
    }

    pub fn navbar(&self) -> NavbarState {
        self.bridge.navbar()
    }

    pub fn theme(&self) -> Theme {
        self.bridge.theme()
    }

    /// The host's runtime, for services an embedder runs beside the host (the sample's
    /// backend in `minihost run`); shells need none of it.
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        self.runtime.handle()
    }

    // --- requests and navigation ----------------------------------------------------------

    /// Answers a request to the app's origin (assets, built-in SDK paths).
    pub fn respond_asset<B>(&self, request: &http::Request<B>) -> http::Response<Body> {
        self.origin.respond(request)
    }

    /// [`Host::respond_asset`] on the host's blocking pool, the response handed to `respond`:
    /// for shells whose protocol handler runs on the UI thread, which must not wait on files.
    pub fn respond_asset_later<B: Send + 'static>(
        self: &Arc<Self>,
        request: http::Request<B>,
        respond: impl FnOnce(http::Response<Body>) + Send + 'static,
    ) {
        let host = self.clone();
        self.runtime.spawn_blocking(move || respond(host.respond_asset(&request)));
    }

    /// Where the shell serves the app (`scheme://host`).
    pub fn app_origin(&self) -> &str {
        self.policy.app_origin()
    }

    /// The scheme the shell registers for the app's origin (`minihost`, or `https`).
    pub fn app_scheme(&self) -> &str {
        self.app_origin().split_once("://").map_or("", |(scheme, _)| scheme)
    }

    /// A request for `url` with its `Range` header, if any, answered from the app's origin:
    /// 404 for a URL elsewhere, 400 for one that is no URL.
    pub fn resolve_asset(&self, url: &str, range: Option<&str>) -> http::Response<Body> {
        if !self.is_app_url(url) {
            return plain(
                http::StatusCode::NOT_FOUND,
                format!("{url:?} is not on the app's origin {}", self.app_origin()),
            );
        }
        let mut req = http::Request::get(url);
        if let Some(range) = range {
            req = req.header(http::header::RANGE, range);
        }
        match req.body(()) {
            Ok(req) => self.respond_asset(&req),
            Err(e) => plain(http::StatusCode::BAD_REQUEST, format!("not a request URL: {url:?}: {e}")),
        }
    }

    /// Every request the page makes, for shells that see them all (Android's
    /// `shouldInterceptRequest`): the app's own answered from its files, a refused one answered
    /// 403 naming the rule, `None` for a trusted domain the webview loads itself.
    pub fn intercept_request(&self, url: &str, range: Option<&str>) -> Option<http::Response<Body>> {
        match self.route_request(url) {
            RequestRoute::App => Some(self.resolve_asset(url, range)),
            RequestRoute::Network => None,
            RequestRoute::Refused => Some(plain(
                http::StatusCode::FORBIDDEN,
                format!("minihost: blocked request to {url}: its origin is not in domain.trustedDomains of minis.config.json"),
            )),
        }
    }

    /// The URL the app's webview loads first.
    pub fn start_url(&self) -> String {
        format!("{}/", self.policy.app_origin())
    }

    /// Is `url` on the app's origin (answered by [`Host::respond_asset`], never the network)?
    pub fn is_app_url(&self, url: &str) -> bool {
        self.policy.is_app_url(url)
    }

    /// What a shell that sees every request of the page (Android's `shouldInterceptRequest`)
    /// does with one: answer it from the app, let it reach the network, or refuse it.
    pub fn route_request(&self, url: &str) -> RequestRoute {
        if self.is_app_url(url) {
            RequestRoute::App
        } else if self.is_request_allowed(url) {
            RequestRoute::Network
        } else {
            RequestRoute::Refused
        }
    }

    /// May the app's page fetch `url`? For shells that see requests (Android's
    /// `shouldInterceptRequest`); WebKitGTK's CSP enforces the same rule on the desktop.
    pub fn is_request_allowed(&self, url: &str) -> bool {
        use crate::rules::TRUSTED_DOMAINS;
        let allowed = self.policy.allows_connect(url);
        if !allowed {
            tracing::warn!(
                target: "minihost::policy",
                rule = TRUSTED_DOMAINS.name,
                url,
                hint = self.policy.hint(&TRUSTED_DOMAINS, url),
                "blocked request: origin is not in domain.trustedDomains"
            );
        }
        allowed
    }

    /// May the app's webview navigate to `url`? Refusals are logged.
    pub fn allow_navigation(&self, url: &str) -> bool {
        log_refusal(url, "blocked navigation", self.policy.navigation(url))
    }

    /// May the page open a new window on `url`? Never, and the attempt is logged.
    pub fn allow_new_window(&self, url: &str) -> bool {
        log_refusal(url, "blocked new window", self.policy.new_window(url))
    }

    // --- bridge -----------------------------------------------------------------------------

    /// One message from the app's webview, whose current URL is `page_url`.
    pub fn handle_message(&self, page_url: &str, raw: &str) -> Vec<Effect> {
        self.bridge.handle(page_url, raw)
    }

    /// One message from a sheet's webview.
    pub fn handle_sheet_message(&self, page_url: &str, raw: &str) -> Vec<Effect> {
        self.bridge.handle_chrome(page_url, raw)
    }

    /// A sheet was answered natively (a shell's dialog, a test, automation).
    pub fn answer_sheet(&self, id: u64, answer: SheetAnswer) -> Vec<Effect> {
        self.bridge.answer(id, answer)
    }

    /// The shell could not draw sheet `id`: the user never saw it, so it counts as dismissed.
    pub fn sheet_failed(&self, id: u64, why: &str) -> Vec<Effect> {
        tracing::error!(target: "minihost::shell", sheet = id, "cannot show a sheet: {why}; treating it as dismissed");
        self.bridge.answer(id, SheetAnswer::Dismiss)
    }

    /// The open sheet is drawn and takes input (an ad sheet: its ad plays, which answers
    /// `show()`). Sheets drawn as web pages say so themselves with `sheet.ready`.
    pub fn sheet_ready(&self, id: u64) -> Vec<Effect> {
        self.bridge.sheet_ready(id)
    }

    /// The sheet on screen as a web page, for shells that draw sheets in a webview.
    pub fn sheet_page(&self, id: u64) -> Option<SheetPage> {
        let (open, sheet) = self.bridge.open_sheet()?;
        (open == id).then(|| SheetPage {
            url: format!("{CHROME_ORIGIN}/sheet.html"),
            html: sheet_page::render(id, &sheet, self.theme(), self.transport.post_message_js()),
            csp: crate::policy::SHEET_CSP,
        })
    }

    /// May a sheet's webview navigate to `url`? Only within the sheet's own origin.
    pub fn allow_sheet_navigation(&self, url: &str) -> bool {
        self.policy.sheet_navigation(url)
    }

    // --- lifecycle --------------------------------------------------------------------------

    /// The app's webview started loading a page: sheets owed to the old page close.
    pub fn page_started(&self) -> Vec<Effect> {
        self.bridge.page_changed()
    }

    /// The app's webview finished loading `url`. The first app page launches the app.
    pub fn page_loaded(&self, url: &str) -> Vec<Effect> {
        let is_app = matches!(self.policy.caller(url), crate::policy::Caller::App);
        if is_app {
            crate::startup::phase("page loaded");
        }
        let events = self.lifecycle().loaded(is_app);
        self.events(events)
    }

    /// The page's `document.title` changed; the default navbar shows it.
    pub fn title_changed(&self, title: &str) -> Vec<Effect> {
        self.bridge.set_title(title)
    }

    /// The host window was hidden (minimised, backgrounded) or shown again.
    pub fn visibility_changed(&self, visible: bool) -> Vec<Effect> {
        let events = self.lifecycle().visibility(visible);
        self.events(events)
    }

    /// The user chose "Share" in the capsule menu.
    pub fn share_requested(&self) -> Vec<Effect> {
        self.events(vec!["minis.share"])
    }

    /// The user closed the app. `minis.destroy` is sent once.
    pub fn close(&self) -> Vec<Effect> {
        let events = self.lifecycle().close();
        self.events(events)
    }

    /// The user chose `id` from [`CAPSULE_MENU`]; an unknown id does nothing.
    pub fn menu_chosen(&self, id: &str) -> Vec<Effect> {
        match id {
            "share" => self.share_requested(),
            "theme" => self.toggle_theme(),
            _ => Vec::new(),
        }
    }

    pub fn set_theme(&self, theme: Theme) -> Vec<Effect> {
        self.bridge.set_theme(theme)
    }

    pub fn toggle_theme(&self) -> Vec<Effect> {
        self.set_theme(match self.theme() {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        })
    }

    fn lifecycle(&self) -> std::sync::MutexGuard<'_, Lifecycle> {
        self.lifecycle.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn events(&self, names: Vec<&'static str>) -> Vec<Effect> {
        names.into_iter().map(|e| self.bridge.lifecycle(e)).collect()
    }
}

fn log_refusal(url: &str, what: &'static str, decision: Navigation) -> bool {
    use crate::rules::IN_APP_NAVIGATION as RULE;
    match decision {
        Navigation::Allow => true,
        Navigation::Block { reason } => {
            tracing::warn!(target: "minihost::policy", rule = RULE.name, url, reason, hint = RULE.fix, "{what}");
            false
        }
    }
}

/// The platform the options ask for, and the base URL an app backend uses.
fn connect(opts: &HostOptions, runtime: &tokio::runtime::Runtime) -> Result<(Arc<dyn HostPlatform>, String), HostError> {
    match &opts.platform {
        PlatformChoice::Remote { url, pairing_token } => {
            let remote = RemotePlatform::connect(url, &opts.data_dir, pairing_token.clone()).map_err(|source| HostError::Platform {
                platform: format!("the platform at {url}"),
                source,
            })?;
            let base = remote.base_url().to_string();
            Ok((Arc::new(remote), base))
        }
        PlatformChoice::Embedded => match opts.embedded {
            Some(open) => open(&opts.data_dir, runtime),
            None => Err(HostError::NoEmulator),
        },
    }
}

/// `config` with the backend's origin added to its trusted domains.
fn with_backend<'c>(
    config: &'c crate::config::AppConfig,
    backend: Option<&str>,
) -> Result<std::borrow::Cow<'c, crate::config::AppConfig>, HostError> {
    use crate::config::trusted_domains::{TrustedDomains, TrustedOrigin};
    let Some(origin) = backend else {
        return Ok(std::borrow::Cow::Borrowed(config));
    };
    let origin = TrustedOrigin::parse(origin).map_err(|source| HostError::BackendOrigin {
        origin: origin.to_string(),
        source,
    })?;
    let mut config = config.clone();
    let origins = config.trusted_domains.iter().cloned().chain([origin]).collect();
    config.trusted_domains = TrustedDomains::new(origins);
    Ok(std::borrow::Cow::Owned(config))
}

/// A plain-text answer of the host's own.
fn plain(status: http::StatusCode, text: String) -> http::Response<Body> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::Owned(text.into_bytes()))
        .expect("static headers are valid")
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests;
