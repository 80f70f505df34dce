//! What the OAuth pages receive from the server: a partner's registered
//! apps on Developers, and the consent screen.

use crate::domain::integration::{Environment, Scope};
use crate::domain::oauth::ClientKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthClientView {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub kind: ClientKind,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub redirect_uris: Vec<String>,
    pub secret_hint: Option<String>,
    pub cert_bound: bool,
    pub created_by: String,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthAppsView {
    pub organisation_id: i64,
    pub organisation: String,
    pub can_manage: bool,
    /// Why production apps are not available yet, if they are not.
    pub production_refusal: Option<String>,
    pub clients: Vec<OAuthClientView>,
    /// An app registered a moment ago: (client id, its secret if
    /// confidential), shown this once.
    pub new_client: Option<(String, Option<String>)>,
    /// The authorization server's addresses, for the page's instructions.
    pub issuer: String,
}

/// The request the consent form sends back, as it arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub response_type: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
}

impl AuthorizeRequest {
    /// The request from named values (a query string, a form), each empty
    /// when absent.
    pub fn from_fields(field: impl Fn(&str) -> String) -> Self {
        AuthorizeRequest {
            response_type: field("response_type"),
            client_id: field("client_id"),
            redirect_uri: field("redirect_uri"),
            scope: field("scope"),
            state: field("state"),
            code_challenge: field("code_challenge"),
            code_challenge_method: field("code_challenge_method"),
        }
    }

    /// The fields by name, in the order `from_fields` reads them.
    pub fn fields(&self) -> [(&'static str, &str); 7] {
        [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsentView {
    /// The request cannot be answered to its redirect address (unknown
    /// client or an address it did not register): shown here, never sent.
    Refused { message: String },
    /// The request is wrong in a way the app should hear: send the person
    /// back with the error.
    Return { url: String },
    /// Ask the person.
    Ask(Box<ConsentAsk>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentAsk {
    pub app: String,
    pub partner: String,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub redirect_uri: String,
    /// Why this person cannot allow it, if they cannot.
    pub refusal: Option<String>,
    pub request: AuthorizeRequest,
}
