//! The note pane's document: a session (or an event overview) composed as Markdown with
//! its fields, links out and backlinks, then rendered to wrapped lines.

use crate::core::model::{Event, Session};
use crate::core::{Library, LinkTarget, SessionRef};
use crate::ui::markdown::FOOTNOTES_HERE;

/// Backlinks and session lists use this scheme so they can be followed like any link.
pub const NOTE_SCHEME: &str = "confnotes:";

/// Which note: an event and one of its sessions, or its overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoteKey {
    pub event: usize,
    pub session: Option<usize>,
}

impl NoteKey {
    pub fn to_ref(self, library: &Library) -> Option<SessionRef> {
        let event = library.events.get(self.event)?;
        let session = match self.session {
            Some(i) => event.sessions.get(i)?.id.clone(),
            None => String::new(),
        };
        Some(SessionRef::new(&event.id, session))
    }

    pub fn from_ref(r: &SessionRef, library: &Library) -> Option<NoteKey> {
        let event = library.event_index(&r.event)?;
        if r.session.is_empty() {
            return Some(NoteKey { event, session: None });
        }
        let session = library.events[event]
            .sessions
            .iter()
            .position(|s| s.id == r.session)?;
        Some(NoteKey {
            event,
            session: Some(session),
        })
    }
}

