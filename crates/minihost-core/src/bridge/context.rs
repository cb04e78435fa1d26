//! The host context bridge-js boots with: everything its synchronous methods answer
//! (`canIUse`, `getDeviceInfo`, `getMenuButtonBoundingClientRect`) without a round trip.

use super::capabilities::{CAPABILITIES, HOST_VERSION};
use crate::shell::{Device, Layout, Rect};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfo {
    pub bottom_height: u32,
    pub screen_width: u32,
    pub screen_height: u32,
    pub status_bar_height: u32,
    pub pixel_ratio: f32,
    pub platform: crate::shell::Os,
    pub system: &'static str,
}

/// Safe-area insets of the app's webview, in CSS px.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SafeArea {
    pub top: u32,
    pub right: u32,
    pub bottom: u32,
    pub left: u32,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostContext {
    /// `ipc` (wry), `android` or `ios`.
    pub transport: &'static str,
    pub client_key: Option<String>,
    pub host_version: &'static str,
    pub capabilities: &'static [&'static str],
    pub device: DeviceInfo,
    pub menu_button: Rect,
    /// The status bar is drawn above the app's webview, so only the bottom inset remains.
    pub safe_area: SafeArea,
    pub timeout_ms: u64,
    pub interactive_timeout_ms: u64,
    pub strict: bool,
    pub app_origin: String,
    /// Where `<video>`/`<audio>` sources on the app's origin are sent instead, if anywhere.
    pub media_base: Option<String>,
}

impl HostContext {
    pub fn new(transport: &'static str, client_key: Option<String>, device: &Device, layout: &Layout) -> HostContext {
        HostContext {
            transport,
            client_key,
            host_version: HOST_VERSION,
            capabilities: CAPABILITIES,
            device: DeviceInfo {
                bottom_height: device.bottom_inset,
                screen_width: device.screen_width,
                screen_height: device.screen_height,
                status_bar_height: device.status_bar_height,
                pixel_ratio: device.pixel_ratio,
                platform: device.os,
                system: device.system,
            },
            menu_button: layout.menu_button_rect(),
            safe_area: SafeArea {
                top: 0,
                right: 0,
                bottom: device.bottom_inset,
                left: 0,
            },
            timeout_ms: 15_000,
            interactive_timeout_ms: 600_000,
            strict: false,
            app_origin: crate::policy::APP_ORIGIN.to_string(),
            media_base: None,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("context serialises")
    }
}
