//! The command line: `confnotes` (the TUI), `search`, `list`, `show`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use crossterm::style::Stylize;
use serde::Serialize;

use crate::core::library::parse_file;
use crate::core::model::{Event, LinkTarget, Session};
use crate::core::parse::plain_text;
use crate::core::scan::{scan, NoteFile};
use crate::core::{Library, SessionRef, Warning};
use crate::notes::Notes;
use crate::printable::{block, line};
use crate::search::{parse_query, Analyzer, Hit, Matcher, SearchIndex, Snippet};
use crate::store;

/// A terminal reader for tech-event notes, with Japanese full-text search.
#[derive(Debug, Parser)]
#[command(name = "confnotes", version, about, after_help = QUERY_HELP)]
pub struct Cli {
    /// A folder of Markdown notes to read as well (repeatable).
    #[arg(long = "notes", value_name = "DIR", global = true)]
    pub notes: Vec<PathBuf>,
    /// Leave the bundled notes out.
    #[arg(long, global = true)]
    pub no_bundled: bool,
    /// Rebuild the search index of note folders from scratch.
    #[arg(long, global = true)]
    pub rebuild_index: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

const QUERY_HELP: &str = "\
Query syntax (search and the app's search line):
  spinnaker argo       all words must match; the last one also as a prefix (spinn)
  \"継続的デリバリ\"       a phrase
  -jenkins             exclude a word
  argo OR spinnaker    either word
  tag:gitops  speaker:amsy810  event:cndt  year:2019   filters (-tag:x excludes)";

/// The most hits `search` prints: every hit is a file read for its snippet.
const MAX_LIMIT: usize = 10_000;

/// `--limit`: one message for zero, negative, huge and non-numeric values alike.
fn parse_limit(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from 1 to {MAX_LIMIT}")),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Search every note; ranked hits, one per session.
    Search {
        /// The query (words are joined with spaces). A query that starts with `-` goes
        /// after `--`: `confnotes search -- -jenkins spinnaker`.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// At most this many hits (1 to 10000).
        #[arg(long, short = 'n', default_value_t = 20, value_parser = parse_limit, allow_hyphen_values = true)]
        limit: usize,
        /// Print a JSON array instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List events and their sessions.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show one session (or an event's overview) as text, with links and backlinks.
    Show {
        /// `event#session`, `event`, or a session id that is unique.
        id: String,
    },
    /// Show how a text is analysed (tokens, spelling keys, grams) and how it is
    /// understood as a query (clauses, variants, synonyms, prefixes).
    Analyze {
        /// The text or query.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        text: Vec<String>,
    },
}

pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let (source, config_warnings) = crate::config::notes_source(&cli.notes, cli.no_bundled);
    match cli.command {
        None => crate::app::run_tui(source, config_warnings, cli.rebuild_index),
        Some(Command::Analyze { text }) => {
            let analyzer = Analyzer::new()?;
            let text = text.join(" ");
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "As note text:\n{}",
                crate::search::explain::analysis(&analyzer, &text)
            )?;
            writeln!(
                out,
                "As a query:\n{}",
                crate::search::explain::query(&analyzer, &text)
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Some(command) => {
            let cache = crate::config::cache_dir();
            let (files, scan_warnings) = scan(source.bundled, &source.dirs);
            crate::timing::mark("scanned");
            // Buffered: a long listing is one write per block, not per line; flushed in
            // `finish` so that a failed flush is reported (or ignored for a closed pipe).
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            // A search over an unchanged cache needs only the index and the files of its
            // hits: no note is loaded.
            if let (Command::Search { query, limit, json }, Some(cache), false) =
                (&command, &cache, cli.rebuild_index)
            {
                let dir = crate::notes::store_dir(&source, cache);
                if let Some((index, warnings)) = store::fresh_index(&dir, &files, Analyzer::new()?) {
                    crate::timing::mark("fresh index opened");
                    print_warnings(config_warnings.iter().chain(&scan_warnings).chain(&warnings));
                    let by_path: HashMap<String, &NoteFile> =
                        files.iter().map(|f| (f.path.display().to_string(), f)).collect();
                    let note_of = |hit: &Hit| {
                        let file = by_path.get(&hit.path)?;
                        let mut event = std::sync::Arc::unwrap_or_clone(parse_file(file).note.ok()?.event);
                        event.id = hit.session.event.clone();
                        Some(event)
                    };
                    let result = search(&index, note_of, &query.join(" "), *limit, *json, colour, &mut out);
                    crate::timing::mark("output written");
                    return finish(result, &mut out);
                }
            }
            let (notes, _) = Notes::refresh(
                &source,
                None,
                &files,
                scan_warnings,
                cache.as_deref(),
                cli.rebuild_index,
                &mut crate::notes::stderr_progress(),
            )?;
            crate::timing::mark("notes ready");
            print_warnings(config_warnings.iter().chain(&notes.library.warnings));
            let library = &notes.library;
            let result = match command {
                Command::Search { query, limit, json } => {
                    let note_of = |hit: &Hit| {
                        let event = library.event(&hit.session.event)?;
                        Some(library.with_text(event).ok()?.into_owned())
                    };
                    search(
                        &notes.index,
                        note_of,
                        &query.join(" "),
                        limit,
                        json,
                        colour,
                        &mut out,
                    )
                }
                Command::List { json } => list(library, json, colour, &mut out),
                Command::Show { id } => show(library, &id, &mut out),
                Command::Analyze { .. } => Ok(ExitCode::SUCCESS),
            };
            crate::timing::mark("output written");
            finish(result, &mut out)
        }
    }
}

fn finish(result: anyhow::Result<ExitCode>, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let result = result.and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        // A closed pipe (`confnotes list | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => Ok(ExitCode::SUCCESS),
        other => other,
    }
}

/// Whether the error, or anything under it, is a write to a closed pipe: serde_json wraps
/// the `io::Error` in its own type, which a plain downcast misses.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let kind = cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            });
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn print_warnings<'a>(warnings: impl Iterator<Item = &'a Warning>) {
    let mut err = std::io::stderr().lock();
    for w in warnings {
        let _ = writeln!(err, "confnotes: warning: {}", line(&w.to_string()));
    }
}

