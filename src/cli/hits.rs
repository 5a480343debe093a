//! What each `search` hit shows and the Markdown its snippet is cut from: from the
//! index's card (`search::card`) and the hit's file when the index is fresh (no note is parsed: a
//! long note would cost its whole parse for one snippet), else from the loaded notes.
//! Each note is read (or parsed) once however many of its sessions are hits.

use std::cell::Cell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::json::JsonNote;
use crate::core::bundled::{BUNDLED, BUNDLED_ROOT};
use crate::core::library::parse_file;
use crate::core::model::Event;
use crate::core::parse::note_text;
use crate::core::scan::{read_note_text, NoteFile};
use crate::core::Library;
use crate::search::card::Card;
use crate::search::Hit;

/// One hit as printed: its note's fields, and the Markdown of its session (or overview),
/// as read (see [`crate::search::Matcher::markdown_snippet_of`]).
pub struct Shown {
    pub note: JsonNote,
    pub markdown: Vec<u8>,
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
/// its card, its snippet cut from its note where the card says. A note that no longer
/// matches its card (changed within the same second and size) is parsed instead, given
/// the scanned `files`; without them (a search started before the scan) such a hit is
/// left out and [`FromCards::missed`] says so.
pub struct FromCards<'a> {
    /// By path as the index has it (notes' paths are UTF-8: the scan skips others).
    files: Option<HashMap<&'a str, &'a NoteFile>>,
    texts: Memo<Option<Arc<String>>>,
    parsed: Memo<Option<Arc<Event>>>,
    missed: AtomicBool,
}

/// Where a note's text is.
enum Origin<'a> {
    Bundled(&'static str),
    File(&'a Path),
}

impl<'a> FromCards<'a> {
    pub fn new(files: Option<&'a [NoteFile]>) -> Self {
        FromCards {
            files: files.map(|files| files.iter().filter_map(|f| Some((f.path.to_str()?, f))).collect()),
            texts: Memo::new(),
            parsed: Memo::new(),
            missed: AtomicBool::new(false),
        }
    }

    /// Whether a hit was left out for want of the scanned files.
    pub fn missed(&self) -> bool {
        self.missed.load(Ordering::Relaxed)
    }

    /// Where the note at `path` (as the index has it) is: known from the scan, else a
    /// bundled note's path, else a file. A wrong guess only gives text whose hash is not
    /// the card's.
    fn origin<'p>(&self, path: &'p str) -> Option<Origin<'p>>
    where
        'a: 'p,
    {
        match &self.files {
            Some(files) => {
                let file = files.get(path)?;
                Some(file.bundled.map_or(Origin::File(&file.path), Origin::Bundled))
            }
            None => Some(bundled(path).map_or(Origin::File(Path::new(path)), Origin::Bundled)),
        }
    }

    fn shown_by_card(&self, hit: &Hit, card: &Card) -> Option<Shown> {
        let markdown = self.card_text(card, &hit.path)?;
        // The index's path is the note's as `--json` gives it (a bundled note's path
        // in the source tree).
        let note = JsonNote::from_card(card, &hit.session.event, &hit.session.session, hit.path.clone());
        Some(Shown { note, markdown })
    }

    /// The card's text in its note. Most notes are stored as they are parsed (no BOM, LF
    /// line ends, under the size limit): only the session's bytes are read. Otherwise
    /// the note is read whole and made into the text the parser saw (once per note).
    fn card_text(&self, card: &Card, path: &str) -> Option<Vec<u8>> {
        let origin = self.origin(path)?;
        let part = match origin {
            Origin::Bundled(text) => text.as_bytes().get(card.text_at.clone()).map(<[u8]>::to_vec),
            Origin::File(file) => read_part(file, card.text_at.clone()),
        };
        if let Some(text) = part.filter(|t| card.is_text(t)) {
            return Some(text);
        }
        let whole = self.texts.get(path, || {
            let text = match origin {
                Origin::Bundled(text) => text.to_string(),
                Origin::File(file) => read_note_text(file).ok()?,
            };
            Some(Arc::new(note_text(&text)))
        })?;
        card.text_in(&whole).map(|t| t.as_bytes().to_vec())
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
        if let Some(shown) = hit.card.as_ref().and_then(|card| self.shown_by_card(hit, card)) {
            return Some(shown);
        }
        match &self.files {
            Some(files) => self.parse(hit, files.get(hit.path.as_str())?),
            None => {
                self.missed.store(true, Ordering::Relaxed);
                None
            }
        }
    }
}

/// The text of the bundled note at `path` (`data/x.md`), if there is one.
fn bundled(path: &str) -> Option<&'static str> {
    let name = path.strip_prefix(BUNDLED_ROOT)?.strip_prefix('/')?;
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
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
        markdown: session.map_or(&event.overview, |s| &s.body).as_bytes().to_vec(),
    })
}

thread_local! {
    /// A buffer a hit's text was read into, given back by [`recycle`]: a thread that
    /// reads one long session after another writes into memory it has, not new pages.
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Gives back the buffer of a [`Shown`] once its snippet is made.
pub fn recycle(mut buffer: Vec<u8>) {
    buffer.clear();
    SPARE.set(buffer);
}

/// Bytes `range` of a file, if they are there.
fn read_part(path: &Path, range: Range<usize>) -> Option<Vec<u8>> {
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(range.start as u64)).ok()?;
    let len = range.end.checked_sub(range.start)?;
    let mut bytes = SPARE.take();
    bytes.clear();
    bytes.reserve(len);
    file.take(len as u64).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}
