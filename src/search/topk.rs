//! The best K documents of a query without scoring every document it matches.
//!
//! A word typed into a big library matches a large part of it (`ファイル`: 94,000 of
//! 400,000 documents), and scoring each of them on every keystroke is what made live
//! search slow. A query is a sum of weighted leaves (a word in one field, exactly, by a
//! prefix, by its variant keys, by its grams…; a filter), and each leaf's score has an
//! upper bound known before the search: BM25 never exceeds `idf × (1 + k1)` times its
//! weight, a constant-score leaf its constant. Once K documents are in hand, a document
//! matching only leaves whose bounds add up to no more than the K-th score cannot get
//! in; those leaves are then only looked up for documents found through the others
//! (MaxScore: Turtle and Flood, 1995).
//!
//! A document's score is the sum of its leaves' tantivy scores, added in a fixed order
//! (in `f64`, exact for these magnitudes), so the cut is exact and the order does not
//! depend on how the index is split into segments. Ties go to the earlier document, as
//! in tantivy's `TopDocs`. Against tantivy's own sum of the same query tree, scores
//! differ in the last bits only.

use std::cmp::Ordering;
use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tantivy::query::{
    AllQuery, Bm25StatisticsProvider, Bm25Weight, BooleanQuery, BoostWeight, EmptyQuery, EnableScoring,
    Occur, PhrasePrefixQuery, PhraseQuery, Query as TQuery, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::Field;
use tantivy::{DocAddress, DocId, DocSet, InvertedIndexReader, Searcher, Term, TERMINATED};

/// The statistics BM25 scores by (how many documents hold a term, how many tokens a
/// field has), over one searcher, each looked up once: a query's leaf needs its terms'
/// counts twice (its bound, its weight), a query typed a letter at a time asks for
/// mostly the same terms again, and each count is a lookup in every segment. The sums
/// are tantivy's own, so the scores are the same.
pub struct Stats {
    searcher: Searcher,
    cache: Mutex<StatsCache>,
}

#[derive(Default)]
struct StatsCache {
    doc_freq: HashMap<Term, u64>,
    tokens: HashMap<Field, u64>,
    /// Each segment's inverted index of a field: tantivy makes one anew on every call
    /// for a segment that has none of the field.
    inverted: HashMap<Field, Vec<Arc<InvertedIndexReader>>>,
}

/// Past this many terms the cache starts again (bounded memory whatever is typed).
const STATS_TERMS: usize = 50_000;

impl Stats {
    pub fn new(searcher: &Searcher) -> Arc<Stats> {
        Arc::new(Stats {
            searcher: searcher.clone(),
            cache: Mutex::new(StatsCache::default()),
        })
    }

    pub fn searcher(&self) -> &Searcher {
        &self.searcher
    }

    /// Whether these are the statistics of `searcher`'s state of the index: the same
    /// segments with the same deletions. (Not the generation number: each reader counts
    /// its own, and the store may open another reader.)
    pub fn is_for(&self, searcher: &Searcher) -> bool {
        self.searcher.generation().segments() == searcher.generation().segments()
    }

    fn with_cache<T>(&self, f: impl FnOnce(&mut StatsCache) -> tantivy::Result<T>) -> tantivy::Result<T> {
        // A poisoned lock only means a panic elsewhere mid-lookup: the counts are whole.
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut cache)
    }

    fn inverted<'c>(
        &self,
        cache: &'c mut StatsCache,
        field: Field,
    ) -> tantivy::Result<&'c [Arc<InvertedIndexReader>]> {
        Ok(match cache.inverted.entry(field) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(
                (self.searcher.segment_readers().iter())
                    .map(|r| r.inverted_index(field))
                    .collect::<tantivy::Result<Vec<_>>>()?,
            ),
        })
    }
}

