//! Partner Portal: a partner program's portal, server-rendered with Leptos and
//! hydrated in the browser.
//!
//! Imports run one way, `ui → api → server → (views, domain)`:
//!
//! - `ui`: pages and components.
//! - `api`: server functions, thin wrappers over server services.
//! - `server` (ssr only): configuration, HTTP stack, services, persistence,
//!   workers.
//! - `views`: the types server functions return to pages.
//! - `error`: the error type both sides share.
//! - `domain`: business rules, pure and shared by server and browser.

#![recursion_limit = "256"]

pub mod api;
pub mod domain;
pub mod error;
pub mod ui;
pub mod views;

#[cfg(feature = "ssr")]
pub mod server;

/// The server with its pages: the one place where the UI and the server
/// meet, above both (`server` never imports `ui`).
#[cfg(feature = "ssr")]
pub fn router(state: server::state::AppState, sessions: server::store::AnySessionStore) -> axum::Router {
    server::router(state, sessions, ui::app::App, ui::app::shell)
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(ui::app::App);
}
