//! The door is enough: a toy shell written only against `minihost_core::shell_api` (as an iOS
//! or a WebView2 shell would be) runs seed 000's login and a pay from a signed-out start. It
//! renders what the core returns and nothing else: page scripts through the core's outbox
//! into its "page", sheets on its "screen" answered by its "user", the navbar.

use minihost_core::shell_api::{
    page_script, AppSource, ConsentMode, Delivery, Effect, Host, HostOptions, NavbarState, PageOutbox, Sheet, SheetAnswer, Theme, Transport,
};
use serde_json::{json, Value};
use std::collections::VecDeque;

const CLIENT_KEY: &str = "toy-shell";

/// The shell: a host, the page's inbox, the sheet on screen and the navbar it draws.
struct ToyShell {
    host: Host,
    outbox: PageOutbox,
    /// What bridge-js in the page received, decoded from the scripts it was given.
    page: VecDeque<Value>,
    screen: Option<(u64, Sheet)>,
    navbar: Option<NavbarState>,
    next_id: u64,
}

impl ToyShell {
    fn start(opts: HostOptions) -> ToyShell {
        let host = Host::start(opts).unwrap();
        let mut shell = ToyShell {
            host,
            outbox: PageOutbox::default(),
            page: VecDeque::new(),
            screen: None,
            navbar: None,
            next_id: 1,
        };
        let url = shell.host.start_url();
        let launched = shell.host.page_loaded(&url);
        shell.render(launched);
        shell
    }

    /// Carries out effects as one main-loop turn.
    fn render(&mut self, effects: Vec<Effect>) {
        for effect in &effects {
            match effect {
                Effect::ShowSheet { id, sheet } => self.screen = Some((*id, sheet.clone())),
                Effect::CloseSheet { id } if self.screen.as_ref().is_some_and(|(open, _)| open == id) => self.screen = None,
                Effect::Navbar(n) => self.navbar = Some(n.clone()),
                _ => {}
            }
        }
        if self.outbox.push(&effects) != Delivery::Wait {
            let first = self.outbox.take();
            self.evaluate(first);
        }
        let rest = self.outbox.turn_ended();
        self.evaluate(rest);
    }

    fn evaluate(&mut self, script: Option<minihost_core::shell_api::PageScript>) {
        let Some(script) = script else { return };
        let json = page_script::decode(&script.script).expect("a page script");
        match serde_json::from_str::<Value>(&json).unwrap() {
            Value::Array(batch) => self.page.extend(batch),
            one => self.page.push_back(one),
        }
    }

    /// bridge-js posting a call; returns its id.
    fn post(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let page = format!("{}index.html", self.host.start_url());
        let effects = self
            .host
            .handle_message(&page, &json!({"id": id, "method": method, "params": params}).to_string());
        self.render(effects);
        id
    }

    /// The user answers the sheet on screen.
    fn user(&mut self, answer: SheetAnswer) -> Sheet {
        let (id, sheet) = self.screen.clone().expect("a sheet on screen");
        let effects = self.host.answer_sheet(id, answer);
        self.render(effects);
        sheet
    }

    /// The reply the page got for call `id`.
    fn reply(&mut self, id: u64) -> Value {
        let at = self
            .page
            .iter()
            .position(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("no reply to {id} in {:?}", self.page));
        let reply = self.page.remove(at).unwrap();
        assert_eq!(reply["ok"], true, "{reply}");
        reply["result"].clone()
    }
}

fn post(url: &str, bearer: Option<&str>, body: Value) -> Value {
    let mut req = reqwest::blocking::Client::new().post(url).json(&body);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    req.send().unwrap().json().unwrap()
}

#[test]
fn a_shell_built_on_the_shell_api_alone_runs_a_login_and_a_pay() {
    let (app, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(
        app.path().join("minis.config.json"),
        format!(r#"{{"dev":{{"clientKey":"{CLIENT_KEY}"}}}}"#),
    )
    .unwrap();
    std::fs::write(app.path().join("index.html"), "<title>Toy</title>").unwrap();
    let mut opts = HostOptions::for_shell(AppSource::Dir(app.path().into()), data.path().into(), Transport::Ios);
    opts.embedded = Some(minihost::embedded::open);
    opts.consent = ConsentMode::Ask;
    opts.user = None;
    let mut shell = ToyShell::start(opts);
    assert_eq!(shell.page.pop_front().unwrap()["event"], "minis.launch");

    // Seed 000: signed out, login shows the login sheet, then consent for user.info.basic.
    let status = shell.post("getLoginStatus", json!({}));
    assert_eq!(shell.reply(status), json!({"status": "unknown"}));
    let login = shell.post("login", json!({"scope": "user.info.basic", "returnScopes": true}));
    assert!(matches!(
        shell.user(SheetAnswer::SignIn { username: "alice".into() }),
        Sheet::Login { .. }
    ));
    assert!(matches!(shell.user(SheetAnswer::Allow), Sheet::Consent { .. }));
    assert!(shell.screen.is_none(), "the consent sheet closed");
    let code = shell.reply(login);
    assert_eq!(code["grantedScopes"], "user.info.open_id,user.info.basic", "{code}");
    let status = shell.post("getLoginStatus", json!({}));
    assert_eq!(shell.reply(status), json!({"status": "connected"}));

    // The app's server exchanges the code and creates a trade order; the page pays it.
    let base = shell.host.platform_url().to_string();
    let secret = shell.host.registered_secret().unwrap().to_string();
    let token: Value = reqwest::blocking::Client::new()
        .post(format!("{base}/v2/oauth/token/"))
        .form(&[
            ("client_key", CLIENT_KEY),
            ("client_secret", secret.as_str()),
            ("code", code["code"].as_str().unwrap()),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = token["access_token"].as_str().unwrap_or_else(|| panic!("{token}"));
    post(
        &format!("{base}/__admin/users/beans"),
        None,
        json!({"username": "alice", "beans": 300}),
    );
    let order = post(
        &format!("{base}/v2/minis/trade_order/create/"),
        Some(token),
        json!({"token_type": "BEANS", "token_amount": 120, "order_info": {"order_id": "ep-4", "product_name": "Episode 4"}}),
    );
    let toid = order["data"]["trade_order_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{order}"))
        .to_string();
    let pay = shell.post("pay", json!({ "trade_order_id": toid }));
    match shell.user(SheetAnswer::Allow) {
        Sheet::Pay { balance, order, .. } => assert_eq!((balance, order.beans), (300, 120)),
        other => panic!("a pay sheet, not {other:?}"),
    }
    assert_eq!(shell.reply(pay), json!({"is_success": true, "trade_order_id": toid}));

    // The capsule's theme entry redraws the navbar the shell draws.
    let themed = shell.host.menu_chosen("theme");
    shell.render(themed);
    assert!(
        shell
            .page
            .iter()
            .any(|m| m["event"] == "host.theme" && m["data"]["theme"] == "dark"),
        "{:?}",
        shell.page
    );
    assert!(shell.navbar.is_some_and(|n| n.theme == Theme::Dark), "the navbar was redrawn dark");
}
