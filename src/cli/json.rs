//! The one JSON schema of `search`, `list` and `show` (`--json`, `--jsonl`): the README
//! documents it field by field, and a test fails when a field goes missing.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::Format;
use crate::core::model::{Event, LinkTarget, Session};
use crate::core::{Library, SessionRef};
use crate::search::card::Card;
use crate::search::Tier;

/// A session, or an event's overview (`session_id` empty), wherever one is printed.
#[derive(Debug, Serialize)]
pub struct JsonNote {
    /// `event#session`, or the event's id for its overview: what `show` takes.
    pub id: String,
    pub event_id: String,
    pub event: String,
    pub session_id: String,
    pub session: String,
    /// The day or track heading the session sits under (`1日目`), if any.
    pub context: Option<String>,
    pub date: String,
    pub speakers: Vec<String>,
    pub tags: Vec<String>,
    /// The note's file, as loaded (bundled notes: their path in the source tree).
    pub path: String,
    /// 1-based line of the session's heading (1 for an overview).
    pub line: usize,
    /// The slides, if the note links them.
    pub url: Option<String>,
}

impl JsonNote {
    pub fn new(event: &Event, session: Option<&Session>) -> JsonNote {
        let session_id = session.map_or("", |s| s.id.as_str());
        JsonNote::from_card(
            &Card::new(event, session),
            &event.id,
            session_id,
            note_path(event),
        )
    }

    /// From what the index stores of a session (or overview, `session_id` empty): a
    /// search hit is printed without its note being parsed, the same as from the note.
    pub fn from_card(card: &Card, event_id: &str, session_id: &str, path: String) -> JsonNote {
        JsonNote {
            id: match session_id {
                "" => event_id.to_string(),
                s => format!("{event_id}#{s}"),
            },
            event_id: event_id.to_string(),
            event: card.event_title.clone(),
            session_id: session_id.to_string(),
            session: card.title.clone(),
            context: card.context.clone(),
            date: card.date.clone(),
            speakers: card.speakers.clone(),
            tags: card.tags.clone(),
            path,
            line: card.line,
            url: card.slides.clone(),
        }
    }
}

/// The note's file: a bundled note's is named for messages (`… (bundled)`), but it is
/// its path in the source tree.
fn note_path(event: &Event) -> String {
    match event.file.strip_suffix(" (bundled)") {
        Some(path) if event.bundled => path.to_string(),
        _ => event.file.clone(),
    }
}

/// One search hit: the note, its score and a snippet of plain text.
#[derive(Debug, Serialize)]
pub struct JsonHit {
    #[serde(flatten)]
    pub note: JsonNote,
    pub score: f32,
    /// How it matched: every word here, every word in its event, or some words.
    pub tier: Tier,
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

#[derive(Serialize)]
struct JsonEvent {
    id: String,
    title: String,
    date: String,
    dates: Vec<String>,
    venue: Option<String>,
    url: Option<String>,
    tags: Vec<String>,
    path: String,
    sessions: Vec<JsonNote>,
}

impl JsonEvent {
    fn new(e: &Event) -> JsonEvent {
        JsonEvent {
            id: e.id.clone(),
            title: e.title.clone(),
            date: e.date_label(),
            dates: e.dates.clone(),
            venue: e.venue.clone(),
            url: e.url.clone(),
            tags: e.tags.clone(),
            path: note_path(e),
            sessions: e.sessions.iter().map(|s| JsonNote::new(e, Some(s))).collect(),
        }
    }
}

/// `show --json`: the note, its fields and text, where its links go, what links to it,
/// and for an event its sessions.
#[derive(Serialize)]
struct JsonShow {
    #[serde(flatten)]
    note: JsonNote,
    venue: Option<String>,
    code: Option<String>,
    affiliation: Option<String>,
    video: Option<String>,
    /// The Markdown text.
    text: String,
    links: Vec<JsonLink>,
    /// Ids of the notes that link here.
    backlinks: Vec<String>,
    /// An event's sessions (empty for a session).
    sessions: Vec<JsonNote>,
}

#[derive(Serialize)]
struct JsonLink {
    text: String,
    /// A note's id, a URL, a file, or null when it points nowhere.
    target: Option<String>,
}

/// Writes pretty JSON with the characters serde leaves raw escaped (see `printable::json`).
pub fn write_json(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    writeln!(out, "{}", crate::printable::json(&text))?;
    Ok(())
}

/// One compact object on one line.
pub fn write_jsonl(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string(value)?;
    writeln!(out, "{}", crate::printable::json(&text))?;
    Ok(())
}

pub fn hits(hits: &[JsonHit], format: Format, out: &mut impl Write) -> anyhow::Result<()> {
    if format == Format::Jsonl {
        return hits.iter().try_for_each(|h| write_jsonl(out, h));
    }
    write_json(out, &hits)
}

pub fn list(library: &Library, format: Format, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    if format == Format::Jsonl {
        for e in &library.events {
            write_jsonl(out, &JsonNote::new(e, None))?;
            for s in &e.sessions {
                write_jsonl(out, &JsonNote::new(e, Some(s)))?;
            }
        }
    } else {
        let events: Vec<JsonEvent> = library.events.iter().map(|e| JsonEvent::new(e)).collect();
        write_json(out, &events)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(library: &Library, r: &SessionRef, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let Some(event) = library.event(&r.event) else {
        return Ok(ExitCode::from(1));
    };
    let event = match library.with_text(event) {
        Ok(event) => event,
        Err(e) => {
            eprintln!("confnotes: {}", crate::printable::line(&e));
            return Ok(ExitCode::from(1));
        }
    };
    let session = event.session(&r.session);
    let links = session.map_or(&event.overview_links, |s| &s.links);
    let value = JsonShow {
        note: JsonNote::new(&event, session),
        venue: event.venue.clone(),
        code: session.and_then(|s| s.code.clone()),
        affiliation: session.and_then(|s| s.affiliation.clone()),
        video: session.and_then(|s| s.video.clone()),
        text: session.map_or_else(|| event.overview.clone(), |s| s.body.clone()),
        links: links
            .iter()
            .map(|l| JsonLink {
                text: l.text.clone(),
                target: match &l.target {
                    LinkTarget::Note(r) => Some(r.to_string()),
                    LinkTarget::Web(u) => Some(u.clone()),
                    LinkTarget::File(f) => Some(f.clone()),
                    LinkTarget::Dangling | LinkTarget::Unresolved => None,
                },
            })
            .collect(),
        backlinks: session
            .map(|s| s.backlinks.iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
        sessions: match session {
            Some(_) => Vec::new(),
            None => event
                .sessions
                .iter()
                .map(|s| JsonNote::new(&event, Some(s)))
                .collect(),
        },
    };
    write_json(out, &value)?;
    Ok(ExitCode::SUCCESS)
}
