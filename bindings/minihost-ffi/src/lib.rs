//! The `Host` core for foreign shells (Android, iOS, Python tools) over uniffi: the one place
//! that depends on uniffi. Everything here converts; nothing decides. Bridge behaviour,
//! policy, sheets and the platform stay in `minihost`, so a change there reaches every shell.
//!
//! A shell builds a [`HostCore`], gives it the page's messages, renders the [`EffectBatch`]
//! each call returns (one script for the app's page; chrome effects also reach its
//! [`HostUi`]), answers sheets, and asks it about every request, navigation and asset.
//!
//! A call's cost is mostly the crossing itself (`bench/ffi/run`, BENCHMARKS.md): uniffi copies
//! a `String` argument into a Rust buffer with two more foreign calls, and lifts a returned
//! list record by record, field by field. So page messages come in as borrowed bytes, and each
//! call's effects go back serialized once, as one record of two strings.

mod conformance;
mod errors;

pub use conformance::{conformance_match, conformance_substitute, ConformanceMatch};
pub use errors::MinihostError;

use minihost_core::shell_api::{
    page_script, AppSource, Body, ConsentMode, Device, Effect as CoreEffect, Host, HostOptions, Os, PlatformChoice, Rect as CoreRect,
    SheetAnswer as CoreAnswer, Theme, Transport as CoreTransport, CAPSULE_MENU,
};
use std::path::PathBuf;
use std::sync::Arc;

