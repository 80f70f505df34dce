//! Business rules as pure functions: no I/O, no framework, compiled for the
//! server and the browser alike. Time always arrives as an argument so the
//! rules can be tested at any instant.

/// Milliseconds in a day. Instants are stored as Unix milliseconds, and a
/// day number is `ms / DAY_MS` (a UTC day); the migrations that group by day
/// write the same figure.
pub const DAY_MS: i64 = 86_400_000;

/// Defines a closed list of choices with stable keys (stored and posted)
/// and human labels.
macro_rules! choices {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $key:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn key(self) -> &'static str { match self { $($name::$variant => $key),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.key() == s) }
        }
    };
}

pub mod account;
pub mod api_changes;
pub mod application;
pub mod audit;
pub mod billing;
pub mod brand;
pub mod certification;
pub mod deals;
pub mod email;
pub mod evaluation;
pub mod form;
pub mod format;
pub mod funds;
pub mod inbox;
pub mod integration;
pub mod leads;
pub mod ledger;
pub mod listing;
pub mod marketplace;
pub mod navigation;
pub mod oauth;
pub mod onboarding;
pub mod password;
pub mod revenue;
pub mod role;
pub mod scorecard;
pub mod session;
pub mod showcase;
pub mod statement;
pub mod support;
pub mod terms;
pub mod text;
pub mod throttle;
pub mod token;
pub mod upload;
pub mod webhook;
pub mod whitelabel;
