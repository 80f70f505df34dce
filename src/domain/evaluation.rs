//! The partnership evaluation matrix (handbook §2.1): five criteria scored
//! 1–10 with fixed weights, a weighted mean shown to one decimal, and a
//! threshold on the two criteria the handbook makes gatekeepers.
//!
//! Arithmetic is in integers: weights are percentages, so a scorecard's
//! weighted sum is the mean times 100 (830 for 8.30). Rounding to one decimal
//! is half up, written once in `tenths`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Criterion {
    StrategicAlignment,
    MarketImpact,
    TechnicalCompatibility,
    OperationalFeasibility,
    FinancialValue,
}

impl Criterion {
    pub const ALL: [Criterion; 5] = [
        Criterion::StrategicAlignment,
        Criterion::MarketImpact,
        Criterion::TechnicalCompatibility,
        Criterion::OperationalFeasibility,
        Criterion::FinancialValue,
    ];

    /// Weight in percent; the five add up to 100.
    pub fn weight(self) -> u32 {
        match self {
            Criterion::StrategicAlignment | Criterion::TechnicalCompatibility => 25,
            Criterion::MarketImpact => 20,
            Criterion::OperationalFeasibility | Criterion::FinancialValue => 15,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Criterion::StrategicAlignment => "Strategic Alignment",
            Criterion::MarketImpact => "Market Impact",
            Criterion::TechnicalCompatibility => "Technical Compatibility",
            Criterion::OperationalFeasibility => "Operational Feasibility",
            Criterion::FinancialValue => "Financial Value",
        }
    }

    /// The form field and column name.
    pub fn key(self) -> &'static str {
        match self {
            Criterion::StrategicAlignment => "strategic_alignment",
            Criterion::MarketImpact => "market_impact",
            Criterion::TechnicalCompatibility => "technical_compatibility",
            Criterion::OperationalFeasibility => "operational_feasibility",
            Criterion::FinancialValue => "financial_value",
        }
    }

    /// Criteria below `THRESHOLD` here rule an application out.
    pub fn is_gatekeeper(self) -> bool {
        matches!(self, Criterion::StrategicAlignment | Criterion::TechnicalCompatibility)
    }
}

pub const MIN_SCORE: u8 = 1;
pub const MAX_SCORE: u8 = 10;
pub const THRESHOLD: u8 = 7;

/// One manager's scores, in the order of `Criterion::ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scores(pub [u8; 5]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Score {criterion} from 1 to 10.")]
pub struct ScoreError {
    pub criterion: &'static str,
}

impl Scores {
    /// Parses the five scores, in `Criterion::ALL` order, from form text.
    pub fn parse(values: [&str; 5]) -> Result<Scores, Vec<(Criterion, ScoreError)>> {
        let mut out = [0u8; 5];
        let mut errors = Vec::new();
        for (i, c) in Criterion::ALL.into_iter().enumerate() {
            match values[i].trim().parse::<u8>() {
                Ok(v) if (MIN_SCORE..=MAX_SCORE).contains(&v) => out[i] = v,
                _ => errors.push((c, ScoreError { criterion: c.label() })),
            }
        }
        if errors.is_empty() {
            Ok(Scores(out))
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, c: Criterion) -> u8 {
        self.0[Criterion::ALL.iter().position(|x| *x == c).expect("every criterion is in ALL")]
    }

    /// The weighted mean times 100 (e.g. 830 for 8.30).
    pub fn weighted_hundredths(&self) -> u32 {
        Criterion::ALL.iter().map(|c| c.weight() * u32::from(self.get(*c))).sum()
    }

    /// Gatekeeper criteria that fall below the threshold.
    pub fn failed_gates(&self) -> Vec<Criterion> {
        Criterion::ALL.into_iter().filter(|c| c.is_gatekeeper() && self.get(*c) < THRESHOLD).collect()
    }
}

/// Hundredths to tenths, rounding half up: the one rounding rule for scores.
pub fn tenths(hundredths: u32) -> u32 {
    (hundredths + 5) / 10
}

/// `83` → `"8.3"`.
pub fn format_tenths(t: u32) -> String {
    format!("{}.{}", t / 10, t % 10)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recommendation {
    /// Gatekeepers met and the mean at least the threshold.
    Recommended,
    /// Gatekeepers met but the mean below the threshold.
    Consider,
    /// Strategic Alignment or Technical Compatibility below 7, whatever the mean.
    BelowThreshold,
}

impl Recommendation {
    pub fn label(self) -> &'static str {
        match self {
            Recommendation::Recommended => "recommended for approval",
            Recommendation::Consider => "consider: mean below 7",
            Recommendation::BelowThreshold => "below threshold",
        }
    }
}

/// The panel's view across every manager's scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Mean of the scorecards' weighted means, in tenths (83 = 8.3).
    pub mean_tenths: u32,
    pub recommendation: Recommendation,
    pub scorecards: usize,
}

