use crate::harness::{fixture, serial, Collector, Host};
use std::process::{Child, Command, Stdio};

/// A window manager, so the window can really be minimised under Xvfb.
struct WindowManager(Child);

impl WindowManager {
    fn start() -> WindowManager {
        let child = Command::new("openbox")
            .arg("--sm-disable")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openbox (scripts/setup installs it)");
        WindowManager(child)
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

    let window = xdotool(&["search", "--sync", "--onlyvisible", "--name", "minihost"]);
    let window = window.lines().next().expect("the host window is visible").to_owned();
    xdotool(&["windowminimize", "--sync", &window]);
    assert_eq!(collector.wait("event-3", &host)["name"], "minis.hide");
    xdotool(&["windowactivate", "--sync", &window]);
    assert_eq!(collector.wait("event-4", &host)["name"], "minis.show");
}
