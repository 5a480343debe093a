//! The live search line: its text and cursor, the parsed query, and the results grouped
//! by event, re-run on every keystroke. The work a keystroke does is bounded: a big
//! library's search goes on (and its hits are counted) while the keyboard is idle.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::query::{EnableScoring, Scorer, Weight};
use tantivy::{DocSet, Searcher, TERMINATED};

use super::note::NoteKey;
use super::App;
use crate::search::query::{Atom, FilterKind};
use crate::search::rank::{Ranked, Ranking};
use crate::search::topk::Stats;
use crate::search::{parse_query, Matcher, Query, SearchIndex, Tier};

/// The panes list the best hits only: fetching thousands of hits on every keystroke
/// is what would make typing lag on a big folder.
pub const LIVE_LIMIT: usize = 300;

#[derive(Default)]
pub struct LiveSearch {
    pub input: String,
    /// Byte offset of the cursor in `input`.
    pub cursor: usize,
    /// The search line has the keyboard.
    pub editing: bool,
    pub query: Query,
    pub matcher: Option<Matcher>,
    /// What `tag:` and `speaker:` filters ask for, marked in the note like matches.
    pub filter_marks: Vec<String>,
    /// `None` when no query is active (the lists show everything).
    pub results: Option<Results>,
    /// How long the last query took, in milliseconds (shown on the status line).
    pub last_ms: f64,
    /// The starred sessions, for `is:starred`.
    pub starred: Vec<(String, String)>,
    /// Finding in the open note only: matches are marked there, the lists stay whole.
    pub in_note: bool,
    /// Bumped whenever `results` change (the terminal loop redraws after idle work then).
    pub revision: u64,
    pub limits: Limits,
    /// The search still being worked on (a big library).
    job: Option<Job>,
    /// Its hits being counted, once it is done.
    counting: Option<Counting>,
    /// The index's term counts, kept while the index stays the same: a query typed a
    /// letter at a time asks for mostly the same terms on every keystroke.
    stats: Option<Arc<Stats>>,
}

/// Index note keys ([`crate::search::note_key`]) to notes of the library: sorted pairs
/// (16 bytes a note, a third of a hash map's memory) found through their first 16 bits
/// (the keys are hashes, spread evenly): two memory reads a lookup, as a hash map.
#[derive(Debug, Default)]
pub struct NoteKeys {
    keys: Vec<(u64, u32, u32)>,
    /// starts[b]: the first pair whose key's top 16 bits are `b` or more.
    starts: Vec<u32>,
}

