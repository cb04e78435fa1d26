use crate::harness::{fixture, serial, Collector, Host};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A window manager, so the window can really be minimised under Xvfb.
struct WindowManager(Child);

impl WindowManager {
    /// Starts openbox and waits until it manages the screen. A window mapped while the window
    /// manager is still starting can be left unmapped, and then nothing can minimise it.
    /// An openbox that exits while starting is started again, up to three times in all.
    fn start() -> WindowManager {
        let log = tempfile::NamedTempFile::new().expect("a temporary file for openbox's stderr");
        let spawn = || {
            Command::new("openbox")
                .arg("--sm-disable")
                .stdout(Stdio::null())
                .stderr(log.reopen().expect("openbox's stderr file"))
                .spawn()
                .expect("openbox (scripts/setup installs it)")
        };
        let mut wm = WindowManager(spawn());
        let mut starts = 1;
        let stderr = || std::fs::read_to_string(log.path()).unwrap_or_default();
        let end = Instant::now() + Duration::from_secs(60);
        // _NET_NUMBER_OF_DESKTOPS is set by an EWMH window manager once it runs.
        while !Command::new("xdotool")
            .arg("get_num_desktops")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            if let Ok(Some(status)) = wm.0.try_wait() {
                assert!(starts < 3, "openbox exited {starts} times while starting ({status}): {}", stderr());
                wm.0 = spawn();
                starts += 1;
            }
            assert!(
                Instant::now() < end,
                "openbox ran for 60 s without managing the screen (DISPLAY={:?}); its stderr: {}",
                std::env::var("DISPLAY"),
                stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        wm
    }
}

impl Drop for WindowManager {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .expect("xdotool (scripts/setup installs it)");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Launch then show on start; minimising the window fires hide, restoring it fires show.
#[test]
fn minimise_and_restore_fire_hide_and_show() {
    let _g = serial();
    let _wm = WindowManager::start();
    let collector = Collector::start();
    let app = fixture("lifecycle", &collector);
    let host = Host::start(&app.path().join("build"), &[]);

    let launch = collector.wait("event-1", &host);
    assert_eq!(launch["name"], "minis.launch", "{launch}");
    assert_eq!(launch["data"]["launch_from"], "anchor");
    assert_eq!(collector.wait("event-2", &host)["name"], "minis.show");

    // Found with a deadline, and no `--sync`: a window that never changes must fail the test
    // through the collector's deadline, not hang it.
    let window = host.window();
    xdotool(&["windowminimize", &window]);
    assert_eq!(collector.wait("event-3", &host)["name"], "minis.hide");
    xdotool(&["windowactivate", &window]);
    assert_eq!(collector.wait("event-4", &host)["name"], "minis.show");
}

/// The capsule's left half opens the menu (its first entry shares), its right half closes the
/// app: both found by clicking where the core's layout puts them.
#[test]
fn the_capsule_opens_the_menu_and_closes_the_app() {
    let _g = serial();
    let collector = Collector::start();
    let app = fixture("lifecycle", &collector);
    let mut host = Host::start(&app.path().join("build"), &["--device", "iphone-14"]);
    assert_eq!(collector.wait("event-1", &host)["name"], "minis.launch");
    assert_eq!(collector.wait("event-2", &host)["name"], "minis.show");

    let device = minihost_core::shell::Device::find("iphone-14").unwrap();
    let c = minihost_core::shell::Layout::new(device, minihost_core::config::NavbarStyle::Default).capsule;
    let row = c.top + c.height / 2;
    host.click(c.left + c.width / 4, row);
    host.wait_windows(2, "capsule menu");
    // The open menu grabs the keyboard: its first entry is one Down away.
    xdotool(&["key", "Down", "Return"]);
    assert_eq!(collector.wait("event-3", &host)["name"], "minis.share");

    host.click(c.left + c.width * 3 / 4, row);
    let status = host.wait_exit("a click on the capsule's close half");
    assert!(status.success(), "{status}");
}

/// The web process WebKit spawns for the app starts with WebKit's flite voice preloaded
/// (`desktop::web_process`), where WebKit links it.
#[test]
fn the_web_process_starts_with_the_voice_preloaded() {
    let _g = serial();
    let collector = Collector::start();
    let app = fixture("lifecycle", &collector);
    let host = Host::start(&app.path().join("build"), &[]);
    assert_eq!(collector.wait("event-1", &host)["name"], "minis.launch");

    let ldd = Command::new("ldd").arg(env!("CARGO_BIN_EXE_minihost")).output().expect("ldd");
    let voice = minihost_desktop::web_process::VOICE;
    let linked = String::from_utf8_lossy(&ldd.stdout).contains(voice);
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", host.pid())).unwrap();
    let web = children
        .split_whitespace()
        .find(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.starts_with("WebKitWebProces")))
        .expect("a WebKitWebProcess child");
    let environ = std::fs::read(format!("/proc/{web}/environ")).unwrap();
    let preload = environ
        .split(|b| *b == 0)
        .find_map(|kv| kv.strip_prefix(b"LD_PRELOAD="))
        .map(|v| String::from_utf8_lossy(v).into_owned());
    assert_eq!(
        preload.as_deref().is_some_and(|p| p.contains(voice)),
        linked,
        "LD_PRELOAD of the web process: {preload:?}; WebKit links the voice: {linked}"
    );
}
