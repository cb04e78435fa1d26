//! Ad admission: whether a rewarded or interstitial ad may be shown now (platform-spec §1.8,
//! show errors 11004 "too soon" and 11005 "daily limit"). The host asks before each show; an
//! admitted view is recorded in the same write, so concurrent shows cannot both slip under a cap.

use minihost_platform_api::monetization::{AdAdmission, AdView};
use rusqlite::params;

use super::{Commit, Platform, PlatformError};

const MAX_ID: usize = 128;

/// Unix seconds of the start of `now`'s UTC day.
fn day_start(now: i64) -> i64 {
    now - now.rem_euclid(86_400)
}

impl Platform {
    /// Admits and records a view of `view.ad_unit_id` unless its interval or daily cap (per
    /// user, or per anonymous device when `user_id` is `None`) forbids it now.
    pub fn admit_ad(&self, view: AdView) -> Commit<AdAdmission> {
        self.prepare(|| {
            for (field, value) in [("client_key", &view.client_key), ("ad_unit_id", &view.ad_unit_id)] {
                if value.trim().is_empty() || value.len() > MAX_ID {
                    return Err(PlatformError::invalid(field, format!("must be 1-{MAX_ID} characters")));
                }
            }
            let now = self.now();
            Ok(self.write(move |conn| {
                let tx = conn.savepoint()?;
                let (today, last): (u32, Option<i64>) = tx
                    .prepare_cached(
                        "SELECT COUNT(*) FILTER (WHERE at >= ?4), MAX(at) FROM ad_views \
                         WHERE client_key = ?1 AND ad_unit_id = ?2 AND user_id IS ?3",
                    )?
                    .query_row(params![view.client_key, view.ad_unit_id, view.user_id, day_start(now)], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                if let Some(last) = last {
                    let since = now.saturating_sub(last).max(0).unsigned_abs();
                    if since < view.min_interval_secs {
                        return Ok(AdAdmission::TooSoon {
                            retry_after_secs: view.min_interval_secs - since,
                        });
                    }
                }
                if let Some(cap) = view.daily_cap {
                    if today >= cap {
                        return Ok(AdAdmission::CapReached { cap });
                    }
                }
                tx.prepare_cached("INSERT INTO ad_views (client_key, ad_unit_id, user_id, at) VALUES (?1, ?2, ?3, ?4)")?
                    .execute(params![view.client_key, view.ad_unit_id, view.user_id, now])?;
                tx.commit()?;
                Ok(AdAdmission::Admitted)
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PlatformOptions;

    fn view(user_id: Option<i64>, interval: u64, cap: Option<u32>) -> AdView {
        AdView {
            client_key: "k".into(),
            ad_unit_id: "unit-1".into(),
            user_id,
            min_interval_secs: interval,
            daily_cap: cap,
        }
    }

    #[test]
    fn interval_and_daily_cap_read_the_platform_clock() {
        let p = Platform::in_memory(PlatformOptions::default()).unwrap();
        // Start at a UTC midnight so the day boundary is where the test expects it.
        let now = p.clock().now();
        p.clock().advance(86_400 - now % 86_400);
        assert_eq!(p.admit_ad(view(Some(1), 30, Some(2))).wait().unwrap(), AdAdmission::Admitted);
        assert_eq!(
            p.admit_ad(view(Some(1), 30, Some(2))).wait().unwrap(),
            AdAdmission::TooSoon { retry_after_secs: 30 }
        );
        // Another user and the anonymous device count on their own.
        assert_eq!(p.admit_ad(view(Some(2), 30, Some(2))).wait().unwrap(), AdAdmission::Admitted);
        assert_eq!(p.admit_ad(view(None, 30, Some(2))).wait().unwrap(), AdAdmission::Admitted);
        assert!(matches!(
            p.admit_ad(view(None, 30, Some(2))).wait().unwrap(),
            AdAdmission::TooSoon { .. }
        ));
        p.clock().advance(10);
        assert_eq!(
            p.admit_ad(view(Some(1), 30, Some(2))).wait().unwrap(),
            AdAdmission::TooSoon { retry_after_secs: 20 }
        );
        p.clock().advance(20);
        assert_eq!(p.admit_ad(view(Some(1), 30, Some(2))).wait().unwrap(), AdAdmission::Admitted);
        p.clock().advance(60);
        assert_eq!(
            p.admit_ad(view(Some(1), 30, Some(2))).wait().unwrap(),
            AdAdmission::CapReached { cap: 2 }
        );
        // A new UTC day resets the cap.
        p.clock().advance(86_400);
        assert_eq!(p.admit_ad(view(Some(1), 30, Some(2))).wait().unwrap(), AdAdmission::Admitted);
        let bad = p
            .admit_ad(AdView {
                ad_unit_id: " ".into(),
                ..view(None, 0, None)
            })
            .wait();
        assert!(matches!(bad, Err(PlatformError::InvalidInput { field: "ad_unit_id", .. })));
    }
}
