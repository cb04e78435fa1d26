//! Native chrome: navbar, capsule, devices, themes, consent and login sheets. Layout is
//! checked by measuring screenshots, not by eye.

use crate::harness::{close, fixture, fixture_with, serial, Collector, Host, Screenshot};
use minihost_core::config::NavbarStyle;
use minihost_core::shell::{Device, Layout, DEVICES, TITLE_CAPSULE_GAP};
use serde_json::{json, Value};

const ORANGE: [u8; 3] = [0xff, 0x88, 0x00];
const GREEN: [u8; 3] = [0x00, 0xff, 0x00];
const DARK_GREEN: [u8; 3] = [0x00, 0x80, 0x00];
const NAVY: [u8; 3] = [0x20, 0x20, 0x80];
const BLUE: [u8; 3] = [0x00, 0x00, 0xff];

fn app(collector: &Collector, style: &str, scenarios: &[&str]) -> tempfile::TempDir {
    let dir = fixture_with("chrome", collector, &[("NAVBAR_STYLE", style)]);
    std::fs::write(dir.path().join("build/scenario.json"), json!({ "names": scenarios }).to_string()).unwrap();
    dir
}

fn build(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("build")
}

/// Asserts a rectangle (l, t, r, b) within `tol` px of the expected one.
fn assert_rect_near(got: (u32, u32, u32, u32), want: (u32, u32, u32, u32), tol: u32, what: &str) {
    let d = |a: u32, b: u32| a.abs_diff(b) <= tol;
    assert!(
        d(got.0, want.0) && d(got.1, want.1) && d(got.2, want.2) && d(got.3, want.3),
        "{what}: measured {got:?}, expected {want:?}"
    );
}

fn sheets_shown(host: &Host) -> usize {
    host.events().iter().filter(|e| e["message"] == "sheet shown").count()
}

#[test]
fn default_navbar_geometry_and_live_colours() {
    let _g = serial();
    let collector = Collector::start();
    let dir = app(&collector, "default", &["geometry", "navbar"]);
    let host = Host::start(&build(&dir), &["--device", "iphone-14"]);
    let g = collector.wait("geometry", &host);
    assert_eq!(
        g["menuButton"],
        json!({"width":0,"height":0,"top":0,"right":0,"bottom":0,"left":0}),
        "zeros in default style"
    );
    assert_eq!(g["deviceInfo"]["bottomHeight"], 34);
    assert_eq!(g["safeAreaBottom"], "34px");
    assert_eq!(g["bottomBarHeight"], 34, "env(safe-area-inset-bottom) follows the device");
    assert_eq!(
        (g["innerWidth"].as_u64(), g["innerHeight"].as_u64()),
        (Some(390), Some(844 - 47 - 44))
    );
    assert!(g["userAgent"].as_str().unwrap().contains("iPhone OS"), "{}", g["userAgent"]);

    let d = Device::find("iphone-14").unwrap();
    let nav = host.screenshot_when("the orange navbar over the green page", |s| {
        close(s.pixel(5, 200), GREEN, 8) && close(s.pixel(5, 60), ORANGE, 8)
    });
    assert_eq!(
        (nav.width, nav.height),
        (d.screen_width, d.screen_height),
        "the window is the device's screen"
    );
    let bar = nav.run_from_top(5, ORANGE, 8);
    assert!(bar.abs_diff(d.status_bar_height + 44) <= 1, "status bar + navbar measured {bar} px");
    // Right third: the centred title stays left of it.
    let capsule = nav
        .bbox_not(
            (
                d.screen_width * 2 / 3,
                d.status_bar_height,
                d.screen_width,
                d.status_bar_height + 44,
            ),
            ORANGE,
            40,
        )
        .unwrap();
    let c = d.capsule;
    assert_rect_near(
        capsule,
        (c.left, d.status_bar_height + 6, c.right, d.status_bar_height + 38),
        2,
        "capsule in the title row",
    );
    let layout = Layout::new(d, NavbarStyle::Default);
    let (title_row, capsule) = (layout.navbar.unwrap(), layout.capsule);
    let (l, _, r, _) = nav
        .bbox_not((0, title_row.top, capsule.left, title_row.bottom), ORANGE, 40)
        .expect("a title in the navbar");
    assert!(
        (l + r).abs_diff(d.screen_width) <= 4,
        "a title that fits stays centred: drawn over x {l}..{r} of {}",
        d.screen_width
    );
    nav.publish("default-navbar");
    collector.open_gate("navbar");

    let n = collector.wait("navbar", &host);
    assert_eq!(n["badFront"]["is_success"], false);
    assert_eq!(n["badFront"]["error"]["error_code"], 10002);
    assert!(
        n["badBack"]["error"]["error_msg"].as_str().unwrap().contains("backgroundColor"),
        "{n}"
    );
    assert_eq!(n["ok"], json!({"is_success": true}));
    assert_eq!(n["canIUse"], true);
    let blue = host.screenshot_when("the navbar turned blue", |s| close(s.pixel(5, 60), BLUE, 8));
    assert!(blue.run_from_top(5, BLUE, 8).abs_diff(d.status_bar_height + 44) <= 1);
}

