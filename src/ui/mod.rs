//! Pages and components. Every page renders completely on the server (so it
//! works with JavaScript off) and hydrates into the same markup.

pub mod app;
pub mod components;
pub mod pages;
pub mod resources;
