//! What the integration pages receive from the server: the types its server
//! functions return and its services build.

use crate::domain::integration::{
    AgentView, ApiKeyView, AttemptView, DeliveryHealth, DeliveryView, Environment, RequestLogEntry, SubscriptionView,
    TrafficHour, TrafficSummary, TrustChange,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeveloperView {
    pub organisation_id: i64,
    pub organisation: String,
    /// Owners manage keys and subscriptions; others look.
    pub can_manage: bool,
    /// Why production keys are not available yet, if they are not.
    pub production_refusal: Option<String>,
    pub keys: Vec<ApiKeyView>,
    /// A key created a moment ago: (id, the whole key), shown this once.
    pub new_key: Option<(i64, String)>,
    pub sandbox_agents: i64,
    pub sandbox_events_today: i64,
    pub agent_limit: i64,
    pub event_limit: i64,
    pub day_resets_at_ms: i64,
    pub week_resets_at_ms: i64,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentsView {
    pub organisation_id: i64,
    pub environment: Environment,
    pub can_manage: bool,
    pub agents: Vec<AgentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficView {
    pub organisation_id: i64,
    pub sandbox: TrafficSummary,
    pub production: TrafficSummary,
    pub hours: Vec<TrafficHour>,
    pub recent: Vec<RequestLogEntry>,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksView {
    pub organisation_id: i64,
    pub can_manage: bool,
    pub subscriptions: Vec<SubscriptionView>,
    /// How each subscription's latest deliveries went, in the same order.
    #[serde(default)]
    pub health: Vec<DeliveryHealth>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub delivery: DeliveryView,
    pub attempts: Vec<AttemptView>,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionDetail {
    pub organisation_id: i64,
    pub can_manage: bool,
    pub subscription: SubscriptionView,
    /// The signing secret, for owners only.
    pub secret: Option<String>,
    /// One page (`DELIVERIES_PAGE`) of the log, newest first.
    pub deliveries: Vec<DeliveryLine>,
    /// The id to page back from, when older deliveries match.
    pub older_than: Option<i64>,
    pub failed_only: bool,
    /// How the newest deliveries went, whatever the filter.
    pub health: DeliveryHealth,
}

/// Deliveries per page of a subscription's log.
pub const DELIVERIES_PAGE: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerAgent {
    pub agent: AgentView,
    pub recent: Vec<TrustChange>,
}
