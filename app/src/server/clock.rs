//! The one clock. Production reads the system time; tests move a manual clock forward.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system time; only ever non-zero in tests.
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// Unix time in seconds.
    pub fn now(&self) -> i64 {
        let system =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        system + self.offset.load(Ordering::Relaxed)
    }

    /// Today's date where the day is furthest along (UTC+14), as `YYYY-MM-DD`: a date after it
    /// lies in the future everywhere.
    pub fn latest_date_anywhere(&self) -> String {
        chrono::DateTime::from_timestamp(self.now() + 14 * 3600, 0)
            .map(|moment| moment.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone() {
        let clock = Clock::default();
        let seen_by_app = clock.clone();
        let before = seen_by_app.now();
        clock.advance(3600);
        assert!(seen_by_app.now() >= before + 3600);
    }
}
