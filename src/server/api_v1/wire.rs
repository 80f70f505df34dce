//! What the API reads and writes: the JSON bodies, as the OpenAPI document
//! describes them.

use crate::domain::format::rfc3339_ms as rfc3339;
use crate::domain::integration::{AgentView, SubscriptionView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An AI agent of the partner's, in the key's environment.
#[derive(Serialize, ToSchema)]
pub struct Agent {
    /// Public id, `agt_…`.
    pub(super) id: String,
    pub(super) name: String,
    /// `sandbox` or `production`.
    pub(super) environment: String,
    pub(super) external_ref: Option<String>,
    /// Email of the white-label customer it is assigned to.
    pub(super) customer: Option<String>,
    /// 0 to 1000; new agents start at 500.
    pub(super) trust_score: i64,
    pub(super) events: i64,
    pub(super) created_at: String,
    pub(super) updated_at: String,
}

impl From<AgentView> for Agent {
    fn from(a: AgentView) -> Self {
        Agent {
            id: a.id,
            name: a.name,
            environment: a.environment.key().into(),
            external_ref: a.external_ref,
            customer: a.customer,
            trust_score: a.trust_score,
            events: a.events,
            created_at: rfc3339(a.created_at_ms),
            updated_at: rfc3339(a.updated_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AgentList {
    pub(super) data: Vec<Agent>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewAgentRequest {
    /// 1 to 60 characters on one line.
    #[schema(min_length = 1, max_length = 60)]
    pub(super) name: String,
    /// Your own reference: letters, digits and `._:-`, up to 128.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub(super) external_ref: Option<String>,
    /// Email of one of your white-label customers, to show them this agent.
    #[serde(default)]
    #[schema(max_length = 254)]
    pub(super) customer: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TrustPoint {
    pub(super) event_id: String,
    /// `success`, `failure`, `timeout` or `policy_violation`.
    pub(super) outcome: String,
    pub(super) score_before: i64,
    pub(super) score_after: i64,
    pub(super) at: String,
}

/// An agent's trust score and its latest changes (newest first).
#[derive(Serialize, ToSchema)]
pub struct Trust {
    pub(super) agent_id: String,
    pub(super) trust_score: i64,
    pub(super) history: Vec<TrustPoint>,
}

/// One agent outcome. The score moves by success +5, timeout −10, failure
/// −20, policy violation −100, and stays within 0–1000. Sending the same
/// `event_id` again changes nothing.
#[derive(Deserialize, ToSchema)]
pub struct EventRequest {
    /// Your id for the event: letters, digits and `._:-`, up to 128.
    #[schema(min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub(super) event_id: String,
    /// The agent's id, `agt_…`.
    #[schema(min_length = 1, max_length = 64, pattern = "^agt_[A-Za-z0-9]+$")]
    pub(super) agent_id: String,
    /// `success`, `failure`, `timeout` or `policy_violation`.
    #[schema(pattern = "^(success|failure|timeout|policy_violation)$")]
    pub(super) outcome: String,
}

/// One event, or up to 100 as `{"events": [...]}`.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum EventsRequest {
    Batch {
        #[schema(min_items = 1, max_items = 100)]
        events: Vec<EventRequest>,
    },
    One(EventRequest),
}

#[derive(Serialize, ToSchema)]
pub struct EventOutcome {
    pub(super) event_id: String,
    pub(super) agent_id: String,
    /// False when this event id was received before.
    pub(super) applied: bool,
    pub(super) trust_score: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EventsResponse {
    pub(super) results: Vec<EventOutcome>,
}

#[derive(Serialize, ToSchema)]
pub struct Subscription {
    pub(super) id: String,
    pub(super) url: String,
    pub(super) environment: String,
    pub(super) patterns: Vec<String>,
    pub(super) active: bool,
    pub(super) disabled_reason: Option<String>,
    pub(super) created_at: String,
}

impl From<SubscriptionView> for Subscription {
    fn from(s: SubscriptionView) -> Self {
        Subscription {
            id: s.id,
            url: s.url,
            environment: s.environment.key().into(),
            patterns: s.patterns,
            active: s.active,
            disabled_reason: s.disabled_reason,
            created_at: rfc3339(s.created_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SubscriptionList {
    pub(super) data: Vec<Subscription>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewSubscriptionRequest {
    /// A public http(s) address.
    #[schema(min_length = 1, max_length = 2048, pattern = "^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/.*)?$")]
    pub(super) url: String,
    /// `*`, a family such as `trust.*`, or event names such as `payout.paid`.
    #[schema(min_items = 1, max_items = 10, inline)]
    pub(super) patterns: Vec<EventPattern>,
}

/// An event pattern: `*`, a family such as `trust.*`, or an event name.
#[derive(Deserialize, ToSchema)]
#[schema(value_type = String, pattern = "^(\\*|[a-z_]+\\.(\\*|[a-z_]+))$")]
pub struct EventPattern(pub(super) String);

#[derive(Serialize, ToSchema)]
pub struct CreatedSubscription {
    pub(super) subscription: Subscription,
    /// The signing secret (`whsec_…`).
    pub(super) secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct RotatedSecret {
    pub(super) secret: String,
    /// Until then, deliveries carry a signature under the old secret too.
    pub(super) previous_valid_until: String,
}

#[derive(Serialize, ToSchema)]
pub struct QueuedDelivery {
    pub(super) delivery_id: i64,
}

/// Who is calling, and within which limits.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub(super) organisation: MeOrganisation,
    /// `sandbox` or `production`.
    pub(super) environment: String,
    /// `api_key` or `oauth_client`.
    pub(super) credential: String,
    /// The API key's id, or the OAuth client's `cli_…` id.
    pub(super) credential_id: String,
    pub(super) scopes: Vec<String>,
    /// The partner's certification state (see `/api/v1/certification`).
    pub(super) certification_state: String,
    pub(super) rate_limit: RateLimit,
    /// Sandbox quotas and their use; absent in production.
    pub(super) sandbox: Option<SandboxUsage>,
}

#[derive(Serialize, ToSchema)]
pub struct MeOrganisation {
    pub(super) id: i64,
    pub(super) name: String,
}

#[derive(Serialize, ToSchema)]
pub struct RateLimit {
    /// Requests a second per credential, per instance of the portal.
    pub(super) per_second: u32,
    pub(super) burst: u32,
}

#[derive(Serialize, ToSchema)]
pub struct SandboxUsage {
    pub(super) agents: i64,
    pub(super) agent_limit: i64,
    pub(super) events_today: i64,
    pub(super) event_limit: i64,
    pub(super) resets_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct Certification {
    /// registered, development, testing, review, certified, listed,
    /// featured, premier, recertification or suspended.
    pub(super) state: String,
    pub(super) since: String,
    pub(super) certified_at: Option<String>,
    pub(super) support_tier: String,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    pub(super) field: String,
    pub(super) message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: unauthorized, insufficient_scope, not_found, invalid_request,
    /// production_only, conflict, refused, rate_limited, sandbox_limit_exceeded,
    /// idempotency_key_reused, idempotency_key_in_use, payload_too_large,
    /// method_not_allowed, busy, unavailable, internal.
    pub(super) code: String,
    pub(super) message: String,
    pub(super) fields: Vec<FieldProblem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) resets_at: Option<String>,
}

/// Every error has this shape.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub(super) error: ErrorDetail,
}

/// A customer's request from the partner directory, offered to or taken by
/// the partner.
#[derive(Serialize, ToSchema)]
pub struct Lead {
    pub(super) id: i64,
    /// `offered`, `accepted`, `contacted`, `qualified`, `won` or `lost`.
    pub(super) status: String,
    pub(super) company: String,
    pub(super) name: String,
    pub(super) email: String,
    pub(super) country: String,
    pub(super) need: String,
    pub(super) created_at: String,
    /// While offered: when it goes back to the partner managers unanswered.
    pub(super) respond_by: Option<String>,
}

impl From<crate::domain::leads::Lead> for Lead {
    fn from(l: crate::domain::leads::Lead) -> Self {
        Lead {
            id: l.id,
            status: l.status.key().into(),
            company: l.company,
            name: l.name,
            email: l.email,
            country: l.country,
            need: l.need,
            created_at: rfc3339(l.created_at_ms),
            respond_by: l.respond_by_ms.map(rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LeadList {
    pub(super) data: Vec<Lead>,
}

/// A registered deal of the partner's.
#[derive(Serialize, ToSchema)]
pub struct Deal {
    pub(super) id: i64,
    /// `registered`, `approved`, `rejected`, `won`, `lost` or `expired`.
    pub(super) status: String,
    pub(super) company: String,
    /// The customer's domain as compared: lower case, without `www.`.
    pub(super) domain: String,
    pub(super) contact_name: String,
    pub(super) contact_email: String,
    pub(super) products: Vec<String>,
    /// The expected value in minor units of `currency` (cents for USD).
    pub(super) value_minor: i64,
    pub(super) currency: String,
    /// `YYYY-MM-DD`.
    pub(super) close_on: String,
    /// Another partner's deal on the same customer when this one was registered.
    pub(super) conflict_with: Option<i64>,
    /// When an approval's protection ends.
    pub(super) protected_until: Option<String>,
    /// A manager's note on the decision.
    pub(super) note: Option<String>,
    /// The customer as revenue events name it, once won.
    pub(super) customer_ref: Option<String>,
    pub(super) created_at: String,
}

impl From<crate::domain::deals::Deal> for Deal {
    fn from(d: crate::domain::deals::Deal) -> Self {
        Deal {
            id: d.id,
            status: d.status.key().into(),
            company: d.company,
            domain: d.domain,
            contact_name: d.contact_name,
            contact_email: d.contact_email,
            products: d.products,
            value_minor: d.value.minor,
            currency: d.value.currency.code().into(),
            close_on: d.close_on,
            conflict_with: d.conflict_with,
            protected_until: d.protected_until_ms.map(rfc3339),
            note: d.note,
            customer_ref: d.customer_ref,
            created_at: rfc3339(d.created_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DealList {
    pub(super) data: Vec<Deal>,
}

/// A deal to register: every registration waits for a partner manager's
/// approval, which protects the partner on that customer for a window.
#[derive(Deserialize, ToSchema)]
pub struct NewDealRequest {
    pub(super) company: String,
    /// The customer's web domain, such as `acme.com`.
    pub(super) domain: String,
    pub(super) contact_name: String,
    pub(super) contact_email: String,
    /// One to ten products.
    pub(super) products: Vec<String>,
    /// The expected value in minor units of `currency`, above zero.
    pub(super) value_minor: i64,
    /// An ISO 4217 code, such as `USD`.
    pub(super) currency: String,
    /// The expected close date, `YYYY-MM-DD`, from today to two years out.
    pub(super) close_on: String,
}
