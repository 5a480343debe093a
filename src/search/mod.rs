//! Full-text search over the notes. Analysis happens in stages, each in its own module:
//! characters (`normalize`), words (`analyzer`: lindera + IPADIC, stop tags), spellings
//! (`variants`), compounds (`grams`) and synonyms (`synonyms`); then the query language
//! (`query`), its translation to tantivy (`compile`), the best hits without scoring
//! every match (`topk`), ranking and fallbacks (`rank`), the index (`index`) and what it
//! stores of each hit (`card`), snippets (`snippet`) and the `analyze` report (`explain`).

pub mod analyzer;
pub mod card;
pub mod compile;
pub mod explain;
pub mod grams;
pub mod index;
pub mod lexicon;
pub mod normalize;
pub mod query;
pub mod rank;
pub mod runs;
pub mod snippet;
pub mod synonyms;
pub mod tokenizers;
pub mod topk;
pub mod variants;

pub use analyzer::Analyzer;
pub use index::{note_key, Hit, SearchIndex};
pub use query::{parse as parse_query, Query};
pub use rank::Tier;
pub use snippet::{Matcher, Snippet};
