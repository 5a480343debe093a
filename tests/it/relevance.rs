//! The judged relevance sets (`tests/relevance/`): well-formed, and the rule that search finds what `rg` finds
//! (on the tuned set; the held-out set is only checked for form, never for scores).

use std::collections::{BTreeMap, BTreeSet};

use confnotes::search::{parse_query, Analyzer, SearchIndex};

#[path = "../relevance/judged.rs"]
mod judged;

use judged::{all_ids, fold, grep_sessions, has_cjk, id, library, ndcg10, queries, recall10, Set};

#[test]
fn the_judged_set_is_well_formed() {
    assert_well_formed(Set::Judged, 40);
}

/// The held-out set parses, names only sessions that exist and loads without warnings; its
/// scores are measured by the benchmark only (it is not tuned against).
#[test]
fn the_heldout_set_is_well_formed() {
    assert_well_formed(Set::Heldout, 50);
}

fn assert_well_formed(set: Set, at_least: usize) {
    let queries = set.queries();
    assert!(
        queries.len() >= at_least,
        "{}: only {} queries",
        set.name(),
        queries.len()
    );
    let mut per_class: BTreeMap<&str, usize> = BTreeMap::new();
    for q in &queries {
        *per_class.entry(q.class.as_str()).or_default() += 1;
    }
    for class in (1..=10).map(|c| c.to_string()).chain(["basic".to_string()]) {
        let n = per_class.get(class.as_str()).copied().unwrap_or(0);
        assert!(
            n >= 4,
            "{}: class {class} has {n} queries (at least 4 wanted)",
            set.name()
        );
    }
    let unknown: Vec<&&str> = per_class
        .keys()
        .filter(|c| **c != "basic" && !(1..=10).any(|n| n.to_string() == **c))
        .collect();
    assert!(unknown.is_empty(), "{}: unknown classes: {unknown:?}", set.name());

    let library = set.library();
    assert!(library.warnings.is_empty(), "{:?}", library.warnings);
    let ids = all_ids(&library);
    let mut seen = BTreeSet::new();
    for q in &queries {
        assert!(seen.insert(q.q.as_str()), "query {:?} is listed twice", q.q);
        assert!(!q.judgments.is_empty(), "query {:?} has no judgments", q.q);
        for (judged, grade) in &q.judgments {
            assert!(
                ids.contains(judged),
                "query {:?}: no such session {judged:?}",
                q.q
            );
            assert!(
                matches!(grade, 1 | 2),
                "query {:?}: grade {grade} for {judged}",
                q.q
            );
        }
    }
}

#[test]
fn the_measures_reward_the_right_order() {
    let judgments: BTreeMap<String, u8> = [("a#", 2), ("b#x", 1)].map(|(k, g)| (k.to_string(), g)).into();
    let ranked = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!((ndcg10(&ranked(&["a#", "b#x"]), &judgments) - 1.0).abs() < 1e-9);
    let swapped = ndcg10(&ranked(&["b#x", "a#"]), &judgments);
    assert!(swapped > 0.5 && swapped < 1.0, "{swapped}");
    assert_eq!(ndcg10(&ranked(&["c#"]), &judgments), 0.0);
    assert_eq!(recall10(&ranked(&["z#", "b#x"]), &judgments), 0.5);
    // Beyond the tenth place counts for nothing.
    let late: Vec<String> = (0..10).map(|i| format!("n#{i}")).chain(ranked(&["a#"])).collect();
    assert_eq!(recall10(&late, &judgments), 0.0);
}

#[test]
fn the_line_to_session_unit_matches_the_notes() {
    let library = library();
    let found = grep_sessions(&library, "nginx_exporter");
    assert_eq!(
        found,
        BTreeSet::from([id("2018-04-container-days", "horizontal-pod-autoscalers")])
    );
    // Front matter and the text before the first session are the overview's.
    let venue = grep_sessions(&library, "四条烏丸");
    assert_eq!(venue, BTreeSet::from([id("2023-05-sre-night-kyoto", "")]));
    // Folded like rg -i, and full-width like NFKC.
    assert_eq!(grep_sessions(&library, "ＮＧＩＮＸ_EXPORTER"), found);
}

/// Issue 10, point 5: every session in which `rg -i -F` finds a CJK query of two or more
/// characters (after NFKC) is among confnotes' results.
#[test]
fn search_finds_every_session_rg_finds() {
    let library = library();
    let index = SearchIndex::build_in_ram(&library, Analyzer::new().unwrap()).unwrap();
    let mut failures = Vec::new();
    for q in queries() {
        let folded = fold(&q.q);
        if folded.chars().count() < 2 || !has_cjk(&folded) {
            continue;
        }
        let hits: BTreeSet<String> = index
            .search(&parse_query(&q.q), 1000)
            .unwrap()
            .into_iter()
            .map(|h| id(&h.session.event, &h.session.session))
            .collect();
        let missed: Vec<String> = grep_sessions(&library, &q.q).difference(&hits).cloned().collect();
        if !missed.is_empty() {
            failures.push(format!("{:?} (class {}) misses {missed:?}", q.q, q.class));
        }
    }
    assert!(
        failures.is_empty(),
        "{} queries:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