uniffi::setup_scaffolding!();

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Transport {
    /// `window.MinihostAndroid.postMessage` (a `WebMessageListener` or `addJavascriptInterface`).
    Android,
    /// `window.webkit.messageHandlers.minihost.postMessage` (`WKScriptMessageHandler`).
    Ios,
    /// `window.ipc.postMessage` (wry).
    Ipc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Consent {
    /// Sheets are shown and the user answers them.
    Ask,
    /// Scripted runs: every sheet is accepted (ads watched to the end).
    Allow,
    /// Scripted runs: every sheet is refused (ads closed early).
    Deny,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct HostConfig {
    /// A mini app folder (project root or build output) on the device...
    pub app_dir: Option<String>,
    /// ...or a packaged app: the bytes of a `minis.zip`, unpacked into `data_dir`.
    pub app_package: Option<Vec<u8>>,
    /// Where the host keeps device tokens and unpacked apps.
    pub data_dir: String,
    /// A running `minihost platform serve` (a phone cannot share the desktop's database).
    pub platform_url: String,
    /// Needed when the platform is on another machine (`platform serve --allow-remote` prints it).
    pub pairing_token: Option<String>,
    pub transport: Transport,
    pub consent: Consent,
    /// Signed in at start; `None` starts signed out.
    pub user: Option<String>,
    pub dark: bool,
    /// Overrides `dev.clientKey`.
    pub client_key: Option<String>,
    /// Where the shell serves the app. `None`: `https://app.minihost.invalid` with the Android
    /// transport (its WebView gives custom schemes an opaque origin), else `minihost://app`.
    #[uniffi(default = None)]
    pub app_origin: Option<String>,
    /// Put the document-start script inline at the top of every HTML page, for a webview that
    /// cannot inject one (Android's framework WebView). `None`: yes with the Android transport.
    #[uniffi(default = None)]
    pub start_script_in_html: Option<bool>,
}

/// What one call asks the shell to do.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EffectBatch {
    /// One script delivering the call's replies and events to the app's page, in order; `None`
    /// when there are none. Evaluate it in the app's webview.
    pub page_script: Option<String>,
    /// Every effect of the call in order, as a JSON array of the core's effect objects
    /// (`{"effect":"reply",...}`, `show_sheet`, `close_sheet`, `navbar`, `theme`, `event`): the
    /// same on every shell, what the conformance vectors compare. The chrome effects among them
    /// also reach the shell's [`HostUi`].
    pub effects_json: String,
}

impl EffectBatch {
    fn of(effects: &[CoreEffect]) -> EffectBatch {
        let messages: Vec<String> = effects.iter().filter_map(page_script::message).collect();
        EffectBatch {
            page_script: (!messages.is_empty()).then(|| page_script::batch(&messages)),
            effects_json: serde_json::Value::Array(effects.iter().map(CoreEffect::to_json).collect()).to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SheetAnswer {
    SignIn {
        username: String,
    },
    /// The primary action: allow, pay, subscribe.
    Allow,
    Deny,
    Dismiss,
    TopUp {
        tier_id: String,
    },
    /// The ad's countdown ran out on screen.
    AdEnded,
}

impl From<SheetAnswer> for CoreAnswer {
    fn from(a: SheetAnswer) -> CoreAnswer {
        match a {
            SheetAnswer::SignIn { username } => CoreAnswer::SignIn { username },
            SheetAnswer::Allow => CoreAnswer::Allow,
            SheetAnswer::Deny => CoreAnswer::Deny,
            SheetAnswer::Dismiss => CoreAnswer::Dismiss,
            SheetAnswer::TopUp { tier_id } => CoreAnswer::TopUp { tier_id },
            SheetAnswer::AdEnded => CoreAnswer::AdEnded,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// An asset response. Range requests get bounded chunks (`206`, at most 4 MiB).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AssetResponse {
    pub status: u16,
    /// The status's reason phrase (`Partial Content`); Android's `WebResourceResponse` needs one.
    pub reason: String,
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
}

impl From<http::Response<Body>> for AssetResponse {
    fn from(response: http::Response<Body>) -> AssetResponse {
        AssetResponse {
            status: response.status().as_u16(),
            reason: response.status().canonical_reason().unwrap_or("Unknown").into(),
            headers: response
                .headers()
                .iter()
                .map(|(k, v)| Header {
                    name: k.as_str().to_string(),
                    value: String::from_utf8_lossy(v.as_bytes()).into_owned(),
                })
                .collect(),
            body: response.into_body().into_owned(),
        }
    }
}

/// A sheet drawn as a web page (for shells that use a webview for sheets).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SheetPage {
    pub url: String,
    pub html: String,
    pub csp: String,
}

#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct ScreenMetrics {
    pub android: bool,
    /// CSS px (dp on Android, points on iOS).
    pub width: u32,
    pub height: u32,
    pub status_bar_height: u32,
    pub bottom_inset: u32,
    pub pixel_ratio: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct FfiRect {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

impl From<CoreRect> for FfiRect {
    fn from(r: CoreRect) -> FfiRect {
        FfiRect {
            left: r.left,
            top: r.top,
            width: r.width,
            height: r.height,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MenuItem {
    pub id: String,
    pub label: String,
}

/// Where the native chrome and the app's webview go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct NavbarLayout {
    pub screen: FfiRect,
    pub status_bar: FfiRect,
    /// The default navbar; `None` in custom style.
    pub navbar: Option<FfiRect>,
    pub app: FfiRect,
    pub capsule: FfiRect,
    /// Where the default navbar's title may draw (it ends before the capsule).
    pub title: Option<FfiRect>,
}

/// The shell's UI, implemented in Kotlin or Swift. The core calls it for the effects meant for
/// native chrome; replies and events come back from each call in its [`EffectBatch`].
#[uniffi::export(foreign)]
pub trait HostUi: Send + Sync {
    /// Show sheet `id`; `sheet_json` is its content (`kind`: login, consent, pay, subscribe,
    /// wallet, ad). Answer it with [`HostCore::answer_sheet`].
    fn show_sheet(&self, id: u64, sheet_json: String);
    fn close_sheet(&self, id: u64);
    fn redraw_navbar(&self, navbar_json: String);
    fn set_theme(&self, dark: bool);
}

#[derive(uniffi::Object)]
pub struct HostCore {
    host: Host,
    ui: Option<Arc<dyn HostUi>>,
}

impl std::fmt::Debug for HostCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostCore").field("host", &self.host).finish_non_exhaustive()
    }
}

#[uniffi::export]
impl HostCore {
    /// Starts a host: resolves the app, pairs with the platform, registers the app there.
    #[uniffi::constructor]
    pub fn new(config: HostConfig, ui: Option<Arc<dyn HostUi>>) -> Result<Arc<HostCore>, MinihostError> {
        let data_dir = PathBuf::from(&config.data_dir);
        let app = match (&config.app_dir, &config.app_package) {
            (Some(dir), None) => AppSource::Dir(dir.into()),
            (None, Some(bytes)) => AppSource::Package(bytes.clone()),
            _ => {
                return Err(MinihostError::Invalid {
                    detail: "give exactly one of app_dir and app_package".into(),
                })
            }
        };
        let transport = match config.transport {
            Transport::Android => CoreTransport::Android,
            Transport::Ios => CoreTransport::Ios,
            Transport::Ipc => CoreTransport::Ipc,
        };
        let mut opts = HostOptions::for_shell(app, data_dir, transport);
        opts.platform = PlatformChoice::Remote {
            url: config.platform_url,
            pairing_token: config.pairing_token,
        };
        if let Some(origin) = config.app_origin {
            opts.app_origin = origin;
        }
        if let Some(inline) = config.start_script_in_html {
            opts.start_script_in_html = inline;
        }
        opts.consent = match config.consent {
            Consent::Ask => ConsentMode::Ask,
            Consent::Allow => ConsentMode::Allow,
            Consent::Deny => ConsentMode::Deny,
        };
        opts.user = config.user;
        opts.client_key = config.client_key;
        if config.dark {
            opts.theme = Theme::Dark;
        }
        let host = Host::start(opts)?;
        Ok(Arc::new(HostCore { host, ui }))
    }

    /// One message from the app's webview, and its current URL, as UTF-8. Bytes rather than
    /// strings because uniffi lends them to Rust for the call instead of copying them into Rust
    /// buffers, the larger part of a call's cost in Python and on the JVM. Invalid UTF-8 is read
    /// with U+FFFD in its place.
    pub fn handle_message(&self, page_url: &[u8], message: &[u8]) -> EffectBatch {
        self.render(
            self.host
                .handle_message(&String::from_utf8_lossy(page_url), &String::from_utf8_lossy(message)),
        )
    }

    /// One message from a sheet's webview (sheets drawn by [`HostCore::sheet_page`]), as
    /// [`HostCore::handle_message`] takes them.
    pub fn handle_sheet_message(&self, page_url: &[u8], message: &[u8]) -> EffectBatch {
        self.render(
            self.host
                .handle_sheet_message(&String::from_utf8_lossy(page_url), &String::from_utf8_lossy(message)),
        )
    }

    pub fn answer_sheet(&self, id: u64, answer: SheetAnswer) -> EffectBatch {
        self.render(self.host.answer_sheet(id, answer.into()))
    }

    /// A native sheet is on screen and takes input (an ad: it plays).
    pub fn sheet_ready(&self, id: u64) -> EffectBatch {
        self.render(self.host.sheet_ready(id))
    }

    pub fn sheet_page(&self, id: u64) -> Option<SheetPage> {
        self.host.sheet_page(id).map(|p| SheetPage {
            url: p.url,
            html: p.html,
            csp: p.csp.to_string(),
        })
    }

    /// A request to the app's origin ([`HostCore::app_origin`]), with its `Range` header if
    /// any. Other URLs are 404: use [`HostCore::intercept_request`] for every request.
    pub fn resolve_asset(&self, url: String, range: Option<String>) -> AssetResponse {
        self.host.resolve_asset(&url, range.as_deref()).into()
    }

    /// Every request the page makes (`shouldInterceptRequest`): the app's own answered from
    /// its files, a refused one answered 403 naming the rule, `None` for a trusted domain the
    /// webview loads itself.
    pub fn intercept_request(&self, url: String, range: Option<String>) -> Option<AssetResponse> {
        self.host.intercept_request(&url, range.as_deref()).map(Into::into)
    }

    /// The app's origin (`scheme://host`); the shell serves it through [`HostCore::intercept_request`].
    pub fn app_origin(&self) -> String {
        self.host.app_origin().to_string()
    }

    /// May the page fetch `url`? (`shouldInterceptRequest`; refusals are logged with their rule.)
    pub fn is_request_allowed(&self, url: String) -> bool {
        self.host.is_request_allowed(&url)
    }

    /// May the app's webview navigate to `url`? (`shouldOverrideUrlLoading`, `decidePolicyFor`.)
    pub fn is_navigation_allowed(&self, url: String) -> bool {
        self.host.allow_navigation(&url)
    }

    /// May the page open a new window on `url`? Never; the attempt is logged (`onCreateWindow`).
    pub fn is_new_window_allowed(&self, url: String) -> bool {
        self.host.allow_new_window(&url)
    }

    /// May a sheet's webview navigate to `url`? Only within the sheet's own page.
    pub fn is_sheet_navigation_allowed(&self, url: String) -> bool {
        self.host.allow_sheet_navigation(&url)
    }

    /// The CSP of the app's HTML responses.
    pub fn csp(&self) -> String {
        self.host.csp().to_string()
    }

    pub fn navbar_layout(&self, metrics: ScreenMetrics) -> NavbarLayout {
        let os = if metrics.android { Os::Android } else { Os::Ios };
        let device = Device::measured(
            os,
            metrics.width,
            metrics.height,
            metrics.status_bar_height,
            metrics.bottom_inset,
            metrics.pixel_ratio,
        );
        let l = self.host.layout_for(&device);
        NavbarLayout {
            screen: l.screen.into(),
            status_bar: l.status_bar.into(),
            navbar: l.navbar.map(Into::into),
            app: l.app.into(),
            capsule: l.capsule.into(),
            title: l.title.map(Into::into),
        }
    }

    /// bridge-js with this host's context and the shell's transport, to inject at document start.
    pub fn document_start_script(&self) -> String {
        self.host.init_script()
    }

    /// The app's URL to load first.
    pub fn start_url(&self) -> String {
        self.host.start_url()
    }

    /// The page's `<title>` changed (the default navbar shows it).
    pub fn title_changed(&self, title: String) -> EffectBatch {
        self.render(self.host.title_changed(&title))
    }

    /// The capsule's ••• menu to show, in order.
    pub fn capsule_menu(&self) -> Vec<MenuItem> {
        CAPSULE_MENU
            .iter()
            .map(|m| MenuItem {
                id: m.id.into(),
                label: m.label.into(),
            })
            .collect()
    }

    /// The user chose a [`HostCore::capsule_menu`] item.
    pub fn menu_chosen(&self, id: String) -> EffectBatch {
        self.render(self.host.menu_chosen(&id))
    }

    pub fn page_started(&self) -> EffectBatch {
        self.render(self.host.page_started())
    }

    pub fn page_loaded(&self, url: String) -> EffectBatch {
        self.render(self.host.page_loaded(&url))
    }

    pub fn visibility_changed(&self, visible: bool) -> EffectBatch {
        self.render(self.host.visibility_changed(visible))
    }

    /// The user is closing the app (`minis.destroy`). Not `close`: Kotlin's `AutoCloseable`
    /// frees the core under that name.
    pub fn app_closing(&self) -> EffectBatch {
        self.render(self.host.close())
    }

    pub fn client_key(&self) -> String {
        self.host.client_key()
    }
}

impl HostCore {
    /// Calls the shell's UI for chrome effects and returns every effect.
    fn render(&self, effects: Vec<CoreEffect>) -> EffectBatch {
        if let Some(ui) = &self.ui {
            for e in &effects {
                match e {
                    CoreEffect::ShowSheet { id, sheet } => ui.show_sheet(*id, serde_json::to_string(sheet).unwrap_or_default()),
                    CoreEffect::CloseSheet { id } => ui.close_sheet(*id),
                    CoreEffect::Navbar(n) => ui.redraw_navbar(serde_json::to_string(n).unwrap_or_default()),
                    CoreEffect::Theme(t) => ui.set_theme(*t == Theme::Dark),
                    CoreEffect::Reply(_) | CoreEffect::SheetReply(_) | CoreEffect::Event { .. } => {}
                }
            }
        }
        EffectBatch::of(&effects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn a_batch_is_every_effect_as_json_and_one_script_for_those_of_the_page() {
        let effects = [
            CoreEffect::reply(Some(json!(1)), Ok(json!({}))),
            CoreEffect::CloseSheet { id: 2 },
            CoreEffect::event("minis.show", json!({})),
        ];
        let batch = EffectBatch::of(&effects);
        let json: Value = serde_json::from_str(&batch.effects_json).unwrap();
        assert_eq!(json, Value::Array(effects.iter().map(CoreEffect::to_json).collect()));
        assert_eq!(
            page_script::decode(batch.page_script.as_deref().unwrap()).unwrap(),
            r#"[{"id":1,"ok":true,"result":{}},{"event":"minis.show","data":{}}]"#,
            "the page's effects, in order, in one script"
        );
        let chrome_only = EffectBatch::of(&effects[1..2]);
        assert_eq!(
            (chrome_only.page_script, chrome_only.effects_json.as_str()),
            (None, r#"[{"effect":"close_sheet","id":2}]"#)
        );
    }
}