/// A value that may be a URL, a Markdown link, or a bare host name.
fn link_or_text(value: &str) -> String {
    if value.starts_with("http://") || value.starts_with("https://") {
        format!("[{value}]({value})")
    } else {
        value.to_string()
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '_' | '[' | ']' | '`' | '<' | '>' | '#' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn note_href(r: &SessionRef) -> String {
    format!("{NOTE_SCHEME}{r}")
}

fn title_of(library: &Library, r: &SessionRef) -> String {
    match library.event(&r.event) {
        Some(e) if r.session.is_empty() => e.title.clone(),
        Some(e) => match e.session(&r.session) {
            Some(s) => format!("{} › {}", s.title, e.title),
            None => r.to_string(),
        },
        None => r.to_string(),
    }
}

/// The Markdown shown for a note.
pub fn compose(library: &Library, key: NoteKey) -> String {
    let Some(event) = library.events.get(key.event) else {
        return String::new();
    };
    let event = match library.with_text(event) {
        Ok(event) => event,
        Err(e) => {
            return format!(
                "# {}\n\n*(this note could not be read again: {})*\n",
                escape(&event.title),
                escape(&e)
            )
        }
    };
    match key.session.and_then(|i| event.sessions.get(i)) {
        Some(session) => compose_session(library, &event, session),
        None => compose_overview(&event),
    }
}

fn compose_session(library: &Library, event: &Event, s: &Session) -> String {
    let mut md = format!("# {}\n\n", escape(&s.title));
    let mut line = format!("*{}*", escape(&event.title));
    if let Some(context) = &s.context {
        line.push_str(&format!(" › {}", escape(context)));
    }
    let date = event.date_label();
    // A meeting note titled by its date (`2021-06-11/README.md`) says it once.
    if !date.is_empty() && date != event.title {
        line.push_str(&format!(" · {date}"));
    }
    md.push_str(&line);
    md.push_str("\n\n");
    let mut fields = Vec::new();
    if let Some(code) = &s.code {
        fields.push(format!("- **Code**: {}", escape(code)));
    }
    if !s.speakers.is_empty() {
        let mut v = escape(&s.speakers.join(", "));
        if let Some(a) = &s.affiliation {
            v.push_str(&format!(" — {}", escape(a)));
        }
        fields.push(format!("- **Speaker**: {v}"));
    } else if let Some(a) = &s.affiliation {
        fields.push(format!("- **Affiliation**: {}", escape(a)));
    }
    if !s.tags.is_empty() {
        let tags: Vec<String> = s.tags.iter().map(|t| format!("`{t}`")).collect();
        fields.push(format!("- **Tags**: {}", tags.join(" ")));
    }
    if let Some(v) = &s.slides {
        fields.push(format!("- **Slides**: {}", link_or_text(v)));
    }
    if let Some(v) = &s.video {
        fields.push(format!("- **Video**: {}", link_or_text(v)));
    }
    if !fields.is_empty() {
        md.push_str(&fields.join("\n"));
        md.push_str("\n\n");
    }
    md.push_str("---\n\n");
    md.push_str(&s.body);
    md.push_str("\n\n");
    md.push_str(FOOTNOTES_HERE);
    md.push_str("\n\n");
    if !s.backlinks.is_empty() {
        md.push_str("---\n\n**Linked from**\n\n");
        for b in &s.backlinks {
            md.push_str(&format!(
                "- [{}]({})\n",
                escape(&title_of(library, b)),
                note_href(b)
            ));
        }
    }
    push_tag_links(&mut md, s.tags.iter().chain(&event.tags));
    md
}

/// Links on a note's tags: following one searches `tag:X`.
pub const TAG_SCHEME: &str = "confnotes-tag:";

/// The note's tags as links, at the very end so that the numbers of its other links
/// stay as they are.
fn push_tag_links<'a>(md: &mut String, tags: impl Iterator<Item = &'a String>) {
    let mut seen: Vec<&str> = Vec::new();
    let links: Vec<String> = tags
        .filter(|t| {
            !t.chars()
                .any(|c| c.is_control() || matches!(c, '<' | '>' | '`' | '[' | ']'))
        })
        .filter(|t| {
            let new = !seen.contains(&t.as_str());
            seen.push(t);
            new
        })
        .map(|t| format!("[`{t}`](<{TAG_SCHEME}{t}>)"))
        .collect();
    if !links.is_empty() {
        md.push_str("\n---\n\n**Tags** (follow one to search it): ");
        md.push_str(&links.join(" "));
        md.push('\n');
    }
}

fn compose_overview(event: &Event) -> String {
    let mut md = String::new();
    if !event.title.trim().is_empty() {
        md.push_str(&format!("# {}\n\n", escape(&event.title)));
    }
    let mut fields = Vec::new();
    let date = event.date_label();
    if !date.is_empty() {
        fields.push(format!("- **Date**: {date}"));
    }
    if let Some(v) = &event.venue {
        fields.push(format!("- **Venue**: {}", escape(v)));
    }
    if let Some(v) = &event.url {
        fields.push(format!("- **Site**: {}", link_or_text(v)));
    }
    if let Some(r) = &event.report {
        let mut parts: Vec<String> = [&r.title, &r.author, &r.blog]
            .into_iter()
            .flatten()
            .map(|s| escape(s))
            .collect();
        if let Some(u) = &r.url {
            parts.push(link_or_text(u));
        }
        if !parts.is_empty() {
            fields.push(format!("- **Report**: {}", parts.join(" / ")));
        }
    }
    if !event.tags.is_empty() {
        let tags: Vec<String> = event.tags.iter().map(|t| format!("`{t}`")).collect();
        fields.push(format!("- **Tags**: {}", tags.join(" ")));
    }
    fields.push(format!("- **File**: {}", escape(&event.source)));
    md.push_str(&fields.join("\n"));
    md.push_str("\n\n");
    // Rules and headings only around what is there: an event of a title alone is a
    // title and its fields.
    if !event.overview.trim().is_empty() {
        md.push_str("---\n\n");
        md.push_str(&event.overview);
        md.push_str("\n\n");
        md.push_str(FOOTNOTES_HERE);
        md.push_str("\n\n");
    }
    if !event.sessions.is_empty() {
        md.push_str("---\n\n**Sessions**\n\n");
    }
    let mut context = None;
    for s in &event.sessions {
        // Each day or track's talks under its name, as in the file.
        if s.context.is_some() && s.context != context {
            let name = s.context.as_deref().unwrap_or_default();
            md.push_str(&format!("\n**{}**\n\n", escape(name)));
        }
        context.clone_from(&s.context);
        let code = s
            .code
            .as_deref()
            .map(|c| format!("{} ", escape(c)))
            .unwrap_or_default();
        md.push_str(&format!(
            "- {code}[{}]({})\n",
            escape(&s.title),
            note_href(&SessionRef::new(&event.id, &s.id))
        ));
    }
    push_tag_links(&mut md, event.tags.iter());
    md
}

/// What following `href` from the note `key` leads to.
pub fn resolve_href(library: &Library, key: NoteKey, href: &str) -> LinkTarget {
    if let Some(rest) = href.strip_prefix(NOTE_SCHEME) {
        let (event, session) = rest.split_once('#').unwrap_or((rest, ""));
        return LinkTarget::Note(SessionRef::new(event, session));
    }
    let Some(event) = library.events.get(key.event) else {
        return LinkTarget::Dangling;
    };
    let links = match key.session.and_then(|i| event.sessions.get(i)) {
        Some(s) => &s.links,
        None => &event.overview_links,
    };
    if let Some(link) = links.iter().find(|l| l.href == href) {
        return link.target.clone();
    }
    if href.contains("://") || href.starts_with("mailto:") {
        LinkTarget::Web(href.to_string())
    } else {
        LinkTarget::File(href.to_string())
    }
}
