//! How times read, on pages, in emails, CSV files and API bodies: one
//! formatter for each form, shared by the server and the browser.

use chrono::DateTime;

/// `2026-11-22 14:05 UTC` from Unix milliseconds.
pub fn time_utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

/// `2026-11-22` from Unix milliseconds.
pub fn date_utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// A whole number with a comma between thousands: `5,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with its noun agreeing: `1 problem`, `2,400 problems`.
pub fn count(n: impl TryInto<u64>, one: &str, many: &str) -> String {
    let n = n.try_into().unwrap_or(0);
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// Whole days from `since_ms` to `now_ms`, as "3 days" (never negative).
pub fn days_waiting(since_ms: i64, now_ms: i64) -> String {
    let days = (now_ms - since_ms).max(0) / super::DAY_MS;
    if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    }
}

/// An instant as RFC 3339 in UTC with milliseconds, as the API and webhook
/// bodies write times.
pub fn rfc3339_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_count_agrees_with_its_noun_and_groups_its_thousands() {
        assert_eq!(super::count(1_usize, "problem", "problems"), "1 problem");
        assert_eq!(super::count(0_i64, "row", "rows"), "0 rows");
        assert_eq!(super::count(1_234_567_i64, "row", "rows"), "1,234,567 rows");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000), "1,000");
    }

    #[test]
    fn waiting_is_counted_in_whole_days() {
        let day = 86_400_000;
        assert_eq!(super::days_waiting(0, day - 1), "0 days");
        assert_eq!(super::days_waiting(0, day), "1 day");
        assert_eq!(super::days_waiting(5 * day, 0), "0 days");
    }

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        assert_eq!(super::time_utc(1_700_000_000_000), "2023-11-14 22:13 UTC");
    }
}