fn write_json(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    writeln!(out, "{}", crate::printable::json(&text))?;
    Ok(())
}

/// One search hit as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct JsonHit {
    pub event_id: String,
    pub event: String,
    pub session_id: String,
    pub session: String,
    pub date: String,
    pub score: f32,
    pub speakers: Vec<String>,
    pub tags: Vec<String>,
    pub snippet: String,
    /// Matched spans in `snippet`, as character offsets (end exclusive).
    pub matches: Vec<JsonSpan>,
}

#[derive(Debug, Serialize)]
pub struct JsonSpan {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// The session (or overview) a hit points at.
fn resolve<'a>(library: &'a Library, r: &SessionRef) -> Option<(&'a Event, Option<&'a Session>)> {
    let event = library.event(&r.event)?;
    if r.session.is_empty() {
        return Some((event, None));
    }
    Some((event, Some(event.session(&r.session)?)))
}

/// Runs the query; `note_of` gives a hit's event, with its text.
fn search(
    index: &SearchIndex,
    note_of: impl Fn(&Hit) -> Option<Event>,
    input: &str,
    limit: usize,
    json: bool,
    colour: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let query = parse_query(input);
    let hits = index.search(&query, limit)?;
    let matcher = Matcher::new(&query, &index.analyzer);
    let mut results = Vec::new();
    for hit in hits {
        let Some(event) = note_of(&hit) else {
            continue;
        };
        let session = if hit.session.session.is_empty() {
            None
        } else {
            match event.session(&hit.session.session) {
                Some(s) => Some(s),
                None => continue,
            }
        };
        let text = plain_text(session.map_or(&event.overview, |s| &s.body));
        let snippet = Snippet::new(&text, &matcher.find(&text), 100);
        let matches = snippet
            .spans
            .iter()
            .map(|s| JsonSpan {
                start: snippet.text.get(..s.start).map_or(0, |t| t.chars().count()),
                end: snippet.text.get(..s.end).map_or(0, |t| t.chars().count()),
                text: snippet.text.get(s.clone()).unwrap_or_default().to_string(),
            })
            .collect();
        results.push((
            JsonHit {
                event_id: event.id.clone(),
                event: event.title.clone(),
                session_id: hit.session.session.clone(),
                session: session.map_or_else(|| "(overview)".to_string(), |s| s.title.clone()),
                date: event.date_label(),
                score: hit.score,
                speakers: session.map(|s| s.speakers.clone()).unwrap_or_default(),
                tags: session.map_or_else(|| event.tags.clone(), |s| s.tags.clone()),
                snippet: snippet.text.clone(),
                matches,
            },
            snippet,
        ));
    }
    if json {
        let hits: Vec<&JsonHit> = results.iter().map(|(h, _)| h).collect();
        write_json(out, &hits)?;
        return Ok(ExitCode::SUCCESS);
    }
    if results.is_empty() {
        writeln!(out, "no matches for {input:?}")?;
    }
    for (hit, snippet) in &results {
        let heading = line(&format!("{} › {}", hit.event, hit.session)).into_owned();
        let id = line(&if hit.session_id.is_empty() {
            hit.event_id.clone()
        } else {
            format!("{}#{}", hit.event_id, hit.session_id)
        })
        .into_owned();
        if colour {
            writeln!(out, "{}  {}", heading.bold(), line(&hit.date).dark_grey())?;
            writeln!(out, "  {}", id.dark_cyan())?;
        } else {
            writeln!(out, "{heading}  {}", line(&hit.date))?;
            writeln!(out, "  {id}")?;
        }
        writeln!(out, "  {}", highlight(snippet, colour))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn highlight(snippet: &Snippet, colour: bool) -> String {
    if !colour {
        return line(&snippet.text).into_owned();
    }
    // Escaped piece by piece: the spans are offsets into the raw text.
    let piece = |r: std::ops::Range<usize>| line(snippet.text.get(r).unwrap_or_default()).into_owned();
    let mut s = String::new();
    let mut at = 0;
    for span in &snippet.spans {
        s.push_str(&piece(at..span.start));
        s.push_str(&piece(span.clone()).yellow().bold().to_string());
        at = span.end;
    }
    s.push_str(&piece(at..snippet.text.len()));
    s
}

#[derive(Serialize)]
struct JsonEvent<'a> {
    id: &'a str,
    title: &'a str,
    dates: &'a [String],
    venue: Option<&'a str>,
    url: Option<&'a str>,
    tags: &'a [String],
    source: &'a str,
    sessions: Vec<JsonSession<'a>>,
}

#[derive(Serialize)]
struct JsonSession<'a> {
    id: &'a str,
    title: &'a str,
    speakers: &'a [String],
    code: Option<&'a str>,
    tags: &'a [String],
}

