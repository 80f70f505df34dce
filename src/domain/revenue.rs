//! Money and revenue-share arithmetic (guide "Partner Revenue Share").
//!
//! Money is an integer count of a currency's minor units (cents for USD, yen
//! for JPY: the ISO 4217 table comes from `iso_currency`). Rates are basis
//! points (100 bps = 1 %). No floating point anywhere.
//!
//! **The rounding rule**, written once in `apply_bps`: a share of an amount
//! is rounded to the nearest minor unit, halves away from zero. Being
//! symmetric, the share of a refund is exactly minus the share of the same
//! amount invoiced, so a full refund claws back precisely what was paid.
//! Partial refunds claw back the change in the share of the running refunded
//! total (`ledger::plan_import`), so together they never claw back more.

use super::application::RevenueModel;
use super::terms::Terms;
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency that has minor units defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{0} is not an ISO 4217 currency code.")]
    UnknownCurrency(String),
    #[error("Enter an amount like 1234.56.")]
    Malformed,
    /// A comma that may be a decimal comma (`12,50`, `1,250` in a currency
    /// with cents) or a separator other than a comma between thousands.
    #[error("Write {0} with a decimal point and no thousands separators, like 1250.00 (commas only between thousands, as in 1,250.00).")]
    AmbiguousSeparator(String),
    #[error("{currency} has {digits} decimal places; the amount has more.")]
    TooPrecise { currency: &'static str, digits: u32 },
    #[error("The amount is too large.")]
    Overflow,
    #[error("Amounts in {0} and {1} cannot be combined.")]
    CurrencyMismatch(&'static str, &'static str),
}

impl Currency {
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let c = iso_currency::Currency::from_code(&code.trim().to_ascii_uppercase())
            .filter(|c| c.exponent().is_some())
            .ok_or_else(|| MoneyError::UnknownCurrency(code.trim().to_owned()))?;
        Ok(Currency(c))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Decimal places of the minor unit (2 for USD, 0 for JPY, 3 for KWD).
    pub fn minor_digits(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(2))
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The digits of `text` without its thousands commas, if every comma
/// separates thousands unambiguously (see `Money::parse`).
fn strip_thousands(text: &str, currency: Currency) -> Result<String, MoneyError> {
    let ambiguous = || MoneyError::AmbiguousSeparator(format!("\"{text}\""));
    if text.chars().any(|c| matches!(c, ' ' | '\'' | '_' | '\u{a0}' | '\u{202f}' | '\u{2019}')) {
        return Err(ambiguous());
    }
    if !text.contains(',') {
        return Ok(text.to_owned());
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, frac) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let grouped = (1..=3).contains(&first.len())
        && groups.all(|g| g.len() == 3)
        && whole.chars().all(|c| c.is_ascii_digit() || c == ',')
        && frac.is_none_or(|f| !f.contains(','));
    // Without a decimal point, `1,250` reads as 1.25 in much of the world;
    // only a currency without minor units makes it certainly thousands.
    if !grouped || (frac.is_none() && currency.minor_digits() > 0) {
        return Err(ambiguous());
    }
    Ok(text.replace(',', ""))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Parses a decimal amount such as `1234.56` or `-10` exactly.
    /// Reads an amount written with a decimal point: `1234.56`, `-10`,
    /// `0.5`. Commas are accepted only where they cannot mean anything else:
    /// between groups of three digits, with a decimal point after them or in
    /// a currency without minor units (`1,250.00`, `1,000` yen). A decimal
    /// comma (`12,50`), a lone comma group in a currency with cents
    /// (`1,250`), and spaces, apostrophes or underscores between digits are
    /// refused rather than guessed.
    pub fn parse(amount: &str, currency: Currency) -> Result<Money, MoneyError> {
        let trimmed = amount.trim();
        let t = strip_thousands(trimmed, currency)?;
        let (neg, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.as_str()),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(MoneyError::Malformed);
        }
        let places = currency.minor_digits();
        if frac.len() as u32 > places {
            return Err(MoneyError::TooPrecise { currency: currency.code(), digits: places });
        }
        let scale = 10i64.pow(places);
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| MoneyError::Overflow)? };
        let frac_padded = format!("{frac:0<width$}", width = places as usize);
        let frac: i64 =
            if frac_padded.is_empty() { 0 } else { frac_padded.parse().map_err(|_| MoneyError::Malformed)? };
        let minor = whole.checked_mul(scale).and_then(|w| w.checked_add(frac)).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor: if neg { -minor } else { minor }, currency })
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency.code(), other.currency.code()));
        }
        Ok(Money { minor: self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?, currency: self.currency })
    }
}

