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
    /// Technology: co-marketing fund budget per period.
    pub fund_budget_minor: Option<i64>,
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
    fn each_model_starts_at_the_low_end_of_its_range() {
        let r = default_terms(RevenueModel::Referral);
        assert_eq!((r.first_year_bps, r.ongoing_bps), (Some(1_000), Some(500)));
        assert_eq!(default_terms(RevenueModel::Reseller).margin_bps, Some(2_000));
        assert_eq!(default_terms(RevenueModel::WhiteLabel).margin_bps, Some(5_000));
        assert_eq!(default_terms(RevenueModel::Technology).fund_budget_minor, Some(0));
    }

    #[test]
    fn basis_points_read_as_percentages() {
        assert_eq!(format_bps(1_000), "10 %");
        assert_eq!(format_bps(1_250), "12.5 %");
        assert_eq!(format_bps(1_255), "12.55 %");
    }
}
