//! Which documents a query returns, in which order: every word in one note first; then
//! notes of an event that holds every word across its sessions; then, while the list
//! has room, the best partial matches, marked as such (Meilisearch's "last" strategy).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query as TQuery};
use tantivy::{DocAddress, Searcher};

use super::index::{fast_u64, SearchIndex};
use super::query::{Atom, Query};
use super::runs::split_runs;
use super::synonyms::join_phrases;

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

pub struct Ranked {
    pub hits: Vec<RankedHit>,
    pub total: usize,
}

/// How many documents per word the fallback looks at.
const FALLBACK_PER_CLAUSE: usize = 300;

/// The fallback runs only while fewer notes than this hold every word.
const FALLBACK_FILL: usize = 50;

pub fn run(index: &SearchIndex, searcher: &Searcher, query: &Query, limit: usize) -> anyhow::Result<Ranked> {
    if query.is_empty() || limit == 0 {
        return Ok(Ranked {
            hits: Vec::new(),
            total: 0,
        });
    }
    let query = &split_runs(&join_phrases(query, &index.analyzer), &index.analyzer);
    let (top, total) = searcher.search(
        &index.compile(query),
        &(TopDocs::with_limit(limit).order_by_score(), Count),
    )?;
    let mut hits: Vec<RankedHit> = top
        .into_iter()
        .map(|(score, address)| RankedHit {
            address,
            score,
            tier: Tier::All,
        })
        .collect();
    // The fallback fills a short list, not a long one: past a screenful of notes with
    // every word, notes with some of them would only be scrolled past.
    let room = limit.min(FALLBACK_FILL).saturating_sub(hits.len());
    if room == 0 || text_clauses(query) < 2 {
        return Ok(Ranked { hits, total });
    }
    let extra = fallback(index, searcher, query, &hits, room)?;
    let total = total + extra.len();
    hits.extend(extra);
    Ok(Ranked { hits, total })
}

/// Documents matched by some text clause (each run with the query's filters and
/// exclusions), grouped by event.
fn fallback(
    index: &SearchIndex,
    searcher: &Searcher,
    query: &Query,
    strict: &[RankedHit],
    room: usize,
) -> anyhow::Result<Vec<RankedHit>> {
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
    let seen: HashSet<DocAddress> = strict.iter().map(|h| h.address).collect();
    // Per document: which word clauses it matched, and the sum of their scores.
    let mut docs: HashMap<DocAddress, (u64, f32)> = HashMap::new();
    let all_words = (1u64 << words.len().min(63)) - 1;
    for (i, word) in words.into_iter().enumerate() {
        let mut parts: Vec<(Occur, Box<dyn TQuery>)> = vec![(Occur::Must, word)];
        parts.extend(required.iter().map(|(o, q)| (*o, q.box_clone())));
        let top = searcher.search(
            &BooleanQuery::new(parts),
            &TopDocs::with_limit(FALLBACK_PER_CLAUSE).order_by_score(),
        )?;
        for (score, address) in top {
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
