//! The desktop shell: a tao window shaped like the device, native GTK chrome, the app in a
//! wry webview on the custom scheme, and host sheets in a separate webview with its own
//! origin, web context and IPC channel. It only adapts; behaviour lives in the core.

mod chrome;

use crate::app_origin::AppOrigin;
use crate::bridge::{Bridge, Effect, HostContext};
use crate::policy::{Navigation, Policy, APP_ORIGIN, APP_SCHEME, CHROME_ORIGIN, CHROME_SCHEME};
use crate::sdk;
use crate::shell::{sheet_page, Device, Layout, Theme};
use gtk::prelude::*;
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use tao::event::{Event, StartCause, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy};
use tao::platform::unix::WindowExtUnix;
use tao::window::WindowBuilder;
use wry::{NewWindowResponse, PageLoadEvent, WebContext, WebView, WebViewBuilder, WebViewBuilderExtUnix};

#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error("cannot open a window: {0} (is DISPLAY set? run under xvfb-run on a headless machine)")]
    Window(String),
    #[error("cannot create the webview: {0}")]
    WebView(#[from] wry::Error),
}

pub struct RunOptions {
    pub origin: Arc<AppOrigin>,
    pub bridge: Arc<Bridge>,
    pub policy: Arc<Policy>,
    pub device: &'static Device,
    pub layout: Layout,
    pub context: HostContext,
    pub user_agent: String,
    pub title: String,
    pub theme: Theme,
    pub devtools: bool,
    /// Runs blocking asset reads off the UI thread.
    pub runtime: tokio::runtime::Handle,
}

enum UserEvent {
    Effects(Vec<Effect>),
    /// A `minis.*` event for the page.
    Lifecycle(&'static str),
    PageLoaded,
    ToggleTheme,
    Quit,
}

struct Surfaces {
    app: Option<WebView>,
    sheet: Option<(u64, WebView)>,
}

pub fn run(opts: RunOptions) -> Result<(), DesktopError> {
    let event_loop = EventLoopBuilder::<UserEvent>::with_user_event().build();
    let proxy = event_loop.create_proxy();
    let d = opts.device;
    let window = WindowBuilder::new()
        .with_title(format!("{} — minihost ({})", opts.title, d.name))
        .with_inner_size(tao::dpi::LogicalSize::new(d.screen_width, d.screen_height))
        .with_resizable(false)
        .build(&event_loop)
        .map_err(|e| DesktopError::Window(e.to_string()))?;
    set_dark(opts.theme == Theme::Dark);

    let vbox = window
        .default_vbox()
        .ok_or_else(|| DesktopError::Window("tao window has no GTK box".into()))?;
    let overlay = gtk::Overlay::new();
    let fixed = gtk::Fixed::new();
    fixed.set_size_request(d.screen_width as i32, d.screen_height as i32);
    overlay.add(&fixed);
    vbox.pack_start(&overlay, true, true, 0);
    overlay.show_all();

    let navbar = opts.bridge.navbar();
    let chrome = chrome::Chrome::build(&fixed, &overlay, &opts.layout, &navbar);
    let surfaces = Rc::new(RefCell::new(Surfaces { app: None, sheet: None }));

    let app = build_app_webview(&opts, &fixed, proxy.clone(), surfaces.clone())?;
    surfaces.borrow_mut().app = Some(app);
    overlay.show_all();

    // Sheets get their own web context: the app's context has no handler for their scheme.
    let sheet_context = WebContext::new(None);
    let sheet_host = gtk::Box::new(gtk::Orientation::Vertical, 0);
    sheet_host.set_size_request(d.screen_width as i32, d.screen_height as i32);
    sheet_host.set_halign(gtk::Align::Start);
    sheet_host.set_valign(gtk::Align::Start);
    overlay.add_overlay(&sheet_host);

    wire_capsule(&chrome, proxy.clone());
    wire_window_state(&window, proxy.clone());

    let mut shell = Shell {
        surfaces,
        chrome,
        sheet_host,
        sheet_context,
        bridge: opts.bridge.clone(),
        proxy,
        theme: opts.theme,
    };
    let mut launched = false;
    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            Event::NewEvents(StartCause::Init) => tracing::info!(target: "minihost::desktop", "window open"),
            Event::WindowEvent {
                event: WindowEvent::CloseRequested,
                ..
            }
            | Event::UserEvent(UserEvent::Quit) => {
                apply(&shell.surfaces, &[shell.bridge.lifecycle("minis.destroy")]);
                *control_flow = ControlFlow::Exit;
            }
            Event::UserEvent(UserEvent::PageLoaded) if !launched => {
                launched = true;
                apply(
                    &shell.surfaces,
                    &[shell.bridge.lifecycle("minis.launch"), shell.bridge.lifecycle("minis.show")],
                );
            }
            Event::UserEvent(UserEvent::ToggleTheme) => {
                shell.theme = if shell.theme == Theme::Light { Theme::Dark } else { Theme::Light };
                set_dark(shell.theme == Theme::Dark);
                let effects = shell.bridge.set_theme(shell.theme);
                shell.run(&effects);
            }
            Event::UserEvent(UserEvent::Lifecycle(ev)) => apply(&shell.surfaces, &[shell.bridge.lifecycle(ev)]),
            Event::UserEvent(UserEvent::Effects(effects)) => shell.run(&effects),
            _ => {}
        }
    });
}

