//! The `Host` facade without any webview, as a new shell or a test harness drives it: page
//! messages in, structured effects out; on the embedded platform and over the remote client
//! against a real `minihost platform serve` process.

use minihost_core::shell_api::HostPlatformError;
use minihost_core::shell_api::{AppSource, Host, HostError, HostOptions, PlatformChoice};
use minihost_core::shell_api::{ConsentMode, Sheet, SheetAnswer};
use minihost_core::shell_api::{Effect, ErrorCode, Reply};
use serde_json::{json, Value};

mod support;
use std::path::Path;
use std::process::Command;
use support::{call, exchange, reply, serve, PAGE};

const CLIENT_KEY: &str = "host-facade";

fn app_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("minis.config.json"),
        format!(r#"{{"dev":{{"clientKey":"{CLIENT_KEY}"}}}}"#),
    )
    .unwrap();
    std::fs::write(dir.path().join("index.html"), "<title>Facade</title>").unwrap();
    dir
}

fn options(app: &Path, data: &Path) -> HostOptions {
    minihost::embedded::host_options(AppSource::Dir(app.into()), data.into())
}

/// Seed 000: getLoginStatus before and after TTMinis.login, with returnScopes.
fn seed_000_login(host: &Host) -> String {
    assert_eq!(
        host.handle_message(PAGE, &json!({"method": "init", "params": {"clientKey": CLIENT_KEY}}).to_string()),
        vec![]
    );
    assert_eq!(
        reply(&call(host, 1, "getLoginStatus", json!({})), 1).unwrap(),
        json!({"status": "not_authorized"})
    );
    let login = reply(
        &call(host, 2, "login", json!({"scope": "user.info.basic", "returnScopes": true})),
        2,
    )
    .unwrap();
    assert_eq!(login["grantedScopes"], "user.info.open_id,user.info.basic", "{login}");
    assert_eq!(
        reply(&call(host, 3, "getLoginStatus", json!({})), 3).unwrap(),
        json!({"status": "connected"})
    );
    login["code"].as_str().expect("a code").to_string()
}

#[test]
fn host_without_a_webview_logs_in_on_the_embedded_platform() {
    let (app, data) = (app_dir(), tempfile::tempdir().unwrap());
    let mut opts = options(app.path(), data.path());
    opts.consent = ConsentMode::Allow;
    let host = Host::start(opts).unwrap();
    let secret = host.registered_secret().expect("a fresh data dir registers the app").to_string();
    let code = seed_000_login(&host);
    let token = exchange(host.platform_url(), CLIENT_KEY, &secret, &code);
    assert_eq!(token["scope"], "user.info.open_id,user.info.basic", "{token}");
}

#[test]
fn two_sheets_requested_at_once_are_shown_one_after_the_other() {
    let (app, data) = (app_dir(), tempfile::tempdir().unwrap());
    let mut opts = options(app.path(), data.path());
    opts.user = None;
    let host = Host::start(opts).unwrap();
    // authorize, then login while its sheet is up: one sheet on screen, the second call waits.
    let first = call(&host, 1, "authorize", json!({"scope": "user.info.basic"}));
    let [Effect::ShowSheet {
        id: login_sheet,
        sheet: Sheet::Login { .. },
    }] = &first[..]
    else {
        panic!("{first:?}")
    };
    assert!(call(&host, 2, "login", json!({})).is_empty(), "the second call waits its turn");
    // Signing in moves the authorize call on to its consent sheet.
    let signed_in = host.answer_sheet(*login_sheet, SheetAnswer::SignIn { username: "bob".into() });
    let [Effect::CloseSheet { id: closed }, Effect::ShowSheet {
        id: consent_sheet,
        sheet: Sheet::Consent { .. },
    }] = &signed_in[..]
    else {
        panic!("{signed_in:?}")
    };
    assert_eq!(closed, login_sheet);
    assert!(consent_sheet > login_sheet);
    // Allowing answers the authorize call, then the waiting login, each with its own reply.
    let allowed = host.answer_sheet(*consent_sheet, SheetAnswer::Allow);
    assert_eq!(allowed[0], Effect::CloseSheet { id: *consent_sheet });
    let replies: Vec<&Reply> = allowed[1..]
        .iter()
        .map(|e| if let Effect::Reply(r) = e { r } else { panic!("{e:?}") })
        .collect();
    assert_eq!(
        replies.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        [Some(json!(1)), Some(json!(2))]
    );
    let (authorize, login) = (replies[0].result.clone().unwrap(), replies[1].result.clone().unwrap());
    assert_eq!(authorize["grantedScopes"], "user.info.open_id,user.info.basic");
    assert!(login["code"].is_string() && login["code"] != authorize["code"]);
    assert_eq!(host.answer_sheet(*consent_sheet, SheetAnswer::Allow), vec![], "answered once");
}

