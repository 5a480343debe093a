//! Top-k without scoring every match (`search::topk`): the hits of tantivy's own
//! evaluation of the same query, for any k, in one go or in steps; and live search on a
//! library too big to search whole on a keystroke, finished while the keyboard is idle.

use std::path::Path;
use std::time::Instant;

use confnotes::app::{Action, App};
use confnotes::core::NotesSource;
use confnotes::search::synonyms::join_phrases;
use confnotes::search::topk::{top_k, Stats, TopKSearch};
use confnotes::search::{parse_query, SearchIndex};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{Bm25StatisticsProvider, BooleanQuery, Occur, Query as TQuery};
use tantivy::{IndexWriter, Searcher, TantivyDocument};

use crate::common::Fixture;
use crate::tui::{app_over, type_text};

fn relevance_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/relevance")
}

/// Words common and rare, prefixes of one character (thousands of expansions' worth
/// of matches), several words, filters, exclusions, `OR`, phrases, synonyms.
const QUERIES: &[&str] = &[
    "kubernetes",
    "k",
    "ku",
    "ク",
    "ス",
    "の",
    "監視",
    "ログ 収集",
    "Prometheus Grafana",
    "デプロイ",
    "ユーザー",
    "tag:k8s",
    "tag:k",
    "year:2023",
    "year:2019 kubernetes",
    "-kubernetes",
    "kubernetes -helm",
    "argo OR spinnaker",
    "\"継続的 デリバリ\"",
    "コンテナ 基盤",
    "ファイルシ",
    "event:cndt",
    "speaker:青山",
    "is:starred",
    "クラウドネイティブ",
];

fn tolerance(score: f32) -> f32 {
    // The same numbers added in another order.
    1e-5 * score.abs().max(1.0)
}

/// Checks `top_k` against tantivy's `TopDocs` over the same query: as many hits, each
/// scored as tantivy scores it, best first, and nothing better left out.
fn check(searcher: &Searcher, index: &SearchIndex, text: &str, k: usize) {
    let query = index.compile(&join_phrases(&parse_query(text), &index.analyzer));
    check_query(searcher, query.as_ref(), text, k);
}

fn check_query(searcher: &Searcher, query: &dyn TQuery, text: &str, k: usize) {
    let full = searcher
        .search(query, &TopDocs::with_limit(k).order_by_score())
        .unwrap();
    let ours = top_k(searcher, query, k).unwrap();
    let context = format!("query {text:?}, k {k}");
    assert_eq!(ours.hits.len(), full.len(), "{context}");
    for pair in ours.hits.windows(2) {
        assert!(pair[0].0 >= pair[1].0, "{context}: not best first");
    }
    for (score, address) in &ours.hits {
        let theirs = query.explain(searcher, *address).unwrap().value();
        assert!(
            (score - theirs).abs() <= tolerance(theirs),
            "{context}: {score} against {theirs}"
        );
    }
    if let (Some(last), Some(their_last)) = (ours.hits.last(), full.last()) {
        assert!(
            (last.0 - their_last.0).abs() <= tolerance(last.0),
            "{context}: the k-th hit differs"
        );
        // Every hit clearly above the cut is among ours.
        for (score, address) in &full {
            if *score > their_last.0 + tolerance(*score) {
                assert!(
                    ours.hits.iter().any(|(_, a)| a == address),
                    "{context}: {address:?} left out"
                );
            }
        }
    }
    if let Some(total) = ours.total {
        assert_eq!(total, searcher.search(query, &Count).unwrap(), "{context}: total");
    }
}

