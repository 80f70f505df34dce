//! What the scorecard pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::integration::Environment;
use crate::domain::scorecard::{Measure, ReviewRecord};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorecardView {
    pub organisation_id: i64,
    pub organisation: String,
    /// Whose API traffic is rated: production once it has any.
    pub environment: Environment,
    pub measures: Vec<Measure>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewsView {
    pub organisation_id: i64,
    pub organisation: String,
    pub reviews: Vec<ReviewRecord>,
    /// (key, label) of the quarters staff may generate; empty for partners.
    pub quarters: Vec<(String, String)>,
}
