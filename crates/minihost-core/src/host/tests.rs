//! A `Host` with no webview: page messages in, effects out, over a platform reached through
//! the host API (an emulator served on loopback in this process), so these run without the
//! `emulator` feature too.

use super::*;
use crate::bridge::Reply;
use crate::shell::sheets::ConsentMode;
use serde_json::{json, Value};

const PAGE: &str = "minihost://app/index.html";

struct Fixture {
    host: Host,
    _app: tempfile::TempDir,
    _data: tempfile::TempDir,
    _server: tokio::runtime::Runtime,
}

fn start(consent: ConsentMode, user: Option<&str>) -> Fixture {
    start_with(consent, user, |_| {})
}

fn start_with(consent: ConsentMode, user: Option<&str>, tweak: impl FnOnce(&mut HostOptions)) -> Fixture {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let platform = minihost_platform::Platform::in_memory(minihost_platform::PlatformOptions::default()).unwrap();
    let (url, _) = server.block_on(minihost_platform::spawn_on_loopback(platform)).unwrap();
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("minis.config.json"), r#"{"dev":{"clientKey":"host-unit"}}"#).unwrap();
    std::fs::write(app.path().join("index.html"), "<title>Unit</title>").unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut opts = HostOptions::new(AppSource::Dir(app.path().into()), data.path().into());
    opts.consent = consent;
    opts.user = user.map(str::to_owned);
    opts.platform = PlatformChoice::Remote { url, pairing_token: None };
    tweak(&mut opts);
    Fixture {
        host: Host::start(opts).unwrap(),
        _app: app,
        _data: data,
        _server: server,
    }
}

fn call(host: &Host, id: u64, method: &str, params: Value) -> Vec<Effect> {
    host.handle_message(PAGE, &json!({"id": id, "method": method, "params": params}).to_string())
}