impl Bm25StatisticsProvider for Stats {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.with_cache(|cache| {
            if let Some(&n) = cache.tokens.get(&field) {
                return Ok(n);
            }
            let n = (self.inverted(cache, field)?.iter())
                .map(|i| i.total_num_tokens())
                .sum();
            cache.tokens.insert(field, n);
            Ok(n)
        })
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(&self.searcher)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.with_cache(|cache| {
            if let Some(&n) = cache.doc_freq.get(term) {
                return Ok(n);
            }
            let mut n = 0u64;
            for inverted in self.inverted(cache, term.field())? {
                n += u64::from(inverted.doc_freq(term)?);
            }
            if cache.doc_freq.len() >= STATS_TERMS {
                cache.doc_freq.clear();
            }
            cache.doc_freq.insert(term.clone(), n);
            Ok(n)
        })
    }
}

/// tantivy's `BoostQuery` (the same weight, the same scores), its weight readable: each
/// part of a compiled query is weighted by one of these, and its bound scales with it.
#[derive(Debug)]
pub struct Boost {
    query: Box<dyn TQuery>,
    boost: f32,
}

impl Clone for Boost {
    fn clone(&self) -> Self {
        Boost {
            query: self.query.box_clone(),
            boost: self.boost,
        }
    }
}

impl Boost {
    pub fn new(query: Box<dyn TQuery>, boost: f32) -> Boost {
        Boost { query, boost }
    }
}

impl TQuery for Boost {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weight = self.query.weight(scoring)?;
        Ok(if scoring.is_scoring_enabled() {
            Box::new(BoostWeight::new(weight, self.boost))
        } else {
            weight
        })
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

/// A compiled query read as a sum of leaves: each required clause must have a matching
/// leaf, no exclusion may match, and optional clauses only add to the score.
struct Plan<'a> {
    /// Leaves with the bit of their required clause (0 for an optional one).
    leaves: Vec<Leaf<'a>>,
    clauses: usize,
    exclusions: Vec<&'a dyn TQuery>,
    /// The query matches nothing (a filter without a value).
    nothing: bool,
}

impl<'a> Plan<'a> {
    fn new(query: &'a dyn TQuery) -> Plan<'a> {
        let mut plan = Plan {
            leaves: Vec::new(),
            clauses: 0,
            exclusions: Vec::new(),
            nothing: query.is::<EmptyQuery>(),
        };
        let top: Vec<(Occur, &dyn TQuery)> = match query.downcast_ref::<BooleanQuery>() {
            Some(b) => b.clauses().iter().map(|(o, q)| (*o, q.as_ref())).collect(),
            None => vec![(Occur::Must, query)],
        };
        let required = top.iter().filter(|(o, _)| *o == Occur::Must).count();
        for (occur, q) in top {
            // Leaf by leaf within a clause (a repeated term is looked for among them).
            let mut of_clause = Vec::new();
            match occur {
                Occur::Must => {
                    leaves(q, 1.0, 1 << plan.clauses.min(63), &mut of_clause);
                    plan.clauses += 1;
                }
                // Without a required clause, tantivy requires one of the optional ones.
                Occur::Should if required == 0 => {
                    leaves(q, 1.0, 1, &mut of_clause);
                    plan.clauses = 1;
                }
                Occur::Should => leaves(q, 1.0, 0, &mut of_clause),
                Occur::MustNot => plan.exclusions.push(q),
            }
            plan.leaves.append(&mut of_clause);
        }
        plan.nothing |= plan.clauses == 0;
        plan
    }
}

/// The best documents of a query, best first, and how many documents match in all when
/// that is known (no document was passed over).
pub struct TopK {
    pub hits: Vec<(f32, DocAddress)>,
    pub total: Option<usize>,
}

/// One leaf of a part: a query whose scorer tantivy runs, its weight and clause.
struct Leaf<'a> {
    query: &'a dyn TQuery,
    boost: f32,
    clause: u64,
}