#[test]
fn top_k_has_the_hits_of_a_full_search() {
    let f = Fixture::new(&relevance_dir(), true);
    let searcher = f.index.reader.searcher();
    assert!(searcher.num_docs() > 100, "a corpus where the cut matters");
    for text in QUERIES {
        for k in [1, 3, 10, 40, 1000] {
            check(&searcher, &f.index, text, k);
        }
    }
    // Small k on a common word: documents were passed over, so no total was counted.
    let query = f.index.compile(&parse_query("kubernetes"));
    let top = top_k(&searcher, query.as_ref(), 1).unwrap();
    let all = searcher.search(&query, &Count).unwrap();
    assert!(all > 1 && top.total.is_none(), "{all} {:?}", top.total);
    // A k past every match: all were seen, and counted.
    assert_eq!(
        top_k(&searcher, query.as_ref(), 100_000).unwrap().total,
        Some(all)
    );
}

#[test]
fn optional_clauses_only_add_to_the_score() {
    let f = Fixture::new(&relevance_dir(), true);
    let searcher = f.index.reader.searcher();
    let q = |text: &str| f.index.compile(&parse_query(text));
    // Required words with optional ones (a word typed as one run, whole, raises its
    // notes), and optional ones alone (one of them is then required).
    let with_optional = BooleanQuery::new(vec![
        (Occur::Must, q("kubernetes")),
        (Occur::Should, q("helm")),
        (Occur::Should, q("監視")),
        (Occur::MustNot, q("argo")),
    ]);
    let optional_only = BooleanQuery::new(vec![(Occur::Should, q("helm")), (Occur::Should, q("監視"))]);
    for k in [1, 5, 50, 1000] {
        check_query(&searcher, &with_optional, "kubernetes +helm +監視 -argo", k);
        check_query(&searcher, &optional_only, "+helm +監視", k);
    }
}

#[test]
fn a_search_worked_on_in_steps_ends_as_one_in_a_go() {
    let f = Fixture::new(&relevance_dir(), true);
    let searcher = f.index.reader.searcher();
    for text in QUERIES {
        let query = f
            .index
            .compile(&join_phrases(&parse_query(text), &f.index.analyzer));
        let whole = top_k(&searcher, query.as_ref(), 10).unwrap();
        let mut search = TopKSearch::new(&searcher, query.as_ref(), 10).unwrap();
        let mut steps = 0;
        while !search.is_done() {
            // A deadline already past: the least a step does.
            search.run(Some(Instant::now())).unwrap();
            steps += 1;
            assert!(steps < 100_000, "no progress on {text:?}");
        }
        assert!(steps > 1 || whole.hits.is_empty(), "{text:?} in one step");
        assert_eq!(search.best(), whole.hits, "{text:?}");
        assert_eq!(search.total(), whole.total, "{text:?}");
    }
}

#[test]
fn term_counts_kept_from_query_to_query_rank_as_fresh_ones() {
    let f = Fixture::new(&relevance_dir(), true);
    // A second segment, holding only a few of the fields: tantivy has no reader for the
    // others there, and the counts must still add up over both.
    let mut writer: IndexWriter = f.index.index.writer_with_num_threads(1, 15_000_000).unwrap();
    let mut doc = TantivyDocument::default();
    doc.add_text(f.index.fields.event_id, "extra");
    doc.add_text(f.index.fields.text[0].exact, "kubernetes 監視");
    writer.add_document(doc).unwrap();
    writer.commit().unwrap();
    f.index.reader.reload().unwrap();
    let searcher = f.index.reader.searcher();
    assert!(searcher.segment_readers().len() > 1, "several segments");
    let stats = Stats::new(&searcher);
    assert!(stats.is_for(&f.index.reader.searcher()));
    // Twice over: the second pass reads every count from what the first kept.
    for _ in 0..2 {
        for text in QUERIES {
            let query = f
                .index
                .compile(&join_phrases(&parse_query(text), &f.index.analyzer));
            let mut kept = TopKSearch::with_stats(&stats, query.as_ref(), 10).unwrap();
            kept.run(None).unwrap();
            let fresh = top_k(&searcher, query.as_ref(), 10).unwrap();
            assert_eq!(kept.best(), fresh.hits, "{text:?}");
            assert_eq!(kept.total(), fresh.total, "{text:?}");
            let mut terms = Vec::new();
            query.query_terms(&mut |term, _| terms.push(term.clone()));
            for term in &terms {
                assert_eq!(
                    stats.doc_freq(term).unwrap(),
                    searcher.doc_freq(term).unwrap(),
                    "{term:?}"
                );
                let field = term.field();
                assert_eq!(
                    stats.total_num_tokens(field).unwrap(),
                    Bm25StatisticsProvider::total_num_tokens(&searcher, field).unwrap()
                );
            }
        }
    }
    // Another state of the index: the counts kept are not for it.
    let mut doc = TantivyDocument::default();
    doc.add_text(f.index.fields.event_id, "more");
    writer.add_document(doc).unwrap();
    writer.commit().unwrap();
    f.index.reader.reload().unwrap();
    assert!(!stats.is_for(&f.index.reader.searcher()));
    // Nor for it through another reader (which numbers its states from the start again).
    let other: tantivy::IndexReader = f.index.index.reader().unwrap();
    assert!(!stats.is_for(&other.searcher()));
    assert!(Stats::new(&other.searcher()).is_for(&f.index.reader.searcher()));
}

