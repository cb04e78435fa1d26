//! `dev.ads`: how the emulated ad network answers each ad unit (minihost's own key; TikTok
//! configures ad units in its console). Units not listed get [`AdUnit::default`].
//!
//! ```json
//! "dev": { "ads": { "unit-1": { "durationSeconds": 5, "minIntervalSeconds": 30, "dailyCap": 10,
//!                               "noFill": false, "createError": 20003, "showError": 50101,
//!                               "loadDelayMs": 2000 } } }
//! ```
//!
//! The forced codes are bridge error codes: they are checked against the bridge's one table,
//! [`ErrorCode::AD_CREATE`] and [`ErrorCode::AD_SHOW`].

use crate::error_codes::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdUnit {
    /// Length of the ad; a rewarded ad rewards only when watched this long.
    pub duration_secs: u32,
    /// Seconds after this unit's previous view before another may show (11004).
    pub min_interval_secs: u64,
    /// Views per platform day (11005); `None`: no cap.
    pub daily_cap: Option<u32>,
    /// Every create fails with [`ErrorCode::AdNoFill`].
    pub no_fill: bool,
    /// Every create fails with this code, one of [`ErrorCode::AD_CREATE`].
    pub create_error: Option<ErrorCode>,
    /// Every show fails with this code, one of [`ErrorCode::AD_SHOW`].
    pub show_error: Option<ErrorCode>,
    /// The ad takes this long to load before it plays.
    pub load_delay_ms: u32,
}

impl Default for AdUnit {
    fn default() -> AdUnit {
        AdUnit {
            duration_secs: 15,
            min_interval_secs: 0,
            daily_cap: None,
            no_fill: false,
            create_error: None,
            show_error: None,
            load_delay_ms: 0,
        }
    }
}

/// Longest ad minihost plays.
pub const MAX_AD_SECS: u32 = 120;
/// Longest simulated load.
pub const MAX_LOAD_DELAY_MS: u32 = 60_000;
