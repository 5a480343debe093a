//! Which documents a query returns, in which order: every word in one note first; then
//! notes of an event that holds every word across its sessions; then, while the list
//! has room, the best partial matches, marked as such (Meilisearch's "last" strategy).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tantivy::query::{BooleanQuery, Occur, Query as TQuery};
use tantivy::{DocAddress, Searcher};

use super::index::{fast_u64, KeyHit, SearchIndex};
use super::query::{Atom, Query};
use super::runs::split_runs;
use super::synonyms::join_phrases;
use super::topk::{Stats, TopKSearch};

/// How a hit matched the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Every word (and filter) in this note.
    #[default]
    All,
    /// Every word in its event, spread over its notes; this note has some of them.
    Event,
    /// Not every word anywhere: this note has some of them.
    Partial,
}

pub struct RankedHit {
    pub address: DocAddress,
    pub score: f32,
    pub tier: Tier,
}

#[derive(Default)]
pub struct Ranked {
    pub hits: Vec<RankedHit>,
    /// How many documents match in all, when it is known without scoring them all
    /// (see [`TopKSearch`]): `None` means more than the hits, uncounted.
    pub total: Option<usize>,
}

impl Ranked {
    /// The hits as [`note_key`](super::note_key)s (a fast field: no stored document is
    /// read), with their scores and tiers.
    pub fn key_hits(&self, searcher: &Searcher) -> anyhow::Result<Vec<KeyHit>> {
        let mut columns = HashMap::new();
        let mut keys = Vec::with_capacity(self.hits.len());
        for hit in &self.hits {
            if let Some(key) = fast_u64(searcher, &mut columns, "key", hit.address)? {
                keys.push((key, hit.score, hit.tier));
            }
        }
        Ok(keys)
    }
}

/// How many documents per word the fallback looks at.
const FALLBACK_PER_CLAUSE: usize = 300;

/// The fallback runs only while fewer notes than this hold every word.
const FALLBACK_FILL: usize = 50;

/// A ranking that can stop and go on later (see [`TopKSearch`]): the strict tier first,
/// then, if it is short, the fallback's searches, one word at a time.
pub struct Ranking {
    query: Query,
    limit: usize,
    strict: TopKSearch,
    fallback: Option<Fallback>,
    done: bool,
    stats: Arc<Stats>,
}

/// The fallback's searches: each word with the query's filters and exclusions.
struct Fallback {
    room: usize,
    words: Vec<TopKSearch>,
}

impl Ranking {
    pub fn new(
        index: &SearchIndex,
        searcher: &Searcher,
        query: &Query,
        limit: usize,
    ) -> anyhow::Result<Ranking> {
        Ranking::with_stats(index, &Stats::new(searcher), query, limit)
    }