/// Regression: a long `<title>` was drawn across the capsule. It must end, ellipsized, a
/// margin before the capsule on every device.
#[test]
fn a_long_title_ends_before_the_capsule_on_every_device() {
    let _g = serial();
    let collector = Collector::start();
    for d in DEVICES {
        let layout = Layout::new(d, NavbarStyle::Default);
        let (row, title, capsule) = (layout.navbar.unwrap(), layout.title.unwrap(), layout.capsule);
        let dir = fixture("long-title", &collector);
        let host = Host::start(&build(&dir), &["--device", d.id]);
        // White title text on the navy navbar, anywhere in the title row left of the capsule.
        let text = |s: &Screenshot| s.bbox_not((0, row.top, capsule.left, row.bottom), NAVY, 60);
        // The config's short name is shown first; the page's long title replaces it.
        let shot = host.screenshot_when("the page's long title in the navbar", |s| {
            close(s.pixel(2, row.top + 2), NAVY, 8) && text(s).is_some_and(|(l, _, r, _)| r - l >= title.width / 2)
        });
        let (left, _, right, _) = text(&shot).unwrap();
        if d.id == "iphone-se" {
            shot.publish("long-title");
        }
        assert!(
            right + TITLE_CAPSULE_GAP / 2 <= capsule.left,
            "{}: the title ends at x {right}, the capsule starts at {}",
            d.id,
            capsule.left
        );
        assert!(
            left + 1 >= title.left && right <= title.right + 1,
            "{}: text over x {left}..{right} leaves its space {}..{}",
            d.id,
            title.left,
            title.right
        );
        assert!(
            right - left >= title.width * 3 / 4,
            "{}: the ellipsized title fills its space: x {left}..{right} of {}..{}",
            d.id,
            title.left,
            title.right
        );
    }
}

#[test]
fn custom_navbar_capsule_matches_each_device() {
    let _g = serial();
    let collector = Collector::start();
    for id in ["iphone-se", "iphone-15-pro", "pixel-7"] {
        let d = Device::find(id).unwrap();
        let dir = app(&collector, "custom", &["geometry"]);
        let host = Host::start(&build(&dir), &["--device", id]);
        let g = collector.wait("geometry", &host);
        let c = d.capsule;
        assert_eq!(
            g["menuButton"],
            json!({"width": c.width, "height": c.height, "top": c.top, "right": c.right, "bottom": c.bottom, "left": c.left}),
            "{id}"
        );
        assert_eq!(g["deviceInfo"]["bottomHeight"], d.bottom_inset, "{id}");
        assert_eq!(
            g["innerHeight"].as_u64(),
            Some(u64::from(d.screen_height - d.status_bar_height)),
            "{id}: the app gets the screen below the status bar"
        );

        let shot = host.screenshot_when("the green page", |s| close(s.pixel(5, d.status_bar_height + 60), GREEN, 8));
        assert!(
            shot.run_from_top(5, ORANGE, 8).abs_diff(d.status_bar_height) <= 1,
            "{id}: only the status bar is host-drawn"
        );
        let area = (d.screen_width / 2, d.status_bar_height, d.screen_width, d.status_bar_height + 80);
        let capsule = shot.bbox_not(area, GREEN, 40).expect("a capsule over the page");
        assert_rect_near(capsule, (c.left, c.top, c.right, c.bottom), 2, id);
        if id == "iphone-15-pro" {
            shot.publish("custom-navbar");
        }
    }
}

