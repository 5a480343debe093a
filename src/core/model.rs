//! The note model: events, their sessions, links and loader warnings.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// One event (one note file).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Event {
    /// Stable id from the file name (`2019-07-cndt`).
    pub id: String,
    pub title: String,
    /// Dates as written (`2019-07-22`, or partial: `2019-07`, `2017`), first to last.
    pub dates: Vec<String>,
    pub venue: Option<String>,
    pub url: Option<String>,
    pub tags: Vec<String>,
    /// Other names of the note (Obsidian `aliases`): wiki links find it by them too.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Boxed: most notes have none, and 100,000 events would carry 88 empty bytes each.
    pub report: Option<Box<Report>>,
    /// Where the note came from, for messages (`data/2019-07-cndt.md (bundled)`, a user path).
    #[serde(skip)]
    pub source: String,
    /// The file's path as loaded: the key of its documents in a persistent index.
    #[serde(skip)]
    pub file: String,
    /// Markdown before the first session. Like session bodies, not kept in the cache
    /// (a warm start would have to load every note's text): see [`Event::has_text`].
    #[serde(skip)]
    pub overview: String,
    /// Where `overview` is in the note's text ([`crate::core::parse::note_text`]), as
    /// `Session::body_at`.
    #[serde(skip)]
    pub overview_at: Range<usize>,
    /// Whether `overview` and the sessions' `body` are here (parsed in this run) or
    /// must be read from the file (loaded from the cache): `Library::with_text`.
    #[serde(skip)]
    pub has_text: bool,
    /// A note built into the binary: its text is there, not in a file.
    pub bundled: bool,
    pub overview_links: Vec<Link>,
    pub sessions: Vec<Session>,
}

/// The write-up an event note is based on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub title: Option<String>,
    pub author: Option<String>,
    pub blog: Option<String>,
    pub url: Option<String>,
}

impl Event {
    /// The first four digits of the first date, if any.
    pub fn year(&self) -> Option<u32> {
        self.dates.first().and_then(|d| d.get(..4)?.parse().ok())
    }

    /// `2019-07-22 – 2019-07-23`, `2019-03-26` or an empty string.
    pub fn date_label(&self) -> String {
        match (self.dates.first(), self.dates.last()) {
            (Some(a), Some(b)) if a != b => format!("{a} – {b}"),
            (Some(a), _) => a.clone(),
            _ => String::new(),
        }
    }

    pub fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.iter().find(|s| s.id == id)
    }
}

/// One session: a heading of the event's note and the Markdown under it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Session {
    /// GitHub-style slug of the heading, or its explicit `{#id}`.
    pub id: String,
    pub title: String,
    pub speakers: Vec<String>,
    pub affiliation: Option<String>,
    pub code: Option<String>,
    pub slides: Option<String>,
    pub video: Option<String>,
    pub tags: Vec<String>,
    /// The day or track heading the session sits under (`# 1日目` / `## talk`): shown
    /// with the session, found by `day:` / `track:` and by its words.
    #[serde(default)]
    pub context: Option<String>,
    /// Markdown body, without the heading and the field list (see [`Event::has_text`]).
    #[serde(skip)]
    pub body: String,
    /// Where `body` is in the note's text ([`crate::core::parse::note_text`]): the index
    /// keeps it, so a search hit's snippet is cut from the file without parsing the note
    /// again. Known where `body` is.
    #[serde(skip)]
    pub body_at: Range<usize>,
    /// 1-based line of the heading in the source file.
    pub line: usize,
    pub links: Vec<Link>,
    /// Sessions whose notes link here (filled in by the loader).
    pub backlinks: Vec<SessionRef>,
}

/// A session addressed by ids: stable across reloads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SessionRef {
    pub event: String,
    /// Empty for the event's overview.
    pub session: String,
}

impl SessionRef {
    pub fn new(event: impl Into<String>, session: impl Into<String>) -> Self {
        Self {
            event: event.into(),
            session: session.into(),
        }
    }
}

impl fmt::Display for SessionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.session.is_empty() {
            write!(f, "{}", self.event)
        } else {
            write!(f, "{}#{}", self.event, self.session)
        }
    }
}

/// A Markdown link found in a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub text: String,
    /// The destination as written.
    pub href: String,
    pub line: usize,
    pub target: LinkTarget,
    /// Written as a wiki link (`[[Note]]`, `![[Note]]`): `href` is found by note name.
    #[serde(default)]
    pub wiki: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkTarget {
    /// Another session (or an event's overview, with an empty session id).
    Note(SessionRef),
    /// A web address or anything with a scheme.
    Web(String),
    /// A relative link to something that is not a note (an image, a PDF).
    File(String),
    /// A note link that points nowhere (reported as a warning).
    Dangling,
    /// Not resolved yet (only between parsing and linking).
    Unresolved,
}

/// Something wrong with a note, with the file and line it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// The longest text a warning quotes, in characters: a man page's heading or a pasted
/// paragraph in a link, a key or a value is cut, and the warning stays a line.
pub const QUOTE_CHARS: usize = 80;

/// `text` as a warning quotes it: at most [`QUOTE_CHARS`] characters, the last of them
/// `…` when it is cut.
pub fn quote(text: &str) -> Cow<'_, str> {
    let mut chars = text.char_indices();
    match chars.nth(QUOTE_CHARS - 1) {
        // More than QUOTE_CHARS: the first QUOTE_CHARS - 1 and `…`.
        Some((end, _)) if chars.next().is_some() => {
            Cow::Owned(format!("{}…", text.get(..end).unwrap_or_default()))
        }
        _ => Cow::Borrowed(text),
    }
}

/// A message of several lines (a parser's error quoting the line it stopped on) with
/// each line quoted as by [`quote`].
pub fn quote_lines(text: &str) -> Cow<'_, str> {
    if text.lines().all(|l| matches!(quote(l), Cow::Borrowed(_))) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.lines().map(quote).collect::<Vec<_>>().join("\n"))
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_quote_at_most_a_line() {
        assert_eq!(quote("short"), "short");
        let exact = "字".repeat(QUOTE_CHARS);
        assert_eq!(quote(&exact), exact);
        let long = format!("{}末尾", "見出し".repeat(1000));
        let cut = quote(&long);
        assert_eq!(cut.chars().count(), QUOTE_CHARS);
        assert!(cut.ends_with('…') && cut.starts_with("見出し"), "{cut}");
        let message = format!("error at line 1\n1 | {long}\n  | ^");
        let lines = quote_lines(&message);
        assert_eq!(lines.lines().count(), 3);
        assert!(lines.lines().all(|l| l.chars().count() <= QUOTE_CHARS));
    }
}
