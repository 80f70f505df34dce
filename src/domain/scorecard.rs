//! The partner scorecard (handbook §5 "Performance Management Framework"):
//! each measure of a partner's last 30 days against its target, rated
//! green, amber or red. Targets from the handbook: API reliability 99.9 %,
//! response time 50 ms, error rate 0.1 %. Shares are basis points and times
//! microseconds, so every comparison is exact.

use super::certification::CertState;
use super::integration::{format_bps as percent, Environment, TrafficSummary};
use super::ledger::{Month, MonthlyFigure};
use super::onboarding::Progress;
use super::revenue::Money;
use super::support::SlaCounts;
use serde::{Deserialize, Serialize};

choices!(
    /// How a measure stands against its target.
    Rating {
        Green => "green", "On target";
        Amber => "amber", "Near target";
        Red => "red", "Off target";
        NoData => "no_data", "No data yet";
    }
);

/// One line of the scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub key: String,
    pub label: String,
    /// The measured value, written for people.
    pub value: String,
    pub target: String,
    pub rating: Rating,
}

/// What the scorecard is computed from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScorecardInput {
    /// API traffic of the environment rated (production once it has any).
    pub traffic: TrafficSummary,
    /// Webhook delivery attempts to the partner's receivers: (2xx, all).
    pub webhook_attempts: (i64, i64),
    pub onboarding: Option<(usize, usize, usize)>,
    pub certification: Option<CertState>,
    /// Commission of the last three full months and of the three before,
    /// in minor units of the partner's main currency.
    pub revenue: Option<(i64, i64)>,
    /// First responses to the partner's tickets opened in the period.
    pub support: SlaCounts,
}

/// A quarterly review as saved: the scorecard over the quarter, business
/// figures, and whether the quarter was still running when generated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSnapshot {
    pub quarter_label: String,
    /// The API environment the technical measures describe.
    pub environment: String,
    pub measures: Vec<Measure>,
    /// (label, value) lines written for people.
    pub business: Vec<(String, String)>,
    pub partial: bool,
}

/// A saved quarterly review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRecord {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    /// `2026-Q3`.
    pub quarter: String,
    pub snapshot: ReviewSnapshot,
    pub recommendations: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// The six full months before `now_month`, first to last.
pub fn trend_months(now_month: Month) -> (Month, Month) {
    let last = now_month.prev();
    let first = (0..5).fold(last, |m, _| m.prev());
    (first, last)
}

/// Commission of the last three full months and of the three before, in
/// the currency with the most of it (a partner is paid in one currency in
/// the usual case; mixing them would add unlike amounts).
pub fn commission_trend(figures: &[MonthlyFigure], now_month: Month) -> Option<(i64, i64)> {
    let (first, last) = trend_months(now_month);
    let recent_from = last.prev().prev();
    let mut by_currency: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
    for f in figures.iter().filter(|f| f.month >= first && f.month <= last) {
        let e = by_currency.entry(f.currency.code()).or_default();
        if f.month >= recent_from {
            e.0 += f.commission_minor;
        } else {
            e.1 += f.commission_minor;
        }
    }
    by_currency.into_values().max_by_key(|(a, b)| a.abs() + b.abs())
}

/// The business lines of a quarterly review: revenue and commission per
/// currency over the quarter's figures, API requests, tickets opened and
/// the certification state.
pub fn review_business(
    figures: &[MonthlyFigure],
    environment: Environment,
    requests: i64,
    tickets: usize,
    state: CertState,
) -> Vec<(String, String)> {
    let mut totals: std::collections::BTreeMap<&str, (Money, Money)> = Default::default();
    for f in figures {
        let zero = Money::new(0, f.currency);
        let e = totals.entry(f.currency.code()).or_insert((zero, zero));
        e.0.minor += f.revenue_minor;
        e.1.minor += f.commission_minor;
    }
    let mut out = Vec::new();
    if totals.is_empty() {
        out.push(("Revenue recorded".to_owned(), "none this quarter".to_owned()));
    }
    for (code, (revenue, commission)) in totals {
        out.push((format!("Revenue recorded ({code})"), revenue.to_string()));
        out.push((format!("Commission earned ({code})"), commission.to_string()));
    }
    out.push((format!("API requests ({})", environment.label().to_lowercase()), requests.to_string()));
    out.push(("Support tickets opened".to_owned(), tickets.to_string()));
    out.push(("Certification".to_owned(), state.label().to_owned()));
    out
}