/// The app over the bundled notes and the relevance fixtures, searching in steps as it
/// does a big library's.
fn stepping_app() -> App {
    let mut app = app_over(
        NotesSource {
            bundled: true,
            dirs: vec![relevance_dir()],
        },
        120,
        32,
    );
    app.search.limits.whole_search_docs = 0;
    app.search.limits.hits = 5;
    // No time at all on the keystroke: the least a step does.
    app.search.limits.keystroke = std::time::Duration::ZERO;
    app.prepare_search();
    app
}

#[test]
fn live_search_shows_the_best_so_far_then_finishes_while_idle() {
    let mut app = stepping_app();
    type_text(&mut app, "/kubernetes");
    let provisional = app.search.results.as_ref().expect("shown at once");
    assert!(!provisional.complete && provisional.total.is_none());
    assert!(app.has_work());
    let mut steps = 0;
    let revision = app.search.revision;
    while app.has_work() {
        app.update(Action::Continue);
        steps += 1;
        assert!(steps < 100_000, "no end");
    }
    let results = app.search.results.as_ref().expect("results");
    assert!(results.complete);
    assert_eq!(results.shown, 5);
    assert!(app.search.revision > revision, "the finished results were shown");
    // Counted while idle, as many as a full count finds.
    let searcher = app.notes.index.reader.searcher();
    let query = join_phrases(&parse_query("kubernetes"), &app.notes.index.analyzer);
    let all = searcher.search(&app.notes.index.compile(&query), &Count).unwrap();
    assert_eq!(results.total, Some(all));
    assert!(all > 5);
    // The same lists as a search done whole on the keystroke.
    let stepped: Vec<_> = app.events.rows.iter().map(|r| (r.event, r.hits)).collect();
    let mut whole = stepping_app();
    whole.search.limits.whole_search_docs = u64::MAX;
    type_text(&mut whole, "/kubernetes");
    assert!(!whole.has_work() || whole.search.results.as_ref().is_some_and(|r| r.complete));
    let at_once: Vec<_> = whole.events.rows.iter().map(|r| (r.event, r.hits)).collect();
    assert_eq!(stepped, at_once);
    // A new keystroke drops the old search; Esc drops everything.
    type_text(&mut app, "x");
    app.update(Action::Escape);
    assert!(!app.has_work() && app.search.results.is_none());
}

#[test]
fn idle_steps_keep_the_status_line_and_the_readers_place() {
    let mut app = stepping_app();
    type_text(&mut app, "/コンテナ");
    app.status = Some("a message".into());
    while app.has_work() {
        app.update(Action::Continue);
    }
    assert_eq!(app.status.as_deref(), Some("a message"));
    assert!(app.search.results.as_ref().is_some_and(|r| r.complete));
}