impl fmt::Display for Money {
    /// `1234.50 USD`, `-3 JPY`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let places = self.currency.minor_digits();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if places == 0 {
            write!(f, "{sign}{abs} {}", self.currency.code())
        } else {
            let scale = 10u64.pow(places);
            write!(f, "{sign}{}.{:0width$} {}", abs / scale, abs % scale, self.currency.code(), width = places as usize)
        }
    }
}

/// Amounts in several currencies, each as people read it, joined with
/// " + " (`$1,250.00 + €80.50`); an empty list reads `empty`.
pub fn format_totals(totals: &[Money], empty: &str) -> String {
    if totals.is_empty() {
        return empty.to_owned();
    }
    totals.iter().map(|m| format_money(*m)).collect::<Vec<_>>().join(" + ")
}

/// Money as people read it: `$1,250.00`, `€80.50`, `¥1,000`, `1,000.000 KWD`.
/// Every page shows amounts this way; `Display` (`1250.00 USD`) stays the
/// plain form that forms, CSV and audit details read back.
pub fn format_money(m: Money) -> String {
    let places = m.currency.minor_digits();
    let abs = m.minor.unsigned_abs();
    let scale = 10u64.pow(places);
    let grouped = super::format::thousands(abs / scale);
    let number =
        if places == 0 { grouped } else { format!("{grouped}.{:0width$}", abs % scale, width = places as usize) };
    let sign = if m.minor < 0 { "-" } else { "" };
    match m.currency.code() {
        "USD" => format!("{sign}${number}"),
        "EUR" => format!("{sign}€{number}"),
        "GBP" => format!("{sign}£{number}"),
        "JPY" => format!("{sign}¥{number}"),
        code => format!("{sign}{number} {code}"),
    }
}

/// The share `bps` of `amount_minor`, rounded half away from zero. The one
/// rounding rule for money in the portal.
pub fn apply_bps(amount_minor: i64, bps: i64) -> i64 {
    let product = i128::from(amount_minor) * i128::from(bps);
    let (q, r) = (product / 10_000, product % 10_000);
    let rounded = if r.abs() * 2 >= 10_000 { q + product.signum() } else { q };
    i64::try_from(rounded).unwrap_or(if rounded > 0 { i64::MAX } else { i64::MIN })
}

/// The allowed range of each rate, by model, in basis points.
pub fn rate_ranges(model: RevenueModel) -> Vec<(&'static str, i64, i64)> {
    match model {
        RevenueModel::Referral => vec![("first_year_bps", 1_000, 1_500), ("ongoing_bps", 0, 1_000)],
        RevenueModel::Reseller => vec![("margin_bps", 2_000, 3_000)],
        RevenueModel::WhiteLabel => vec![("margin_bps", 5_000, 6_000)],
        RevenueModel::Technology => vec![],
    }
}

