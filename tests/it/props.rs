//! Property tests over arbitrary Unicode (characters NFKC expands, combining marks,
//! controls, bidi overrides): the analyzer, the matcher and snippets, and the query
//! parser never panic, keep offsets on character boundaries and do bounded work.

use std::sync::OnceLock;

use confnotes::search::query::{MAX_ATOMS, MAX_QUERY_CHARS};
use confnotes::search::{parse_query, Analyzer, Matcher, Snippet};
use proptest::prelude::*;

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| Analyzer::new().unwrap())
}

/// Text made of the characters that broke things, mixed with ordinary Japanese.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "㈱",
        "⅓",
        "⑴",
        "⒈",
        "㍘",
        "㏠",
        "ﬁ",
        "ｶﾞ",
        "ﾟ",
        "か\u{3099}",
        "e\u{301}",
        "\u{1b}]2;x\u{7}",
        "\u{202e}",
        "\u{200b}",
        "・",
        "ー",
        "株",
        "日",
        "1",
        "(",
        "（",
        "\"",
        "-",
        ":",
        "tag:",
        "OR",
        " ",
        "\n",
        "東京都",
        "申し込み",
        "ユーザー",
        "OpenShift",
        "a1",
        "あ",
        "Ａ",
        "🎉",
        "\u{0}",
        "\u{85}",
        "\u{feff}",
    ]);
    prop::collection::vec(prop_oneof![pieces.prop_map(String::from), any::<String>()], 0..40)
        .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn analyzer_offsets_are_char_boundaries(text in tricky_text()) {
        let tokens = analyzer().analyze(&text);
        for (i, t) in tokens.iter().enumerate() {
            prop_assert!(text.get(t.start..t.end).is_some(), "{:?} in {:?}", t, text);
            prop_assert_eq!(t.position, i);
        }
        let streams = analyzer().index_streams(&text);
        prop_assert_eq!(streams.exact.len(), tokens.len());
    }

    #[test]
    fn matches_and_snippets_stay_on_char_boundaries(text in tricky_text(), query in tricky_text(), width in 1usize..120) {
        let matcher = Matcher::new(&parse_query(&query), analyzer());
        let spans = matcher.find(&text);
        for s in &spans {
            prop_assert!(text.get(s.clone()).is_some(), "{:?} in {:?}", s, text);
        }
        let snippet = Snippet::new(&text, &spans, width);
        for s in &snippet.spans {
            prop_assert!(snippet.text.get(s.clone()).is_some(), "{:?} in {:?}", s, snippet.text);
        }
        let bidi = '\u{202a}'..='\u{202e}';
        let clean = !snippet.text.chars().any(|c| c.is_control() || bidi.contains(&c));
        prop_assert!(clean, "{:?}", snippet.text);
    }

    #[test]
    fn query_parsing_is_bounded(input in tricky_text()) {
        let q = parse_query(&input);
        let atoms = q.clauses.iter().map(Vec::len).sum::<usize>() + q.excluded.len();
        prop_assert!(atoms <= MAX_ATOMS);
        prop_assert!(q.positive_terms().all(|t| t.text.chars().count() <= MAX_QUERY_CHARS));
    }
}

#[test]
fn long_queries_are_cut_and_answered() {
    let index = confnotes::search::SearchIndex::build_in_ram(
        &confnotes::core::Library::load(&confnotes::core::NotesSource {
            bundled: true,
            dirs: Vec::new(),
        }),
        analyzer().clone(),
    )
    .unwrap();
    for input in ["あ".repeat(10_000), "a1".repeat(5_000), "東京都 ".repeat(2_000)] {
        let q = parse_query(&input);
        assert!(q.truncated);
        let _ = index.search(&q, 10).unwrap();
        let _ = Matcher::new(&q, analyzer()).find(&input);
    }
}