#[test]
fn a_denied_sheet_lets_the_next_call_show_its_own() {
    let (app, data) = (app_dir(), tempfile::tempdir().unwrap());
    let host = Host::start(options(app.path(), data.path())).unwrap();
    let first = call(&host, 1, "authorize", json!({}));
    let [Effect::ShowSheet { id: a, .. }] = &first[..] else {
        panic!("{first:?}")
    };
    assert!(call(&host, 2, "authorize", json!({})).is_empty());
    let denied = host.answer_sheet(*a, SheetAnswer::Deny);
    assert_eq!(
        reply(&denied[..2], 1),
        Err((ErrorCode::UserDenied as u32, "the user denied authorization".into()))
    );
    let [_, _, Effect::ShowSheet {
        id: b,
        sheet: Sheet::Consent { .. },
    }] = &denied[..]
    else {
        panic!("{denied:?}")
    };
    assert!(reply(&host.answer_sheet(*b, SheetAnswer::Allow), 2).is_ok());
    // A new page drops what the old one waited for.
    call(&host, 3, "authorize", json!({"scope": "user.info.basic"}));
    assert!(host.page_started().is_empty(), "basic is granted now: no sheet was open");
}

#[test]
fn host_over_the_remote_client_mints_codes_the_served_platform_exchanges() {
    let platform_data = tempfile::tempdir().unwrap();
    let served = serve(platform_data.path(), &[]);
    // The host's data dir has never seen this platform: it pairs, registers the app, and keeps
    // its device token for the next run.
    let (app, host_data) = (app_dir(), tempfile::tempdir().unwrap());
    let mut opts = options(app.path(), host_data.path());
    opts.consent = ConsentMode::Allow;
    opts.platform = PlatformChoice::Remote {
        url: served.url.clone(),
        pairing_token: None,
    };
    let host = Host::start(opts.clone()).unwrap();
    assert_eq!(host.platform_url(), served.url);
    let secret = host.registered_secret().expect("registered on the served platform").to_string();
    assert!(
        !host_data.path().join("platform.sqlite3").exists(),
        "the host opened no database of its own"
    );
    let code = seed_000_login(&host);
    let token = exchange(&served.url, CLIENT_KEY, &secret, &code);
    assert!(token["access_token"].as_str().is_some_and(|t| t.starts_with("act.")), "{token}");
    drop(host);

    // A second run reuses the device token; the app is registered already.
    let again = Host::start(opts.clone()).unwrap();
    assert_eq!(again.registered_secret(), None);
    let pairings = std::fs::read_to_string(host_data.path().join("platform-pairings.json")).unwrap();
    assert!(pairings.contains(&served.url) && pairings.contains("dvt."), "{pairings}");

    // The host API refuses requests without a valid device token.
    let http = reqwest::blocking::Client::new();
    for auth in [None, Some("Bearer dvt.forged!1"), Some("Bearer act.x!1")] {
        let mut req = http.get(format!("{}/__host/v1/users", served.url));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let res = req.send().unwrap();
        assert_eq!(res.status(), 401, "{auth:?}");
        assert_eq!(res.json::<Value>().unwrap()["error"], "unauthorized");
    }

    // The platform going away mid-run is a coded bridge error, not a hang.
    drop(served);
    let (code, msg) = reply(&call(&again, 7, "getLoginStatus", json!({})), 7).unwrap_err();
    assert_eq!(code, ErrorCode::PlatformUnavailable as u32, "{msg}");
    assert!(msg.contains("unreachable"), "{msg}");
}

