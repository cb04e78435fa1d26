//! No platform call runs under a lock the UI thread takes. While a platform over HTTP holds a
//! pay, an authorize or an ad admission, everything a UI thread asks of the `Host` (theme,
//! title, navbar, visibility, the open sheet) and a second core call on another thread are
//! answered, and the held call completes once the platform answers. A page replaced
//! meanwhile gets none of the old page's replies, and its own calls go on.

use minihost_core::shell_api::ConsentMode;
use minihost_core::shell_api::Effect;
use minihost_core::shell_api::Theme;
use minihost_core::shell_api::{AppSource, Host, HostOptions, PlatformChoice};
use minihost_platform_api::host_api::{ADS_ADMIT, CODES, ORDERS_PAY};
use serde_json::{json, Value};
use std::sync::{mpsc, Arc};
use std::time::Duration;

mod support;
use support::{call, exchange, reply, serve, Served, StallingProxy};

const CLIENT_KEY: &str = "stalled";

/// A host signed in as alice with `--consent allow`, reaching a served platform through a
/// proxy that holds every request to `held_path`.
struct Stalled {
    host: Arc<Host>,
    proxy: StallingProxy,
    served: Served,
    _dirs: [tempfile::TempDir; 3],
}

fn start(held_path: &'static str) -> Stalled {
    let (app, data, platform_data) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    std::fs::write(
        app.path().join("minis.config.json"),
        format!(r#"{{"dev":{{"clientKey":"{CLIENT_KEY}"}}}}"#),
    )
    .unwrap();
    std::fs::write(app.path().join("index.html"), "<title>Stalled</title>").unwrap();
    let served = serve(platform_data.path(), &[]);
    let proxy = StallingProxy::start(&served.url, held_path);
    let mut opts = HostOptions::new(AppSource::Dir(app.path().into()), data.path().into());
    opts.consent = ConsentMode::Allow;
    opts.user = Some("alice".into());
    opts.platform = PlatformChoice::Remote {
        url: proxy.url.clone(),
        pairing_token: None,
    };
    let host = Arc::new(Host::start(opts).unwrap());
    host.page_loaded(&host.start_url());
    Stalled {
        host,
        proxy,
        served,
        _dirs: [app, data, platform_data],
    }
}

impl Stalled {
    /// Makes `method` on another thread; the platform holds it at the proxy.
    fn held_call(&self, id: u64, method: &'static str, params: Value) -> std::thread::JoinHandle<Vec<Effect>> {
        let host = self.host.clone();
        let handle = std::thread::spawn(move || call(&host, id, method, params));
        self.proxy.wait_holding();
        handle
    }

    /// What a UI thread and a second core thread ask while the platform holds a call: each
    /// must be answered before the platform is released.
    fn served_meanwhile(&self) {
        let host = self.host.clone();
        let (done, answered) = mpsc::channel();
        std::thread::spawn(move || {
            let theme = host.set_theme(Theme::Dark);
            let title = host.title_changed("Held");
            let navbar = host.navbar();
            let hidden = host.visibility_changed(false);
            let sheet = host.sheet_page(1);
            let second = std::thread::scope(|s| s.spawn(|| call(&host, 50, "getLoginStatus", json!({}))).join().unwrap());
            let _ = done.send((theme, title, navbar, hidden, sheet, second));
        });
        let (theme, title, navbar, hidden, sheet, second) = answered
            .recv_timeout(Duration::from_secs(60))
            .expect("the UI thread's calls were not answered while the platform held a call");
        assert!(
            self.proxy.holding(),
            "the platform still held its call while the others were answered"
        );
        assert!(theme.iter().any(|e| matches!(e, Effect::Theme(Theme::Dark))), "{theme:?}");
        assert!(
            title.iter().any(|e| matches!(e, Effect::Navbar(n) if n.title == "Held")),
            "{title:?}"
        );
        assert_eq!((navbar.theme, navbar.title.as_str()), (Theme::Dark, "Held"));
        assert!(
            hidden
                .iter()
                .any(|e| matches!(e, Effect::Event { name, .. } if name == "minis.hide")),
            "{hidden:?}"
        );
        assert_eq!(sheet, None, "no sheet is open");
        assert!(reply(&second, 50).unwrap()["status"].is_string(), "{second:?}");
    }

    /// The app's server's access token for alice (`TTMinis.login`, then the code exchange).
    fn server_token(&self) -> String {
        let code = reply(&call(&self.host, 900, "login", json!({})), 900).unwrap()["code"]
            .as_str()
            .unwrap()
            .to_string();
        let secret = self.host.registered_secret().expect("registered by this run");
        let token = exchange(&self.served.url, CLIENT_KEY, secret, &code);
        token["access_token"].as_str().unwrap_or_else(|| panic!("{token}")).to_string()
    }

    /// A Beans order for alice, created as the app's server does, with the Beans to pay it.
    fn order(&self) -> String {
        let http = reqwest::blocking::Client::new();
        let token = self.server_token();
        let set: Value = http
            .post(format!("{}/__admin/users/beans", self.served.url))
            .json(&json!({"username": "alice", "beans": 500}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(set["beans"], 500, "{set}");
        let r: Value = http
            .post(format!("{}/v2/minis/trade_order/create/", self.served.url))
            .bearer_auth(token)
            .json(&json!({"token_type": "BEANS", "token_amount": 120,
                          "order_info": {"order_id": "ep-4", "product_name": "Episode 4"}}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        r["data"]["trade_order_id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
    }
}

#[test]
fn a_held_pay_leaves_the_ui_thread_and_other_calls_served() {
    let s = start(ORDERS_PAY);
    let toid = s.order();
    let pay = s.held_call(1, "pay", json!({"trade_order_id": toid}));
    s.served_meanwhile();
    s.proxy.release();
    let paid = reply(&pay.join().unwrap(), 1).unwrap();
    assert_eq!(paid, json!({"is_success": true, "trade_order_id": toid}));
}

#[test]
fn a_held_authorize_leaves_the_ui_thread_and_other_calls_served() {
    let s = start(CODES);
    let authorize = s.held_call(1, "authorize", json!({"scope": "user.info.basic"}));
    s.served_meanwhile();
    s.proxy.release();
    let granted = reply(&authorize.join().unwrap(), 1).unwrap();
    assert!(granted["code"].as_str().is_some_and(|c| !c.is_empty()), "{granted}");
    assert_eq!(granted["grantedScopes"], "user.info.open_id,user.info.basic", "{granted}");
}

#[test]
fn a_held_ad_admission_leaves_the_ui_thread_and_other_calls_served() {
    let s = start(ADS_ADMIT);
    let ad = reply(&call(&s.host, 1, "ad.create", json!({"kind": "rewarded", "adUnitId": "unit-1"})), 1).unwrap()["ad"].clone();
    let show = s.held_call(2, "ad.show", json!({ "ad": ad }));
    s.served_meanwhile();
    s.proxy.release();
    let effects = show.join().unwrap();
    assert_eq!(reply(&effects, 2).unwrap(), json!({}));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Event { name, data } if name == "ad.close" && data["isEnded"] == true)),
        "watched to the end under --consent allow: {effects:?}"
    );
}

/// A page replaced while the platform holds its pay gets no reply from the old page; a flow
/// the new page starts meanwhile waits for the held turn and then gets its own reply.
#[test]
fn a_page_replaced_during_a_held_pay_gets_only_its_own_replies() {
    let s = start(ORDERS_PAY);
    let toid = s.order();
    let pay = s.held_call(1, "pay", json!({"trade_order_id": toid}));
    assert!(s.host.page_started().is_empty(), "no sheet was open");
    let host = s.host.clone();
    let login = std::thread::spawn(move || call(&host, 2, "login", json!({})));
    s.proxy.release();
    let effects = pay.join().unwrap();
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Reply(_))),
        "the old page's pay is not answered: {effects:?}"
    );
    assert!(reply(&login.join().unwrap(), 2).unwrap()["code"].is_string());
}
