//! Developer pages of a partner: API keys and sandbox usage, agents and
//! trust scores, OAuth apps, API traffic, webhook subscriptions with their delivery
//! log, the API reference and receiver verification code; and the agents
//! page of a white-label customer.

mod agents;
mod apps;
mod changelog;
mod customer_agents;
mod graphql;
mod keys;
mod reference;
mod shared;
mod traffic;
mod verify;
mod webhooks;

pub use agents::{AgentPage, AgentsPage};
pub use apps::OAuthAppsPage;
pub use changelog::ApiChangelogPage;
pub use customer_agents::CustomerAgentsPage;
pub use graphql::GraphqlPage;
pub use keys::DevelopersPage;
pub use reference::ApiReferencePage;
pub use traffic::TrafficPage;
pub use verify::VerifyPage;
pub use webhooks::{WebhookPage, WebhooksPage};
