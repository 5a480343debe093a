//! A library with a few changed notes put in place before the whole is linked again:
//! what the app draws the moment a note is saved in a folder of 100,000, while the
//! linking of every note (ids, every backlink, warnings) follows.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::library::{Library, ParsedFile};
use super::model::Event;
use super::parse::ParsedNote;
use super::resolve::{all_links, all_links_mut, has_scheme, normalize, resolve_links, AnchorMaps};
use super::wikilink::NameIndex;

/// `previous` (a linked library) with the note of each `files[i]` in place of the event
/// `old` it replaces, for each `(i, old)` of `changed`: the note keeps the old event's
/// id (ids come from paths, and no file came or went), gets its links resolved against
/// every note of `files`, and the backlinks its sessions had (by session id). Backlinks
/// its new links give other notes, and the warnings, wait for the whole linking.
/// `None` when a changed file is not a note or its old event is not in `previous`.
pub fn patched(
    previous: &Library,
    files: &[ParsedFile],
    changed: &[(usize, &Arc<Event>)],
) -> Option<Library> {
    let mut fresh: HashMap<usize, (ParsedNote, usize)> = HashMap::new();
    for &(i, old) in changed {
        let file = files.get(i)?;
        let mut note = file.note.as_ref().ok()?.clone();
        let place = previous.events.iter().position(|e| Arc::ptr_eq(e, old))?;
        let event = Arc::make_mut(&mut note.event);
        event.id.clone_from(&old.id);
        event.bundled = file.bundled;
        event.source.clone_from(&file.display);
        event.file = file.path.display().to_string();
        // Link targets carried over here are resolved anew below.
        carry_over(old, event);
        fresh.insert(i, (note, place));
    }
    let targets = resolve_changed(files, &fresh);
    let mut events = previous.events.clone();
    for (i, (mut note, place)) in fresh {
        if let Some(targets) = targets.get(&i) {
            let event = Arc::make_mut(&mut note.event);
            for (link, target) in all_links_mut(event).zip(targets.iter().cloned()) {
                link.target = target;
            }
        }
        let moved = events
            .get(place)
            .is_some_and(|old| Library::order(old, &note.event).is_ne());
        if moved {
            events.remove(place);
            let at = events.partition_point(|e| Library::order(e, &note.event).is_le());
            events.insert(at, note.event);
        } else if let Some(slot) = events.get_mut(place) {
            *slot = note.event;
        }
    }
    Some(Library {
        events,
        warnings: previous.warnings.clone(),
    })
}

/// The link targets of the changed notes that have links, resolved as the whole
/// linking does (its warnings are its own to give).
fn resolve_changed(
    files: &[ParsedFile],
    fresh: &HashMap<usize, (ParsedNote, usize)>,
) -> HashMap<usize, Vec<super::model::LinkTarget>> {
    let with_links: Vec<usize> = fresh
        .iter()
        .filter(|(_, (note, _))| all_links(&note.event).next().is_some())
        .map(|(&i, _)| i)
        .collect();
    if with_links.is_empty() {
        return HashMap::new();
    }
    // Every note, the changed ones as they are now, in the whole linking's order.
    let linked: Vec<(&Path, &ParsedNote)> = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let note = match fresh.get(&i) {
                Some((note, _)) => note,
                None => f.note.as_ref().ok()?,
            };
            Some((f.path.as_path(), note))
        })
        .collect();
    let notes: Vec<&ParsedNote> = linked.iter().map(|(_, n)| *n).collect();
    let relative = with_links.iter().any(|i| {
        fresh
            .get(i)
            .is_some_and(|(n, _)| all_links(&n.event).any(|l| !has_scheme(l.href.trim())))
    });
    let paths: HashMap<std::borrow::Cow<Path>, usize> = if relative {
        linked
            .iter()
            .enumerate()
            .map(|(n, (path, _))| (normalize(path), n))
            .collect()
    } else {
        HashMap::new()
    };
    let names = OnceCell::new();
    let names =
        || names.get_or_init(|| NameIndex::new(linked.iter().map(|(p, n)| (*p, n.event.aliases.as_slice()))));
    let mut anchors = AnchorMaps::default();
    let mut warnings = Vec::new();
    with_links
        .into_iter()
        .filter_map(|i| {
            let (note, _) = fresh.get(&i)?;
            let path = files.get(i)?.path.as_path();
            let targets = resolve_links(path, note, (&notes, &paths, &names), &mut anchors, &mut warnings);
            Some((i, targets))
        })
        .collect()
}

/// `front` (the first events of a library as the last run left it) with each changed
/// note of `changed` (as parsed now, with the event id its documents carry) in its
/// place, or in the place its date and title give it: what the app draws before the
/// whole cache is read. The note keeps its old event's backlinks, and the targets of
/// links it still has; a new link is resolved with the whole linking.
pub fn front_patched(front: &Library, changed: Vec<(ParsedFile, String)>) -> Library {
    let mut events = front.events.clone();
    for (file, id) in changed {
        let Ok(note) = file.note else {
            continue; // a note that no longer parses: said by the whole update
        };
        let mut event = note.event;
        let e = Arc::make_mut(&mut event);
        e.id = id;
        e.bundled = file.bundled;
        e.source = file.display;
        e.file = file.path.display().to_string();
        if let Some(at) = events.iter().position(|old| old.file == e.file) {
            let old = events.remove(at);
            carry_over(&old, e);
        }
        let at = events.partition_point(|other| Library::order(other, e).is_le());
        events.insert(at, event);
    }
    Library {
        events,
        warnings: front.warnings.clone(),
    }
}

/// What linking gave `old` that its new version `new` keeps until linked again: the
/// backlinks of each session still there, the target of each link still there.
fn carry_over(old: &Event, new: &mut Event) {
    for session in &mut new.sessions {
        if let Some(was) = old.sessions.iter().find(|s| s.id == session.id) {
            session.backlinks.clone_from(&was.backlinks);
        }
    }
    let targets: HashMap<(&str, bool), &super::model::LinkTarget> = all_links(old)
        .map(|l| ((l.href.as_str(), l.wiki), &l.target))
        .collect();
    for link in all_links_mut(new) {
        if let Some(target) = targets.get(&(link.href.as_str(), link.wiki)) {
            link.target = (*target).clone();
        }
    }
}
