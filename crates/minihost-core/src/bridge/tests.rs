use super::*;
use crate::shell::sheets::AdKind;
use minihost_platform::{NewApp, Platform, PlatformOptions};
use serde_json::json;
use std::path::Path;

const PAGE: &str = "minihost://app/index.html";

fn bridge_with(user: Option<&str>, consent: ConsentMode) -> Bridge {
    bridge_with_config(r#"{"dev":{"clientKey":"ck"}}"#, user, consent)
}

fn bridge_with_config(config: &str, user: Option<&str>, consent: ConsentMode) -> Bridge {
    bridge_on(Arc::new(test_platform()), config, user, consent)
}

fn test_platform() -> Platform {
    let platform = Platform::in_memory(PlatformOptions::default()).unwrap();
    platform
        .ensure_app(NewApp {
            client_key: "ck".into(),
            client_secret: None,
            redirect_uris: vec![],
            developer: None,
            webhook_url: None,
            allowed_scopes: None,
        })
        .unwrap();
    platform
}

fn bridge_on(platform: Arc<dyn HostPlatform>, config: &str, user: Option<&str>, consent: ConsentMode) -> Bridge {
    let config = AppConfig::parse(Path::new("c"), config).unwrap().config;
    let opts = BridgeOptions {
        client_key: "ck".into(),
        adopt_page_key: false,
        app_name: "Test".into(),
        host_app: HostApp::TikTok,
        consent,
        user: user.map(str::to_owned),
        theme: Theme::Light,
    };
    Bridge::new(Arc::new(Policy::new(&config)), platform, &config, opts, None).unwrap()
}

/// The single reply among `effects`, decoded from the script the page would run.
fn reply(effects: &[Effect]) -> Value {
    let evals: Vec<String> = effects
        .iter()
        .filter(|e| matches!(e, Effect::Reply(_)))
        .filter_map(page_script::script)
        .collect();
    assert_eq!(evals.len(), 1, "expected exactly one reply in {effects:?}");
    serde_json::from_str(&page_script::decode(&evals[0]).unwrap()).unwrap()
}

fn call(b: &Bridge, id: u64, method: &str, params: Value) -> Vec<Effect> {
    b.handle(PAGE, &json!({"id": id, "method": method, "params": params}).to_string())
}

fn sheet(effects: &[Effect]) -> (u64, Sheet) {
    effects
        .iter()
        .find_map(|e| {
            if let Effect::ShowSheet { id, sheet } = e {
                Some((*id, sheet.clone()))
            } else {
                None
            }
        })
        .expect("a sheet")
}

#[test]
fn silent_login_returns_a_code_and_connects() {
    let b = bridge_with(Some("alice"), ConsentMode::Ask);
    assert_eq!(
        reply(&call(&b, 1, "getLoginStatus", json!({})))["result"],
        json!({"status": "not_authorized"})
    );
    let r = reply(&call(&b, 2, "login", json!({})));
    assert_eq!((r["id"].clone(), r["ok"].clone()), (json!(2), json!(true)));
    assert!(r["result"]["code"].as_str().is_some_and(|c| c.len() >= 16), "{r}");
    assert!(r["result"].get("grantedScopes").is_none(), "only with returnScopes");
    assert_eq!(
        reply(&call(&b, 3, "getLoginStatus", json!({})))["result"],
        json!({"status": "connected"})
    );
    let r = reply(&call(&b, 4, "login", json!({"returnScopes": true})));
    assert_eq!(r["result"]["grantedScopes"], "user.info.open_id");
    assert_ne!(
        r["result"]["code"],
        reply(&call(&b, 5, "login", json!({})))["result"]["code"],
        "codes are single-use, so each login mints a new one"
    );
}

#[test]
fn signed_out_login_shows_the_login_sheet() {
    let b = bridge_with(None, ConsentMode::Ask);
    assert_eq!(
        reply(&call(&b, 1, "getLoginStatus", json!({})))["result"],
        json!({"status": "unknown"})
    );
    let effects = call(&b, 2, "login", json!({}));
    let (id, s) = sheet(&effects);
    assert!(
        matches!(&s, Sheet::Login { users, .. } if users.iter().any(|u| u.username == "alice")),
        "{s:?}"
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Reply(_))),
        "no reply until the sheet is answered"
    );
    let effects = b.answer(id, SheetAnswer::SignIn { username: "alice".into() });
    assert!(effects.contains(&Effect::CloseSheet { id }));
    assert!(reply(&effects)["result"]["code"].is_string());
    assert_eq!(b.signed_in().unwrap().username, "alice");
    assert!(b.answer(id, SheetAnswer::Allow).is_empty(), "a sheet is answered once");
}