impl NoteKeys {
    /// From (key, note) pairs, in any order.
    pub fn new(keys: impl Iterator<Item = (u64, NoteKey)>) -> NoteKeys {
        let mut keys: Vec<(u64, u32, u32)> = keys
            .filter_map(|(k, n)| {
                let event = u32::try_from(n.event).ok()?;
                // 0: the event's overview; s + 1: its session s.
                let session = match n.session {
                    None => 0,
                    Some(s) => u32::try_from(s).ok()?.checked_add(1)?,
                };
                Some((k, event, session))
            })
            .collect();
        // Stable: a patched list is mostly in order already (see `replace_events`).
        keys.sort_by_key(|(k, _, _)| *k);
        keys.shrink_to_fit();
        let mut starts = Vec::with_capacity((1 << 16) + 1);
        let mut i = 0usize;
        for bucket in 0..=(1u64 << 16) {
            while keys.get(i).is_some_and(|(k, _, _)| (k >> 48) < bucket) {
                i += 1;
            }
            starts.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        NoteKeys { keys, starts }
    }

    /// The keys of the events at places `events` replaced by `added` (keys of events at
    /// those places).
    pub fn replace_events(&mut self, events: &[usize], added: impl Iterator<Item = (u64, NoteKey)>) {
        let old = std::mem::take(&mut self.keys);
        let kept = old
            .into_iter()
            .filter(|(_, e, _)| !events.contains(&(*e as usize)));
        let again = NoteKeys::new(
            kept.map(|(k, e, s)| {
                let note = NoteKey {
                    event: e as usize,
                    session: s.checked_sub(1).map(|s| s as usize),
                };
                (k, note)
            })
            .chain(added),
        );
        *self = again;
    }

    pub fn get(&self, key: u64) -> Option<NoteKey> {
        let bucket = (key >> 48) as usize;
        let from = *self.starts.get(bucket)? as usize;
        let to = *self.starts.get(bucket + 1)? as usize;
        let run = self.keys.get(from..to)?;
        let i = run.binary_search_by_key(&key, |(k, _, _)| *k).ok()?;
        let (_, event, session) = *run.get(i)?;
        Some(NoteKey {
            event: event as usize,
            session: session.checked_sub(1).map(|s| s as usize),
        })
    }
}

/// Hits grouped by event; events ordered by their best hit, sessions by score.
#[derive(Debug, Default, Clone)]
pub struct Results {
    /// Every matching note; `None` until counted (a big result is counted while the
    /// keyboard is idle, see [`LiveSearch::step`]).
    pub total: Option<usize>,
    /// The best ones, listed in the panes (at most `LIVE_LIMIT`).
    pub shown: usize,
    pub by_event: Vec<(usize, Vec<(NoteKey, f32)>)>,
    /// Some hits hold the words only across their event, or only some of the words.
    pub partial: bool,
    /// The query was cut to its first part (too long).
    pub truncated: bool,
    /// `false` while the search is still going on: the best hits found so far.
    pub complete: bool,
}

impl Results {
    pub fn for_event(&self, event: usize) -> Option<&[(NoteKey, f32)]> {
        self.by_event
            .iter()
            .find(|(e, _)| *e == event)
            .map(|(_, hits)| hits.as_slice())
    }
}

impl LiveSearch {
    pub fn is_active(&self) -> bool {
        self.results.is_some()
    }

