use super::*;
use minihost_platform::{NewApp, Platform, PlatformOptions};
use serde_json::json;
use std::path::Path;

const PAGE: &str = "minihost://app/index.html";

fn bridge_with(user: Option<&str>, consent: ConsentMode) -> Bridge {
    let config = AppConfig::parse(Path::new("c"), r#"{"dev":{"clientKey":"ck"}}"#).unwrap().config;
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
    let opts = BridgeOptions {
        client_key: "ck".into(),
        adopt_page_key: false,
        app_name: "Test".into(),
        host_app: HostApp::TikTok,
        consent,
        user: user.map(str::to_owned),
        theme: Theme::Light,
    };
    Bridge::new(Arc::new(Policy::new(&config)), Arc::new(platform), &config, opts, None).unwrap()
}

/// The single reply among `effects`, decoded from the script the page would run.
fn reply(effects: &[Effect]) -> Value {
    let evals: Vec<String> = effects
        .iter()
        .filter(|e| matches!(e, Effect::Reply(_)))
        .filter_map(page_script::script)
        .collect();
    assert_eq!(evals.len(), 1, "expected exactly one reply in {effects:?}");
    let json = evals[0]
        .strip_prefix("__minihost_reply(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap();
    serde_json::from_str(json).unwrap()
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
        (json!(9), json!(ErrorCode::NotLoggedIn as u32))
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
    assert_eq!(r["error"]["error_code"], json!(ErrorCode::UserDenied as u32));
    assert!(
        reply(&call(&b, 2, "login", json!({})))["result"]["code"].is_string(),
        "silent login still works"
    );
    let (id, _) = sheet(&call(&b, 3, "authorize", json!({})));
    assert_eq!(
        reply(&b.answer(id, SheetAnswer::Dismiss))["error"]["error_code"],
        json!(ErrorCode::UserDenied as u32),
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
        json!(ErrorCode::UserDenied as u32)
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
    assert_eq!(r["error"]["error_code"], json!(ErrorCode::ScopeNotAllowed as u32));
    assert!(r["error"]["error_msg"].as_str().unwrap().contains("user.info.phone"));
}

#[test]
fn hostile_input_gets_one_coded_reply() {
    let b = bridge_with(Some("alice"), ConsentMode::Ask);
    let code = |effects: Vec<Effect>| reply(&effects)["error"]["error_code"].as_u64().unwrap() as u32;
    assert_eq!(code(b.handle(PAGE, "{{{")), ErrorCode::Malformed as u32);
    assert_eq!(code(call(&b, 1, "eval", json!({}))), ErrorCode::Unsupported as u32);
    assert_eq!(code(call(&b, 1, "login", json!({"scope": 42}))), ErrorCode::InvalidParams as u32);
    assert_eq!(
        code(call(&b, 1, "login", json!({"returnScopes": "yes"}))),
        ErrorCode::InvalidParams as u32
    );
    assert_eq!(
        code(call(&b, 1, "sheet.answer", json!({"sheet": 1, "answer": "allow"}))),
        ErrorCode::Forbidden as u32
    );
    assert_eq!(
        code(b.handle("https://evil.example/", r#"{"id":1,"method":"login"}"#)),
        ErrorCode::Forbidden as u32
    );
    let huge = format!(
        r#"{{"id":1,"method":"share","params":{{"title":"{}"}}}}"#,
        "x".repeat(MAX_MESSAGE_BYTES)
    );
    assert_eq!(code(b.handle(PAGE, &huge)), ErrorCode::TooLarge as u32);
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
        json!(ErrorCode::Forbidden as u32)
    );
    assert_eq!(b.pending_sheets(), 1, "the forged answer changed nothing");
    let via_app_channel = b.handle("minihost-chrome://host/sheet.html", &forged);
    assert_eq!(
        reply(&via_app_channel)["error"]["error_code"],
        json!(ErrorCode::Forbidden as u32),
        "a chrome URL in the app's webview is still the app"
    );
    let ready = json!({"method": "sheet.ready", "params": {"sheet": id}}).to_string();
    assert_eq!(
        reply(&b.handle(PAGE, &ready))["error"]["error_code"],
        json!(ErrorCode::Forbidden as u32),
        "the app cannot speak for a sheet"
    );
    assert!(
        b.handle_chrome("minihost-chrome://host/sheet.html", &ready).is_empty(),
        "readiness is one-way"
    );
    assert_eq!(b.pending_sheets(), 1, "readiness answers nothing");
    let wrong_origin = b.handle_chrome("minihost://app/index.html", &forged);
    assert_eq!(reply(&wrong_origin)["error"]["error_code"], json!(ErrorCode::Forbidden as u32));
    let effects = b.handle_chrome("minihost-chrome://host/sheet.html", &forged);
    assert!(reply(&effects)["result"]["code"].is_string());
    assert_eq!(b.pending_sheets(), 0);
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
    assert_eq!(bad["error"]["error_code"], json!(ErrorCode::InvalidParams as u32));
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
