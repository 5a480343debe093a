//! Loads notes from the bundled set and user folders, gives each event a unique id,
//! resolves links between notes and computes backlinks.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bundled::BUNDLED;
use super::model::{quote, Event, LinkTarget, Session, SessionRef, Warning};
use super::parse::{cut_to_limit, parse_note, ParsedNote};
use super::resolve::{all_links, all_links_mut, backlinks, has_scheme, normalize, resolve_links, AnchorMaps};
use super::scan::{read_note_text, scan, NoteFile};
use super::slug::Slugger;
use super::wikilink::NameIndex;

/// Where notes come from.
#[derive(Debug, Clone, Default)]
pub struct NotesSource {
    pub bundled: bool,
    pub dirs: Vec<PathBuf>,
}

/// One note file as parsed, with the stamp it had when read. This is what the cache
/// keeps between runs, so an unchanged file is never read or parsed again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParsedFile {
    pub path: PathBuf,
    pub display: String,
    /// Event id suggested by the path, before it is made unique.
    pub id: String,
    pub bundled: bool,
    pub stamp: FileStamp,
    /// The parsed note, or why the file was skipped.
    pub note: Result<ParsedNote, String>,
}

impl ParsedFile {
    /// The same, without the note's text (overview and session bodies), as the cache
    /// keeps it: read again from its file when needed ([`Library::with_text`]). Parsing
    /// is cheap next to indexing, and a first run over 100,000 notes would otherwise
    /// hold all their text until it ends.
    pub fn without_text(mut self) -> ParsedFile {
        if let Ok(note) = &mut self.note {
            if note.event.has_text {
                let event = Arc::make_mut(&mut note.event);
                event.overview = String::new();
                for session in &mut event.sessions {
                    session.body = String::new();
                }
                event.has_text = false;
            }
        }
        self
    }
}

/// What a file looked like when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub size: u64,
    pub mtime_ns: u128,
    pub hash: u64,
}

impl FileStamp {
    /// Whether `file` is known unchanged without reading it: the same size and mtime
    /// (a bundled note, whose text is at hand, by its hash). When not, the file's hash
    /// decides.
    ///
    /// A file modified in the last few seconds is read all the same: a second save
    /// within the file system's timestamp granularity, of the same size, would leave
    /// size and mtime as they were (git's "racily clean" files).
    pub fn unchanged_unread(&self, file: &NoteFile) -> bool {
        match file.bundled {
            Some(text) => self.size == file.size && self.hash == content_hash(text),
            None => self.size == file.size && self.mtime_ns == file.mtime_ns && !recent(file.mtime_ns),
        }
    }
}

/// Modified less than this long ago (or in the future): its stamp is not trusted.
const RACY: std::time::Duration = std::time::Duration::from_secs(3);

fn recent(mtime_ns: u128) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    mtime_ns + RACY.as_nanos() > now
}

/// Reads and parses one note file (reading errors become the skip message).
pub fn parse_file(file: &NoteFile) -> ParsedFile {
    match file.read() {
        Ok(text) => parse_text(file, &text),
        Err(message) => unreadable(file, message),
    }
}

/// A file that could not be read, kept with the reason.
pub fn unreadable(file: &NoteFile, message: String) -> ParsedFile {
    parsed_file(file, file.size, 0, Err(message))
}

/// Parses a note whose text has been read.
pub fn parse_text(file: &NoteFile, text: &str) -> ParsedFile {
    let note = parse_note(&file.id, &file.display, text, file.path_date.clone()).map_err(|e| e.0);
    // A note read in part keeps the size of its file: with the size of what was read,
    // every scan would find it changed and read it again.
    let size = if cut_to_limit(text).is_some() {
        file.size.max(text.len() as u64)
    } else {
        text.len() as u64
    };
    parsed_file(file, size, content_hash(text), note)
}

fn parsed_file(file: &NoteFile, size: u64, hash: u64, note: Result<ParsedNote, String>) -> ParsedFile {
    ParsedFile {
        path: file.path.clone(),
        display: file.display.clone(),
        id: file.id.clone(),
        bundled: file.bundled.is_some(),
        stamp: FileStamp {
            size,
            mtime_ns: file.mtime_ns,
            hash,
        },
        note,
    }
}

