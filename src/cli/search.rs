//! `confnotes search`: the query run, each hit's snippet made, the hits printed. Over a
//! cache, the search starts on another core while this one scans the note folders (a
//! thousand `stat`s): the dictionary is loaded, the index opened and searched and the
//! snippets cut meanwhile, and the answer is printed only if the scan then finds every
//! note as the index has it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::thread::JoinHandle;

use crossterm::style::Stylize;

use super::hits::{FromCards, Shown, Shows};
use super::json::{self, JsonHit, JsonSpan};
use super::text::highlight;
use super::Format;
use crate::core::model::Warning;
use crate::core::scan::NoteFile;
use crate::printable::line;
use crate::search::{parse_query, Analyzer, Hit, Matcher, SearchIndex, Snippet, Tier};
use crate::store;

/// Up to this many hits, their snippets are made on the searching thread alone (handing
/// one or two over costs more than it saves).
const SNIPPETS_ON_ONE_THREAD: usize = 2;

/// The hits of a query, each with its snippet, in rank order.
pub struct Found {
    hits: Vec<(JsonHit, Snippet)>,
    /// The query was cut at its limit.
    truncated: bool,
}

/// Runs the query; `shows` gives what each hit shows and its Markdown.
pub fn find(index: &SearchIndex, shows: &impl Shows, input: &str, limit: usize) -> anyhow::Result<Found> {
    let mut query = parse_query(input);
    if input.contains("is:") {
        // `is:starred` needs the stars; an unreadable stars file is an error that says so.
        let stars = crate::stars::Stars::load(crate::stars::default_path())?;
        query.starred = stars.pairs();
    }
    let hits = index.search(&query, limit)?;
    crate::timing::mark("searched");
    let matcher = Matcher::new(&query, &index.analyzer);
    crate::timing::mark("matcher compiled");
    let one = |hit: &Hit| {
        let Shown { note, markdown } = shows.shown(hit)?;
        let snippet = matcher.markdown_snippet_of(&markdown, 100);
        super::hits::recycle(markdown);
        let chars_to = |at: usize| snippet.text.get(..at).map_or(0, |t| t.chars().count());
        let matches = snippet
            .spans
            .iter()
            .map(|s| JsonSpan {
                start: chars_to(s.start),
                end: chars_to(s.end),
                text: snippet.text.get(s.clone()).unwrap_or_default().to_string(),
            })
            .collect();
        let json = JsonHit {
            note,
            score: hit.score,
            tier: hit.tier,
            snippet: snippet.text.clone(),
            matches,
        };
        Some((json, snippet))
    };
    // Each hit's snippet is made on its own, shared out among the cores: a page of hits
    // takes one thread a few milliseconds, and the folder scan, which shares the pool,
    // now ends about when the search does (834 large notes: 11.3 -> 10.5 ms a search).
    let hits = if hits.len() <= SNIPPETS_ON_ONE_THREAD {
        hits.iter().filter_map(one).collect()
    } else {
        use rayon::prelude::*;
        hits.par_iter().filter_map(one).collect()
    };
    crate::timing::mark("snippets made");
    Ok(Found {
        hits,
        truncated: query.truncated,
    })
}

/// Prints what [`find`] found for `input`.
pub fn print(
    found: Found,
    input: &str,
    format: Format,
    colour: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    if found.truncated {
        eprintln!(
            "confnotes: note: only the first {} characters ({} words) of the query are used",
            crate::search::query::MAX_QUERY_CHARS,
            crate::search::query::MAX_ATOMS
        );
    }
    if format != Format::Text {
        let hits: Vec<JsonHit> = found.hits.into_iter().map(|(h, _)| h).collect();
        json::hits(&hits, format, out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if found.hits.is_empty() {
        let shown: String = input.chars().take(80).collect();
        let more = if shown.len() < input.len() { "…" } else { "" };
        writeln!(out, "no matches for {:?}{more}", line(&shown))?;
    }
    for (hit, snippet) in &found.hits {
        let partial = match hit.tier {
            Tier::All => "",
            Tier::Event => "  (words spread over the event)",
            Tier::Partial => "  (partial: not every word)",
        };
        let context = (hit.note.context.as_deref()).map_or(String::new(), |c| format!("{c} › "));
        let heading = line(&format!(
            "{} › {context}{}{partial}",
            hit.note.event, hit.note.session
        ))
        .into_owned();
        let id = line(&hit.note.id).into_owned();
        let date = line(&hit.note.date).into_owned();
        let sep = if date.is_empty() { "" } else { "  " };
        if colour {
            writeln!(out, "{}{sep}{}", heading.bold(), date.dark_grey())?;
            writeln!(out, "  {}", id.dark_cyan())?;
        } else {
            writeln!(out, "{heading}{sep}{date}")?;
            writeln!(out, "  {id}")?;
        }
        writeln!(out, "  {}", highlight(snippet, colour))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What the search started before the scan did, if the cache could be opened: its
/// index, what the query found there, and whether a hit could not be shown from its card.
type Ahead = Option<(store::Unchecked, anyhow::Result<Found>, bool)>;

/// A search started over the cache in `dir` before the note folders are scanned.
pub struct Early(JoinHandle<Ahead>);

/// An answer from the cache, or why there is none.
pub enum Answer {
    /// The cache is up to date: the notes' warnings and what was found.
    Fresh(Vec<Warning>, anyhow::Result<Found>),
    /// Something changed (or the cache is missing or damaged): the notes must be
    /// refreshed.
    Stale,
}

impl Early {
    pub fn start(dir: PathBuf, input: String, limit: usize) -> Early {
        Early(std::thread::spawn(move || {
            let analyzer = Analyzer::for_short_texts().ok()?;
            let unchecked = store::open_unchecked(&dir, analyzer)?;
            let shows = FromCards::new(None);
            let found = find(unchecked.index(), &shows, &input, limit);
            let missed = shows.missed();
            Some((unchecked, found, missed))
        }))
    }

    /// The answer, once the scan has found `files`. A hit that could not be shown from
    /// its card (a note changed without its size or time changing) is made again from
    /// the note.
    pub fn answer(self, files: &[NoteFile], input: &str, limit: usize) -> Answer {
        // A panic on the way (a damaged index file that passed the checks) leaves the
        // answer to the refresh, which rebuilds what fails.
        let Ok(Some((unchecked, found, missed))) = self.0.join() else {
            return Answer::Stale;
        };
        let Some((index, warnings)) = unchecked.fresh_for(files) else {
            return Answer::Stale;
        };
        let found = match found {
            Ok(_) if missed => find(&index, &FromCards::new(Some(files)), input, limit),
            found => found,
        };
        Answer::Fresh(warnings, found)
    }
}
