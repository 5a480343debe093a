//! Rendering: draws the app state; never changes it.

pub mod markdown;