    pub fn insert(&mut self, text: &str) {
        // Control characters (a pasted newline, a tab) and bidi overrides become spaces.
        let clean: String = text
            .chars()
            .map(|c| if crate::printable::is_unsafe(c) { ' ' } else { c })
            .collect();
        self.input.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    pub fn backspace(&mut self) {
        if let Some((i, _)) = self.input[..self.cursor].char_indices().next_back() {
            self.input.replace_range(i..self.cursor, "");
            self.cursor = i;
        }
    }

    pub fn delete(&mut self) {
        if let Some(c) = self.input[self.cursor..].chars().next() {
            self.input
                .replace_range(self.cursor..self.cursor + c.len_utf8(), "");
        }
    }

    pub fn delete_word(&mut self) {
        let before = &self.input[..self.cursor];
        let trimmed = before.trim_end();
        let start = trimmed.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        self.input.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    pub fn left(&mut self) {
        if let Some((i, _)) = self.input[..self.cursor].char_indices().next_back() {
            self.cursor = i;
        }
    }

    pub fn right(&mut self) {
        if let Some(c) = self.input[self.cursor..].chars().next() {
            self.cursor += c.len_utf8();
        }
    }

    pub fn clear(&mut self) {
        self.input.clear();
        self.cursor = 0;
        self.editing = false;
        self.query = Query::default();
        self.matcher = None;
        self.filter_marks.clear();
        self.results = None;
        self.in_note = false;
        self.job = None;
        self.counting = None;
    }

    /// Byte ranges to mark in a note's text: the query's words, and the tags and
    /// speakers its filters name (a search of filters only marks something too).
    pub fn marks(&self, text: &str) -> Vec<Range<usize>> {
        let mut found = self.matcher.as_ref().map(|m| m.find(text)).unwrap_or_default();
        for want in &self.filter_marks {
            found.extend(find_ignoring_case(text, want));
        }
        found
    }

    /// Re-runs the query for the current input: a few milliseconds of it now, the rest
    /// (on a big library) a step at a time while the keyboard is idle (see [`Self::step`]).
    pub fn run(&mut self, index: &SearchIndex, keys: &NoteKeys) {
        let started = Instant::now();
        self.job = None;
        self.counting = None;
        self.query = parse_query(&self.input);
        self.query.starred = self.starred.clone();
        if self.in_note {
            let matcher = Matcher::new(&self.query, &index.analyzer);
            self.matcher = (!matcher.is_empty()).then_some(matcher);
            self.results = None;
            return;
        }
        if self.query.is_empty() {
            self.matcher = None;
            self.results = None;
            self.last_ms = 0.0;
            return;
        }
        self.filter_marks = (self.query.clauses.iter().flatten())
            .filter_map(|a| match a {
                Atom::Filter(f) if !f.negated && matches!(f.kind, FilterKind::Tag | FilterKind::Speaker) => {
                    Some(f.term.text.clone())
                }
                _ => None,
            })
            .filter(|t| !t.is_empty())
            .collect();
        let matcher = Matcher::new(&self.query, &index.analyzer);
        self.matcher = (!matcher.is_empty()).then_some(matcher);
        let searcher = index.reader.searcher();
        let stats = match &self.stats {
            Some(stats) if stats.is_for(&searcher) => Arc::clone(stats),
            _ => Arc::clone(self.stats.insert(Stats::new(&searcher))),
        };
        // A failing query (it should not happen) shows as no results, never a crash.
        match Ranking::with_stats(index, &stats, &self.query, self.limits.hits) {
            Ok(ranking) => {
                // A small library is searched whole on the keystroke (and the same way
                // every time: tests see whole results).
                let until = (searcher.num_docs() > self.limits.whole_search_docs)
                    .then(|| started + self.limits.keystroke);
                self.job = Some(Job { ranking, searcher });
                self.work(index, keys, until, true);
            }
            Err(_) => self.show(Ranked::default(), None, true, keys),
        }
        self.last_ms = started.elapsed().as_secs_f64() * 1000.0;
    }

    /// Whether a search or a count is still being worked on.
    pub fn has_work(&self) -> bool {
        self.job.is_some() || self.counting.is_some()
    }

    /// Works on what is left for a short while; true if the results changed (the
    /// search finished, or its hits were counted).
    pub fn step(&mut self, index: &SearchIndex, keys: &NoteKeys) -> bool {
        let until = Instant::now() + STEP_BUDGET;
        if self.job.is_some() {
            return self.work(index, keys, Some(until), false);
        }
        let Some(counting) = &mut self.counting else {
            return false;
        };
        match counting.run(until) {
            Ok(Some(total)) => {
                if let Some(results) = &mut self.results {
                    results.total = Some(total);
                }
                self.revision += 1;
                self.counting = None;
                true
            }
            Ok(None) => false,
            Err(_) => {
                self.counting = None;
                false
            }
        }
    }

    /// Runs the search until `until`; shows what it has when done, or with `first` (the
    /// keystroke's step) the best so far. True when done.
    fn work(&mut self, index: &SearchIndex, keys: &NoteKeys, until: Option<Instant>, first: bool) -> bool {
        let Some(job) = &mut self.job else { return false };
        let ran = job.ranking.run(index, until);
        let done = ran.is_err() || job.ranking.is_done();
        // Only the first step and the last change what is shown: steps in between
        // would make the lists flicker while they settle.
        if !(done || first) {
            return false;
        }
        let ranked: Ranked = ran
            .and_then(|()| job.ranking.ranked(&job.searcher))
            .unwrap_or_default();
        let searcher = job.searcher.clone();
        if done {
            // A big result was not counted on the way: counted now, while idle.
            if ranked.total.is_none() {
                self.counting = Counting::new(index, &searcher, job.ranking.query()).ok();
            }
            self.job = None;
        }
        self.show(ranked, Some(&searcher), done, keys);
        done
    }

    /// Groups hits by event for the panes.
    fn show(&mut self, ranked: Ranked, searcher: Option<&Searcher>, complete: bool, keys: &NoteKeys) {
        let hits = searcher.and_then(|s| ranked.key_hits(s).ok()).unwrap_or_default();
        let mut by_event: Vec<(usize, Vec<(NoteKey, f32)>)> = Vec::new();
        let mut slot: HashMap<usize, usize> = HashMap::new();
        let partial = hits.iter().any(|(_, _, tier)| *tier != Tier::All);
        for (note, score, _) in &hits {
            // A hit the library does not know (an index still catching up) is left out.
            let Some(key) = keys.get(*note) else {
                continue;
            };
            let i = *slot.entry(key.event).or_insert_with(|| {
                by_event.push((key.event, Vec::new()));
                by_event.len() - 1
            });
            by_event[i].1.push((key, *score));
        }
        if !self.query.has_text() {
            // Filters alone rank nothing: list like the unfiltered panes, newest event
            // first and sessions in their order.
            by_event.sort_by_key(|(event, _)| *event);
            for (_, hits) in &mut by_event {
                hits.sort_by_key(|(key, _)| key.session.map_or(0, |s| s + 1));
            }
        }
        self.revision += 1;
        self.results = Some(Results {
            total: ranked.total.filter(|_| complete),
            shown: hits.len(),
            by_event,
            partial,
            truncated: self.query.truncated,
            complete,
        });
    }
}

/// Up to this many documents (about 5,000 notes) a keystroke searches the whole index.
pub const WHOLE_SEARCH_DOCS: u64 = 20_000;

/// How much live search lists, and up to what size of index a keystroke searches it
/// whole (tests lower them to see the steps on a small index).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub hits: usize,
    pub whole_search_docs: u64,
    pub keystroke: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            hits: LIVE_LIMIT,
            whole_search_docs: WHOLE_SEARCH_DOCS,
            keystroke: KEYSTROKE_BUDGET,
        }
    }
}