/// Summarises several scorecards; a gate fails if the panel's mean for that
/// criterion is below the threshold. `None` when nobody has scored yet.
pub fn summarise(cards: &[Scores]) -> Option<Summary> {
    if cards.is_empty() {
        return None;
    }
    let n = cards.len() as u32;
    let total: u32 = cards.iter().map(Scores::weighted_hundredths).sum();
    // Round the mean of hundredths to tenths in one step: (total/n + 5)/10,
    // done exactly as (total + 5n) / 10n.
    let mean_tenths = (total + 5 * n) / (10 * n);
    let gate_failed = Criterion::ALL.into_iter().filter(|c| c.is_gatekeeper()).any(|c| {
        let sum: u32 = cards.iter().map(|s| u32::from(s.get(c))).sum();
        sum < u32::from(THRESHOLD) * n
    });
    let recommendation = if gate_failed {
        Recommendation::BelowThreshold
    } else if mean_tenths >= u32::from(THRESHOLD) * 10 {
        Recommendation::Recommended
    } else {
        Recommendation::Consider
    };
    Some(Summary { mean_tenths, recommendation, scorecards: cards.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: [u8; 5]) -> Scores {
        Scores(v)
    }

    #[test]
    fn the_weights_add_up_to_one_hundred() {
        assert_eq!(Criterion::ALL.iter().map(|c| c.weight()).sum::<u32>(), 100);
    }

    #[test]
    fn the_handbook_example_scores_eight_point_three() {
        // Strategic 9, Market 9, Technical 8, Operational 7, Financial 8.
        let card = s([9, 9, 8, 7, 8]);
        assert_eq!(card.weighted_hundredths(), 830);
        let sum = summarise(&[card]).unwrap();
        assert_eq!(format_tenths(sum.mean_tenths), "8.3");
        assert_eq!(sum.recommendation, Recommendation::Recommended);
    }

    #[test]
    fn a_low_gatekeeper_is_below_threshold_whatever_the_mean() {
        let card = s([6, 10, 10, 10, 10]);
        assert_eq!(tenths(card.weighted_hundredths()), 90);
        assert_eq!(summarise(&[card]).unwrap().recommendation, Recommendation::BelowThreshold);
        assert_eq!(card.failed_gates(), vec![Criterion::StrategicAlignment]);
        let tech = s([10, 10, 6, 10, 10]);
        assert_eq!(summarise(&[tech]).unwrap().recommendation, Recommendation::BelowThreshold);
    }

    #[test]
    fn gatekeepers_met_with_a_low_mean_is_only_worth_considering() {
        let card = s([7, 1, 7, 1, 1]);
        let sum = summarise(&[card]).unwrap();
        assert_eq!(sum.recommendation, Recommendation::Consider);
        assert_eq!(format_tenths(sum.mean_tenths), "4.0");
    }

    #[test]
    fn scores_round_half_up_to_one_decimal() {
        // 25*7+20*8+25*7+15*8+15*7 = 735 -> 7.35 -> 7.4
        assert_eq!(s([7, 8, 7, 8, 7]).weighted_hundredths(), 735);
        assert_eq!(format_tenths(tenths(735)), "7.4");
        assert_eq!(format_tenths(tenths(734)), "7.3");
        assert_eq!(format_tenths(tenths(1000)), "10.0");
    }

    #[test]
    fn several_scorecards_average_exactly_before_rounding() {
        // 830 and 735 average to 782.5 hundredths -> 7.825 -> 7.8
        let sum = summarise(&[s([9, 9, 8, 7, 8]), s([7, 8, 7, 8, 7])]).unwrap();
        assert_eq!((sum.mean_tenths, sum.scorecards), (78, 2));
    }

    #[test]
    fn the_panel_gate_uses_the_mean_of_each_gatekeeper() {
        // Strategic 6 and 8 average to 7: the gate holds.
        let sum = summarise(&[s([6, 8, 8, 8, 8]), s([8, 8, 8, 8, 8])]).unwrap();
        assert_eq!(sum.recommendation, Recommendation::Recommended);
        let sum = summarise(&[s([6, 8, 8, 8, 8]), s([7, 8, 8, 8, 8])]).unwrap();
        assert_eq!(sum.recommendation, Recommendation::BelowThreshold);
    }

    #[test]
    fn nobody_scored_means_no_summary() {
        assert_eq!(summarise(&[]), None);
    }

    #[test]
    fn scores_outside_one_to_ten_are_refused_by_name() {
        let err = Scores::parse(["0", "5", "11", "x", "7"]).unwrap_err();
        let names: Vec<_> = err.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            names,
            vec![Criterion::StrategicAlignment, Criterion::TechnicalCompatibility, Criterion::OperationalFeasibility]
        );
        assert_eq!(Scores::parse(["9", "9", "8", "7", "8"]), Ok(s([9, 9, 8, 7, 8])));
    }
}
