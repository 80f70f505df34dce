//! How times read, on pages, in emails, CSV files and API bodies: one
//! formatter for each form, shared by the server and the browser.

use chrono::DateTime;
use chrono_tz::Tz;

/// `2026-11-22 14:05 UTC` from Unix milliseconds.
pub fn time_utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

/// `2026-11-22` from Unix milliseconds.
pub fn date_utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// A viewer's time zone from its IANA name ("Europe/Berlin"); UTC when
/// none is chosen or the name is not one the portal knows.
pub fn zone(name: Option<&str>) -> Tz {
    name.and_then(|n| n.parse::<Tz>().ok()).unwrap_or(Tz::UTC)
}

/// `2026-11-22 15:05 CET` from Unix milliseconds, in `zone` with its
/// abbreviation (or offset, where the zone has none).
pub fn time_in(ms: i64, zone: Tz) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z").to_string())
        .unwrap_or_default()
}

/// `2026-11-22`: the day in `zone` of the moment `ms`.
pub fn date_in(ms: i64, zone: Tz) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&zone).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// `2026-11-22T14:05:00Z`, for `<time datetime>`.
pub fn iso_utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
}

/// Every zone a person can choose, by name.
pub fn zone_names() -> Vec<&'static str> {
    // UTC is the list's first, empty choice (no zone stored).
    let mut names: Vec<&'static str> =
        chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).filter(|n| *n != "UTC").collect();
    names.sort_unstable();
    names
}

/// A zone as chosen on the account page: empty means UTC (stored as none),
/// anything else must be a zone the portal knows.
pub fn check_zone(input: &str) -> Result<Option<String>, &'static str> {
    let input = input.trim();
    if input.is_empty() || input == "UTC" {
        return Ok(None);
    }
    input.parse::<Tz>().map(|z| Some(z.name().to_owned())).map_err(|_| "Choose a time zone from the list.")
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

/// How long an item has waited for staff: "arrived today" within its first
/// day, then "waiting 3 days".
pub fn waited(since_ms: i64, now_ms: i64) -> String {
    if now_ms - since_ms < super::DAY_MS {
        "arrived today".to_owned()
    } else {
        format!("waiting {}", days_waiting(since_ms, now_ms))
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
    use super::*;

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
    fn an_item_waits_from_its_second_day_and_arrived_today_before() {
        let day = super::super::DAY_MS;
        assert_eq!(super::waited(0, day - 1), "arrived today");
        assert_eq!(super::waited(0, 3 * day), "waiting 3 days");
    }

    #[test]
    fn times_are_shown_in_utc_to_the_minute() {
        assert_eq!(super::time_utc(1_700_000_000_000), "2023-11-14 22:13 UTC");
    }

    // 2026-07-01 12:00 UTC and 2026-12-31 23:30 UTC.
    const SUMMER: i64 = 1_782_907_200_000;
    const NEW_YEARS_EVE: i64 = 1_798_759_800_000;

    #[test]
    fn a_time_reads_in_the_viewers_zone_with_summer_time_where_it_applies() {
        let berlin = zone(Some("Europe/Berlin"));
        assert_eq!(time_in(SUMMER, berlin), "2026-07-01 14:00 CEST");
        assert_eq!(time_in(NEW_YEARS_EVE, berlin), "2027-01-01 00:30 CET");
        assert_eq!(time_in(SUMMER, zone(Some("America/New_York"))), "2026-07-01 08:00 EDT");
    }

    #[test]
    fn a_day_is_the_viewers_day_not_utcs() {
        assert_eq!(date_in(NEW_YEARS_EVE, zone(Some("Asia/Tokyo"))), "2027-01-01");
        assert_eq!(date_in(NEW_YEARS_EVE, zone(None)), "2026-12-31");
    }

    #[test]
    fn no_zone_or_an_unknown_one_reads_in_utc() {
        assert_eq!(time_in(SUMMER, zone(None)), time_utc(SUMMER));
        assert_eq!(time_in(SUMMER, zone(Some("Mars/Olympus"))), "2026-07-01 12:00 UTC");
        assert_eq!(iso_utc(SUMMER), "2026-07-01T12:00:00Z");
    }

    #[test]
    fn only_a_known_zone_can_be_chosen_and_utc_is_stored_as_none() {
        assert_eq!(check_zone(" Europe/Berlin "), Ok(Some("Europe/Berlin".into())));
        assert_eq!(check_zone(""), Ok(None));
        assert_eq!(check_zone("UTC"), Ok(None));
        assert!(check_zone("Europe/Atlantis").is_err());
        assert!(zone_names().contains(&"Pacific/Auckland"));
        assert!(!zone_names().contains(&"UTC"), "UTC is the empty choice, not listed twice");
    }
}
