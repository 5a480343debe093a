//! Text output of `search`, `list` and `show`, aligned in terminal columns, every piece of
//! note text escaped (`printable`).

use std::io::Write;
use std::process::ExitCode;

use crossterm::style::Stylize;
use unicode_width::UnicodeWidthStr;

use super::resolve;
use crate::core::model::{Event, LinkTarget, Session};
use crate::core::{Library, SessionRef};
use crate::printable::{block, line};
use crate::search::Snippet;

/// The query syntax, for `--help`: (what you type, what it means).
const QUERY_ROWS: &[(&str, &str)] = &[
    (
        "spinnaker argo",
        "all words must match; the last one also as a prefix (spinn)",
    ),
    ("\"継続的デリバリ\"", "a phrase"),
    ("-jenkins", "exclude a word"),
    ("argo OR spinnaker", "either word"),
    (
        "tag:gitops year:2019",
        "filters: tag: speaker: event: year: day:/track: (-tag:x excludes)",
    ),
];

/// A session id column wider than this is not padded (the title follows it directly).
const MAX_ID_COLUMN: usize = 40;

/// `s` padded with spaces to `width` terminal columns (wide characters count two).
pub fn pad(s: &str, width: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(s.width())));
    out
}

/// `--help`'s table of the query syntax, aligned in terminal columns.
pub fn query_help() -> String {
    let width = QUERY_ROWS.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let mut help = String::from("Query syntax (search and the app's search line):");
    for (k, what) in QUERY_ROWS {
        help.push_str(&format!("\n  {}  {what}", pad(k, width)));
    }
    help
}

/// A snippet on one line, its matches in bold yellow when `colour`.
pub fn highlight(snippet: &Snippet, colour: bool) -> String {
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

/// `Title — speakers`, with the session's code first when it has one, after its day
/// or track (`1日目 › `).
fn session_label(s: &Session) -> String {
    let context = (s.context.as_deref()).map_or(String::new(), |c| format!("{c} › "));
    let code = s.code.as_deref().map(|c| format!("{c} ")).unwrap_or_default();
    let speakers = if s.speakers.is_empty() {
        String::new()
    } else {
        format!(" — {}", s.speakers.join(", "))
    };
    line(&format!("{context}{code}{}{speakers}", s.title)).into_owned()
}

/// An event's sessions, one a line: the id to pass to `show`, then the title.
fn write_sessions(e: &Event, colour: bool, out: &mut impl Write) -> std::io::Result<()> {
    let ids: Vec<String> = e.sessions.iter().map(|s| line(&s.id).into_owned()).collect();
    let width = ids
        .iter()
        .map(|id| id.width())
        .filter(|w| *w <= MAX_ID_COLUMN)
        .max()
        .unwrap_or(0);
    for (s, id) in e.sessions.iter().zip(&ids) {
        let id = pad(id, width);
        if colour {
            writeln!(out, "  {}  {}", id.dark_cyan(), session_label(s))?;
        } else {
            writeln!(out, "  {id}  {}", session_label(s))?;
        }
    }
    Ok(())
}

pub fn list(library: &Library, colour: bool, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let date = |e: &Event| {
        let d = line(&e.date_label()).into_owned();
        if d.is_empty() {
            "undated".to_string()
        } else {
            d
        }
    };
    let width = library.events.iter().map(|e| date(e).width()).max().unwrap_or(0);
    for e in &library.events {
        let head = format!("{}  {}", pad(&date(e), width), line(&e.title));
        let id = line(&e.id);
        if colour {
            writeln!(out, "{}  {}", head.bold(), id.dark_cyan())?;
        } else {
            writeln!(out, "{head}  {id}")?;
        }
        write_sessions(e, colour, out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The labels of `show`'s fields, padded to the widest.
const LABEL_WIDTH: usize = "affiliation: ".len();

fn field(out: &mut impl Write, label: &str, value: &str) -> std::io::Result<()> {
    writeln!(out, "{}{}", pad(&format!("{label}:"), LABEL_WIDTH), line(value))
}

pub fn show(
    library: &Library,
    r: &SessionRef,
    colour: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let Some((event, _)) = resolve(library, r) else {
        return Ok(ExitCode::from(1));
    };
    let event = match library.with_text(event) {
        Ok(event) => event,
        Err(e) => {
            eprintln!("confnotes: {}", line(&e));
            return Ok(ExitCode::from(1));
        }
    };
    let session = event.session(&r.session);
    let title = line(session.map_or(event.title.as_str(), |s| s.title.as_str())).into_owned();
    if colour {
        writeln!(out, "{}", title.bold())?;
        writeln!(out, "{}", line(&r.to_string()).dark_cyan())?;
    } else {
        writeln!(out, "{title}")?;
        writeln!(out, "{}", line(&r.to_string()))?;
    }
    writeln!(out)?;
    let date = event.date_label();
    let sep = if date.is_empty() { "" } else { "  " };
    field(out, "event", &format!("{}{sep}{date}", event.title))?;
    if let Some(v) = &event.venue {
        field(out, "venue", v)?;
    }
    let (body, links) = match session {
        Some(s) => {
            let fields = [
                ("day/track", s.context.clone()),
                ("code", s.code.clone()),
                ("speakers", Some(s.speakers.join(", ")).filter(|x| !x.is_empty())),
                ("affiliation", s.affiliation.clone()),
                ("tags", Some(s.tags.join(", ")).filter(|x| !x.is_empty())),
                ("slides", s.slides.clone()),
                ("video", s.video.clone()),
            ];
            for (label, value) in fields {
                if let Some(value) = value {
                    field(out, label, &value)?;
                }
            }
            (&s.body, &s.links)
        }
        None => {
            if let Some(u) = &event.url {
                field(out, "url", u)?;
            }
            if let Some(rep) = &event.report {
                let parts: Vec<&str> = [&rep.title, &rep.author, &rep.blog, &rep.url]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                field(out, "report", &parts.join(" / "))?;
            }
            (&event.overview, &event.overview_links)
        }
    };
    writeln!(out)?;
    writeln!(out, "{}", block(body))?;
    if session.is_none() && !event.sessions.is_empty() {
        writeln!(out, "\nsessions:")?;
        write_sessions(&event, colour, out)?;
    }
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
                let title = super::title_of(library, b);
                writeln!(out, "  {}  {}", line(&b.to_string()), line(&title))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