/// Splits `query` at its sums of alternatives (`Should` only: a union whose score is
/// the sum of what matches) and its weights, down to leaves.
fn leaves<'a>(query: &'a dyn TQuery, boost: f32, clause: u64, out: &mut Vec<Leaf<'a>>) {
    if let Some(b) = query.downcast_ref::<Boost>() {
        // As tantivy passes a boost down: the outer one times this one.
        return leaves(b.query.as_ref(), boost * b.boost, clause, out);
    }
    if let Some(b) = query.downcast_ref::<BooleanQuery>() {
        let union = !b.clauses().is_empty()
            && b.get_minimum_number_should_match() <= 1
            && b.clauses().iter().all(|(occur, _)| *occur == Occur::Should);
        // One required clause alone is that clause.
        let single = matches!(b.clauses(), [(Occur::Must, _)]);
        if union || single {
            for (_, q) in b.clauses() {
                leaves(q.as_ref(), boost, clause, out);
            }
            return;
        }
    }
    // The same term twice in a clause (a word and its key spelled alike) is one leaf
    // of twice the weight: one posting list read instead of two, the same score. (A
    // term's field decides how it is indexed, so both ask for the same postings.)
    if let Some(t) = query.downcast_ref::<TermQuery>() {
        let same = |l: &Leaf| {
            l.clause == clause
                && l.query
                    .downcast_ref::<TermQuery>()
                    .is_some_and(|u| u.term() == t.term())
        };
        if let Some(leaf) = out.iter_mut().find(|l| same(l)) {
            leaf.boost += boost;
            return;
        }
    }
    out.push(Leaf { query, boost, clause });
}

/// The highest score `query` can give a document with this weight, over the
/// searcher's statistics; infinite when not known (the leaf is then always walked).
fn bound(stats: &Stats, query: &dyn TQuery, boost: f32) -> f64 {
    let bm25 = |terms: Vec<Term>| -> f64 {
        // A term no document holds: nothing matches (and a field without any words has
        // no average length to score by).
        if terms.is_empty() || terms.iter().any(|t| stats.doc_freq(t).is_ok_and(|n| n == 0)) {
            return 0.0;
        }
        match Bm25Weight::for_terms(stats, &terms) {
            // The supremum: any term frequency, the shortest field; computed as tantivy
            // scores (the same f32 steps), so it bounds its scores exactly.
            Ok(w) => f64::from(w.boost_by(boost).score(0, u32::MAX)),
            Err(_) => f64::INFINITY,
        }
    };
    let value = if let Some(t) = query.downcast_ref::<TermQuery>() {
        bm25(vec![t.term().clone()])
    } else if let Some(p) = query.downcast_ref::<PhraseQuery>() {
        bm25(p.phrase_terms())
    } else if let Some(p) = query.downcast_ref::<PhrasePrefixQuery>() {
        // A prefix alone is a constant-score range; after one word, tantivy scores a
        // match 1 whatever the weight (its `PhraseKind::SinglePrefix`: checked by
        // `no_leaf_scores_above_its_bound`); after several, as their phrase.
        match p.phrase_terms() {
            terms if terms.is_empty() => f64::from(boost),
            terms if terms.len() == 1 => 1.0,
            terms => bm25(terms),
        }
    } else if query.is::<RangeQuery>() || query.is::<AllQuery>() {
        f64::from(boost)
    } else if query.is::<EmptyQuery>() {
        0.0
    } else if let Some(b) = query.downcast_ref::<BooleanQuery>() {
        // A conjunction: tantivy adds its clauses' scores in f32, in its own order.
        let sum: f64 = (b.clauses().iter())
            .filter(|(occur, _)| *occur != Occur::MustNot)
            .map(|(_, q)| bound(stats, q.as_ref(), boost))
            .sum();
        sum * (1.0 + 1e-6)
    } else {
        f64::INFINITY
    };
    if value.is_nan() {
        f64::INFINITY
    } else {
        value
    }
}

/// A document kept while looking, ordered so that the heap's top is the one to drop
/// first: the lowest score, then the later document.
#[derive(Clone, Copy, PartialEq)]
struct Kept {
    score: f64,
    address: DocAddress,
}

impl Eq for Kept {}

impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.address.cmp(&other.address))
    }
}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A leaf ready to run: its bound, weight, boost and clause bit.
struct Ready {
    bound: f64,
    weight: Box<dyn Weight>,
    boost: f32,
    clause: u64,
}

/// Where the walk is in one segment: the leaves' scorers (made when first needed: a
/// leaf below the bar may never be looked at, and making a prefix's scorer opens up to
/// 200 posting lists), the document each is on, and the exclusions' scorers.
struct InSegment {
    ord: u32,
    scorers: Vec<Option<Box<dyn Scorer>>>,
    at: Vec<DocId>,
    excluded: Vec<Box<dyn Scorer>>,
    /// Leaves `0..cut` are walked; a document matching only later ones is below the bar.
    cut: usize,
    /// Scorers of leaves `0..made` are made (the walk starts once all of `0..cut` are).
    made: usize,
}

/// A top-k search that can stop and go on later: live search works on it a few
/// milliseconds per keystroke and finishes it while the keyboard is idle, so that a
/// key is never kept waiting by a big library.
pub struct TopKSearch {
    searcher: Searcher,
    k: usize,
    leaves: Vec<Ready>,
    /// rest[i]: the most a document can score from leaves i.. alone.
    rest: Vec<f64>,
    all_clauses: u64,
    exclusions: Vec<Box<dyn Weight>>,
    kept: BinaryHeap<Kept>,
    matched: usize,
    passed_over: bool,
    next_segment: usize,
    segment: Option<InSegment>,
    done: bool,
}

/// How many documents the walk visits between looks at the clock.
const CLOCK_EVERY: usize = 128;

impl TopKSearch {
    /// The best `k` documents of `query` (as [`SearchIndex::compile`](super::SearchIndex::compile)
    /// builds it: other queries are walked whole, unbounded), not searched yet.
    pub fn new(searcher: &Searcher, query: &dyn TQuery, k: usize) -> anyhow::Result<TopKSearch> {
        TopKSearch::with_stats(&Stats::new(searcher), query, k)
    }

