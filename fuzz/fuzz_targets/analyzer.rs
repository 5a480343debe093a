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
    let spans = analyzer()
        .analyze(text)
        .into_iter()
        .map(|t| (t.start, t.end))
        .chain(
            [streams.exact, streams.variants, streams.grams]
                .into_iter()
                .flatten()
                .map(|t| (t.offset_from, t.offset_to)),
        );
    for (start, end) in spans {
        assert!(start <= end && end <= text.len(), "{start}..{end} of {}", text.len());
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "{start}..{end}"
        );
    }
});
