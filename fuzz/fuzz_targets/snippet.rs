//! Matches and snippets for any query and text (split at the first newline): no panic,
//! every span on char boundaries of the text it points into.
#![no_main]

use std::sync::OnceLock;

use confnotes::search::{parse_query, Analyzer, Matcher, Snippet};
use libfuzzer_sys::fuzz_target;

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::new().expect("the embedded dictionary loads"))
}

fn on_boundaries(text: &str, spans: &[std::ops::Range<usize>]) {
    for s in spans {
        assert!(s.start <= s.end && s.end <= text.len(), "{s:?} of {}", text.len());
        assert!(
            text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "{s:?} in {text:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (query, text) = input.split_once('\n').unwrap_or((input, ""));
    let matcher = Matcher::new(&parse_query(query), analyzer());
    let spans = matcher.find(text);
    on_boundaries(text, &spans);
    let snippet = Snippet::new(text, &spans, 80);
    on_boundaries(&snippet.text, &snippet.spans);
});
