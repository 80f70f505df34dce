//! What the deal registration pages receive from the server.

use crate::domain::deals::{Deal, Funnel, WonEvent};
use crate::domain::revenue::Money;
use serde::{Deserialize, Serialize};

/// A partner's deals (its own page, or staff opening it with `?org=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealsPage {
    pub organisation_id: i64,
    pub organisation: String,
    /// The partner's own people register and close deals; staff read them.
    pub can_act: bool,
    pub deals: Vec<Deal>,
    /// Revenue recorded for each won deal's customer: (deal, amount).
    pub revenue: Vec<(i64, Money)>,
    /// The events behind that revenue, newest first (the latest
    /// `services::deals::EVENTS_SHOWN`).
    pub events: Vec<WonEvent>,
    /// How many days an approval protects a deal.
    pub protection_days: i64,
    /// The program's date, the earliest close date the form takes.
    pub today: String,
    /// The partner's own funnel (none before its first lead or deal).
    pub funnel: Option<Funnel>,
    pub now_ms: i64,
}

/// Every deal of the program for the managers; for a registration that
/// conflicted, the other partner's deal beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramDeals {
    pub deals: Vec<Deal>,
    pub conflicts: Vec<Deal>,
    /// Leads and deals by partner and stage.
    pub funnels: Vec<Funnel>,
    pub revenue: Vec<(i64, Money)>,
    pub protection_days: i64,
    pub now_ms: i64,
}
