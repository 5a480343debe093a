//! confnotes: a terminal reader for tech-event notes with Japanese full-text search.

pub mod core;
pub mod search;