#[test]
fn dark_theme_and_switching_at_runtime() {
    let _g = serial();
    let collector = Collector::start();
    let dir = app(&collector, "default", &["geometry"]);
    let host = Host::start(&build(&dir), &["--theme", "dark"]);
    let g = collector.wait("geometry", &host);
    assert_eq!(g["dark"], true, "prefers-color-scheme follows --theme");
    let shot = host.screenshot_when("the dark navbar and page", |s| {
        close(s.pixel(5, 60), NAVY, 8) && close(s.pixel(5, 300), DARK_GREEN, 8)
    });
    shot.publish("dark");

    host.keys(&["ctrl+shift+d"]);
    let change = collector.wait("theme-change", &host);
    assert_eq!(change["dark"], false, "the page sees the switch");
    host.screenshot_when("the light navbar and page", |s| {
        close(s.pixel(5, 60), ORANGE, 8) && close(s.pixel(5, 300), GREEN, 8)
    });
}

#[test]
fn scripted_consent_allow_and_deny_in_both_styles() {
    let _g = serial();
    let collector = Collector::start();
    let dir = app(&collector, "default", &["authorize"]);
    let host = Host::start(&build(&dir), &["--consent", "allow"]);
    let r = collector.wait("authorize", &host);
    assert!(r["positional"]["authResponse"]["code"].is_string(), "{r}");
    assert!(r["positional"]["authResponse"]["grantedScopes"]
        .as_str()
        .unwrap()
        .contains("user.info.basic"));
    assert!(r["object"]["success"]["code"].is_string(), "{r}");
    assert_eq!(r["fallback"], Value::Null);
    drop(host);

    let dir = app(&collector, "default", &["authorize"]);
    let host = Host::start(&build(&dir), &["--consent", "deny"]);
    let r = collector.wait("authorize", &host);
    assert_eq!(r["positional"]["authResponse"], Value::Null, "{r}");
    assert_eq!(r["positional"]["error"]["error_code"], 10003);
    assert_eq!(r["object"]["fail"]["error"]["error_code"], 10003);
    assert!(
        r["fallback"]["success"]["code"].is_string(),
        "denied authorize falls back to silent login: {r}"
    );
}

#[test]
fn consent_sheet_asks_once_and_the_grant_persists() {
    let _g = serial();
    let collector = Collector::start();
    let data = tempfile::tempdir().unwrap();
    let dir = app(&collector, "default", &["authorize"]);
    let host = Host::start_in(&build(&dir), data.path(), &[]);
    host.wait_event("consent sheet", |e| e["message"] == "sheet shown" && e["kind"] == "consent");
    let shot = host.screenshot_when("the consent sheet over a dimmed page", |s| dimmed(s) && sheet_at_bottom(s));
    shot.publish("consent");
    wait_sheet_ready(&host);
    host.keys(&["Return"]);
    let r = collector.wait("authorize", &host);
    assert!(
        r["positional"]["authResponse"]["grantedScopes"]
            .as_str()
            .unwrap()
            .contains("user.info.basic"),
        "{r}"
    );
    assert!(r["object"]["success"]["code"].is_string(), "{r}");
    assert_eq!(sheets_shown(&host), 1, "the second authorize asked nothing");
    drop(host);

    // Next run, same data dir: already granted, so no sheet even with --consent deny.
    let dir = app(&collector, "default", &["authorize"]);
    let host = Host::start_in(&build(&dir), data.path(), &["--consent", "deny"]);
    let r = collector.wait("authorize", &host);
    assert!(
        r["positional"]["authResponse"]["code"].is_string(),
        "grant persisted across runs: {r}"
    );
    assert_eq!(sheets_shown(&host), 0);
}

/// Keys sent before the sheet's page has focused its default action would be lost.
fn wait_sheet_ready(host: &Host) {
    host.wait_event("sheet ready", |e| e["message"] == "sheet ready");
}

fn dimmed(s: &Screenshot) -> bool {
    let p = s.pixel(20, 300);
    p[1] < 0xd0 && p[1] > 0x40 && p[0] < 0x20
}