#[test]
fn dismissing_the_login_sheet_fails_the_call() {
    let b = bridge_with(None, ConsentMode::Ask);
    let (id, _) = sheet(&call(&b, 9, "login", json!({})));
    let r = reply(&b.answer(id, SheetAnswer::Dismiss));
    assert_eq!(
        (r["id"].clone(), r["error"]["error_code"].clone()),
        (json!(9), json!(ErrorCode::NotLoggedIn.code()))
    );
}

#[test]
fn authorize_asks_only_for_missing_scopes() {
    let b = bridge_with(Some("alice"), ConsentMode::Ask);
    let (id, s) = sheet(&call(&b, 1, "authorize", json!({"scope": "user.info.basic,user.info.open_id"})));
    match s {
        Sheet::Consent { scopes, user, .. } => {
            assert_eq!(
                scopes.iter().map(|s| s.scope.as_str()).collect::<Vec<_>>(),
                ["user.info.basic"],
                "open_id is silent"
            );
            assert_eq!(user.username, "alice");
        }
        other => panic!("{other:?}"),
    }
    let r = reply(&b.answer(id, SheetAnswer::Allow));
    let mut granted: Vec<&str> = r["result"]["grantedScopes"].as_str().unwrap().split(',').collect();
    granted.sort();
    assert_eq!(granted, ["user.info.basic", "user.info.open_id"]);
    // Incremental consent: already granted, so no sheet the second time.
    let again = call(&b, 2, "authorize", json!({"scope": "user.info.basic"}));
    assert!(!again.iter().any(|e| matches!(e, Effect::ShowSheet { .. })));
    assert!(reply(&again)["result"]["code"].is_string());
}

#[test]
fn denied_authorize_then_login_fallback() {
    let b = bridge_with(Some("alice"), ConsentMode::Ask);
    let (id, _) = sheet(&call(&b, 1, "authorize", json!({})));
    let r = reply(&b.answer(id, SheetAnswer::Deny));
    assert_eq!(r["error"]["error_code"], json!(ErrorCode::UserDenied.code()));
    assert!(
        reply(&call(&b, 2, "login", json!({})))["result"]["code"].is_string(),
        "silent login still works"
    );
    let (id, _) = sheet(&call(&b, 3, "authorize", json!({})));
    assert_eq!(
        reply(&b.answer(id, SheetAnswer::Dismiss))["error"]["error_code"],
        json!(ErrorCode::UserDenied.code()),
        "closing is deny"
    );
}

#[test]
fn scripted_consent_modes() {
    let allow = bridge_with(None, ConsentMode::Allow);
    let r = reply(&call(&allow, 1, "authorize", json!({"scope": "user.info.basic"})));
    assert!(r["result"]["grantedScopes"].as_str().unwrap().contains("user.info.basic"), "{r}");
    let deny = bridge_with(Some("alice"), ConsentMode::Deny);
    assert_eq!(
        reply(&call(&deny, 1, "authorize", json!({})))["error"]["error_code"],
        json!(ErrorCode::UserDenied.code())
    );
    assert!(
        reply(&call(&deny, 2, "login", json!({})))["result"]["code"].is_string(),
        "silent login needs no consent"
    );
}

#[test]
fn scopes_outside_minis_are_errors() {
    let b = bridge_with(Some("alice"), ConsentMode::Allow);
    let r = reply(&call(&b, 1, "login", json!({"scope": "user.info.basic,user.info.phone"})));
    assert_eq!(r["error"]["error_code"], json!(ErrorCode::ScopeNotAllowed.code()));
    assert!(r["error"]["error_msg"].as_str().unwrap().contains("user.info.phone"));
}

