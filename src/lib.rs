//! Partner Portal: a partner program's portal, server-rendered with Leptos and
//! hydrated in the browser.
//!
//! - `domain`: business rules, pure and shared by server and browser.
//! - `api`: server functions, thin wrappers over server services.
//! - `ui`: pages and components.
//! - `server` (ssr only): configuration, HTTP stack, persistence, workers.

#![recursion_limit = "256"]

pub mod api;
pub mod domain;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(ui::app::App);
}
