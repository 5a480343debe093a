//! confnotes: a terminal reader for tech-event notes with Japanese full-text search.

pub mod alloc;
pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod notes;
pub mod printable;
pub mod search;
pub mod stars;
pub mod store;
pub mod timing;
pub mod ui;
