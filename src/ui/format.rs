//! Display formatting shared by pages.

use chrono::DateTime;

/// `2026-11-22 14:05 UTC` from Unix milliseconds.
pub fn time_utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        assert_eq!(super::time_utc(1_700_000_000_000), "2023-11-14 22:13 UTC");
    }
}
