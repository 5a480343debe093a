//! Full-text search over the notes: the Japanese analyzer, the query language, the
//! tantivy index, and snippets with matched spans.

pub mod analyzer;
pub mod index;
pub mod query;
pub mod snippet;

pub use analyzer::Analyzer;
pub use index::{note_key, Hit, SearchIndex};
pub use query::{parse as parse_query, Query};
pub use snippet::{Matcher, Snippet};
