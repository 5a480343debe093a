//! The judged relevance sets (tuned and held-out) and the unit both of their users share: a file line belongs to a session.

// Compiled into both the `it` test binary and the `relevance` benchmark (`#[path]`), each of
// which uses only part of it.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use confnotes::core::{Event, Library, NotesSource};
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

/// `tests/relevance/queries.toml` (or `heldout.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuerySet {
    pub query: Vec<Judged>,
}

/// One query and its graded judgments (`event#session` -> 1 or 2; unlisted is 0).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judged {
    pub q: String,
    pub class: String,
    #[serde(default)]
    pub note: Option<String>,
    pub judgments: BTreeMap<String, u8>,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Which judged set: the one search was tuned on, or the held-out one that it must never be
/// tuned against (it tells whether the tuned quality generalises; see README.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Set {
    /// `queries.toml` over the bundled notes plus `tests/fixtures/relevance/`.
    Judged,
    /// `heldout.toml` over `tests/fixtures/heldout/` alone (no bundled notes).
    Heldout,
}

impl Set {
    /// `CONFNOTES_RELEVANCE_SET`: unset, empty or `judged` is the tuned set, `heldout` the other.
    pub fn from_env() -> Result<Set, String> {
        match std::env::var("CONFNOTES_RELEVANCE_SET").as_deref() {
            Err(_) | Ok("") | Ok("judged") => Ok(Set::Judged),
            Ok("heldout") => Ok(Set::Heldout),
            Ok(other) => Err(format!(
                "CONFNOTES_RELEVANCE_SET={other:?}: expected `judged` (the default) or `heldout`"
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Set::Judged => "judged",
            Set::Heldout => "heldout",
        }
    }

    /// The queries file, relative to the crate root.
    pub fn queries_file(self) -> &'static str {
        match self {
            Set::Judged => "tests/relevance/queries.toml",
            Set::Heldout => "tests/relevance/heldout.toml",
        }
    }

    /// The fixture folder, relative to the crate root (as `rg` and `--notes` are given it).
    pub fn fixture_rel(self) -> &'static str {
        match self {
            Set::Judged => "tests/fixtures/relevance",
            Set::Heldout => "tests/fixtures/heldout",
        }
    }

    /// Whether the bundled notes (`data/`) are part of the corpus.
    pub fn bundled(self) -> bool {
        self == Set::Judged
    }

    /// The folders `rg` searches: the bundled notes' sources when they are in the corpus.
    pub fn rg_paths(self) -> Vec<&'static str> {
        if self.bundled() {
            vec!["data", self.fixture_rel()]
        } else {
            vec![self.fixture_rel()]
        }
    }

    pub fn queries(self) -> Vec<Judged> {
        let path = root().join(self.queries_file());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let set: QuerySet = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        set.query
    }

    /// The corpus every query of the set is judged over.
    pub fn library(self) -> Library {
        Library::load(&NotesSource {
            bundled: self.bundled(),
            dirs: vec![root().join(self.fixture_rel())],
        })
    }
}

pub fn fixture_dir() -> PathBuf {
    root().join(Set::Judged.fixture_rel())
}

/// The tuned set's queries.
pub fn queries() -> Vec<Judged> {
    Set::Judged.queries()
}

/// The bundled notes plus the fixture folder: the corpus every query of the tuned set is judged over.
pub fn library() -> Library {
    Set::Judged.library()
}

/// `event#session` as in the judgments (`event#` for the overview).
pub fn id(event: &str, session: &str) -> String {
    format!("{event}#{session}")
}

/// The session holding 1-based `line` of the event's file: lines before the first session
/// (front matter, title, overview) belong to the overview.
pub fn session_at(event: &Event, line: usize) -> String {
    let session = event.sessions.iter().rev().find(|s| s.line <= line);
    id(&event.id, session.map_or("", |s| s.id.as_str()))
}

/// The event's file on disk (bundled notes are compiled from `data/`).
pub fn event_path(event: &Event) -> PathBuf {
    let file = Path::new(&event.file);
    let path = match (event.bundled, file.file_name()) {
        (true, Some(name)) => root().join("data").join(name),
        _ if file.is_relative() => root().join(file),
        _ => file.to_path_buf(),
    };
    path.canonicalize().unwrap_or(path)
}

/// Every `event#session` id of the library, overviews included.
pub fn all_ids(library: &Library) -> BTreeSet<String> {
    library
        .events
        .iter()
        .flat_map(|e| std::iter::once(id(&e.id, "")).chain(e.sessions.iter().map(|s| id(&e.id, &s.id))))
        .collect()
}

/// NFKC, then lowercase: how the rule of issue 10 point 5 compares text.
pub fn fold(text: &str) -> String {
    text.nfkc().collect::<String>().to_lowercase()
}

pub fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c,
            '\u{3005}' | '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
            | '\u{f900}'..='\u{faff}' | '\u{ff66}'..='\u{ff9f}')
    })
}

/// The sessions in which `rg -i -F query` finds a line, in-process (NFKC-folded both sides).
pub fn grep_sessions(library: &Library, query: &str) -> BTreeSet<String> {
    let needle = fold(query);
    let mut found = BTreeSet::new();
    for event in &library.events {
        let path = event_path(event);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (i, line) in text.lines().enumerate() {
            if fold(line).contains(&needle) {
                found.insert(session_at(event, i + 1));
            }
        }
    }
    found
}

/// nDCG@10 with gain 2^rel - 1 over the ranked ids.
pub fn ndcg10(ranked: &[String], judgments: &BTreeMap<String, u8>) -> f64 {
    let gain = |rel: u8| f64::from((1u32 << rel) - 1);
    let discount = |i: usize| (i as f64 + 2.0).log2();
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, id)| gain(judgments.get(id).copied().unwrap_or(0)) / discount(i))
        // A fold from +0.0: an empty f64 sum is -0.0, printed as "-0.00".
        .fold(0.0, |a, b| a + b);
    let mut ideal: Vec<u8> = judgments.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(10)
        .enumerate()
        .map(|(i, &r)| gain(r) / discount(i))
        .sum();
    if idcg > 0.0 {
        dcg / idcg
    } else {
        0.0
    }
}

/// Share of the judged-relevant ids (grade >= 1) found in the top 10.
pub fn recall10(ranked: &[String], judgments: &BTreeMap<String, u8>) -> f64 {
    let relevant: BTreeSet<&String> = judgments
        .iter()
        .filter(|(_, &g)| g >= 1)
        .map(|(id, _)| id)
        .collect();
    if relevant.is_empty() {
        return 0.0;
    }
    let found = ranked.iter().take(10).filter(|id| relevant.contains(id)).count();
    found as f64 / relevant.len() as f64
}
