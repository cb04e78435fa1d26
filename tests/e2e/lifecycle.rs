use crate::harness::{fixture, serial, Collector, Host};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A window manager, so the window can really be minimised under Xvfb.
struct WindowManager(Child);

impl WindowManager {
    /// Starts openbox and waits until it manages the screen. A window mapped while the window
    /// manager is still starting can be left unmapped, and then nothing can minimise it.
    fn start() -> WindowManager {
        let child = Command::new("openbox")
            .arg("--sm-disable")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openbox (scripts/setup installs it)");
        let wm = WindowManager(child);
        let end = Instant::now() + Duration::from_secs(60);
        // _NET_NUMBER_OF_DESKTOPS is set by an EWMH window manager once it runs.
        while !Command::new("xdotool")
            .arg("get_num_desktops")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            assert!(Instant::now() < end, "openbox did not start managing the screen");
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