    /// As [`Self::new`], over the searcher of `stats` and with its counts.
    pub fn with_stats(stats: &Stats, query: &dyn TQuery, k: usize) -> anyhow::Result<TopKSearch> {
        let searcher = stats.searcher();
        let plan = Plan::new(query);
        let found = plan.leaves;
        let scoring = EnableScoring::enabled_from_statistics_provider(stats, searcher);
        let mut ready = Vec::with_capacity(found.len());
        for leaf in found {
            ready.push(Ready {
                bound: bound(stats, leaf.query, leaf.boost),
                weight: leaf.query.weight(scoring)?,
                boost: leaf.boost,
                clause: leaf.clause,
            });
        }
        // Highest bounds first: as the bar rises, a document must match one of the
        // first leaves to get in; the others are looked up for those documents only.
        ready.sort_by(|a, b| b.bound.total_cmp(&a.bound));
        let mut rest = vec![0.0f64; ready.len() + 1];
        for i in (0..ready.len()).rev() {
            rest[i] = rest[i + 1] + ready[i].bound;
        }
        let not_scoring = EnableScoring::disabled_from_searcher(searcher);
        let exclusions = (plan.exclusions.iter())
            .map(|q| q.weight(not_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let all_clauses = (1u64 << plan.clauses.min(63)) - 1;
        Ok(TopKSearch {
            searcher: searcher.clone(),
            k,
            leaves: ready,
            rest,
            all_clauses,
            exclusions,
            kept: BinaryHeap::with_capacity(k + 1),
            matched: 0,
            passed_over: false,
            next_segment: 0,
            segment: None,
            done: k == 0 || plan.nothing,
        })
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The best documents found so far (all of them once done): score, then the earlier
    /// document first.
    pub fn best(&self) -> Vec<(f32, DocAddress)> {
        let mut kept: Vec<Kept> = self.kept.iter().copied().collect();
        kept.sort();
        kept.into_iter().map(|d| (d.score as f32, d.address)).collect()
    }

    /// How many documents match in all, once done, if none was passed over.
    pub fn total(&self) -> Option<usize> {
        (self.done && !self.passed_over).then_some(self.matched)
    }

    /// The score to beat once k documents are kept (a later document must exceed it).
    fn bar(&self) -> Option<f64> {
        self.kept
            .peek()
            .filter(|_| self.kept.len() >= self.k)
            .map(|w| w.score)
    }

    fn cut(&self) -> usize {
        match self.bar() {
            None => self.leaves.len(),
            Some(b) => self.rest.iter().position(|&r| r <= b).unwrap_or(0),
        }
    }

    /// Works until done or until `until` (looked at every few hundred documents).
    pub fn run(&mut self, until: Option<Instant>) -> anyhow::Result<()> {
        let mut visits = 0usize;
        while !self.done {
            if self.segment.is_none() {
                if self.next_segment >= self.searcher.segment_readers().len() {
                    self.done = true;
                    break;
                }
                self.segment = Some(self.enter(self.next_segment)?);
                self.next_segment += 1;
            }
            let Some(mut seg) = self.segment.take() else {
                continue;
            };
            // The walked leaves' scorers first, one at a time: a prefix's can take a
            // while to make (up to 200 posting lists).
            while seg.made < seg.cut {
                let next = seg.made;
                self.make(&mut seg, next)?;
                seg.made += 1;
                if until.is_some_and(|t| Instant::now() >= t) {
                    self.segment = Some(seg);
                    return Ok(());
                }
            }
            let finished = self.walk(&mut seg, until, &mut visits)?;
            if finished {
                // Leaves that left the walk were not followed to their end.
                self.passed_over |= seg.cut < self.leaves.len();
            } else {
                self.segment = Some(seg);
                return Ok(());
            }
        }
        Ok(())
    }

    fn enter(&self, ord: usize) -> anyhow::Result<InSegment> {
        let reader = self.searcher.segment_reader(ord as u32);
        let seg = InSegment {
            ord: ord as u32,
            scorers: (0..self.leaves.len()).map(|_| None).collect(),
            at: vec![0; self.leaves.len()],
            excluded: (self.exclusions.iter())
                .map(|w| w.scorer(reader, 1.0))
                .collect::<tantivy::Result<Vec<_>>>()?,
            cut: self.cut(),
            made: 0,
        };
        Ok(seg)
    }

    fn make(&self, seg: &mut InSegment, i: usize) -> tantivy::Result<()> {
        if seg.scorers[i].is_none() {
            let leaf = &self.leaves[i];
            let scorer = leaf
                .weight
                .scorer(self.searcher.segment_reader(seg.ord), leaf.boost)?;
            seg.at[i] = scorer.doc();
            seg.scorers[i] = Some(scorer);
        }
        Ok(())
    }

    /// Walks one segment; `false` when stopped by the clock before its end.
    fn walk(
        &mut self,
        seg: &mut InSegment,
        until: Option<Instant>,
        visits: &mut usize,
    ) -> anyhow::Result<bool> {
        let reader = self.searcher.segment_reader(seg.ord);
        let alive = reader.alive_bitset().cloned();
        loop {
            let doc = seg.at[..seg.cut].iter().copied().min().unwrap_or(TERMINATED);
            if doc == TERMINATED {
                return Ok(true);
            }
            *visits += 1;
            if visits.is_multiple_of(CLOCK_EVERY) && until.is_some_and(|t| Instant::now() >= t) {
                return Ok(false);
            }
            let to_beat = self.bar();
            let mut score = 0.0f64;
            let mut clauses = 0u64;
            for i in 0..seg.cut {
                if seg.at[i] == doc {
                    if let Some(s) = seg.scorers[i].as_mut() {
                        score += f64::from(s.score());
                    }
                    clauses |= self.leaves[i].clause;
                }
            }
            let mut below = false;
            for i in seg.cut..self.leaves.len() {
                if to_beat.is_some_and(|b| score + self.rest[i] <= b) {
                    below = true;
                    break;
                }
                self.make(seg, i)?;
                let Some(s) = seg.scorers[i].as_mut() else {
                    continue;
                };
                if seg.at[i] < doc {
                    seg.at[i] = s.seek(doc);
                }
                if seg.at[i] == doc {
                    score += f64::from(s.score());
                    clauses |= self.leaves[i].clause;
                }
            }
            self.passed_over |= below;
            let counts = !below
                && clauses == self.all_clauses
                && alive.as_ref().is_none_or(|a| a.is_alive(doc))
                && !is_excluded(&mut seg.excluded, doc);
            if counts {
                self.matched += 1;
                let candidate = Kept {
                    score,
                    address: DocAddress::new(seg.ord, doc),
                };
                if self.kept.len() < self.k {
                    self.kept.push(candidate);
                } else if to_beat.is_some_and(|b| score > b) {
                    self.kept.pop();
                    self.kept.push(candidate);
                }
                seg.cut = self.cut().min(seg.cut);
            }
            for i in 0..seg.cut {
                if seg.at[i] == doc {
                    if let Some(s) = seg.scorers[i].as_mut() {
                        seg.at[i] = s.advance();
                    }
                }
            }
        }
    }
}

/// The best `k` documents of `query`: score, then the earlier document.
pub fn top_k(searcher: &Searcher, query: &dyn TQuery, k: usize) -> anyhow::Result<TopK> {
    let mut search = TopKSearch::new(searcher, query, k)?;
    search.run(None)?;
    Ok(TopK {
        hits: search.best(),
        total: search.total(),
    })
}

fn is_excluded(excluded: &mut [Box<dyn Scorer>], doc: DocId) -> bool {
    excluded.iter_mut().any(|s| {
        if s.doc() < doc {
            s.seek(doc);
        }
        s.doc() == doc
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Library, NotesSource};
    use crate::search::synonyms::join_phrases;
    use crate::search::{parse_query, Analyzer, SearchIndex};

    /// The cut relies on every leaf's bound: no document scores above it. A prefix after
    /// one word scores 1 whatever its weight in tantivy (`PhraseKind::SinglePrefix`); a
    /// tantivy that scores it otherwise fails here.
    #[test]
    fn no_leaf_scores_above_its_bound() {
        let library = Library::load(&NotesSource {
            bundled: true,
            dirs: Vec::new(),
        });
        let index = SearchIndex::build_in_ram(&library, Analyzer::new().unwrap()).unwrap();
        let searcher = index.reader.searcher();
        let scoring = EnableScoring::enabled_from_searcher(&searcher);
        let stats = Stats::new(&searcher);
        let mut prefix_after_a_word = 0;
        for text in [
            "kubernetes",
            "k",
            "クラウド ネ",
            "コンテナ基",
            "監視",
            "tag:k",
            "year:2019",
            "デプロイ",
            "Prometheus G",
            "継続的デリ",
            "speaker:青",
            "event:k",
        ] {
            let query = index.compile(&join_phrases(&parse_query(text), &index.analyzer));
            let found = Plan::new(query.as_ref()).leaves;
            assert!(!found.is_empty(), "{text}");
            for leaf in found {
                let bound = bound(&stats, leaf.query, leaf.boost);
                let weight = leaf.query.weight(scoring).unwrap();
                let mut matched = 0;
                for reader in searcher.segment_readers() {
                    let mut scorer = weight.scorer(reader, leaf.boost).unwrap();
                    while scorer.doc() != TERMINATED {
                        let score = scorer.score();
                        assert!(
                            f64::from(score) <= bound,
                            "{text}: {:?} scores {score} > {bound}",
                            leaf.query
                        );
                        matched += 1;
                        scorer.advance();
                    }
                }
                let single = leaf
                    .query
                    .downcast_ref::<PhrasePrefixQuery>()
                    .is_some_and(|p| p.phrase_terms().len() == 1);
                if single && matched > 0 {
                    prefix_after_a_word += 1;
                }
            }
        }
        assert!(prefix_after_a_word > 0, "a prefix after a word was checked");
    }
}
