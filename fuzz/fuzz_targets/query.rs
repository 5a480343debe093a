//! The query language on any input: parsed and compiled against an index, no panic.
#![no_main]

use std::sync::OnceLock;

use confnotes::core::Library;
use confnotes::search::{parse_query, Analyzer, SearchIndex};
use libfuzzer_sys::fuzz_target;

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let analyzer = Analyzer::new().expect("the embedded dictionary loads");
        SearchIndex::build_in_ram(&Library::default(), analyzer).expect("an empty index")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let query = parse_query(input);
    let _ = index().compile(&query);
    let _ = index().search(&query, 10);
});