fn names(effects: &[Effect]) -> Vec<&str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Event { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn lifecycle_order_is_decided_by_the_core() {
    let f = start(ConsentMode::Allow, Some("alice"));
    let h = &f.host;
    assert!(h.visibility_changed(false).is_empty(), "no hide before launch");
    assert!(names(&h.page_loaded("minihost-chrome://host/sheet.html")).is_empty());
    assert_eq!(names(&h.page_loaded(PAGE)), ["minis.launch", "minis.show"]);
    assert!(h.page_loaded(PAGE).is_empty(), "a reload is no second launch");
    assert_eq!(names(&h.visibility_changed(false)), ["minis.hide"]);
    assert_eq!(names(&h.visibility_changed(true)), ["minis.show"]);
    assert_eq!(names(&h.share_requested()), ["minis.share"]);
    assert_eq!(names(&h.close()), ["minis.destroy"]);
    assert!(h.close().is_empty(), "destroy is sent once");
}

#[test]
fn theme_is_core_state_and_each_switch_says_what_to_redraw() {
    let f = start(ConsentMode::Allow, Some("alice"));
    assert_eq!(f.host.theme(), Theme::Light);
    let effects = f.host.toggle_theme();
    assert_eq!(f.host.theme(), Theme::Dark);
    assert!(effects.contains(&Effect::Theme(Theme::Dark)), "{effects:?}");
    assert!(effects.iter().any(|e| matches!(e, Effect::Navbar(n) if n.theme == Theme::Dark)));
    assert_eq!(names(&effects), ["host.theme"]);
    assert!(f.host.set_theme(Theme::Dark).is_empty(), "no change, nothing to redraw");
}

#[test]
fn every_capsule_menu_item_is_answered_by_the_core() {
    let f = start(ConsentMode::Allow, Some("alice"));
    let ids: Vec<&str> = CAPSULE_MENU.iter().map(|m| m.id).collect();
    assert_eq!(ids, ["share", "theme"]);
    for item in CAPSULE_MENU {
        assert!(!f.host.menu_chosen(item.id).is_empty(), "{} does nothing", item.id);
    }
    assert_eq!(names(&f.host.menu_chosen("share")), ["minis.share"]);
    assert!(f.host.menu_chosen("no-such-item").is_empty());
}

#[test]
fn an_https_app_origin_is_served_routed_and_trusted_as_the_app() {
    let f = start_with(ConsentMode::Allow, Some("alice"), |o| {
        o.app_origin = crate::policy::HTTPS_APP_ORIGIN.into()
    });
    assert_eq!(f.host.start_url(), "https://app.minihost.invalid/");
    assert_eq!(f.host.route_request("https://app.minihost.invalid/a.js"), RequestRoute::App);
    assert_eq!(f.host.route_request("minihost://app/a.js"), RequestRoute::Refused);
    assert_eq!(f.host.route_request("https://evil.example/"), RequestRoute::Refused);
    assert!(f.host.init_script().contains("\"appOrigin\":\"https://app.minihost.invalid\""));
}

#[test]
fn requests_and_navigation_read_the_policy() {
    let f = start(ConsentMode::Allow, Some("alice"));
    assert!(f.host.is_request_allowed("minihost://app/data.json"));
    assert!(!f.host.is_request_allowed("https://evil.example/x"));
    assert!(f.host.allow_navigation("minihost://app/next.html"));
    assert!(!f.host.allow_navigation("https://example.com/"));
    assert!(!f.host.allow_new_window("minihost://app/"));
    assert!(f.host.allow_sheet_navigation("minihost-chrome://host/sheet.html"));
    assert!(!f.host.allow_sheet_navigation("minihost://app/"));
}

#[test]
fn the_backend_started_for_an_app_is_trusted_for_that_host_only() {
    let backend = "http://127.0.0.1:45678";
    let f = start_with(ConsentMode::Allow, Some("alice"), |o| o.backend_origin = Some(backend.into()));
    assert!(f.host.is_request_allowed(&format!("{backend}/api/me")));
    assert!(f.host.csp().contains(backend), "{}", f.host.csp());
    assert!(!f.host.is_request_allowed("http://127.0.0.1:45679/api/me"), "another port is not");
    let plain = start(ConsentMode::Allow, Some("alice"));
    assert!(!plain.host.is_request_allowed(&format!("{backend}/api/me")));
    let err = with_backend(&crate::config::AppConfig::default(), Some("http://example.com")).unwrap_err();
    assert!(err.to_string().contains("cannot be trusted"), "{err}");
}

#[test]
fn init_and_reports_with_an_id_get_one_reply() {
    let f = start(ConsentMode::Allow, Some("alice"));
    for method in ["init", "__report"] {
        let effects = call(&f.host, 9, method, json!({"clientKey": "host-unit"}));
        assert_eq!(effects, vec![Effect::reply(Some(json!(9)), Ok(json!({})))], "{method}");
    }
    let one_way = f
        .host
        .handle_message(PAGE, r#"{"method":"init","params":{"clientKey":"host-unit"}}"#);
    assert!(one_way.is_empty(), "without an id nothing is owed");
}

#[test]
fn a_sheet_is_served_as_a_page_with_the_sheet_csp() {
    let f = start(ConsentMode::Ask, None);
    let effects = call(&f.host, 1, "login", json!({}));
    let Some(Effect::ShowSheet { id, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let page = f.host.sheet_page(*id).unwrap();
    assert_eq!(page.csp, crate::policy::SHEET_CSP);
    assert!(page.url.starts_with(CHROME_ORIGIN) && page.html.contains("alice"));
    assert_eq!(f.host.sheet_page(id + 1), None, "only the open sheet");
    let answered = f.host.answer_sheet(*id, SheetAnswer::Dismiss);
    assert!(matches!(
        &answered[..],
        [Effect::CloseSheet { .. }, Effect::Reply(Reply { result: Err(_), .. })]
    ));
}