/// What the event loop owns: the surfaces and everything needed to carry out effects.
struct Shell {
    surfaces: Rc<RefCell<Surfaces>>,
    chrome: chrome::Chrome,
    sheet_host: gtk::Box,
    sheet_context: WebContext,
    bridge: Arc<Bridge>,
    proxy: EventLoopProxy<UserEvent>,
    theme: Theme,
}

impl Shell {
    fn run(&mut self, effects: &[Effect]) {
        for e in effects {
            match e {
                Effect::Eval(_) => apply(&self.surfaces, std::slice::from_ref(e)),
                Effect::Navbar(n) => self.chrome.apply(n),
                Effect::ShowSheet { id, sheet } => {
                    let html = sheet_page::render(*id, sheet, self.theme);
                    match build_sheet(
                        &self.sheet_host,
                        &mut self.sheet_context,
                        html,
                        self.bridge.clone(),
                        self.proxy.clone(),
                    ) {
                        Ok(webview) => {
                            self.sheet_host.show_all();
                            let _ = webview.focus();
                            tracing::info!(target: "minihost::desktop", sheet = id, kind = sheet.kind(), "sheet shown");
                            self.surfaces.borrow_mut().sheet = Some((*id, webview));
                        }
                        Err(err) => {
                            tracing::error!(target: "minihost::desktop", "cannot show a sheet: {err}; treating it as dismissed");
                            let effects = self.bridge.answer(*id, crate::shell::sheets::SheetAnswer::Dismiss);
                            let _ = self.proxy.send_event(UserEvent::Effects(effects));
                        }
                    }
                }
                Effect::CloseSheet { id } => {
                    tracing::info!(target: "minihost::desktop", sheet = id, "sheet closed");
                    let mut s = self.surfaces.borrow_mut();
                    if s.sheet.as_ref().is_some_and(|(open, _)| open == id) {
                        s.sheet = None;
                        for child in self.sheet_host.children() {
                            self.sheet_host.remove(&child);
                        }
                        self.sheet_host.hide();
                    }
                }
            }
        }
    }
}

fn set_dark(dark: bool) {
    // WebKitGTK derives prefers-color-scheme from this setting. GTK reloads its theme on every
    // set, even to the same value (about 26 ms at start-up), so only a change is written.
    if let Some(s) = gtk::Settings::default() {
        if s.is_gtk_application_prefer_dark_theme() != dark {
            s.set_gtk_application_prefer_dark_theme(dark);
        }
    }
}

fn build_app_webview(
    opts: &RunOptions,
    fixed: &gtk::Fixed,
    proxy: EventLoopProxy<UserEvent>,
    surfaces: Rc<RefCell<Surfaces>>,
) -> Result<WebView, DesktopError> {
    let a = opts.layout.app;
    let origin = opts.origin.clone();
    let rt = opts.runtime.clone();
    let nav_policy = opts.policy.clone();
    let win_policy = opts.policy.clone();
    let bridge = opts.bridge.clone();
    let load_proxy = proxy.clone();
    let load_bridge = opts.bridge.clone();
    let title_proxy = proxy.clone();
    let title_bridge = opts.bridge.clone();
    let webview = WebViewBuilder::new()
        .with_bounds(wry::Rect {
            position: tao::dpi::LogicalPosition::new(a.left, a.top).into(),
            size: tao::dpi::LogicalSize::new(a.width, a.height).into(),
        })
        .with_user_agent(&opts.user_agent)
        .with_devtools(opts.devtools)
        .with_initialization_script(sdk::init_script(&opts.context))
        .with_asynchronous_custom_protocol(APP_SCHEME.into(), move |_id, request, responder| {
            let origin = origin.clone();
            rt.spawn_blocking(move || responder.respond(origin.respond(&request)));
        })
        .with_ipc_handler(move |request| {
            let page = request.uri().to_string();
            let effects = bridge.handle(&page, request.body());
            // Replies go straight back; sheets and navbar changes go through the loop.
            let (now, later): (Vec<_>, Vec<_>) = effects.into_iter().partition(|e| matches!(e, Effect::Eval(_)));
            apply(&surfaces, &now);
            if !later.is_empty() {
                let _ = proxy.send_event(UserEvent::Effects(later));
            }
        })
        .with_navigation_handler(move |url| match nav_policy.navigation(&url) {
            Navigation::Allow => true,
            Navigation::Block { reason } => {
                tracing::warn!(target: "minihost::policy", url, reason, "blocked navigation");
                false
            }
        })
        .with_new_window_req_handler(move |url, _features| {
            if let Navigation::Block { reason } = win_policy.new_window(&url) {
                tracing::warn!(target: "minihost::policy", url, reason, "blocked new window");
            }
            NewWindowResponse::Deny
        })
        .with_on_page_load_handler(move |event, url| match event {
            PageLoadEvent::Started => {
                let _ = load_proxy.send_event(UserEvent::Effects(load_bridge.page_changed()));
            }
            PageLoadEvent::Finished if url.starts_with(APP_ORIGIN) => {
                let _ = load_proxy.send_event(UserEvent::PageLoaded);
            }
            PageLoadEvent::Finished => {}
        })
        .with_document_title_changed_handler(move |title| {
            let _ = title_proxy.send_event(UserEvent::Effects(title_bridge.set_title(&title)));
        })
        .with_url(format!("{APP_ORIGIN}/"))
        .build_gtk(fixed)?;
    Ok(webview)
}