#[test]
fn a_platform_that_is_down_or_refuses_is_a_clear_error_at_start() {
    let (app, data) = (app_dir(), tempfile::tempdir().unwrap());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut opts = options(app.path(), data.path());
    opts.platform = PlatformChoice::Remote {
        url: format!("http://{closed}"),
        pairing_token: None,
    };
    let err = Host::start(opts).unwrap_err();
    assert!(
        matches!(
            &err,
            HostError::Platform {
                source: HostPlatformError::Unreachable { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&closed.to_string()), "{err}");

    let mut opts = options(app.path(), data.path());
    opts.platform = PlatformChoice::Remote {
        url: "ftp://example.com".into(),
        pairing_token: None,
    };
    assert!(Host::start(opts).unwrap_err().to_string().contains("http(s)"));
}

#[test]
fn platform_serve_binds_only_loopback_unless_asked() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_minihost"))
        .args(["platform", "serve", "--addr", "0.0.0.0:0", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--allow-remote") && stderr.contains("0.0.0.0"), "{stderr}");

    // Asked: it binds and prints the pairing token a host on another machine needs.
    let served = serve(data.path(), &["--allow-remote"]);
    let token = (0..8)
        .filter_map(|_| {
            served
                .next_line()?
                .trim()
                .strip_prefix("pairing token for hosts on other machines: ")
                .map(str::to_string)
        })
        .next()
        .expect("a pairing token line");
    assert!(token.starts_with("pair-"), "{token}");
}

/// An emulator in this process, served on loopback, that the test can also read directly.
fn local_platform() -> (tokio::runtime::Runtime, minihost_platform::Platform, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let platform = minihost_platform::Platform::in_memory(minihost_platform::PlatformOptions::default()).unwrap();
    let (url, _) = rt.block_on(minihost_platform::spawn_on_loopback(platform.clone())).unwrap();
    (rt, platform, url)
}

fn keyless_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("minis.config.json"), "{}").unwrap();
    std::fs::write(dir.path().join("index.html"), "<title>Keyless</title>").unwrap();
    std::fs::write(dir.path().join("package.json"), r#"{"name":"keyless-drama"}"#).unwrap();
    dir
}

#[test]
fn without_a_configured_key_the_page_key_is_adopted_once() {
    let (_rt, platform, url) = local_platform();
    let (app, data) = (keyless_app(), tempfile::tempdir().unwrap());
    let mut opts = options(app.path(), data.path());
    opts.consent = ConsentMode::Allow;
    opts.platform = PlatformChoice::Remote {
        url: url.clone(),
        pairing_token: None,
    };
    let host = Host::start(opts).unwrap();
    assert_eq!(host.title(), "keyless-drama");
    assert_eq!(host.client_key(), "minihost-keyless-drama", "a stand-in named after the project");
    let init = |key: &str| host.handle_message(PAGE, &json!({"method": "init", "params": {"clientKey": key}}).to_string());
    init("page-key");
    assert_eq!(host.client_key(), "page-key");
    init("another-key");
    assert_eq!(host.client_key(), "page-key", "adopted once per session");
    let code = reply(&call(&host, 1, "login", json!({})), 1).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = platform
        .app("page-key")
        .unwrap()
        .expect("the page's key is registered")
        .client_secret;
    let token: Value = reqwest::blocking::Client::new()
        .post(format!("{url}/v2/oauth/token/"))
        .form(&[
            ("client_key", "page-key"),
            ("client_secret", &secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(token["access_token"].is_string(), "the code is the adopted key's: {token}");
}

#[test]
fn a_key_given_on_the_command_line_wins_over_config_and_page() {
    let (app, data) = (app_dir(), tempfile::tempdir().unwrap());
    let mut opts = options(app.path(), data.path());
    opts.client_key = Some("cli-key".into());
    let host = Host::start(opts).unwrap();
    assert_eq!(host.client_key(), "cli-key");
    host.handle_message(PAGE, &json!({"method": "init", "params": {"clientKey": CLIENT_KEY}}).to_string());
    assert_eq!(host.client_key(), "cli-key", "never replaced by the page's key");
}
