//! `dev.ads`: how the emulated ad network answers each ad unit (minihost's own key; TikTok
//! configures ad units in its console). Units not listed get [`AdUnit::default`].
//!
//! ```json
//! "dev": { "ads": { "unit-1": { "durationSeconds": 5, "minIntervalSeconds": 30, "dailyCap": 10,
//!                               "noFill": false, "createError": 20003, "showError": 50101,
//!                               "loadDelayMs": 2000 } } }
//! ```

/// Codes TikTok documents for creating an ad (platform-spec §1.8).
pub const AD_CREATE_CODES: [u32; 10] = [11001, 20000, 20001, 20002, 20003, 20007, 30001, 50000, 500, 10001];
/// Codes TikTok documents for `show()`.
pub const AD_SHOW_CODES: [u32; 14] = [
    10001, 11002, 11003, 11004, 11005, 30001, 50000, 50101, 50102, 50103, 50104, 50105, 50106, 50107,
];
/// The create code minihost gives for "no fill". TikTok lists 20001 among create codes without
/// a meaning; that it means no fill is UNCONFIRMED.
pub const NO_FILL_CODE: u32 = 20001;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdUnit {
    /// Length of the ad; a rewarded ad rewards only when watched this long.
    pub duration_secs: u32,
    /// Seconds after this unit's previous view before another may show (11004).
    pub min_interval_secs: u64,
    /// Views per platform day (11005); `None`: no cap.
    pub daily_cap: Option<u32>,
    /// Every create fails with [`NO_FILL_CODE`].
    pub no_fill: bool,
    /// Every create fails with this documented create code.
    pub create_error: Option<u32>,
    /// Every show fails with this documented show code.
    pub show_error: Option<u32>,
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