fn sheet_at_bottom(s: &Screenshot) -> bool {
    close(s.pixel(s.width / 2, s.height - 60), [0xff, 0xff, 0xff], 10)
}

#[test]
fn login_sheet_when_signed_out() {
    let _g = serial();
    let collector = Collector::start();
    let dir = app(&collector, "default", &["login"]);
    let host = Host::start(&build(&dir), &["--signed-out"]);
    host.wait_event("login sheet", |e| e["message"] == "sheet shown" && e["kind"] == "login");
    host.screenshot_when("the login sheet", sheet_at_bottom);
    wait_sheet_ready(&host);
    host.keys(&["Return"]);
    let r = collector.wait("login", &host);
    assert_eq!(r["status"]["status"], "unknown", "{r}");
    assert!(r["login"]["authResponse"]["code"].is_string(), "{r}");
    assert_eq!(r["after"]["status"], "connected");
    host.wait_event("sign-in", |e| {
        e["message"] == "signed in from the login sheet" && e["user"] == "alice"
    });
}

#[test]
fn page_cannot_reach_the_consent_surface() {
    let _g = serial();
    let collector = Collector::start();
    let dir = app(&collector, "default", &["reach"]);
    let host = Host::start(&build(&dir), &[]);
    let a = collector.wait("reach-attempts", &host);
    assert_eq!(a["fetch"], "TypeError", "{a}");
    assert_eq!(a["open"], "null");
    assert!(
        a["frameBody"].is_null() || a["frameBody"].is_string() || a["frameBody"] == 0,
        "no access to a chrome document: {a}"
    );
    assert_eq!(a["navigated"], false);
    assert!(
        !host.events().iter().any(|e| e["message"] == "sheet closed"),
        "the forged answer closed nothing"
    );
    wait_sheet_ready(&host);
    host.keys(&["Escape"]);
    let r = collector.wait("reach-result", &host);
    assert_eq!(
        r["error"]["error_code"], 10003,
        "the sheet was answered by the user, not the page: {r}"
    );
}

#[test]
fn bundled_sample_runs_under_the_default_navbar() {
    let _g = serial();
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_minihost"))
        .args(["run", "--data-dir"])
        .arg(data.path())
        .arg("--log-format")
        .arg("json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let host = Host::adopt(out);
    host.wait_event("sample init", |e| {
        e["message"] == "TTMinis.init" && e["client_key"] == "sample-drama"
    });
    let d = Device::find("iphone-14").unwrap();
    // The sample's hero art starts right under the white navbar.
    let shot = host.screenshot_when("the sample under a white navbar", |s| {
        s.run_from_top(5, [0xff, 0xff, 0xff], 6).abs_diff(d.status_bar_height + 44) <= 1 && !close(s.pixel(5, 120), [0xff, 0xff, 0xff], 30)
    });
    shot.publish("sample");
}

/// Regression: on a bare Debian machine emoji were drawn as empty boxes.
#[test]
fn emoji_are_drawn_in_colour() {
    let _g = serial();
    let collector = Collector::start();
    let dir = fixture("emoji", &collector);
    let host = Host::start(&build(&dir), &["--device", "iphone-14"]);
    let b = collector.wait("emoji", &host);
    assert_eq!(
        b,
        json!({"left": 40, "top": 40, "width": 120, "height": 120}),
        "the fixture's emoji box"
    );
    let d = Device::find("iphone-14").unwrap();
    let top = Layout::new(d, NavbarStyle::Default).app.top;
    let area = (40, top + 40, 160, top + 160);
    // The black square below the box is painted in the same frame as the emoji.
    let shot = host.screenshot_when("the emoji page", |s| close(s.pixel(50, top + 190), [0, 0, 0], 8));
    shot.publish("emoji");
    // An empty box or a monochrome fallback glyph is grey, at most with coloured fringes
    // from subpixel antialiasing; a colour emoji fills much of its box with strong colour.
    let saturated = (area.1..area.3)
        .flat_map(|y| (area.0..area.2).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = shot.pixel(x, y);
            p.iter().max().unwrap() - p.iter().min().unwrap() > 80
        })
        .count();
    assert!(
        saturated >= 1000,
        "only {saturated} strongly coloured pixels in the emoji's 120x120 box"
    );
}