#[test]
fn hostile_input_gets_one_coded_reply() {
    let b = bridge_with(Some("alice"), ConsentMode::Ask);
    let code = |effects: Vec<Effect>| reply(&effects)["error"]["error_code"].as_u64().unwrap() as u32;
    assert_eq!(code(b.handle(PAGE, "{{{")), ErrorCode::Malformed.code());
    assert_eq!(code(call(&b, 1, "eval", json!({}))), ErrorCode::Unsupported.code());
    assert_eq!(code(call(&b, 1, "login", json!({"scope": 42}))), ErrorCode::InvalidParams.code());
    assert_eq!(
        code(call(&b, 1, "login", json!({"returnScopes": "yes"}))),
        ErrorCode::InvalidParams.code()
    );
    assert_eq!(
        code(call(&b, 1, "sheet.answer", json!({"sheet": 1, "answer": "allow"}))),
        ErrorCode::Forbidden.code()
    );
    assert_eq!(
        code(b.handle("https://evil.example/", r#"{"id":1,"method":"login"}"#)),
        ErrorCode::Forbidden.code()
    );
    let huge = format!(
        r#"{{"id":1,"method":"share","params":{{"title":"{}"}}}}"#,
        "x".repeat(MAX_MESSAGE_BYTES)
    );
    assert_eq!(code(b.handle(PAGE, &huge)), ErrorCode::TooLarge.code());
    assert!(
        b.handle(PAGE, r#"{"method":"init","params":{"clientKey":"other"}}"#).is_empty(),
        "init is one-way"
    );
    assert!(
        b.handle(PAGE, r#"{"method":"__report","params":{"kind":"csp"}}"#).is_empty(),
        "reports are one-way"
    );
    // Sent with an id, a one-way message is still answered exactly once.
    assert_eq!(
        reply(&b.handle(PAGE, r#"{"id":5,"method":"__report","params":{"kind":"csp"}}"#))["id"],
        json!(5)
    );
}

#[test]
fn app_page_cannot_answer_sheets_but_chrome_can() {
    let b = bridge_with(Some("alice"), ConsentMode::Ask);
    let (id, _) = sheet(&call(&b, 1, "authorize", json!({})));
    let forged = json!({"id": 2, "method": "sheet.answer", "params": {"sheet": id, "answer": "allow"}}).to_string();
    assert_eq!(
        reply(&b.handle(PAGE, &forged))["error"]["error_code"],
        json!(ErrorCode::Forbidden.code())
    );
    assert_eq!(b.pending_sheets(), 1, "the forged answer changed nothing");
    let via_app_channel = b.handle("minihost-chrome://host/sheet.html", &forged);
    assert_eq!(
        reply(&via_app_channel)["error"]["error_code"],
        json!(ErrorCode::Forbidden.code()),
        "a chrome URL in the app's webview is still the app"
    );
    let ready = json!({"method": "sheet.ready", "params": {"sheet": id}}).to_string();
    assert_eq!(
        reply(&b.handle(PAGE, &ready))["error"]["error_code"],
        json!(ErrorCode::Forbidden.code()),
        "the app cannot speak for a sheet"
    );
    assert!(
        b.handle_chrome("minihost-chrome://host/sheet.html", &ready).is_empty(),
        "readiness is one-way"
    );
    assert_eq!(b.pending_sheets(), 1, "readiness answers nothing");
    let wrong_origin = b.handle_chrome("minihost://app/index.html", &forged);
    assert_eq!(
        sheet_reply(&wrong_origin)["error"]["error_code"],
        json!(ErrorCode::Forbidden.code())
    );
    assert!(
        wrong_origin.iter().all(|e| page_script::script(e).is_none()),
        "nothing for the app's page"
    );
    let effects = b.handle_chrome("minihost-chrome://host/sheet.html", &forged);
    assert!(
        reply(&effects)["result"]["code"].is_string(),
        "the app's call is answered on its page"
    );
    assert_eq!(
        sheet_reply(&effects),
        json!({"id": 2, "ok": true, "result": {}}),
        "the answer is answered on the sheet's"
    );
    assert_eq!(b.pending_sheets(), 0);
    let other = json!({"id": 3, "method": "login", "params": {}}).to_string();
    let refused = b.handle_chrome("minihost-chrome://host/sheet.html", &other);
    assert_eq!(sheet_reply(&refused)["error"]["error_code"], json!(ErrorCode::Forbidden.code()));
}

/// The single reply to a sheet page's own call among `effects`, decoded from its script.
fn sheet_reply(effects: &[Effect]) -> Value {
    let scripts: Vec<String> = effects.iter().filter_map(page_script::sheet_script).collect();
    assert_eq!(scripts.len(), 1, "expected exactly one sheet reply in {effects:?}");
    serde_json::from_str(&page_script::decode(&scripts[0]).unwrap()).unwrap()
}

#[test]
fn navbar_colours() {
    let b = bridge_with(Some("alice"), ConsentMode::Ask);
    let bad = reply(&call(
        &b,
        1,
        "setNavigationBarColor",
        json!({"frontColor": "#ff0000", "backgroundColor": "#000000"}),
    ));
    assert_eq!(bad["error"]["error_code"], json!(ErrorCode::InvalidParams.code()));
    let bad = reply(&call(
        &b,
        2,
        "setNavigationBarColor",
        json!({"frontColor": "#ffffff", "backgroundColor": "navy"}),
    ));
    assert!(bad["error"]["error_msg"].as_str().unwrap().contains("backgroundColor"));
    let effects = call(
        &b,
        3,
        "setNavigationBarColor",
        json!({"frontColor": "#ffffff", "backgroundColor": "#123456"}),
    );
    assert_eq!(reply(&effects)["result"], json!({"is_success": true}));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Navbar(n) if n.background.to_string() == "#123456")));
}

#[test]
fn navigation_drops_replies_owed_to_the_old_page() {
    let b = bridge_with(Some("alice"), ConsentMode::Ask);
    let (id, _) = sheet(&call(&b, 1, "authorize", json!({})));
    assert_eq!(b.page_changed(), vec![Effect::CloseSheet { id }]);
    assert!(
        b.answer(id, SheetAnswer::Allow).is_empty(),
        "call 1 of the old page is never answered on the new one"
    );
}

const ADS_CONFIG: &str = r#"{"dev":{"clientKey":"ck","ads":{
  "short": {"durationSeconds": 2, "loadDelayMs": 300},
  "nofill": {"noFill": true},
  "broken": {"createError": 20003},
  "unshowable": {"showError": 50101},
  "paced": {"minIntervalSeconds": 60},
  "capped": {"dailyCap": 1}
}}}"#;

