//! The controllable clock every expiry (codes, tokens) reads: wall time plus a test offset.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock Unix seconds shifted by an offset that only ever grows, so tests can expire
/// codes and tokens without sleeping. [`Platform::advance_clock`](crate::Platform::advance_clock)
/// stores the offset with the data, and a platform opened on that data starts from it.
#[derive(Debug, Default)]
pub struct Clock {
    offset: AtomicI64,
}

impl Clock {
    pub fn new() -> Clock {
        Clock::default()
    }

    /// A clock already moved forward by `offset` seconds.
    pub fn with_offset(offset: u64) -> Clock {
        Clock {
            offset: AtomicI64::new(i64::try_from(offset).unwrap_or(i64::MAX)),
        }
    }

    /// Current Unix time in seconds, as the platform sees it.
    pub fn now(&self) -> u64 {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let offset = self.offset.load(Ordering::Relaxed);
        wall.saturating_add_signed(offset)
    }

    /// Moves the clock forward by `secs` and returns the new time.
    pub fn advance(&self, secs: u64) -> u64 {
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        // fetch_update cannot fail with a closure that always returns Some.
        let _ = self
            .offset
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| Some(o.saturating_add(secs)));
        self.now()
    }

    /// Moves the clock forward to `offset` seconds unless it is there already (an offset
    /// another process stored); it never moves back.
    pub(crate) fn raise_to(&self, offset: u64) {
        self.offset.fetch_max(i64::try_from(offset).unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    /// Seconds the clock has been moved forward.
    pub fn offset(&self) -> u64 {
        self.offset.load(Ordering::Relaxed).max(0).unsigned_abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward() {
        let clock = Clock::new();
        let before = clock.now();
        let after = clock.advance(3_600);
        assert!(after >= before + 3_600);
        assert!(clock.now() >= before + 3_600);
        assert_eq!(clock.offset(), 3_600);
    }

    #[test]
    fn advance_saturates_instead_of_overflowing() {
        let clock = Clock::new();
        clock.advance(u64::MAX);
        clock.advance(u64::MAX);
        assert_eq!(clock.offset(), i64::MAX.unsigned_abs());
        assert!(clock.now() > u64::MAX / 2);
    }
}