/// How long a keystroke may search a bigger index before the screen is drawn; the rest
/// of the search goes on while the keyboard is idle. Typing never waits for a big library.
pub const KEYSTROKE_BUDGET: Duration = Duration::from_micros(1500);

/// How long one idle step works: a key pressed meanwhile waits at most this long.
pub const STEP_BUDGET: Duration = Duration::from_millis(1);

/// The search being worked on, with the index state it started on.
struct Job {
    ranking: Ranking,
    searcher: Searcher,
}

/// Counting every document that holds every word, a segment piece at a time.
struct Counting {
    searcher: Searcher,
    weight: Box<dyn Weight>,
    segment: usize,
    scorer: Option<Box<dyn Scorer>>,
    total: usize,
}

impl Counting {
    /// Counting the documents of `query` as the ranking ran it.
    fn new(index: &SearchIndex, searcher: &Searcher, query: &Query) -> anyhow::Result<Counting> {
        let weight = index
            .compile(query)
            .weight(EnableScoring::disabled_from_searcher(searcher))?;
        Ok(Counting {
            searcher: searcher.clone(),
            weight,
            segment: 0,
            scorer: None,
            total: 0,
        })
    }

    /// Counts until done (the total) or until `until` has passed (`None`).
    fn run(&mut self, until: Instant) -> anyhow::Result<Option<usize>> {
        let mut seen = 0usize;
        loop {
            if self.scorer.is_none() {
                if self.segment >= self.searcher.segment_readers().len() {
                    return Ok(Some(self.total));
                }
                self.scorer = Some(
                    self.weight
                        .scorer(self.searcher.segment_reader(self.segment as u32), 1.0)?,
                );
            }
            let reader = self.searcher.segment_reader(self.segment as u32);
            let alive = reader.alive_bitset();
            let Some(scorer) = &mut self.scorer else { continue };
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    self.total += 1;
                }
                seen += 1;
                doc = scorer.advance();
                if seen.is_multiple_of(256) && Instant::now() >= until {
                    return Ok(None);
                }
            }
            self.scorer = None;
            self.segment += 1;
        }
    }
}

impl App {
    /// Whether a search or a count is still going on: the terminal loop sends
    /// [`Action::Continue`] while nothing else is waiting.
    pub fn has_work(&self) -> bool {
        self.search.has_work()
    }