/// `ad.create` for `unit`, returning the ad id.
fn create_ad(b: &Bridge, id: u64, kind: &str, unit: &str) -> Value {
    reply(&call(b, id, "ad.create", json!({"kind": kind, "adUnitId": unit})))
}

fn close_event(effects: &[Effect]) -> Option<Value> {
    effects.iter().find_map(|e| match e {
        Effect::Event { name, data } if name == "ad.close" => Some(data.clone()),
        _ => None,
    })
}

#[test]
fn a_rewarded_ad_answers_show_when_it_plays_and_says_whether_it_ended() {
    let b = bridge_with_config(ADS_CONFIG, None, ConsentMode::Ask);
    let ad = create_ad(&b, 1, "rewarded", "short")["result"]["ad"].clone();
    let effects = call(&b, 2, "ad.show", json!({"ad": ad}));
    let (sheet_id, s) = sheet(&effects);
    assert_eq!(
        s,
        Sheet::Ad {
            ad_kind: AdKind::Rewarded,
            ad_unit_id: "short".into(),
            duration_secs: 2,
            load_delay_ms: 300
        }
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Reply(_))),
        "show() waits for the ad to play"
    );
    let ready = b.sheet_ready(sheet_id);
    assert_eq!(reply(&ready)["ok"], true);
    assert!(b.sheet_ready(sheet_id).is_empty(), "show() is answered once");
    let closed = b.answer(sheet_id, SheetAnswer::AdEnded);
    assert!(closed.contains(&Effect::CloseSheet { id: sheet_id }));
    assert_eq!(close_event(&closed), Some(json!({"ad": ad, "isEnded": true})));

    let again = reply(&call(&b, 3, "ad.show", json!({"ad": ad})));
    assert_eq!(again["error"]["error_code"], ErrorCode::AdAlreadyShown.code(), "{again}");
}