    /// As [`Self::new`], over the searcher of `stats` (kept from keystroke to keystroke
    /// while the index stays the same) and with its counts.
    pub fn with_stats(
        index: &SearchIndex,
        stats: &Arc<Stats>,
        query: &Query,
        limit: usize,
    ) -> anyhow::Result<Ranking> {
        let query = split_runs(&join_phrases(query, &index.analyzer), &index.analyzer);
        let limit = if query.is_empty() { 0 } else { limit };
        Ok(Ranking {
            strict: TopKSearch::with_stats(stats, index.compile(&query).as_ref(), limit)?,
            query,
            limit,
            fallback: None,
            done: false,
            stats: Arc::clone(stats),
        })
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The query as it is run (phrases joined): what counting its hits must count.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Works until done, or until `until` has passed.
    pub fn run(&mut self, index: &SearchIndex, until: Option<Instant>) -> anyhow::Result<()> {
        self.strict.run(until)?;
        if !self.strict.is_done() {
            return Ok(());
        }
        if self.fallback.is_none() {
            // The fallback fills a short list, not a long one: past a screenful of notes
            // with every word, notes with some of them would only be scrolled past.
            let room = self
                .limit
                .min(FALLBACK_FILL)
                .saturating_sub(self.strict.best().len());
            if room == 0 || text_clauses(&self.query) < 2 {
                self.done = true;
                return Ok(());
            }
            self.fallback = Some(Fallback {
                room,
                words: fallback_searches(index, &self.stats, &self.query)?,
            });
        }
        if let Some(fallback) = &mut self.fallback {
            for word in &mut fallback.words {
                word.run(until)?;
                if !word.is_done() {
                    return Ok(());
                }
            }
        }
        self.done = true;
        Ok(())
    }

    /// The hits so far (all of them once done).
    pub fn ranked(&self, searcher: &Searcher) -> anyhow::Result<Ranked> {
        let mut hits: Vec<RankedHit> = (self.strict.best().into_iter())
            .map(|(score, address)| RankedHit {
                address,
                score,
                tier: Tier::All,
            })
            .collect();
        let mut total = self.strict.total();
        if let Some(fallback) = self.fallback.as_ref().filter(|_| self.done) {
            let extra = fallback_hits(searcher, &fallback.words, &hits, fallback.room)?;
            total = total.map(|t| t + extra.len());
            hits.extend(extra);
        }
        Ok(Ranked { hits, total })
    }
}

pub fn run(index: &SearchIndex, searcher: &Searcher, query: &Query, limit: usize) -> anyhow::Result<Ranked> {
    let mut ranking = Ranking::new(index, searcher, query, limit)?;
    ranking.run(index, None)?;
    ranking.ranked(searcher)
}

/// One search per word clause, each with the query's filters and exclusions.
fn fallback_searches(index: &SearchIndex, stats: &Stats, query: &Query) -> anyhow::Result<Vec<TopKSearch>> {
    let mut required: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
    let mut words = Vec::new();
    for clause in &query.clauses {
        let Some(q) = index.clause(clause, &query.starred) else {
            continue;
        };
        if clause.iter().all(|a| matches!(a, Atom::Text(_))) {
            words.push(q);
        } else {
            required.push((Occur::Must, q));
        }
    }
    required.extend(index.exclusions(query));
    let mut searches = Vec::with_capacity(words.len());
    for word in words {
        let mut parts: Vec<(Occur, Box<dyn TQuery>)> = vec![(Occur::Must, word)];
        parts.extend(required.iter().map(|(o, q)| (*o, q.box_clone())));
        let query = BooleanQuery::new(parts);
        searches.push(TopKSearch::with_stats(stats, &query, FALLBACK_PER_CLAUSE)?);
    }
    Ok(searches)
}

/// Documents matched by some word clause (not already strict hits), grouped by event:
/// those whose event holds every word first, then the best partial matches.
fn fallback_hits(
    searcher: &Searcher,
    words: &[TopKSearch],
    strict: &[RankedHit],
    room: usize,
) -> anyhow::Result<Vec<RankedHit>> {
    let seen: HashSet<DocAddress> = strict.iter().map(|h| h.address).collect();
    // Per document: which word clauses it matched, and the sum of their scores.
    let mut docs: HashMap<DocAddress, (u64, f32)> = HashMap::new();
    let all_words = (1u64 << words.len().min(63)) - 1;
    for (i, word) in words.iter().enumerate() {
        for (score, address) in word.best() {
            let entry = docs.entry(address).or_insert((0, 0.0));
            entry.0 |= 1 << i.min(63);
            entry.1 += score;
        }
    }
    let mut columns = HashMap::new();
    let mut by_event: HashMap<u64, u64> = HashMap::new();
    let mut event_of = HashMap::new();
    for (&address, &(mask, _)) in &docs {
        if let Some(event) = fast_u64(searcher, &mut columns, "event_key", address)? {
            *by_event.entry(event).or_default() |= mask;
            event_of.insert(address, event);
        }
    }
    let mut event_hits: Vec<RankedHit> = Vec::new();
    let mut partial: Vec<(u32, RankedHit)> = Vec::new();
    for (address, (mask, score)) in docs {
        if seen.contains(&address) {
            continue;
        }
        let whole_event = event_of
            .get(&address)
            .and_then(|e| by_event.get(e))
            .is_some_and(|m| m & all_words == all_words);
        if whole_event {
            event_hits.push(RankedHit {
                address,
                score,
                tier: Tier::Event,
            });
        } else {
            partial.push((
                mask.count_ones(),
                RankedHit {
                    address,
                    score,
                    tier: Tier::Partial,
                },
            ));
        }
    }
    event_hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
    let mut out: Vec<RankedHit> = event_hits;
    // Then, while there is room, notes with most of the words, marked partial: a reader
    // who typed three words wants the note with two of them rather than nothing.
    partial.sort_by(|(ca, a), (cb, b)| {
        cb.cmp(ca)
            .then(b.score.total_cmp(&a.score))
            .then(a.address.cmp(&b.address))
    });
    out.extend(partial.into_iter().map(|(_, h)| h));
    out.truncate(room);
    Ok(out)
}

fn text_clauses(query: &Query) -> usize {
    query
        .clauses
        .iter()
        .filter(|c| c.iter().all(|a| matches!(a, Atom::Text(_))))
        .count()
}
