//! Revenue-share terms as agreed at approval (guide "Partner Revenue
//! Share"). Rates are basis points (100 bps = 1 %); money is integer minor
//! units with an ISO 4217 currency. The revenue feature computes with them.

use super::application::RevenueModel;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub model: RevenueModel,
    pub currency: String,
    /// Referral: share of a referred customer's first-year revenue.
    pub first_year_bps: Option<i64>,
    /// Referral: share after the first year.
    pub ongoing_bps: Option<i64>,
    /// Reseller and white-label: margin on list price.
    pub margin_bps: Option<i64>,
    /// Co-marketing fund budget per calendar quarter: technology partners,
    /// and Premier partners of any model, draw on it (`domain::funds`).
    pub fund_budget_minor: Option<i64>,
    /// Reseller: quarterly volume bonuses as (revenue threshold, bonus), in
    /// minor units of `currency`.
    #[serde(default)]
    pub bonus_schedule: Vec<(i64, i64)>,
    /// Technology: one-off integration bounties per certification milestone
    /// (`certified`, `listed`, …), in minor units of `currency`.
    #[serde(default)]
    pub bounties: Vec<(String, i64)>,
}

/// One version of a partner's terms and the day it takes effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsVersion {
    pub version: i64,
    /// Start of the UTC day from which this version applies.
    pub effective_from_ms: i64,
    pub terms: Terms,
}

/// The version in force at `at_ms`: the latest to have taken effect.
pub fn in_force(versions: &[TermsVersion], at_ms: i64) -> Option<&TermsVersion> {
    versions.iter().filter(|v| v.effective_from_ms <= at_ms).max_by_key(|v| (v.effective_from_ms, v.version))
}

/// Shortest and longest reason for backdated terms.
pub const REASON_CHARS: (usize, usize) = (10, 500);

/// Why a new version's effective day was refused, and on which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveError {
    pub field: &'static str,
    pub message: String,
}

/// The day a new version takes effect: today or later for anyone who edits
/// terms; earlier only for someone who may backdate (`may_backdate`) and
/// says why, since lines of that past are then computed under it. Returns
/// the day and, for a past day, the reason as given (trimmed).
pub fn check_effective(
    asked: &str,
    today: chrono::NaiveDate,
    may_backdate: bool,
    reason: &str,
) -> Result<(chrono::NaiveDate, Option<String>), EffectiveError> {
    let refuse = |field, message: &str| Err(EffectiveError { field, message: message.to_owned() });
    let Ok(day) = chrono::NaiveDate::parse_from_str(asked.trim(), "%Y-%m-%d") else {
        return refuse("effective", "Use a date like 2026-12-01.");
    };
    if day >= today {
        return Ok((day, None));
    }
    if !may_backdate {
        return refuse(
            "effective",
            "New terms cannot take effect in the past; an administrator can backdate them with a reason.",
        );
    }
    let reason = reason.trim();
    let chars = reason.chars().count();
    if chars < REASON_CHARS.0 || chars > REASON_CHARS.1 {
        return Err(EffectiveError {
            field: "reason",
            message: format!(
                "Say why these terms take effect in the past, in {} to {} characters.",
                REASON_CHARS.0, REASON_CHARS.1
            ),
        });
    }
    Ok((day, Some(reason.to_owned())))
}

pub const DEFAULT_CURRENCY: &str = "USD";

/// The starting terms for a model: the low end of each range in the guide.
pub fn default_terms(model: RevenueModel) -> Terms {
    let base = Terms {
        model,
        currency: DEFAULT_CURRENCY.into(),
        first_year_bps: None,
        ongoing_bps: None,
        margin_bps: None,
        fund_budget_minor: None,
        bonus_schedule: Vec::new(),
        bounties: Vec::new(),
    };
    match model {
        RevenueModel::Referral => Terms { first_year_bps: Some(1_000), ongoing_bps: Some(500), ..base },
        RevenueModel::Reseller => Terms { margin_bps: Some(2_000), ..base },
        RevenueModel::Technology => Terms { fund_budget_minor: Some(0), ..base },
        RevenueModel::WhiteLabel => Terms { margin_bps: Some(5_000), ..base },
    }
}

/// `1250` → `"12.5 %"`.
pub fn format_bps(bps: i64) -> String {
    let whole = bps / 100;
    let frac = (bps % 100).abs();
    if frac == 0 {
        format!("{whole} %")
    } else if frac % 10 == 0 {
        format!("{whole}.{} %", frac / 10)
    } else {
        format!("{whole}.{frac:02} %")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_take_effect_today_or_later_unless_an_administrator_backdates_them_with_a_reason() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert_eq!(check_effective("2026-12-02", today, false, ""), Ok((today, None)));
        assert_eq!(check_effective(" 2026-12-31 ", today, false, "ignored"), Ok((today + chrono::Days::new(29), None)));
        let past = check_effective("2026-11-01", today, false, "Migrating the program").unwrap_err();
        assert_eq!(past.field, "effective");
        assert!(past.message.contains("administrator"), "{}", past.message);
        assert_eq!(check_effective("2026-11-01", today, true, "  too short ").unwrap_err().field, "reason");
        assert_eq!(check_effective("2026-11-01", today, true, &"x".repeat(501)).unwrap_err().field, "reason");
        assert_eq!(
            check_effective("2026-11-01", today, true, " Migrating the program's history "),
            Ok((day(1), Some("Migrating the program's history".to_owned())))
        );
        assert_eq!(check_effective("1 Nov", today, true, "Migrating").unwrap_err().field, "effective");
    }

    #[test]
    fn each_model_starts_at_the_low_end_of_its_range() {
        let r = default_terms(RevenueModel::Referral);
        assert_eq!((r.first_year_bps, r.ongoing_bps), (Some(1_000), Some(500)));
        assert_eq!(default_terms(RevenueModel::Reseller).margin_bps, Some(2_000));
        assert_eq!(default_terms(RevenueModel::WhiteLabel).margin_bps, Some(5_000));
        assert_eq!(default_terms(RevenueModel::Technology).fund_budget_minor, Some(0));
    }

    #[test]
    fn the_terms_in_force_are_the_latest_version_to_have_taken_effect() {
        let v = |version, from| TermsVersion {
            version,
            effective_from_ms: from,
            terms: default_terms(RevenueModel::Reseller),
        };
        let versions = [v(1, 0), v(2, 1_000), v(3, 5_000)];
        assert_eq!(in_force(&versions, 999).map(|t| t.version), Some(1));
        assert_eq!(in_force(&versions, 1_000).map(|t| t.version), Some(2));
        assert_eq!(in_force(&versions, 9_000).map(|t| t.version), Some(3));
        assert_eq!(in_force(&versions[1..], 10).map(|t| t.version), None);
    }

    #[test]
    fn basis_points_read_as_percentages() {
        assert_eq!(format_bps(1_000), "10 %");
        assert_eq!(format_bps(1_250), "12.5 %");
        assert_eq!(format_bps(1_255), "12.55 %");
    }
}