fn list(library: &Library, json: bool, colour: bool, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    if json {
        let events: Vec<JsonEvent> = library
            .events
            .iter()
            .map(|e| JsonEvent {
                id: &e.id,
                title: &e.title,
                dates: &e.dates,
                venue: e.venue.as_deref(),
                url: e.url.as_deref(),
                tags: &e.tags,
                source: &e.source,
                sessions: e
                    .sessions
                    .iter()
                    .map(|s| JsonSession {
                        id: &s.id,
                        title: &s.title,
                        speakers: &s.speakers,
                        code: s.code.as_deref(),
                        tags: &s.tags,
                    })
                    .collect(),
            })
            .collect();
        write_json(out, &events)?;
        return Ok(ExitCode::SUCCESS);
    }
    for e in &library.events {
        let head = line(&format!("{}  {}", e.date_label(), e.title)).into_owned();
        let id = line(&e.id);
        if colour {
            writeln!(out, "{}  {}", head.bold(), format!("[{id}]").dark_cyan())?;
        } else {
            writeln!(out, "{head}  [{id}]")?;
        }
        for s in &e.sessions {
            let code = s.code.as_deref().map(|c| format!("{c} ")).unwrap_or_default();
            let speakers = if s.speakers.is_empty() {
                String::new()
            } else {
                format!(" — {}", s.speakers.join(", "))
            };
            writeln!(out, "  {}", line(&format!("{code}{}{speakers}", s.title)))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(library: &Library, id: &str, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let Some(r) = library.find(id) else {
        let mut err = std::io::stderr().lock();
        writeln!(err, "confnotes: no session or event with id {id:?}")?;
        writeln!(
            err,
            "  ids look like `2019-07-cndt#serverless-and-knative`; `confnotes list --json` lists them"
        )?;
        return Ok(ExitCode::from(1));
    };
    let Some((event, _)) = resolve(library, &r) else {
        return Ok(ExitCode::from(1));
    };
    let event = match library.with_text(event) {
        Ok(event) => event,
        Err(e) => {
            eprintln!("confnotes: {}", line(&e.to_string()));
            return Ok(ExitCode::from(1));
        }
    };
    let session = event.session(&r.session);
    writeln!(
        out,
        "{}",
        line(session.map_or(event.title.as_str(), |s| s.title.as_str()))
    )?;
    writeln!(out, "{}", line(&r.to_string()))?;
    writeln!(out)?;
    writeln!(
        out,
        "event:    {}  {}",
        line(&event.title),
        line(&event.date_label())
    )?;
    if let Some(v) = &event.venue {
        writeln!(out, "venue:    {}", line(v))?;
    }
    let (body, links) = match session {
        Some(s) => {
            if let Some(c) = &s.code {
                writeln!(out, "code:     {}", line(c))?;
            }
            if !s.speakers.is_empty() {
                writeln!(out, "speakers: {}", line(&s.speakers.join(", ")))?;
            }
            if let Some(a) = &s.affiliation {
                writeln!(out, "affiliation: {}", line(a))?;
            }
            if !s.tags.is_empty() {
                writeln!(out, "tags:     {}", line(&s.tags.join(", ")))?;
            }
            if let Some(x) = &s.slides {
                writeln!(out, "slides:   {}", line(x))?;
            }
            if let Some(x) = &s.video {
                writeln!(out, "video:    {}", line(x))?;
            }
            (&s.body, &s.links)
        }
        None => {
            if let Some(u) = &event.url {
                writeln!(out, "url:      {}", line(u))?;
            }
            if let Some(rep) = &event.report {
                let parts: Vec<&str> = [&rep.title, &rep.author, &rep.blog, &rep.url]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                writeln!(out, "report:   {}", line(&parts.join(" / ")))?;
            }
            (&event.overview, &event.overview_links)
        }
    };
    writeln!(out)?;
    writeln!(out, "{}", block(body))?;
    if !links.is_empty() {
        writeln!(out, "\nlinks:")?;
        for l in links {
            let target = match &l.target {
                LinkTarget::Note(r) => r.to_string(),
                LinkTarget::Web(u) => u.clone(),
                LinkTarget::File(f) => f.clone(),
                LinkTarget::Dangling | LinkTarget::Unresolved => format!("{} (points nowhere)", l.href),
            };
            writeln!(out, "  {} → {}", line(&l.text), line(&target))?;
        }
    }
    if let Some(s) = session {
        if !s.backlinks.is_empty() {
            writeln!(out, "\nlinked from:")?;
            for b in &s.backlinks {
                let title = resolve(library, b)
                    .map(|(e, s)| format!("{} › {}", e.title, s.map_or("(overview)", |s| s.title.as_str())));
                writeln!(
                    out,
                    "  {}  {}",
                    line(&b.to_string()),
                    line(&title.unwrap_or_default())
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
