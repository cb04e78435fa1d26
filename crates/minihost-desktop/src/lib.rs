//! The desktop shell: a tao window shaped like the device, native GTK chrome, the app in a
//! wry webview on the custom scheme, and host sheets in a separate webview with its own
//! origin, web context and IPC channel. It only adapts; behaviour lives in the core.

mod chrome;
mod media_server;
pub mod web_process;

pub use media_server::serve_media;

use gtk::prelude::*;
use minihost_core::shell_api::{
    cost, page_script, startup, Delivery, Effect, Host, Message, MessageWorker, PageOutbox, PageScript, SheetPage, Theme, CAPSULE_MENU,
    CHROME_SCHEME,
};
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
    #[error("no display to open a window on: {0}; on a machine without one, run under Xvfb: `xvfb-run -a minihost run …`")]
    NoDisplay(String),
    #[error("cannot open a window: {0} (is DISPLAY set? run under xvfb-run on a headless machine)")]
    Window(String),
    #[error("cannot create the webview: {0}")]
    WebView(#[from] wry::Error),
}

/// What only the desktop shell decides.
pub struct RunOptions {
    /// Allow the WebKit inspector.
    pub devtools: bool,
}

/// What the GTK callbacks tell the event loop, which owns the surfaces.
enum UserEvent {
    Effects(Vec<Effect>),
    /// A capsule menu item (`host::CAPSULE_MENU`), or its keyboard shortcut.
    Menu(&'static str),
    Visible(bool),
    Quit,
}

struct Surfaces {
    app: Option<WebView>,
    /// The sheet on screen, by id.
    sheet: Option<u64>,
    /// Replies and events for the app's page, batched per main-loop turn (see [`deliver`]).
    outbox: PageOutbox,
}

/// Checks that a window can be opened, before anything else starts: GTK (and tao after it)
/// would otherwise panic. Call it on the thread that will run the event loop.
pub fn check_display() -> Result<(), DesktopError> {
    let display = std::env::var_os("DISPLAY").filter(|d| !d.is_empty());
    let wayland = std::env::var_os("WAYLAND_DISPLAY").filter(|d| !d.is_empty());
    if display.is_none() && wayland.is_none() {
        return Err(DesktopError::NoDisplay("neither DISPLAY nor WAYLAND_DISPLAY is set".into()));
    }
    gtk::init().map_err(|e| {
        let named = [("DISPLAY", display), ("WAYLAND_DISPLAY", wayland)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={}", v.to_string_lossy())))
            .collect::<Vec<_>>()
            .join(", ");
        DesktopError::NoDisplay(format!("{named} cannot be opened ({e})"))
    })
}

pub fn run(host: Arc<Host>, opts: RunOptions) -> Result<(), DesktopError> {
    let event_loop = EventLoopBuilder::<UserEvent>::with_user_event().build();
    let proxy = event_loop.create_proxy();
    startup::phase("event loop built");
    let d = host.device();
    let window = WindowBuilder::new()
        .with_title(host.window_title())
        .with_inner_size(tao::dpi::LogicalSize::new(d.screen_width, d.screen_height))
        .with_resizable(false)
        .build(&event_loop)
        .map_err(|e| DesktopError::Window(e.to_string()))?;
    startup::phase("window created");
    set_dark(host.theme() == Theme::Dark);

    let vbox = window
        .default_vbox()
        .ok_or_else(|| DesktopError::Window("tao window has no GTK box".into()))?;
    let overlay = gtk::Overlay::new();
    let fixed = gtk::Fixed::new();
    fixed.set_size_request(d.screen_width as i32, d.screen_height as i32);
    overlay.add(&fixed);
    vbox.pack_start(&overlay, true, true, 0);
    overlay.show_all();

    // The webview first: its web process starts while the chrome is built (the two do not
    // overlap on screen; the capsule floats in the overlay).
    let surfaces = Rc::new(RefCell::new(Surfaces {
        app: None,
        sheet: None,
        outbox: PageOutbox::default(),
    }));
    let worker_proxy = proxy.clone();
    let messages = MessageWorker::start(host.clone(), move |effects| {
        worker_proxy.send_event(UserEvent::Effects(effects)).is_ok()
    });
    let app = build_app_webview(&host, opts.devtools, &fixed, proxy.clone(), surfaces.clone(), messages.clone())?;
    surfaces.borrow_mut().app = Some(app);
    startup::phase("webview created");

    let chrome = chrome::Chrome::build(&fixed, &overlay, host.layout(), &host.navbar());
    startup::phase("chrome built");
    overlay.show_all();

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
        sheet_view: None,
        host,
        proxy,
        messages,
    };
    event_loop.run(move |event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            Event::NewEvents(StartCause::Init) => tracing::info!(target: "minihost::desktop", "window open"),
            Event::WindowEvent {
                event: WindowEvent::CloseRequested,
                ..
            }
            | Event::UserEvent(UserEvent::Quit) => {
                let effects = shell.host.close();
                shell.run(&effects);
                *control_flow = ControlFlow::Exit;
            }
            Event::UserEvent(UserEvent::Menu(id)) => {
                let effects = shell.host.menu_chosen(id);
                shell.run(&effects);
            }
            Event::UserEvent(UserEvent::Visible(visible)) => {
                let effects = shell.host.visibility_changed(visible);
                shell.run(&effects);
            }
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
    /// The open sheet's webview, in a web context of its own (the app's has no handler for the
    /// sheet scheme, and a context registers a scheme only once, so each sheet gets a new one).
    /// Dropping it ends what the sheet was doing (an ad playing, its timers).
    sheet_view: Option<(WebView, WebContext)>,
    host: Arc<Host>,
    proxy: EventLoopProxy<UserEvent>,
    messages: Option<MessageWorker>,
}

impl Shell {
    /// Renders effects: page scripts, chrome, sheets, theme. Decides nothing.
    fn run(&mut self, effects: &[Effect]) {
        for e in effects {
            match e {
                Effect::Reply(_) | Effect::Event { .. } => deliver(&self.surfaces, std::slice::from_ref(e)),
                Effect::SheetReply(_) => {
                    let script = page_script::sheet_script(e).unwrap_or_default();
                    if let Some((view, _)) = &self.sheet_view {
                        if let Err(err) = view.evaluate_script(&script) {
                            tracing::warn!(target: "minihost::desktop", "cannot answer the sheet's page: {err}");
                        }
                    }
                }
                Effect::Navbar(n) => self.chrome.apply(n),
                Effect::Theme(theme) => set_dark(*theme == Theme::Dark),
                Effect::ShowSheet { id, sheet } => match self.show_sheet(*id) {
                    Ok(()) => {
                        tracing::info!(target: "minihost::desktop", sheet = id, kind = sheet.kind(), "sheet shown");
                        self.surfaces.borrow_mut().sheet = Some(*id);
                    }
                    Err(err) => {
                        let effects = self.host.sheet_failed(*id, &err);
                        let _ = self.proxy.send_event(UserEvent::Effects(effects));
                    }
                },
                Effect::CloseSheet { id } => {
                    tracing::info!(target: "minihost::desktop", sheet = id, "sheet closed");
                    let open = self.surfaces.borrow().sheet == Some(*id);
                    if open {
                        self.surfaces.borrow_mut().sheet = None;
                        self.drop_sheet();
                    }
                }
            }
        }
    }

    fn drop_sheet(&mut self) {
        self.sheet_view = None;
        for child in self.sheet_host.children() {
            self.sheet_host.remove(&child);
        }
        self.sheet_host.hide();
    }

    fn show_sheet(&mut self, id: u64) -> Result<(), String> {
        let page = self.host.sheet_page(id).ok_or_else(|| "the sheet is no longer open".to_string())?;
        self.drop_sheet();
        let mut context = WebContext::new(None);
        let view = build_sheet(
            &self.sheet_host,
            &mut context,
            page,
            self.host.clone(),
            self.proxy.clone(),
            self.messages.clone(),
        )
        .map_err(|e| e.to_string())?;
        self.sheet_host.show_all();
        let _ = view.focus();
        self.sheet_view = Some((view, context));
        Ok(())
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
    host: &Arc<Host>,
    devtools: bool,
    fixed: &gtk::Fixed,
    proxy: EventLoopProxy<UserEvent>,
    surfaces: Rc<RefCell<Surfaces>>,
    messages: Option<MessageWorker>,
) -> Result<WebView, DesktopError> {
    let a = host.layout().app;
    let (assets, ipc, nav, win, load, title) = (host.clone(), host.clone(), host.clone(), host.clone(), host.clone(), host.clone());
    let load_proxy = proxy.clone();
    let title_proxy = proxy.clone();
    let webview = WebViewBuilder::new()
        .with_bounds(wry::Rect {
            position: tao::dpi::LogicalPosition::new(a.left, a.top).into(),
            size: tao::dpi::LogicalSize::new(a.width, a.height).into(),
        })
        .with_user_agent(host.user_agent())
        .with_devtools(devtools)
        .with_initialization_script(host.init_script())
        .with_asynchronous_custom_protocol(host.app_scheme().into(), move |_id, request, responder| {
            assets.respond_asset_later(request, move |response| {
                responder.respond(response);
                startup::phase("first asset served");
            });
        })
        .with_ipc_handler(move |request| {
            if let Some(messages) = &messages {
                messages.send(Message::Page {
                    url: request.uri().to_string(),
                    body: request.into_body(),
                });
                return;
            }
            let t = cost::start();
            let page = request.uri().to_string();
            let effects = ipc.handle_message(&page, request.body());
            cost::add(cost::Stage::Handle, t);
            // Replies go straight back; sheets and navbar changes go through the loop.
            let (now, later): (Vec<_>, Vec<_>) = effects.into_iter().partition(Effect::is_for_page);
            deliver(&surfaces, &now);
            if !later.is_empty() {
                let _ = proxy.send_event(UserEvent::Effects(later));
            }
            cost::call_done();
        })
        .with_navigation_handler(move |url| nav.allow_navigation(&url))
        .with_new_window_req_handler(move |url, _features| {
            win.allow_new_window(&url);
            NewWindowResponse::Deny
        })
        .with_on_page_load_handler(move |event, url| {
            let effects = match event {
                PageLoadEvent::Started => load.page_started(),
                PageLoadEvent::Finished => load.page_loaded(&url),
            };
            if !effects.is_empty() {
                let _ = load_proxy.send_event(UserEvent::Effects(effects));
            }
        })
        .with_document_title_changed_handler(move |t| {
            let _ = title_proxy.send_event(UserEvent::Effects(title.title_changed(&t)));
        })
        .with_url(host.start_url())
        .build_gtk(fixed)?;
    Ok(webview)
}

/// Evaluates page effects (replies, events) in the app's webview, in order, as the core's
/// [`PageOutbox`] batches them: the first of a main-loop turn at once, the rest at its end.
fn deliver(surfaces: &Rc<RefCell<Surfaces>>, effects: &[Effect]) {
    let mut s = surfaces.borrow_mut();
    match s.outbox.push(effects) {
        Delivery::Wait => {}
        Delivery::Flush => {
            let batch = s.outbox.take();
            flush(&s, batch);
        }
        Delivery::FlushAndWatchTurn => {
            let end = surfaces.clone();
            gtk::glib::idle_add_local_full(gtk::glib::Priority::DEFAULT, move || {
                let mut s = end.borrow_mut();
                let rest = s.outbox.turn_ended();
                flush(&s, rest);
                gtk::glib::ControlFlow::Break
            });
            let first = s.outbox.take();
            flush(&s, first);
        }
    }
}

fn flush(s: &Surfaces, script: Option<PageScript>) {
    let (Some(script), Some(app)) = (script, &s.app) else { return };
    let t = cost::start();
    let evaluated = app.evaluate_script(&script.script);
    cost::add(cost::Stage::Evaluate, t);
    if let Err(err) = evaluated {
        tracing::error!(target: "minihost::desktop", "cannot deliver a reply: {err}");
    } else if script.replies > 0 {
        startup::phase("first reply delivered");
    }
}

fn build_sheet(
    container: &gtk::Box,
    context: &mut WebContext,
    page: SheetPage,
    host: Arc<Host>,
    proxy: EventLoopProxy<UserEvent>,
    messages: Option<MessageWorker>,
) -> Result<WebView, wry::Error> {
    let csp = page.csp;
    let html: Cow<'static, [u8]> = Cow::Owned(page.html.into_bytes());
    let nav = host.clone();
    WebViewBuilder::new_with_web_context(context)
        .with_transparent(true)
        .with_custom_protocol(CHROME_SCHEME.into(), move |_id, _req| {
            http::Response::builder()
                .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
                .header(http::header::CONTENT_SECURITY_POLICY, csp)
                .body(html.clone())
                .expect("static headers are valid")
        })
        .with_ipc_handler(move |request| {
            if let Some(messages) = &messages {
                messages.send(Message::Sheet {
                    url: request.uri().to_string(),
                    body: request.into_body(),
                });
                return;
            }
            let effects = host.handle_sheet_message(&request.uri().to_string(), request.body());
            let _ = proxy.send_event(UserEvent::Effects(effects));
        })
        .with_navigation_handler(move |url| nav.allow_sheet_navigation(&url))
        .with_new_window_req_handler(|_, _| NewWindowResponse::Deny)
        .with_url(page.url)
        .build_gtk(container)
}

/// The capsule menu's theme entry, which Ctrl+Shift+D also chooses.
const THEME_MENU_ITEM: &str = "theme";

fn wire_capsule(chrome: &chrome::Chrome, proxy: EventLoopProxy<UserEvent>) {
    let p = proxy.clone();
    chrome.close.connect_clicked(move |_| {
        let _ = p.send_event(UserEvent::Quit);
    });
    let p = proxy;
    chrome.more.connect_clicked(move |button| {
        let menu = gtk::Menu::new();
        for entry in CAPSULE_MENU {
            let label = match entry.id {
                THEME_MENU_ITEM => format!("{} (Ctrl+Shift+D)", entry.label),
                _ => entry.label.to_string(),
            };
            let item = gtk::MenuItem::with_label(&label);
            let p = p.clone();
            item.connect_activate(move |_| {
                let _ = p.send_event(UserEvent::Menu(entry.id));
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
            let _ = keys.send_event(UserEvent::Menu(THEME_MENU_ITEM));
            return gtk::glib::Propagation::Stop;
        }
        gtk::glib::Propagation::Proceed
    });
    window.gtk_window().connect_window_state_event(move |_, ev| {
        let iconified = gtk::gdk::WindowState::ICONIFIED;
        if ev.changed_mask().contains(iconified) {
            let visible = !ev.new_window_state().contains(iconified);
            let _ = proxy.send_event(UserEvent::Visible(visible));
        }
        gtk::glib::Propagation::Proceed
    });
}
