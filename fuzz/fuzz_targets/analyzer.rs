//! The analyzer on any text, words alone and all three index streams (what the index
//! writer's tokenizers run): no panic, every token's offsets on char boundaries of it.
#![no_main]

use std::sync::OnceLock;

use confnotes::search::Analyzer;
use libfuzzer_sys::fuzz_target;

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::new().expect("the embedded dictionary loads"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let streams = analyzer().index_streams(text);
    let all = streams.exact.into_iter().chain(streams.variants).chain(streams.grams);
    for t in analyzer().analyze(text).into_iter().chain(all) {
        assert!(
            t.start <= t.end && t.end <= text.len(),
            "{}..{} of {}",
            t.start,
            t.end,
            text.len()
        );
        assert!(
            text.is_char_boundary(t.start) && text.is_char_boundary(t.end),
            "{}..{}",
            t.start,
            t.end
        );
    }
});