/// Reads and parses files on every core.
pub fn parse_all(files: &[NoteFile]) -> Vec<ParsedFile> {
    files.par_iter().map(parse_file).collect()
}

pub fn content_hash(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

/// All loaded events, with warnings about anything that could not be read or resolved.
#[derive(Debug, Default, Clone)]
pub struct Library {
    /// Newest first. Shared with the parsed files they came from (see [`Library::link`]).
    pub events: Vec<Arc<Event>>,
    pub warnings: Vec<Warning>,
}

impl Library {
    /// Reads and parses every note from `source` (in parallel) and links them. Never
    /// fails: unreadable files become warnings.
    pub fn load(source: &NotesSource) -> Library {
        let (files, warnings) = scan(source.bundled, &source.dirs);
        Library::link(&mut parse_all(&files), warnings)
    }

    /// Makes event ids unique, resolves links and backlinks, and sorts the events.
    /// `warnings` (from scanning) come first.
    ///
    /// The library shares each event with `files`, and an event is copied only where
    /// its id, links or backlinks change: linking again after one file changed costs
    /// little more than walking the links, which is what makes a saved note show up in
    /// the running app at once.
    pub fn link(files: &mut [ParsedFile], warnings: Vec<Warning>) -> Library {
        Library::link_changes(files, warnings).0
    }

    /// [`Library::link`], also saying which of `files` it changed in what the cache
    /// keeps of them (event id, link targets, backlinks): those must be written again
    /// for a cached library to be the linked one.
    pub fn link_changes(files: &mut [ParsedFile], mut warnings: Vec<Warning>) -> (Library, Vec<bool>) {
        let mut changed = vec![false; files.len()];
        // Each linked note with its place in `files`.
        let mut linked: Vec<(&Path, &mut ParsedNote, usize)> = Vec::new();
        // Whether each event already says where it came from (a file linked before): on
        // every core, since for 100,000 notes the walk through their events is most of
        // the cost of linking again after a save.
        let placed: Vec<bool> = files
            .par_iter()
            .map(|f| {
                f.note.as_ref().is_ok_and(|n| {
                    let e = &n.event;
                    e.id == f.id
                        && e.bundled == f.bundled
                        && e.source == f.display
                        && f.path.to_str() == Some(e.file.as_str())
                })
            })
            .collect();
        let mut used_ids = Slugger::with_capacity(files.len());
        for (place, file) in files.iter_mut().enumerate() {
            let ParsedFile {
                path,
                display,
                id: file_id,
                bundled,
                note,
                ..
            } = file;
            let parsed = match note {
                Ok(parsed) => parsed,
                Err(message) => {
                    warnings.push(Warning {
                        file: display.clone(),
                        line: None,
                        message: format!("skipped: {message}"),
                    });
                    continue;
                }
            };
            let id = used_ids.unique_of(Cow::Borrowed(file_id.as_str()));
            if id != file_id.as_str() {
                warnings.push(Warning {
                    file: display.clone(),
                    line: None,
                    message: format!(
                        "event id `{}` is taken by another note; this one is `{}`",
                        quote(file_id),
                        quote(&id)
                    ),
                });
            }
            warnings.extend(parsed.warnings.iter().cloned());
            if placed.get(place) == Some(&true) && id == file_id.as_str() {
                linked.push((&*path, parsed, place));
                continue;
            }
            let e = &parsed.event;
            let same_file = path.to_str() == Some(e.file.as_str());
            if e.id != id || e.bundled != *bundled || e.source != *display || !same_file {
                // Where it came from is not cached (it is the file's): not a change.
                changed[place] |= e.id != id || e.bundled != *bundled;
                let e = Arc::make_mut(&mut parsed.event);
                e.id = id.into_owned();
                e.bundled = *bundled;
                e.source.clone_from(display);
                e.file = path.display().to_string();
            }
            linked.push((&*path, parsed, place));
        }
        // Only notes with relative links need to find other notes by path.
        let relative = |n: &ParsedNote| all_links(&n.event).any(|l| !has_scheme(l.href.trim()));
        let paths: HashMap<Cow<Path>, usize> = if linked.iter().any(|(_, n, _)| relative(n)) {
            linked
                .iter()
                .enumerate()
                .map(|(n, (path, _, _))| (normalize(path), n))
                .collect()
        } else {
            HashMap::new()
        };

        // Links: worked out against every note first, then written where they changed.
        let notes: Vec<&ParsedNote> = linked.iter().map(|(_, n, _)| &**n).collect();
        let mut anchors = AnchorMaps::default();
        // Notes by name, for wiki links and relative links with a wrong folder: made
        // when the first such link is met.
        let names = std::cell::OnceCell::new();
        let names = || {
            names.get_or_init(|| {
                NameIndex::new(
                    linked
                        .iter()
                        .map(|(path, n, _)| (*path, n.event.aliases.as_slice())),
                )
            })
        };
        let resolved: Vec<Option<Vec<LinkTarget>>> = linked
            .iter()
            .map(|(path, note, _)| {
                // Most notes link nowhere: nothing to resolve (or allocate) for them.
                all_links(&note.event).next()?;
                let targets =
                    resolve_links(path, note, (&notes, &paths, &names), &mut anchors, &mut warnings);
                let same = all_links(&note.event).map(|l| &l.target).eq(targets.iter());
                (!same).then_some(targets)
            })
            .collect();
        drop(anchors);
        drop(notes);
        for ((_, note, place), targets) in linked.iter_mut().zip(resolved) {
            if let Some(targets) = targets {
                changed[*place] = true;
                let event = Arc::make_mut(&mut note.event);
                for (link, target) in all_links_mut(event).zip(targets) {
                    link.target = target;
                }
            }
        }

        let mut incoming = backlinks(linked.iter().map(|(_, n, _)| &*n.event));
        // Events some session links to: the others' sessions have no backlinks, found
        // without making a key for each.
        let linked_to: HashSet<String> = incoming.keys().map(|r| r.event.clone()).collect();
        for (_, note, place) in &mut linked {
            if !linked_to.contains(&note.event.id) {
                if note.event.sessions.iter().any(|s| !s.backlinks.is_empty()) {
                    changed[*place] = true;
                    let event = Arc::make_mut(&mut note.event);
                    event.sessions.iter_mut().for_each(|s| s.backlinks.clear());
                }
                continue;
            }
            let wanted = |s: &Session| incoming.get(&SessionRef::new(&note.event.id, &s.id));
            let same = note
                .event
                .sessions
                .iter()
                .all(|s| wanted(s).map_or(s.backlinks.is_empty(), |w| *w == s.backlinks));
            if !same {
                changed[*place] = true;
                let event = Arc::make_mut(&mut note.event);
                for session in &mut event.sessions {
                    session.backlinks = incoming
                        .remove(&SessionRef::new(&event.id, &session.id))
                        .unwrap_or_default();
                }
            }
        }

        let events: Vec<Arc<Event>> = linked.iter().map(|(_, n, _)| Arc::clone(&n.event)).collect();
        (Library::sorted(events, warnings), changed)
    }

    /// The library of files linked before (by [`Library::link_changes`], every change it
    /// made kept): what a warm start shows without linking again. Only where each event
    /// came from, which the cache does not keep, is filled in.
    pub fn linked_before(files: &mut [ParsedFile], warnings: Vec<Warning>) -> Library {
        let events = files
            .iter_mut()
            .filter_map(|file| {
                let note = file.note.as_mut().ok()?;
                let e = Arc::make_mut(&mut note.event);
                e.source.clone_from(&file.display);
                e.file = file.path.display().to_string();
                Some(Arc::clone(&note.event))
            })
            .collect();
        Library::sorted(events, warnings)
    }

    /// Newest first; events without a date last, then by title.
    /// The library's order: newest first; events without a date last, then by title.
    pub fn order(a: &Event, b: &Event) -> std::cmp::Ordering {
        b.dates
            .first()
            .cmp(&a.dates.first())
            .then_with(|| a.title.cmp(&b.title))
    }

    fn sorted(events: Vec<Arc<Event>>, warnings: Vec<Warning>) -> Library {
        // Compared by their first bytes, kept beside them, and only then by the whole
        // strings: sorting 100,000 events by strings behind pointers took 35 ms a save.
        let prefix = |s: &str| {
            let mut bytes = [0u8; 16];
            for (to, from) in bytes.iter_mut().zip(s.as_bytes()) {
                *to = *from;
            }
            u128::from_be_bytes(bytes)
        };
        let mut keyed: Vec<(Option<u128>, u128, Arc<Event>)> = events
            .into_iter()
            .map(|e| (e.dates.first().map(|d| prefix(d)), prefix(&e.title), e))
            .collect();
        keyed.par_sort_by(|(ad, at, a), (bd, bt, b)| {
            bd.cmp(ad)
                .then_with(|| b.dates.first().cmp(&a.dates.first()))
                .then_with(|| at.cmp(bt))
                .then_with(|| a.title.cmp(&b.title))
        });
        debug_assert!(keyed.is_sorted_by(|(_, _, a), (_, _, b)| Library::order(a, b).is_le()));
        Library {
            events: keyed.into_iter().map(|(_, _, e)| e).collect(),
            warnings,
        }
    }

    /// The event with its texts (overview, session bodies): as parsed in this run, or
    /// read again from its file when it came from the cache.
    pub fn with_text<'a>(&self, event: &'a Event) -> Result<Cow<'a, Event>, String> {
        if event.has_text {
            return Ok(Cow::Borrowed(event));
        }
        let text = if event.bundled {
            let name = Path::new(&event.file).file_name().and_then(|n| n.to_str());
            BUNDLED
                .iter()
                .find(|(n, _)| Some(*n) == name)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| "no longer bundled".to_string())?
        } else {
            // As much as the index was made from (see `MAX_NOTE_BYTES`): opening a huge
            // note costs no more than opening one at the limit.
            read_note_text(Path::new(&event.file))
                .map_err(|e| format!("cannot read {}: {e}", event.source))?
        };
        let parsed = Arc::unwrap_or_clone(
            parse_note(&event.id, &event.source, &text, None)
                .map_err(|e| e.0)?
                .event,
        );
        let mut bodies = HashMap::with_capacity(parsed.sessions.len());
        for s in parsed.sessions {
            bodies.entry(s.id).or_insert((s.body, s.body_at));
        }
        let mut full = event.clone();
        full.overview = parsed.overview;
        full.overview_at = parsed.overview_at;
        full.has_text = true;
        for session in &mut full.sessions {
            if let Some((body, at)) = bodies.remove(&session.id) {
                session.body = body;
                session.body_at = at;
            }
        }
        Ok(Cow::Owned(full))
    }

    /// The Markdown of an event's overview (`session` = `None`) or of one session; a
    /// note whose file can no longer be read says so.
    pub fn text(&self, event: &Event, session: Option<&str>) -> String {
        match self.with_text(event) {
            Ok(full) => match session {
                None => full.overview.clone(),
                Some(id) => full.session(id).map(|s| s.body.clone()).unwrap_or_default(),
            },
            Err(e) => format!("*(this note could not be read again: {e})*"),
        }
    }

    pub fn event(&self, id: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.id == id).map(|e| &**e)
    }

    pub fn event_index(&self, id: &str) -> Option<usize> {
        self.events.iter().position(|e| e.id == id)
    }

    /// Finds a session by `event#session`, `event/session`, `event` (the overview),
    /// or a session id alone when it is unique.
    pub fn find(&self, query: &str) -> Option<SessionRef> {
        let query = query.trim();
        if let Some((event, session)) = query.split_once(['#', '/']) {
            let e = self.event(event)?;
            if session.is_empty() {
                return Some(SessionRef::new(&e.id, ""));
            }
            return e.session(session).map(|s| SessionRef::new(&e.id, &s.id));
        }
        if let Some(e) = self.event(query) {
            return Some(SessionRef::new(&e.id, ""));
        }
        let mut found = self
            .events
            .iter()
            .flat_map(|e| e.sessions.iter().map(move |s| (e, s)))
            .filter(|(_, s)| s.id == query);
        match (found.next(), found.next()) {
            (Some((e, s)), None) => Some(SessionRef::new(&e.id, &s.id)),
            _ => None,
        }
    }

    pub fn session_count(&self) -> usize {
        self.events.iter().map(|e| e.sessions.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(name: &str, text: &'static str) -> ParsedFile {
        parse_file(&NoteFile::from_text(&Path::new("root").join(name), text))
    }

    #[test]
    fn links_resolve_and_backlinks_follow() {
        let lib = Library::link(&mut [
            raw("a.md", "# A\n\n## One\n\nsee [two](b.md#two) and [sub](#qa) and [x](https://x.y) [bad](b.md#nope) [img](pic.png)\n\n## Three\n\n### Q&A\n\nq\n"),
            raw("b.md", "# B\n\n## Two\n\nback to [A](a.md)\n"),
        ], Vec::new());
        let a = lib.event("a").unwrap();
        let targets: Vec<&LinkTarget> = a.sessions[0].links.iter().map(|l| &l.target).collect();
        assert_eq!(
            targets,
            [
                &LinkTarget::Note(SessionRef::new("b", "two")),
                &LinkTarget::Note(SessionRef::new("a", "three")),
                &LinkTarget::Web("https://x.y".into()),
                &LinkTarget::Dangling,
                &LinkTarget::File("pic.png".into()),
            ]
        );
        assert_eq!(lib.warnings.len(), 1);
        assert_eq!(lib.warnings[0].line, Some(5));
        let two = lib.event("b").unwrap().session("two").unwrap();
        assert_eq!(two.backlinks, [SessionRef::new("a", "one")]);
        assert_eq!(lib.find("two"), Some(SessionRef::new("b", "two")));
        assert_eq!(lib.find("a#three"), Some(SessionRef::new("a", "three")));
    }

    #[test]
    fn linking_again_after_one_change_copies_only_what_changed() {
        let mut files = vec![
            raw("a.md", "# A\n\n## One\n\nsee [two](b.md#two)\n"),
            raw("b.md", "# B\n\n## Two\n\ntext\n"),
            raw("c.md", "# C\n\n## Three\n\nalone\n"),
        ];
        let first = Library::link(&mut files, Vec::new());
        let again = Library::link(&mut files, Vec::new());
        for (a, b) in first.events.iter().zip(&again.events) {
            assert!(Arc::ptr_eq(a, b), "{} was copied with nothing changed", a.id);
        }
        assert_eq!(
            again.event("b").unwrap().sessions[0].backlinks,
            [SessionRef::new("a", "one")]
        );

        // b's session is renamed: a's link now dangles and the backlink goes; c is untouched.
        files[1] = raw("b.md", "# B\n\n## Zwei\n\ntext\n");
        let after = Library::link(&mut files, Vec::new());
        let a = after.event("a").unwrap();
        assert_eq!(a.sessions[0].links[0].target, LinkTarget::Dangling);
        assert_eq!(after.warnings.len(), 1, "{:?}", after.warnings);
        assert!(after.event("b").unwrap().sessions[0].backlinks.is_empty());
        let shared = |id: &str| {
            let old = first.events.iter().find(|e| e.id == id).unwrap();
            let new = after.events.iter().find(|e| e.id == id).unwrap();
            Arc::ptr_eq(old, new)
        };
        assert!(shared("c"));
        assert!(!shared("a"), "a's link target changed");
        // The earlier library still shows the state it was linked in.
        assert!(matches!(
            first.event("a").unwrap().sessions[0].links[0].target,
            LinkTarget::Note(_)
        ));

        // And back: the link resolves again and the backlink returns.
        files[1] = raw("b.md", "# B\n\n## Two\n\ntext\n");
        let back = Library::link(&mut files, Vec::new());
        assert_eq!(
            back.event("b").unwrap().sessions[0].backlinks,
            [SessionRef::new("a", "one")]
        );
        assert!(back.warnings.is_empty());
    }

    #[test]
    fn a_stamp_taken_just_after_a_save_is_checked_by_content() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let file = |mtime_ns| NoteFile {
            path: PathBuf::from("n.md"),
            display: "n.md".into(),
            id: "n".into(),
            path_date: None,
            size: 10,
            mtime_ns,
            bundled: None,
        };
        let stamp = |mtime_ns| FileStamp {
            size: 10,
            mtime_ns,
            hash: 1,
        };
        let old = now - 60_000_000_000;
        assert!(stamp(old).unchanged_unread(&file(old)));
        assert!(
            !stamp(now).unchanged_unread(&file(now)),
            "saved just now: read it"
        );
        assert!(!stamp(old).unchanged_unread(&file(old + 1)));
    }
}
