//! Business rules as pure functions: no I/O, no framework, compiled for the
//! server and the browser alike. Time always arrives as an argument so the
//! rules can be tested at any instant.

pub mod account;
pub mod application;
pub mod audit;
pub mod brand;
pub mod certification;
pub mod email;
pub mod evaluation;
pub mod onboarding;
pub mod password;
pub mod role;
pub mod session;
pub mod terms;
pub mod throttle;
pub mod token;
