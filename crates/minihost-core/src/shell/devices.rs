//! Device profiles: screen, pixel ratio, status bar, bottom inset and capsule geometry.
//!
//! iPhone capsule numbers follow captured WeChat values (87×32, 4 px below the status bar,
//! 7 px right margin, 10 px on wide screens); TikTok's real numbers are unpublished. Android
//! numbers use the commonly reported `top = statusBar + 8`.

use serde::Serialize;

/// A rectangle in CSS px, origin at the top-left of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Rect {
    pub width: u32,
    pub height: u32,
    pub top: u32,
    pub right: u32,
    pub bottom: u32,
    pub left: u32,
}

impl Rect {
    pub const ZERO: Rect = Rect {
        width: 0,
        height: 0,
        top: 0,
        right: 0,
        bottom: 0,
        left: 0,
    };

    pub const fn new(left: u32, top: u32, width: u32, height: u32) -> Rect {
        Rect {
            width,
            height,
            top,
            right: left + width,
            bottom: top + height,
            left,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Ios,
    Android,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Device {
    pub id: &'static str,
    pub name: &'static str,
    pub os: Os,
    pub system: &'static str,
    pub screen_width: u32,
    pub screen_height: u32,
    pub pixel_ratio: f32,
    pub status_bar_height: u32,
    /// Bottom safe-area inset (home indicator or gesture bar).
    pub bottom_inset: u32,
    pub capsule: Rect,
}

const fn capsule(screen_width: u32, right_margin: u32, top: u32) -> Rect {
    Rect::new(screen_width - right_margin - 87, top, 87, 32)
}

impl Device {
    /// A phone measured by a mobile shell: its screen and safe-area insets in CSS px. The
    /// capsule sits as on the profiles: 87x32, 7 px from the right edge, centred in the
    /// 44 px below the status bar.
    pub fn measured(os: Os, screen_width: u32, screen_height: u32, status_bar_height: u32, bottom_inset: u32, pixel_ratio: f32) -> Device {
        Device {
            id: "measured",
            name: "measured screen",
            os,
            system: match os {
                Os::Ios => "iOS",
                Os::Android => "Android",
            },
            screen_width,
            screen_height,
            pixel_ratio,
            status_bar_height,
            bottom_inset,
            capsule: capsule(screen_width.max(94), 7, status_bar_height + 6),
        }
    }
}

pub const DEVICES: &[Device] = &[
    Device {
        id: "iphone-se",
        name: "iPhone SE (2nd/3rd gen)",
        os: Os::Ios,
        system: "iOS 17.5",
        screen_width: 375,
        screen_height: 667,
        pixel_ratio: 2.0,
        status_bar_height: 20,
        bottom_inset: 0,
        capsule: capsule(375, 7, 24),
    },
    Device {
        id: "iphone-14",
        name: "iPhone 13 / 14",
        os: Os::Ios,
        system: "iOS 17.5",
        screen_width: 390,
        screen_height: 844,
        pixel_ratio: 3.0,
        status_bar_height: 47,
        bottom_inset: 34,
        capsule: capsule(390, 7, 51),
    },
    Device {
        id: "iphone-15-pro",
        name: "iPhone 15 Pro",
        os: Os::Ios,
        system: "iOS 18.1",
        screen_width: 393,
        screen_height: 852,
        pixel_ratio: 3.0,
        status_bar_height: 59,
        bottom_inset: 34,
        capsule: capsule(393, 7, 62),
    },
    Device {
        id: "iphone-15-pro-max",
        name: "iPhone 15 Pro Max",
        os: Os::Ios,
        system: "iOS 18.1",
        screen_width: 430,
        screen_height: 932,
        pixel_ratio: 3.0,
        status_bar_height: 59,
        bottom_inset: 34,
        capsule: capsule(430, 7, 62),
    },
    Device {
        id: "pixel-7",
        name: "Google Pixel 7",
        os: Os::Android,
        system: "Android 14",
        screen_width: 412,
        screen_height: 915,
        pixel_ratio: 2.625,
        status_bar_height: 28,
        bottom_inset: 24,
        capsule: capsule(412, 10, 36),
    },
    Device {
        id: "android-small",
        name: "Small Android (360×640)",
        os: Os::Android,
        system: "Android 11",
        screen_width: 360,
        screen_height: 640,
        pixel_ratio: 2.0,
        status_bar_height: 24,
        bottom_inset: 0,
        capsule: capsule(360, 7, 32),
    },
];

/// The device used when none is named.
pub const DEFAULT_DEVICE: &str = "iphone-14";

impl Device {
    /// Looks a profile up by id, case-insensitively, also accepting names without dashes.
    pub fn find(id: &str) -> Option<&'static Device> {
        let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '_', ' '], "");
        DEVICES.iter().find(|d| norm(d.id) == norm(id))
    }

    pub fn default_device() -> &'static Device {
        Device::find(DEFAULT_DEVICE).expect("default device exists")
    }

    /// A TikTok-like user agent for this device, tagged with minihost.
    pub fn user_agent(&self, host_version: &str) -> String {
        let tag = format!("musical_ly_{host_version} minihost/{}", env!("CARGO_PKG_VERSION"));
        match self.os {
            Os::Ios => {
                let v = self.system.trim_start_matches("iOS ").replace('.', "_");
                format!("Mozilla/5.0 (iPhone; CPU iPhone OS {v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 {tag}")
            }
            Os::Android => format!(
                "Mozilla/5.0 (Linux; {}; {}) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.0.0 Mobile Safari/537.36 {tag}",
                self.system,
                self.name.trim_start_matches("Google ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capsules_sit_inside_the_screen_below_the_status_bar() {
        for d in DEVICES {
            let c = d.capsule;
            assert_eq!((c.width, c.height), (87, 32), "{}", d.id);
            assert!(c.right < d.screen_width && c.top > d.status_bar_height, "{}", d.id);
            assert_eq!((c.right - c.left, c.bottom - c.top), (c.width, c.height), "{}", d.id);
        }
    }

    #[test]
    fn captured_iphone_values() {
        let se = Device::find("iphone-se").unwrap().capsule;
        assert_eq!((se.left, se.top, se.right, se.bottom), (281, 24, 368, 56));
        let p = Device::find("iPhone 15 Pro").unwrap().capsule;
        assert_eq!((p.left, p.top, p.right, p.bottom), (299, 62, 386, 94));
        assert!(Device::find("nokia").is_none());
    }

    #[test]
    fn user_agents_name_the_platform() {
        assert!(Device::find("iphone-14").unwrap().user_agent("44.2.0").contains("iPhone OS 17_5"));
        assert!(Device::find("pixel-7")
            .unwrap()
            .user_agent("44.2.0")
            .contains("Android 14; Pixel 7"));
    }
}
