//! What the lead pages receive from the server.

use crate::domain::leads::Lead;
use serde::{Deserialize, Serialize};

/// A partner's leads (its own page, or staff opening it with `?org=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadsPage {
    pub organisation_id: i64,
    pub organisation: String,
    /// The partner's own people act on its leads; staff read them.
    pub can_act: bool,
    pub leads: Vec<Lead>,
    pub now_ms: i64,
}

/// Every lead of the program for the managers, with the partners a lead
/// can be offered to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramLeads {
    pub leads: Vec<Lead>,
    /// Partners shown in the directory: (organisation, name).
    pub partners: Vec<(i64, String)>,
    pub now_ms: i64,
}