    /// One idle step of the search; the lists are rebuilt when it finishes, the reader's
    /// place kept if they moved meanwhile.
    pub(super) fn continue_search(&mut self) {
        let keys = self.keys.get_or_init(|| super::keys_of(&self.notes.library));
        let had = self.search.results.as_ref().map(|r| r.complete);
        if !self.search.step(&self.notes.index, keys) || had != Some(false) {
            return;
        }
        let moved = (self.events.selected > 0)
            .then(|| self.events.current().map(|r| r.event))
            .flatten();
        self.rebuild_events();
        if let Some(i) = moved.and_then(|e| self.events.rows.iter().position(|r| r.event == e)) {
            self.select_event(i);
            self.rebuild_sessions();
        }
    }
}

/// Where `want` occurs in `text`, ASCII letters compared without case.
fn find_ignoring_case(text: &str, want: &str) -> Vec<Range<usize>> {
    if !want.is_ascii() {
        return text.match_indices(want).map(|(i, m)| i..i + m.len()).collect();
    }
    let (hay, needle) = (text.as_bytes(), want.as_bytes());
    let mut out = Vec::new();
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        if hay
            .get(i..i + needle.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(needle))
        {
            out.push(i..i + needle.len());
            i += needle.len();
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{find_ignoring_case, NoteKey, NoteKeys};

    #[test]
    fn note_keys_find_every_note_and_nothing_else() {
        let notes: Vec<(u64, NoteKey)> = (0..5000u64)
            .map(|i| {
                let key = crate::search::note_key(&format!("event-{}", i / 4), &format!("s{}", i % 4));
                let session = (i % 4 != 0).then_some((i % 4) as usize);
                (
                    key,
                    NoteKey {
                        event: (i / 4) as usize,
                        session,
                    },
                )
            })
            .collect();
        let keys = NoteKeys::new(notes.iter().copied());
        for (key, note) in &notes {
            assert_eq!(keys.get(*key), Some(*note));
        }
        assert_eq!(keys.get(crate::search::note_key("no such", "note")), None);
        assert_eq!(keys.get(0), None);
        assert_eq!(keys.get(u64::MAX), None);
        assert_eq!(NoteKeys::default().get(1), None);
    }

    #[test]
    fn note_keys_of_replaced_events_are_theirs_and_the_others_stay() {
        let key = |e: usize, s: usize| crate::search::note_key(&format!("e{e}"), &format!("s{s}"));
        let note = |event: usize, s: usize| NoteKey {
            event,
            session: (s > 0).then_some(s - 1),
        };
        let all = (0..300).flat_map(|e| (0..3).map(move |s| (key(e, s), note(e, s))));
        let mut keys = NoteKeys::new(all);
        // Event 7 lost its last session and gained another; event 9 is as it was.
        let added = [
            (key(7, 0), note(7, 0)),
            (key(7, 1), note(7, 1)),
            (key(70, 5), note(7, 2)),
        ];
        keys.replace_events(
            &[7, 9],
            added.into_iter().chain((0..3).map(|s| (key(9, s), note(9, s)))),
        );
        assert_eq!(keys.get(key(7, 2)), None, "gone with the old event 7");
        assert_eq!(keys.get(key(70, 5)), Some(note(7, 2)));
        assert_eq!(keys.get(key(7, 1)), Some(note(7, 1)));
        for e in (0..300).filter(|&e| e != 7) {
            for s in 0..3 {
                assert_eq!(keys.get(key(e, s)), Some(note(e, s)), "event {e}");
            }
        }
    }

    #[test]
    fn filter_words_are_found_without_case() {
        let text = "GitOps と gitops、ＧｉｔＯｐｓ";
        let found: Vec<&str> = find_ignoring_case(text, "gitops")
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(found, ["GitOps", "gitops"]);
        assert_eq!(find_ignoring_case("秘匿情報", "匿情").len(), 1);
    }
}
