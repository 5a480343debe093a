//! What each `search` hit shows and the Markdown its snippet is cut from: from the
//! index's card (`search::card`) and the hit's file when the index is fresh (no note is parsed: a
//! long note would cost its whole parse for one snippet), else from the loaded notes.
//! Each note is read (or parsed) once however many of its sessions are hits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::json::JsonNote;
use crate::core::library::parse_file;
use crate::core::model::Event;
use crate::core::parse::note_text;
use crate::core::scan::NoteFile;
use crate::core::Library;
use crate::search::Hit;

/// One hit as printed: its note's fields, and the Markdown of its session (or overview).
pub struct Shown {
    pub note: JsonNote,
    pub markdown: String,
}

/// Where hits get what they show.
pub trait Shows: Sync {
    /// `None` for a hit whose note is gone or unreadable (it is left out).
    fn shown(&self, hit: &Hit) -> Option<Shown>;
}

/// Values made once per key, from any thread: the first to ask makes it, the others
/// wait for it.
struct Memo<V>(Mutex<HashMap<String, Arc<OnceLock<V>>>>);

impl<V: Clone> Memo<V> {
    fn new() -> Self {
        Memo(Mutex::new(HashMap::new()))
    }

    fn get(&self, key: &str, make: impl FnOnce() -> V) -> V {
        let cell = {
            let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            map.entry(key.to_string()).or_default().clone()
        };
        cell.get_or_init(make).clone()
    }
}

/// Hits of a fresh index (every note unchanged since it was indexed): each printed from
/// its card, its snippet cut from its file where the card says. A note that no longer
/// matches its card (changed within the same second and size) is parsed instead.
pub struct FromCards<'a> {
    files: HashMap<String, &'a NoteFile>,
    texts: Memo<Option<Arc<String>>>,
    parsed: Memo<Option<Arc<Event>>>,
}

impl<'a> FromCards<'a> {
    pub fn new(files: &'a [NoteFile]) -> Self {
        FromCards {
            files: files.iter().map(|f| (f.path.display().to_string(), f)).collect(),
            texts: Memo::new(),
            parsed: Memo::new(),
        }
    }

    fn from_card(&self, hit: &Hit, file: &NoteFile) -> Option<Shown> {
        let card = hit.card.as_ref()?;
        let text = self
            .texts
            .get(&hit.path, || file.read().ok().map(|t| Arc::new(note_text(&t))))?;
        let markdown = card.text_in(&text)?.to_string();
        let note = JsonNote::from_card(card, &hit.session.event, &hit.session.session, file_path(file));
        Some(Shown { note, markdown })
    }

    fn parse(&self, hit: &Hit, file: &NoteFile) -> Option<Shown> {
        let event = self.parsed.get(&hit.path, || {
            let mut event = Arc::unwrap_or_clone(parse_file(file).note.ok()?.event);
            event.id = hit.session.event.clone();
            Some(Arc::new(event))
        })?;
        of_event(&event, hit)
    }
}

impl Shows for FromCards<'_> {
    fn shown(&self, hit: &Hit) -> Option<Shown> {
        let file = self.files.get(&hit.path)?;
        self.from_card(hit, file).or_else(|| self.parse(hit, file))
    }
}

/// Hits of an index just brought up to date: from the loaded notes.
pub struct FromLibrary<'a> {
    library: &'a Library,
    events: Memo<Option<Arc<Event>>>,
}

impl<'a> FromLibrary<'a> {
    pub fn new(library: &'a Library) -> Self {
        FromLibrary {
            library,
            events: Memo::new(),
        }
    }
}

impl Shows for FromLibrary<'_> {
    fn shown(&self, hit: &Hit) -> Option<Shown> {
        let event = self.events.get(&hit.session.event, || {
            let event = self.library.event(&hit.session.event)?;
            Some(Arc::new(self.library.with_text(event).ok()?.into_owned()))
        })?;
        of_event(&event, hit)
    }
}

fn of_event(event: &Event, hit: &Hit) -> Option<Shown> {
    let session = match hit.session.session.as_str() {
        "" => None,
        id => Some(event.session(id)?),
    };
    Some(Shown {
        note: JsonNote::new(event, session),
        markdown: session.map_or(&event.overview, |s| &s.body).clone(),
    })
}

/// The path `--json` gives for a note: its file (a bundled note's path in the source tree).
fn file_path(file: &NoteFile) -> String {
    match file.display.strip_suffix(" (bundled)") {
        Some(path) if file.bundled.is_some() => path.to_string(),
        _ => file.display.clone(),
    }
}