fn apply(surfaces: &Rc<RefCell<Surfaces>>, effects: &[Effect]) {
    let s = surfaces.borrow();
    let Some(app) = &s.app else { return };
    for e in effects {
        if let Effect::Eval(js) = e {
            if let Err(err) = app.evaluate_script(js) {
                tracing::error!(target: "minihost::desktop", "cannot deliver a reply: {err}");
            }
        }
    }
}

fn build_sheet(
    host: &gtk::Box,
    context: &mut WebContext,
    html: String,
    bridge: Arc<Bridge>,
    proxy: EventLoopProxy<UserEvent>,
) -> Result<WebView, wry::Error> {
    let page: Cow<'static, [u8]> = Cow::Owned(html.into_bytes());
    WebViewBuilder::new_with_web_context(context)
        .with_transparent(true)
        .with_custom_protocol(CHROME_SCHEME.into(), move |_id, _req| {
            http::Response::builder()
                .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
                .header(
                    http::header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; img-src data: https:; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
                )
                .body(page.clone())
                .expect("static headers are valid")
        })
        .with_ipc_handler(move |request| {
            let effects = bridge.handle_chrome(&request.uri().to_string(), request.body());
            let _ = proxy.send_event(UserEvent::Effects(effects));
        })
        .with_navigation_handler(|url| url.starts_with(CHROME_ORIGIN))
        .with_new_window_req_handler(|_, _| NewWindowResponse::Deny)
        .with_url(format!("{CHROME_ORIGIN}/sheet.html"))
        .build_gtk(host)
}

fn wire_capsule(chrome: &chrome::Chrome, proxy: EventLoopProxy<UserEvent>) {
    let p = proxy.clone();
    chrome.close.connect_clicked(move |_| {
        let _ = p.send_event(UserEvent::Quit);
    });
    let p = proxy;
    chrome.more.connect_clicked(move |button| {
        let menu = gtk::Menu::new();
        for (label, share) in [("Share…", true), ("Switch light/dark (Ctrl+Shift+D)", false)] {
            let item = gtk::MenuItem::with_label(label);
            let p = p.clone();
            item.connect_activate(move |_| {
                let _ = p.send_event(if share {
                    UserEvent::Lifecycle("minis.share")
                } else {
                    UserEvent::ToggleTheme
                });
            });
            menu.append(&item);
        }
        menu.show_all();
        menu.popup_at_widget(button, gtk::gdk::Gravity::SouthEast, gtk::gdk::Gravity::NorthEast, None);
    });
}

fn wire_window_state(window: &tao::window::Window, proxy: EventLoopProxy<UserEvent>) {
    // Ctrl+Shift+D switches light/dark, like the capsule menu's entry.
    let keys = proxy.clone();
    window.gtk_window().connect_key_press_event(move |_, ev| {
        let mods = ev.state() & (gtk::gdk::ModifierType::CONTROL_MASK | gtk::gdk::ModifierType::SHIFT_MASK);
        let is_d = matches!(ev.keyval().to_lower(), k if k == gtk::gdk::keys::constants::d);
        if is_d && mods == gtk::gdk::ModifierType::CONTROL_MASK | gtk::gdk::ModifierType::SHIFT_MASK {
            let _ = keys.send_event(UserEvent::ToggleTheme);
            return gtk::glib::Propagation::Stop;
        }
        gtk::glib::Propagation::Proceed
    });
    window.gtk_window().connect_window_state_event(move |_, ev| {
        let iconified = gtk::gdk::WindowState::ICONIFIED;
        if ev.changed_mask().contains(iconified) {
            let event = if ev.new_window_state().contains(iconified) {
                "minis.hide"
            } else {
                "minis.show"
            };
            let _ = proxy.send_event(UserEvent::Lifecycle(event));
        }
        gtk::glib::Propagation::Proceed
    });
}