#[test]
fn an_ad_closed_early_or_while_loading_has_not_ended() {
    let b = bridge_with_config(ADS_CONFIG, None, ConsentMode::Ask);
    let first = create_ad(&b, 1, "interstitial", "short")["result"]["ad"].clone();
    let (sheet_id, _) = sheet(&call(&b, 2, "ad.show", json!({"ad": first})));
    b.sheet_ready(sheet_id);
    let closed = b.answer(sheet_id, SheetAnswer::Dismiss);
    assert_eq!(close_event(&closed).unwrap()["isEnded"], false);

    let second = create_ad(&b, 3, "rewarded", "short")["result"]["ad"].clone();
    let (sheet_id, _) = sheet(&call(&b, 4, "ad.show", json!({"ad": second})));
    let closed = b.answer(sheet_id, SheetAnswer::Dismiss);
    assert_eq!(reply(&closed)["ok"], true, "show() still settles once");
    assert_eq!(close_event(&closed).unwrap()["isEnded"], false);
}

#[test]
fn forced_ad_errors_use_the_documented_codes() {
    let b = bridge_with_config(ADS_CONFIG, None, ConsentMode::Allow);
    assert_eq!(create_ad(&b, 1, "rewarded", "nofill")["error"]["error_code"], 20001);
    let broken = create_ad(&b, 2, "rewarded", "broken");
    assert_eq!(broken["error"]["error_code"], 20003);
    assert!(
        broken["error"]["error_msg"]
            .as_str()
            .unwrap()
            .contains("dev.ads.broken.createError"),
        "{broken}"
    );
    let ad = create_ad(&b, 3, "rewarded", "unshowable")["result"]["ad"].clone();
    assert_eq!(reply(&call(&b, 4, "ad.show", json!({"ad": ad})))["error"]["error_code"], 50101);
    for (id, params) in [(5, json!({"kind": "rewarded"})), (6, json!({"kind": "banner", "adUnitId": "u"}))] {
        assert_eq!(
            reply(&call(&b, id, "ad.create", params))["error"]["error_code"],
            ErrorCode::InvalidParams.code()
        );
    }
    assert_eq!(
        reply(&call(&b, 7, "ad.show", json!({"ad": 999})))["error"]["error_code"],
        ErrorCode::InvalidParams.code()
    );
}

#[test]
fn ad_interval_and_daily_cap_come_from_the_platform() {
    let b = bridge_with_config(ADS_CONFIG, Some("alice"), ConsentMode::Allow);
    for (unit, code) in [("paced", ErrorCode::AdTooSoon), ("capped", ErrorCode::AdCapReached)] {
        let first = create_ad(&b, 1, "rewarded", unit)["result"]["ad"].clone();
        let shown = call(&b, 2, "ad.show", json!({"ad": first}));
        assert_eq!(reply(&shown)["ok"], true, "{unit}");
        assert_eq!(close_event(&shown).unwrap()["isEnded"], true, "--consent allow watches to the end");
        let second = create_ad(&b, 3, "rewarded", unit)["result"]["ad"].clone();
        let refused = reply(&call(&b, 4, "ad.show", json!({"ad": second})));
        assert_eq!(refused["error"]["error_code"], code.code(), "{unit}: {refused}");
    }
}

#[test]
fn ads_of_a_replaced_page_are_gone() {
    let b = bridge_with_config(ADS_CONFIG, None, ConsentMode::Deny);
    let ad = create_ad(&b, 1, "rewarded", "short")["result"]["ad"].clone();
    b.page_changed();
    let r = reply(&call(&b, 2, "ad.show", json!({"ad": ad})));
    assert_eq!(r["error"]["error_code"], ErrorCode::InvalidParams.code());
    let ad = create_ad(&b, 3, "rewarded", "short")["result"]["ad"].clone();
    let shown = call(&b, 4, "ad.show", json!({"ad": ad}));
    assert_eq!(close_event(&shown).unwrap()["isEnded"], false, "--consent deny closes early");
}

