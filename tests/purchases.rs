//! Payments, subscriptions and the wallet through the `Host` facade with no webview: the app's
//! server creates trade orders over the platform's real HTTP API (`/v2/minis/...`), the page
//! calls `pay` / `createSubscription` / `openBalance`, and sheets are answered as a shell would.

use minihost_core::shell_api::{AppSource, Host, HostOptions, PlatformChoice};
use minihost_core::shell_api::{ConsentMode, Sheet, SheetAnswer};
use minihost_core::shell_api::{Effect, ErrorCode};
use serde_json::{json, Value};

mod support;
use support::{call, exchange, reply};

const CLIENT_KEY: &str = "purchases";

fn app_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("minis.config.json"),
        format!(r#"{{"dev":{{"clientKey":"{CLIENT_KEY}"}}, "domain": {{"trustedDomains": []}}}}"#),
    )
    .unwrap();
    std::fs::write(dir.path().join("index.html"), "<title>Shop</title>").unwrap();
    dir
}

/// A host signed in as `user`, on the embedded platform served on loopback.
struct Shop {
    host: Host,
    url: String,
    /// The app's server's access token for the signed-in user.
    token: String,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

fn post(url: &str, bearer: Option<&str>, body: Value) -> Value {
    let mut req = http().post(url).json(&body);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req.send().unwrap().json().unwrap()
}

fn sheet(effects: &[Effect]) -> (u64, Sheet) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::ShowSheet { id, sheet } => Some((*id, sheet.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("a sheet in {effects:?}"))
}

impl Shop {
    fn open(consent: ConsentMode, beans: i64) -> Shop {
        let (app, data) = (app_dir(), tempfile::tempdir().unwrap());
        let mut opts = minihost::embedded::host_options(AppSource::Dir(app.path().into()), data.path().into());
        opts.consent = consent;
        opts.user = Some("alice".into());
        Shop::start(opts, beans, (app, data))
    }

    fn start(opts: HostOptions, beans: i64, dirs: (tempfile::TempDir, tempfile::TempDir)) -> Shop {
        let host = Host::start(opts).unwrap();
        let url = host.platform_url().to_string();
        let set = post(
            &format!("{url}/__admin/users/beans"),
            None,
            json!({"username": "alice", "beans": beans}),
        );
        assert_eq!(set["beans"], beans, "{set}");
        // The app's server: a code from TTMinis.login, exchanged with the client secret.
        let login = reply(&call(&host, 900, "login", json!({})), 900).unwrap();
        let secret = host.registered_secret().expect("registered by this run").to_string();
        let token = exchange(&url, CLIENT_KEY, &secret, login["code"].as_str().unwrap());
        let token = token["access_token"].as_str().unwrap_or_else(|| panic!("{token}")).to_string();
        Shop {
            host,
            url,
            token,
            _dirs: dirs,
        }
    }