/// Checks terms against their model's ranges; every problem by field.
pub fn check_terms(t: &Terms) -> Result<(), Vec<(&'static str, String)>> {
    let value = |field: &str| match field {
        "first_year_bps" => t.first_year_bps,
        "ongoing_bps" => t.ongoing_bps,
        "margin_bps" => t.margin_bps,
        _ => None,
    };
    let mut errors = Vec::new();
    for (field, lo, hi) in rate_ranges(t.model) {
        match value(field) {
            Some(v) if (lo..=hi).contains(&v) => {}
            _ => errors.push((
                field,
                format!("Use a rate from {} to {}.", super::terms::format_bps(lo), super::terms::format_bps(hi)),
            )),
        }
    }
    if t.fund_budget_minor.is_some_and(|b| b < 0) {
        errors.push(("fund_budget_minor", "A budget cannot be negative.".into()));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

choices!(
    /// Which rule of the terms a line used, for "why this amount".
    ShareRule {
        ReferralFirstYear => "referral_first_year", "Referral: first-year rate";
        ReferralOngoing => "referral_ongoing", "Referral: ongoing rate";
        Margin => "margin", "Margin on list price";
        // Technology partners earn funds and bounties, not a share of revenue.
        NoShare => "no_share", "No revenue share for this model";
        VolumeBonus => "volume_bonus", "Quarterly volume bonus";
        Bounty => "bounty", "Integration bounty";
        Fund => "fund", "Approved co-marketing fund claim";
    }
);

/// One commission line and how it was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commission {
    pub base: Money,
    pub rate_bps: i64,
    pub rule: ShareRule,
    pub amount: Money,
}

/// The commission on `amount` (negative for a refund) of revenue dated
/// `revenue_date` from a customer first invoiced at `first_invoice`. A refund
/// passes the date of the invoice it refunds, so it claws back at the rate
/// that invoice earned.
pub fn commission(
    terms: &Terms,
    amount: Money,
    revenue_date: DateTime<Utc>,
    first_invoice: DateTime<Utc>,
) -> Commission {
    let first_year_ends = first_invoice.checked_add_months(Months::new(12)).unwrap_or(first_invoice);
    let (rule, rate) = match terms.model {
        RevenueModel::Referral if revenue_date < first_year_ends => {
            (ShareRule::ReferralFirstYear, terms.first_year_bps.unwrap_or(0))
        }
        RevenueModel::Referral => (ShareRule::ReferralOngoing, terms.ongoing_bps.unwrap_or(0)),
        RevenueModel::Reseller | RevenueModel::WhiteLabel => (ShareRule::Margin, terms.margin_bps.unwrap_or(0)),
        RevenueModel::Technology => (ShareRule::NoShare, 0),
    };
    Commission {
        base: amount,
        rate_bps: rate,
        rule,
        amount: Money::new(apply_bps(amount.minor, rate), amount.currency),
    }
}

/// A reseller's volume bonus for a quarter: the bonus of the highest
/// threshold reached. `schedule` is (threshold, bonus) pairs in any order.
pub fn volume_bonus(schedule: &[(i64, i64)], quarter_revenue_minor: i64) -> i64 {
    schedule.iter().filter(|(t, _)| quarter_revenue_minor >= *t).map(|(_, b)| *b).max().unwrap_or(0)
}

/// The next threshold above this quarter's revenue: (threshold, still to
/// go, bonus it pays).
pub fn next_threshold(schedule: &[(i64, i64)], quarter_revenue_minor: i64) -> Option<(i64, i64, i64)> {
    schedule
        .iter()
        .filter(|(t, _)| *t > quarter_revenue_minor)
        .min_by_key(|(t, _)| *t)
        .map(|(t, b)| (*t, t - quarter_revenue_minor, *b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::terms::default_terms;
    use chrono::TimeZone;

    fn usd() -> Currency {
        Currency::parse("usd").unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn currencies_know_their_minor_units_from_the_iso_table() {
        assert_eq!(usd().minor_digits(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().minor_digits(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_digits(), 3);
        assert!(Currency::parse("ABC").is_err());
    }

    #[test]
    fn amounts_parse_exactly_into_minor_units() {
        assert_eq!(Money::parse("1234.56", usd()).unwrap().minor, 123_456);
        assert_eq!(Money::parse("-10", usd()).unwrap().minor, -1_000);
        assert_eq!(Money::parse("0.5", usd()).unwrap().minor, 50);
        assert_eq!(Money::parse("1,000", Currency::parse("JPY").unwrap()).unwrap().minor, 1_000);
        assert!(matches!(Money::parse("1.005", usd()), Err(MoneyError::TooPrecise { .. })));
        assert!(matches!(Money::parse("1.5", Currency::parse("JPY").unwrap()), Err(MoneyError::TooPrecise { .. })));
        for bad in ["", "abc", "1.2.3", "--1", "1e5"] {
            assert!(Money::parse(bad, usd()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_decimal_comma_is_refused_not_read_as_thousands() {
        let eur = Currency::parse("EUR").unwrap();
        let e = Money::parse("12,50", eur).unwrap_err();
        assert!(matches!(e, MoneyError::AmbiguousSeparator(_)));
        assert!(e.to_string().contains("like 1250.00"), "{e}");
        assert!(Money::parse("1.234,56", eur).is_err());
    }

    #[test]
    fn a_lone_comma_group_is_ambiguous_in_a_currency_with_cents() {
        assert!(matches!(Money::parse("1,250", usd()), Err(MoneyError::AmbiguousSeparator(_))));
        assert_eq!(Money::parse("1,250", Currency::parse("JPY").unwrap()).unwrap().minor, 1_250);
    }

    #[test]
    fn commas_between_thousands_before_a_decimal_point_are_read() {
        assert_eq!(Money::parse("1,250.00", usd()).unwrap().minor, 125_000);
        assert_eq!(Money::parse("-12,345,678.9", usd()).unwrap().minor, -1_234_567_890);
    }

    #[test]
    fn misplaced_commas_are_refused() {
        for bad in ["12,5.00", "1,2345.00", ",100.00", "1,,000.00", "1000,.00", "1,000.0,0"] {
            assert!(matches!(Money::parse(bad, usd()), Err(MoneyError::AmbiguousSeparator(_))), "{bad}");
        }
    }

    #[test]
    fn spaces_apostrophes_and_underscores_between_digits_are_refused() {
        for bad in ["1 250.00", "1'250.00", "1_250.00", "1\u{a0}250.00", "1\u{202f}250.00", "1\u{2019}250.00"] {
            assert!(matches!(Money::parse(bad, usd()), Err(MoneyError::AmbiguousSeparator(_))), "{bad:?}");
        }
        assert_eq!(Money::parse("  12.50 ", usd()).unwrap().minor, 1_250, "surrounding space is trimmed");
    }

    #[test]
    fn money_reads_with_its_symbol_and_thousands_separators() {
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(format_money(Money::new(125_000, usd)), "$1,250.00");
        assert_eq!(format_money(Money::new(123_456_789, usd)), "$1,234,567.89");
        assert_eq!(format_money(Money::new(-5, usd)), "-$0.05");
        assert_eq!(format_money(Money::new(1_000, Currency::parse("JPY").unwrap())), "¥1,000");
        assert_eq!(format_money(Money::new(1_000_500, Currency::parse("KWD").unwrap())), "1,000.500 KWD");
    }

    #[test]
    fn totals_in_several_currencies_read_as_a_sum_and_none_read_as_told() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(format_totals(&[Money::new(125_000, usd()), Money::new(8_050, eur)], "—"), "$1,250.00 + €80.50");
        assert_eq!(format_totals(&[], "Nothing yet"), "Nothing yet");
    }

    #[test]
    fn money_prints_with_its_currency_and_decimal_places() {
        assert_eq!(Money::new(123_450, usd()).to_string(), "1234.50 USD");
        assert_eq!(Money::new(-5, usd()).to_string(), "-0.05 USD");
        assert_eq!(Money::new(-3, Currency::parse("JPY").unwrap()).to_string(), "-3 JPY");
    }

    #[test]
    fn different_currencies_never_add_up() {
        let eur = Currency::parse("EUR").unwrap();
        assert!(Money::new(1, usd()).checked_add(Money::new(1, eur)).is_err());
        assert_eq!(Money::new(1, usd()).checked_add(Money::new(2, usd())).unwrap().minor, 3);
    }

    #[test]
    fn a_share_rounds_half_away_from_zero() {
        assert_eq!(apply_bps(1_000, 1_250), 125);
        assert_eq!(apply_bps(5, 1_000), 1); // 0.5 cent rounds up
        assert_eq!(apply_bps(4, 1_000), 0); // 0.4 cent rounds down
        assert_eq!(apply_bps(-5, 1_000), -1); // and symmetrically below zero
        assert_eq!(apply_bps(i64::MAX, 10_000), i64::MAX);
    }

    #[test]
    fn a_refund_claws_back_exactly_its_commission() {
        let terms = default_terms(RevenueModel::Reseller);
        for cents in [1, 5, 99, 12_345, 1_000_001] {
            let sold = commission(&terms, Money::new(cents, usd()), day(2026, 1, 1), day(2026, 1, 1));
            let back = commission(&terms, Money::new(-cents, usd()), day(2026, 1, 1), day(2026, 1, 1));
            assert_eq!(sold.amount.minor + back.amount.minor, 0, "{cents}");
        }
    }

    #[test]
    fn a_referral_earns_the_first_year_rate_for_twelve_months_then_the_ongoing_rate() {
        let terms = default_terms(RevenueModel::Referral);
        let first = day(2026, 3, 15);
        let in_year = commission(&terms, Money::new(100_000, usd()), day(2027, 3, 14), first);
        assert_eq!((in_year.rule, in_year.amount.minor), (ShareRule::ReferralFirstYear, 10_000));
        let after = commission(&terms, Money::new(100_000, usd()), day(2027, 3, 15), first);
        assert_eq!((after.rule, after.amount.minor), (ShareRule::ReferralOngoing, 5_000));
    }

    #[test]
    fn resellers_and_white_label_partners_earn_their_margin_and_technology_partners_no_share() {
        let m = Money::new(10_000, usd());
        let d = day(2026, 1, 1);
        assert_eq!(commission(&default_terms(RevenueModel::Reseller), m, d, d).amount.minor, 2_000);
        assert_eq!(commission(&default_terms(RevenueModel::WhiteLabel), m, d, d).amount.minor, 5_000);
        let tech = commission(&default_terms(RevenueModel::Technology), m, d, d);
        assert_eq!((tech.rule, tech.amount.minor), (ShareRule::NoShare, 0));
    }

    #[test]
    fn terms_outside_the_guide_ranges_are_refused_by_field() {
        let mut t = default_terms(RevenueModel::Referral);
        assert_eq!(check_terms(&t), Ok(()));
        t.first_year_bps = Some(1_600);
        t.ongoing_bps = None;
        let fields: Vec<_> = check_terms(&t).unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec!["first_year_bps", "ongoing_bps"]);
        let mut wl = default_terms(RevenueModel::WhiteLabel);
        wl.margin_bps = Some(4_999);
        assert!(check_terms(&wl).is_err());
        wl.margin_bps = Some(6_000);
        assert!(check_terms(&wl).is_ok());
    }

    #[test]
    fn the_volume_bonus_is_that_of_the_highest_threshold_reached() {
        let schedule = [(10_000_000, 50_000), (5_000_000, 20_000), (20_000_000, 150_000)];
        assert_eq!(volume_bonus(&schedule, 4_999_999), 0);
        assert_eq!(volume_bonus(&schedule, 5_000_000), 20_000);
        assert_eq!(volume_bonus(&schedule, 19_000_000), 50_000);
        assert_eq!(next_threshold(&schedule, 6_000_000), Some((10_000_000, 4_000_000, 50_000)));
        assert_eq!(next_threshold(&schedule, 25_000_000), None);
    }
}