pub const RELIABILITY_TARGET_BPS: i64 = 9_990;
pub const LATENCY_TARGET_US: i64 = 50_000;
pub const ERROR_RATE_TARGET_BPS: i64 = 10;
pub const WEBHOOK_TARGET_BPS: i64 = 9_900;

/// Higher is better: green at or above the target, amber within `slack`
/// basis points below it, red further down.
fn at_least(value: i64, target: i64, slack: i64) -> Rating {
    if value >= target {
        Rating::Green
    } else if value >= target - slack {
        Rating::Amber
    } else {
        Rating::Red
    }
}

/// Lower is better: green at or under the target, amber up to `factor`
/// times it, red beyond.
fn at_most(value: i64, target: i64, factor: i64) -> Rating {
    if value <= target {
        Rating::Green
    } else if value <= target * factor {
        Rating::Amber
    } else {
        Rating::Red
    }
}

fn measure(key: &str, label: &str, value: String, target: &str, rating: Rating) -> Measure {
    Measure { key: key.into(), label: label.into(), value, target: target.into(), rating }
}

/// Every measure, in the order the scorecard shows them.
pub fn scorecard(input: &ScorecardInput) -> Vec<Measure> {
    let t = &input.traffic;
    let no_traffic = t.requests == 0;
    let mut out = Vec::new();
    out.push(if no_traffic {
        measure("reliability", "API reliability", "—".into(), "99.9 %", Rating::NoData)
    } else {
        measure(
            "reliability",
            "API reliability",
            percent(t.success_bps),
            "99.9 %",
            at_least(t.success_bps, RELIABILITY_TARGET_BPS, 90),
        )
    });
    out.push(match (no_traffic, t.p50_us, t.p95_us) {
        (true, ..) => measure("latency", "Response time (p50 / p95)", "—".into(), "50 ms at p95", Rating::NoData),
        (false, p50, p95) => {
            let show = |v: Option<i64>| v.map(|us| format!("≤ {} ms", us / 1000)).unwrap_or_else(|| "over 1 s".into());
            // Over the last bucket counts as far beyond the target.
            let rating = at_most(p95.unwrap_or(i64::MAX / 4), LATENCY_TARGET_US, 2);
            measure(
                "latency",
                "Response time (p50 / p95)",
                format!("{} / {}", show(p50), show(p95)),
                "50 ms at p95",
                rating,
            )
        }
    });
    out.push(if no_traffic {
        measure("errors", "Error rate (4xx)", "—".into(), "under 0.1 %", Rating::NoData)
    } else {
        let bps = t.client_errors * 10_000 / t.requests;
        // A share is rounded down, so exactly 0.1 % still shows as on target.
        measure("errors", "Error rate (4xx)", percent(bps), "under 0.1 %", at_most(bps, ERROR_RATE_TARGET_BPS, 10))
    });
    out.push(match input.webhook_attempts {
        (_, 0) => measure("webhooks", "Webhook delivery success", "—".into(), "99 %", Rating::NoData),
        (ok, all) => {
            let bps = ok * 10_000 / all;
            measure(
                "webhooks",
                "Webhook delivery success",
                percent(bps),
                "99 %",
                at_least(bps, WEBHOOK_TARGET_BPS, 400),
            )
        }
    });
    out.push(match input.onboarding {
        None | Some((_, 0, _)) => measure("onboarding", "Onboarding", "—".into(), "no overdue items", Rating::NoData),
        Some((done, total, overdue)) => {
            let p = Progress { done, total, overdue };
            let rating = match overdue {
                0 => Rating::Green,
                1..=2 => Rating::Amber,
                _ => Rating::Red,
            };
            let value = format!("{} % done, {overdue} overdue", p.percent());
            measure("onboarding", "Onboarding", value, "no overdue items", rating)
        }
    });
    out.push(match input.certification {
        None => measure("certification", "Certification", "—".into(), "certified", Rating::NoData),
        Some(s) => {
            let rating = match s {
                CertState::Certified | CertState::Listed | CertState::Featured | CertState::Premier => Rating::Green,
                CertState::Suspended => Rating::Red,
                _ => Rating::Amber,
            };
            measure("certification", "Certification", s.label().into(), "certified", rating)
        }
    });
    let target = "every first response on time";
    out.push(match input.support.met_bps() {
        None => measure("support", "Support tickets within SLA", "—".into(), target, Rating::NoData),
        Some(bps) => {
            let c = &input.support;
            let rating = at_least(bps, 10_000, 1_000);
            let value = format!("{} ({} of {} on time)", percent(bps), c.met, c.met + c.breached);
            measure("support", "Support tickets within SLA", value, target, rating)
        }
    });
    out.push(match input.revenue {
        None | Some((0, 0)) => measure("revenue", "Commission trend", "—".into(), "growing", Rating::NoData),
        Some((recent, before)) => {
            // Change in basis points of the earlier quarter; from nothing, any revenue is growth.
            let change = if before == 0 { 10_000 } else { (recent - before) * 10_000 / before.abs() };
            let rating = if change >= 0 {
                Rating::Green
            } else if change >= -1_000 {
                Rating::Amber
            } else {
                Rating::Red
            };
            let sign = if change >= 0 { "+" } else { "−" };
            let value = format!("{sign}{} vs the three months before", percent(change.abs()));
            measure("revenue", "Commission trend", value, "growing", rating)
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traffic(requests: i64, errors: i64, client_errors: i64, buckets: [i64; 7]) -> TrafficSummary {
        crate::domain::integration::summarise(&[crate::domain::integration::TrafficHour {
            environment: crate::domain::integration::Environment::Production,
            hour: 1,
            requests,
            errors,
            client_errors,
            latency_sum_us: 0,
            latency_max_us: 0,
            fast: 0,
            latency_buckets: buckets,
        }])
    }

    fn rating(card: &[Measure], key: &str) -> Rating {
        card.iter().find(|m| m.key == key).unwrap().rating
    }

    #[test]
    fn the_trend_compares_the_last_three_full_months_with_the_three_before() {
        let usd = crate::domain::revenue::Currency::parse("USD").unwrap();
        let eur = crate::domain::revenue::Currency::parse("EUR").unwrap();
        let fig = |year, month, currency, commission_minor| MonthlyFigure {
            organisation_id: 1,
            organisation: "P".into(),
            month: Month { year, month },
            currency,
            revenue_minor: 0,
            commission_minor,
        };
        let now = Month { year: 2026, month: 11 };
        assert_eq!(trend_months(now), (Month { year: 2026, month: 5 }, Month { year: 2026, month: 10 }));
        let figures = [
            fig(2026, 4, usd, 9_999),  // too old
            fig(2026, 5, usd, 100),    // earlier quarter
            fig(2026, 7, usd, 200),    // earlier quarter
            fig(2026, 8, usd, 50),     // recent quarter
            fig(2026, 10, usd, 100),   // recent quarter
            fig(2026, 11, usd, 9_999), // this month is not over
            fig(2026, 9, eur, 10),     // the smaller currency
        ];
        assert_eq!(commission_trend(&figures, now), Some((150, 300)));
        assert_eq!(commission_trend(&[], now), None);
    }

    #[test]
    fn a_review_sums_the_quarter_per_currency() {
        let usd = crate::domain::revenue::Currency::parse("USD").unwrap();
        let eur = crate::domain::revenue::Currency::parse("EUR").unwrap();
        let fig = |month, currency, revenue_minor, commission_minor| MonthlyFigure {
            organisation_id: 1,
            organisation: "P".into(),
            month: Month { year: 2026, month },
            currency,
            revenue_minor,
            commission_minor,
        };
        let lines = review_business(
            &[fig(7, usd, 100_000, 10_000), fig(8, usd, 50_050, 5_005), fig(9, eur, 2_000, 200)],
            Environment::Production,
            1_234,
            3,
            CertState::Listed,
        );
        let get = |label: &str| lines.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(get("Revenue recorded (USD)"), Money::new(150_050, usd).to_string());
        assert_eq!(get("Commission earned (USD)"), Money::new(15_005, usd).to_string());
        assert_eq!(get("Commission earned (EUR)"), Money::new(200, eur).to_string());
        assert_eq!(get("API requests (production)"), "1234");
        assert_eq!(get("Support tickets opened"), "3");
        let empty = review_business(&[], Environment::Sandbox, 0, 0, CertState::Development);
        assert_eq!(empty[0], ("Revenue recorded".to_owned(), "none this quarter".to_owned()));
    }

    #[test]
    fn the_handbook_example_is_on_target() {
        // 99.97 % reliable, 0.03 % errors, fast.
        let input = ScorecardInput {
            traffic: traffic(10_000, 3, 3, [9_000, 900, 100, 0, 0, 0, 0]),
            webhook_attempts: (995, 1_000),
            ..Default::default()
        };
        let card = scorecard(&input);
        assert_eq!(rating(&card, "reliability"), Rating::Green);
        assert_eq!(rating(&card, "latency"), Rating::Green);
        assert_eq!(rating(&card, "errors"), Rating::Green);
        assert_eq!(rating(&card, "webhooks"), Rating::Green);
        assert_eq!(card[0].value, "99.97 %");
    }

    #[test]
    fn just_under_a_target_is_amber_and_far_under_is_red() {
        let amber = scorecard(&ScorecardInput {
            traffic: traffic(1_000, 2, 5, [0, 0, 0, 1_000, 0, 0, 0]),
            ..Default::default()
        });
        assert_eq!(rating(&amber, "reliability"), Rating::Amber, "99.80 %");
        assert_eq!(rating(&amber, "latency"), Rating::Amber, "p95 within 100 ms");
        assert_eq!(rating(&amber, "errors"), Rating::Amber, "0.5 %");
        let red =
            scorecard(&ScorecardInput { traffic: traffic(100, 5, 20, [0, 0, 0, 0, 0, 0, 100]), ..Default::default() });
        assert_eq!(rating(&red, "reliability"), Rating::Red);
        assert_eq!(rating(&red, "latency"), Rating::Red);
        assert_eq!(red[1].value, "over 1 s / over 1 s");
        assert_eq!(rating(&red, "errors"), Rating::Red);
    }

    #[test]
    fn without_data_nothing_is_rated() {
        let card = scorecard(&ScorecardInput::default());
        assert!(card.iter().all(|m| m.rating == Rating::NoData), "{card:?}");
        assert_eq!(card.len(), 8);
    }

    #[test]
    fn onboarding_certification_and_revenue_follow_their_rules() {
        let card = scorecard(&ScorecardInput {
            onboarding: Some((5, 10, 3)),
            certification: Some(CertState::Suspended),
            revenue: Some((850, 1_000)),
            ..Default::default()
        });
        assert_eq!((rating(&card, "onboarding"), card[4].value.as_str()), (Rating::Red, "50 % done, 3 overdue"));
        assert_eq!(rating(&card, "certification"), Rating::Red);
        assert_eq!(
            (rating(&card, "revenue"), card[7].value.as_str()),
            (Rating::Red, "−15.00 % vs the three months before")
        );
        let card = scorecard(&ScorecardInput {
            onboarding: Some((10, 10, 0)),
            certification: Some(CertState::Listed),
            revenue: Some((950, 1_000)),
            ..Default::default()
        });
        assert_eq!(rating(&card, "onboarding"), Rating::Green);
        assert_eq!(rating(&card, "certification"), Rating::Green);
        assert_eq!(rating(&card, "revenue"), Rating::Amber);
        let card = scorecard(&ScorecardInput {
            support: SlaCounts { opened: 11, met: 9, breached: 1, waiting: 1 },
            ..Default::default()
        });
        assert_eq!(
            (rating(&card, "support"), card[6].value.as_str()),
            (Rating::Amber, "90.00 % (9 of 10 on time)"),
            "a ticket still within its target is not judged yet"
        );
        let card = scorecard(&ScorecardInput { revenue: Some((500, 0)), ..Default::default() });
        assert_eq!(rating(&card, "revenue"), Rating::Green, "from nothing, any revenue is growth");
    }
}