    /// `trade_order/create/` as the app's server calls it.
    fn order(&self, order_id: &str, beans: i64) -> String {
        let r = post(
            &format!("{}/v2/minis/trade_order/create/", self.url),
            Some(&self.token),
            json!({"token_type": "BEANS", "token_amount": beans,
                   "order_info": {"order_id": order_id, "product_name": format!("Episode {order_id}")}}),
        );
        r["data"]["trade_order_id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
    }

    fn status(&self, trade_order_id: &str) -> String {
        let r = post(
            &format!("{}/v2/minis/trade_order/query/", self.url),
            Some(&self.token),
            json!({"trade_order_id": trade_order_id}),
        );
        r["data"]["trade_order_status"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"))
            .to_string()
    }

    fn beans(&self) -> i64 {
        let users: Value = http().get(format!("{}/__admin/users", self.url)).send().unwrap().json().unwrap();
        let list = users
            .as_array()
            .or_else(|| users["users"].as_array())
            .unwrap_or_else(|| panic!("{users}"));
        list.iter().find(|u| u["username"] == "alice").unwrap()["beans"].as_i64().unwrap()
    }
}

#[test]
fn pay_shows_the_order_and_balance_and_debits_once_on_confirm() {
    let shop = Shop::open(ConsentMode::Ask, 500);
    let toid = shop.order("ep-4", 120);
    let shown = call(&shop.host, 1, "pay", json!({"trade_order_id": toid}));
    let (id, s) = sheet(&shown);
    match &s {
        Sheet::Pay {
            order,
            balance,
            top_up,
            user,
            ..
        } => {
            assert_eq!((order.trade_order_id.as_str(), order.beans, *balance), (toid.as_str(), 120, 500));
            assert_eq!(order.product_name, "Episode ep-4");
            assert_eq!(user.username, "alice");
            assert!(top_up.is_none(), "enough Beans");
        }
        other => panic!("{other:?}"),
    }
    let paid = reply(&shop.host.answer_sheet(id, SheetAnswer::Allow), 1).unwrap();
    assert_eq!(paid, json!({"is_success": true, "trade_order_id": toid}));
    assert_eq!(shop.status(&toid), "SUCCESS");
    assert_eq!(shop.beans(), 380);

    let (code, msg) = reply(&call(&shop.host, 2, "pay", json!({"trade_order_id": toid})), 2).unwrap_err();
    assert_eq!(code, ErrorCode::OrderNotPayable as u32, "{msg}");
    assert!(msg.contains("SUCCESS") && msg.contains("create a new one"), "{msg}");
    assert_eq!(shop.beans(), 380, "a second pay debits nothing");
}

#[test]
fn cancel_leaves_the_order_pending_and_the_balance_alone() {
    let shop = Shop::open(ConsentMode::Ask, 500);
    let toid = shop.order("ep-5", 100);
    let (id, _) = sheet(&call(&shop.host, 1, "pay", json!({"trade_order_id": toid})));
    let (code, _) = reply(&shop.host.answer_sheet(id, SheetAnswer::Dismiss), 1).unwrap_err();
    assert_eq!(code, ErrorCode::UserDenied as u32);
    assert_eq!((shop.status(&toid), shop.beans()), ("PENDING".to_string(), 500));
}

#[test]
fn too_few_beans_offers_a_top_up_and_pays_after_it() {
    let shop = Shop::open(ConsentMode::Ask, 30);
    let toid = shop.order("ep-6", 100);
    let (id, s) = sheet(&call(&shop.host, 1, "pay", json!({"trade_order_id": toid})));
    let Sheet::Pay {
        top_up: Some(tier),
        balance: 30,
        ..
    } = &s
    else {
        panic!("{s:?}")
    };
    assert_eq!(tier.beans, 70, "the smallest tier covering the 70 missing Beans");

    // Declining the top-up is an insufficient-balance error, not a plain cancel.
    let (code, msg) = reply(&shop.host.answer_sheet(id, SheetAnswer::Deny), 1).unwrap_err();
    assert_eq!(code, ErrorCode::InsufficientBeans as u32, "{msg}");
    assert!(msg.contains("30 Beans") && msg.contains("100"), "{msg}");

    let (id, _) = sheet(&call(&shop.host, 2, "pay", json!({"trade_order_id": toid})));
    let again = shop.host.answer_sheet(
        id,
        SheetAnswer::TopUp {
            tier_id: tier.tier_id.clone(),
        },
    );
    assert!(
        !again.iter().any(|e| matches!(e, Effect::Reply(_))),
        "the call waits for the new sheet"
    );
    let (id, s) = sheet(&again);
    assert!(
        matches!(
            &s,
            Sheet::Pay {
                balance: 100,
                top_up: None,
                ..
            }
        ),
        "{s:?}"
    );
    reply(&shop.host.answer_sheet(id, SheetAnswer::Allow), 2).unwrap();
    assert_eq!((shop.status(&toid), shop.beans()), ("SUCCESS".to_string(), 0));
}

#[test]
fn pay_refuses_unknown_and_foreign_orders_with_a_clear_code() {
    let shop = Shop::open(ConsentMode::Allow, 500);
    let (code, _) = reply(&call(&shop.host, 1, "pay", json!({"trade_order_id": "TOIDnope"})), 1).unwrap_err();
    assert_eq!(code, ErrorCode::OrderNotFound as u32);
    for (id, params) in [
        (2, json!({})),
        (3, json!({"trade_order_id": ""})),
        (4, json!({"trade_order_id": 7})),
    ] {
        let (code, msg) = reply(&call(&shop.host, id, "pay", params), id).unwrap_err();
        assert_eq!(code, ErrorCode::InvalidParams as u32);
        assert!(msg.contains("trade_order_id"), "{msg}");
    }
    let sub = post(
        &format!("{}/v2/minis/subscription/create/", shop.url),
        Some(&shop.token),
        json!({"tier_id": "sandbox_499_1M", "order_info": {"order_id": "s-1", "product_name": "VIP"}}),
    );
    let sub = sub["data"]["trade_order_id"].as_str().unwrap().to_string();
    let (code, msg) = reply(&call(&shop.host, 5, "pay", json!({"trade_order_id": sub})), 5).unwrap_err();
    assert_eq!(code, ErrorCode::OrderNotPayable as u32);
    assert!(msg.contains("createSubscription"), "{msg}");

    // An order the server created for bob cannot be paid by alice, who is signed in.
    let code = post(
        &format!("{}/__admin/codes", shop.url),
        None,
        json!({"client_key": CLIENT_KEY, "username": "bob", "scopes": "user.info.open_id"}),
    );
    let secret = shop.host.registered_secret().unwrap().to_string();
    let bob = exchange(&shop.url, CLIENT_KEY, &secret, code["code"].as_str().unwrap());
    let bobs = Shop {
        token: bob["access_token"].as_str().unwrap().to_string(),
        ..shop
    };
    let toid = bobs.order("bob-1", 10);
    let (code, msg) = reply(&call(&bobs.host, 6, "pay", json!({"trade_order_id": toid})), 6).unwrap_err();
    assert_eq!(code, ErrorCode::OrderNotPayable as u32);
    assert!(msg.contains("another user") && msg.contains("@alice"), "{msg}");
    assert_eq!(bobs.status(&toid), "PENDING");
}

#[test]
fn two_hosts_paying_one_order_at_once_debit_it_once() {
    let first = Shop::open(ConsentMode::Allow, 1000);
    let toid = first.order("ep-7", 100);
    // A second host process-alike on the same platform, over the remote client.
    let (app, data) = (app_dir(), tempfile::tempdir().unwrap());
    let mut opts = minihost::embedded::host_options(AppSource::Dir(app.path().into()), data.path().into());
    opts.consent = ConsentMode::Allow;
    opts.user = Some("alice".into());
    opts.platform = PlatformChoice::Remote {
        url: first.url.clone(),
        pairing_token: None,
    };
    let second = Host::start(opts).unwrap();
    let hosts = [&first.host, &second, &first.host, &second];
    let results: Vec<Result<Value, (u32, String)>> = std::thread::scope(|s| {
        let handles: Vec<_> = hosts
            .iter()
            .enumerate()
            .map(|(i, &h)| {
                let toid = toid.clone();
                s.spawn(move || reply(&call(h, i as u64, "pay", json!({"trade_order_id": toid})), i as u64))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "exactly one pay succeeds: {results:?}");
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(r.0, ErrorCode::OrderNotPayable as u32, "{r:?}");
    }
    assert_eq!((first.status(&toid), first.beans()), ("SUCCESS".to_string(), 900));
}

#[test]
fn create_subscription_confirms_on_its_sheet_and_speaks_its_own_codes() {
    let shop = Shop::open(ConsentMode::Ask, 0);
    let create = |order_id: &str, tier: &str| {
        let r = post(
            &format!("{}/v2/minis/subscription/create/", shop.url),
            Some(&shop.token),
            json!({"tier_id": tier, "order_info": {"order_id": order_id, "product_name": "VIP pass"}}),
        );
        r["data"]["trade_order_id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
    };
    let toid = create("vip-1", "sandbox_499_1M");
    let (id, s) = sheet(&call(&shop.host, 1, "createSubscription", json!({"trade_order_id": toid})));
    match &s {
        Sheet::Subscribe { price, sandbox, order, .. } => {
            assert_eq!((price.as_str(), *sandbox), ("$4.99 / 5 min (sandbox)", true));
            assert_eq!(order.product_name, "VIP pass");
        }
        other => panic!("{other:?}"),
    }
    let done = reply(&shop.host.answer_sheet(id, SheetAnswer::Allow), 1).unwrap();
    assert_eq!(done["is_success"], true);
    assert!(done["subscription_id"].as_str().is_some_and(|s| !s.is_empty()), "{done}");
    let info = post(
        &format!("{}/v2/minis/subscription/get_subscription_info/", shop.url),
        Some(&shop.token),
        json!({"subscription_id": done["subscription_id"]}),
    );
    assert_eq!(info["error"]["code"], "ok", "{info}");

    let (code, _) = reply(&call(&shop.host, 2, "createSubscription", json!({})), 2).unwrap_err();
    assert_eq!(code, ErrorCode::SubscriptionParamEmpty as u32);
    // One active subscription per tier: the next order is for another tier.
    let other = create("vip-2", "sandbox_699_1M");
    let (id, _) = sheet(&call(&shop.host, 3, "createSubscription", json!({"trade_order_id": other})));
    let (code, _) = reply(&shop.host.answer_sheet(id, SheetAnswer::Dismiss), 3).unwrap_err();
    assert_eq!(code, ErrorCode::SubscriptionCancelled as u32);
    let (code, _) = reply(&call(&shop.host, 4, "createSubscription", json!({"trade_order_id": toid})), 4).unwrap_err();
    assert_eq!(
        code,
        ErrorCode::SubscriptionUserError as u32,
        "a started subscription's order is spent"
    );
}

#[test]
fn the_wallet_shows_the_balance_and_tops_up() {
    let shop = Shop::open(ConsentMode::Ask, 10);
    let (id, s) = sheet(&call(&shop.host, 1, "openBalance", json!({"type": "BEANS"})));
    let Sheet::Wallet { balance: 10, tiers, .. } = &s else {
        panic!("{s:?}")
    };
    let tier = tiers.iter().find(|t| t.beans == 350).unwrap().tier_id.clone();
    let (id, s) = sheet(&shop.host.answer_sheet(id, SheetAnswer::TopUp { tier_id: tier }));
    assert!(matches!(s, Sheet::Wallet { balance: 360, .. }), "{s:?}");
    assert_eq!(shop.beans(), 360);
    let closed = reply(&shop.host.answer_sheet(id, SheetAnswer::Dismiss), 1).unwrap();
    assert_eq!(closed, json!({"is_success": true}));
    let (code, msg) = reply(&call(&shop.host, 2, "openBalance", json!({"type": "COINS"})), 2).unwrap_err();
    assert_eq!(code, ErrorCode::InvalidParams as u32);
    assert!(msg.contains("BEANS"), "{msg}");
}

#[test]
fn ads_are_capped_per_platform_day() {
    let (app, data) = (app_dir(), tempfile::tempdir().unwrap());
    std::fs::write(
        app.path().join("minis.config.json"),
        format!(r#"{{"dev":{{"clientKey":"{CLIENT_KEY}","ads":{{"daily":{{"dailyCap":1}}}}}},"domain":{{"trustedDomains":[]}}}}"#),
    )
    .unwrap();
    let mut opts = minihost::embedded::host_options(AppSource::Dir(app.path().into()), data.path().into());
    opts.consent = ConsentMode::Allow;
    let shop = Shop::start(opts, 0, (app, data));
    let show = |n: u64| {
        let ad = reply(
            &call(&shop.host, n, "ad.create", json!({"kind": "rewarded", "adUnitId": "daily"})),
            n,
        )
        .unwrap()["ad"]
            .clone();
        reply(&call(&shop.host, n + 1, "ad.show", json!({"ad": ad})), n + 1)
    };
    show(1).unwrap();
    assert_eq!(show(3).unwrap_err().0, ErrorCode::AdCapReached as u32);
    let advanced = post(&format!("{}/__admin/clock/advance", shop.url), None, json!({"seconds": 86_400}));
    assert!(advanced.get("now").is_some(), "{advanced}");
    show(5).expect("a new platform day");
}
