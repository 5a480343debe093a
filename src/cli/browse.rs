//! `speakers`, `tags` and `starred`: the notes by person, by topic and by star.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::json::JsonNote;
use super::{resolve, Format};
use crate::core::browse::{speakers, tags};
use crate::core::{Library, SessionRef};
use crate::printable::line;
use crate::stars::Stars;

#[derive(Serialize)]
struct JsonSpeaker {
    key: String,
    name: String,
    spellings: Vec<String>,
    sessions: Vec<JsonNote>,
}

#[derive(Serialize)]
struct JsonTag {
    tag: String,
    count: usize,
    sessions: Vec<JsonNote>,
}

fn notes(library: &Library, refs: &[SessionRef]) -> Vec<JsonNote> {
    refs.iter()
        .filter_map(|r| resolve(library, r))
        .map(|(e, s)| JsonNote::new(e, s))
        .collect()
}

fn write_json<T: Serialize>(items: &[T], format: Format, out: &mut impl Write) -> anyhow::Result<()> {
    if format == Format::Jsonl {
        for item in items {
            serde_json::to_writer(&mut *out, item)?;
            writeln!(out)?;
        }
    } else {
        serde_json::to_writer_pretty(&mut *out, items)?;
        writeln!(out)?;
    }
    Ok(())
}

fn write_sessions(library: &Library, refs: &[SessionRef], out: &mut impl Write) -> anyhow::Result<()> {
    for r in refs {
        if let Some((event, session)) = resolve(library, r) {
            let title = session.map_or("(overview)", |s| s.title.as_str());
            writeln!(
                out,
                "  {}  {}  {}",
                line(&r.to_string()),
                line(title),
                line(&event.date_label())
            )?;
        }
    }
    Ok(())
}

/// Every speaker, with their sessions across events.
pub fn list_speakers(library: &Library, format: Format, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let all = speakers(library);
    if format != Format::Text {
        let items: Vec<JsonSpeaker> = all
            .into_iter()
            .map(|s| JsonSpeaker {
                sessions: notes(library, &s.sessions),
                key: s.key,
                name: s.name,
                spellings: s.spellings,
            })
            .collect();
        write_json(&items, format, out)?;
        return Ok(ExitCode::SUCCESS);
    }
    for s in &all {
        let n = s.sessions.len();
        writeln!(
            out,
            "{}  ({n} session{})",
            line(&s.name),
            if n == 1 { "" } else { "s" }
        )?;
        write_sessions(library, &s.sessions, out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Every tag with its count of sessions.
pub fn list_tags(library: &Library, format: Format, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let all = tags(library);
    if format != Format::Text {
        let items: Vec<JsonTag> = all
            .into_iter()
            .map(|(tag, refs)| JsonTag {
                count: refs.len(),
                sessions: notes(library, &refs),
                tag,
            })
            .collect();
        write_json(&items, format, out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = all
        .iter()
        .map(|(_, r)| r.len().to_string().len())
        .max()
        .unwrap_or(1);
    for (tag, refs) in &all {
        writeln!(out, "{:>width$}  {}", refs.len(), line(tag))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The starred sessions; stars whose note is gone are listed apart (and kept).
pub fn list_starred(
    library: &Library,
    stars: &Stars,
    format: Format,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let (found, gone) = stars.resolve(library);
    for id in &gone {
        eprintln!(
            "confnotes: starred {} is in no loaded note (kept in the stars file)",
            line(id)
        );
    }
    if format != Format::Text {
        write_json(&notes(library, &found), format, out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if found.is_empty() && gone.is_empty() {
        writeln!(
            out,
            "no starred sessions (star one with `confnotes star ID` or `s` in the app)"
        )?;
    }
    write_sessions(library, &found, out)?;
    Ok(ExitCode::SUCCESS)
}