/// A platform whose first `mint_code` panics (a bug in a platform, or in a shell's own).
struct PanicsOnce(Platform, std::sync::atomic::AtomicBool);

impl HostPlatform for PanicsOnce {
    fn describe(&self) -> String {
        self.0.describe()
    }
    fn ensure_app(&self, app: &minihost_platform::NewApp) -> Result<crate::platform::EnsuredApp, crate::platform::HostPlatformError> {
        HostPlatform::ensure_app(&self.0, app)
    }
    fn users(&self) -> Result<Vec<User>, crate::platform::HostPlatformError> {
        HostPlatform::users(&self.0)
    }
    fn user_by_username(&self, username: &str) -> Result<Option<User>, crate::platform::HostPlatformError> {
        HostPlatform::user_by_username(&self.0, username)
    }
    fn granted_scopes(&self, user_id: i64, client_key: &str) -> Result<Vec<String>, crate::platform::HostPlatformError> {
        HostPlatform::granted_scopes(&self.0, user_id, client_key)
    }
    fn grant(&self, user_id: i64, client_key: &str, scopes: &[String]) -> Result<Vec<String>, crate::platform::HostPlatformError> {
        HostPlatform::grant(&self.0, user_id, client_key, scopes)
    }
    fn mint_code(&self, req: &CodeRequest) -> Result<String, crate::platform::HostPlatformError> {
        if !self.1.swap(true, std::sync::atomic::Ordering::SeqCst) {
            panic!("the platform failed mid-flow");
        }
        HostPlatform::mint_code(&self.0, req)
    }
    fn trade_order(&self, id: &str) -> Result<Option<crate::platform::monetization::TradeOrder>, crate::platform::HostPlatformError> {
        HostPlatform::trade_order(&self.0, id)
    }
    fn pay_order(
        &self,
        req: &crate::platform::monetization::PayRequest,
    ) -> Result<crate::platform::monetization::PaidOrder, crate::platform::HostPlatformError> {
        HostPlatform::pay_order(&self.0, req)
    }
    fn subscribe(
        &self,
        req: &crate::platform::monetization::PayRequest,
    ) -> Result<crate::platform::monetization::Subscribed, crate::platform::HostPlatformError> {
        HostPlatform::subscribe(&self.0, req)
    }
    fn top_up(
        &self,
        req: &crate::platform::monetization::TopUp,
    ) -> Result<crate::platform::monetization::Balance, crate::platform::HostPlatformError> {
        HostPlatform::top_up(&self.0, req)
    }
    fn admit_ad(
        &self,
        view: &crate::platform::monetization::AdView,
    ) -> Result<crate::platform::monetization::AdAdmission, crate::platform::HostPlatformError> {
        HostPlatform::admit_ad(&self.0, view)
    }
}

/// A platform call that panics mid-flow does not hold the sheet queue for ever: the next
/// flow on the same bridge, from another thread, runs and is answered.
#[test]
fn a_flow_whose_platform_call_panics_leaves_the_queue_free() {
    let platform = PanicsOnce(test_platform(), Default::default());
    let b = Arc::new(bridge_on(
        Arc::new(platform),
        r#"{"dev":{"clientKey":"ck"}}"#,
        Some("alice"),
        ConsentMode::Allow,
    ));
    let first = b.clone();
    let panicked = std::thread::spawn(move || call(&first, 1, "login", json!({}))).join();
    assert!(panicked.is_err(), "the platform's panic reached the caller");
    let (again, (done, answered)) = (b.clone(), std::sync::mpsc::channel());
    std::thread::spawn(move || done.send(call(&again, 2, "login", json!({}))));
    let effects = answered
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the next flow waited for a turn that never ended");
    assert!(reply(&effects)["result"]["code"].is_string(), "{effects:?}");
}
