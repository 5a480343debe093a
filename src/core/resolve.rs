//! Where links point: a note's links resolved against every loaded note (by path, by
//! name, by heading anchor), and the backlinks that follow from them.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::model::{quote, Event, Link, LinkTarget, SessionRef, Warning};
use super::parse::ParsedNote;
use super::slug::slug;
use super::wikilink::{self, NameIndex};

/// Lexically normalises `a/./b/../c` without touching the file system.
pub(super) fn normalize(path: &Path) -> Cow<'_, Path> {
    if !path
        .components()
        .any(|c| matches!(c, Component::CurDir | Component::ParentDir))
    {
        return Cow::Borrowed(path);
    }
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    Cow::Owned(out)
}

pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

pub(super) fn has_scheme(href: &str) -> bool {
    match href.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && scheme.len() > 1
        }
        None => false,
    }
}

pub(super) fn all_links(event: &Event) -> impl Iterator<Item = &Link> {
    event
        .overview_links
        .iter()
        .chain(event.sessions.iter().flat_map(|s| s.links.iter()))
}

pub(super) fn all_links_mut(event: &mut Event) -> impl Iterator<Item = &mut Link> {
    event
        .overview_links
        .iter_mut()
        .chain(event.sessions.iter_mut().flat_map(|s| s.links.iter_mut()))
}

/// Where each of a note's links points, in `all_links` order; a link to a note that is
/// not there becomes a warning.
/// Every loaded note, by path and (made on first use) by name.
pub(super) type Notes<'a, 'n> = (
    &'a [&'n ParsedNote],
    &'a HashMap<Cow<'a, Path>, usize>,
    &'a dyn Fn() -> &'n NameIndex,
);

pub(super) fn resolve_links<'n>(
    path: &Path,
    note: &'n ParsedNote,
    (notes, paths, names): Notes<'_, 'n>,
    anchors: &mut AnchorMaps<'n>,
    warnings: &mut Vec<Warning>,
) -> Vec<LinkTarget> {
    let event = &note.event;
    let dir = path.parent().unwrap_or(Path::new(""));
    all_links(event)
        .map(|link| {
            let href = link.href.trim();
            if link.wiki {
                return resolve_wiki(path, note, link, (notes, names()), anchors, warnings);
            }
            if has_scheme(href) || href.starts_with("//") {
                return LinkTarget::Web(href.to_string());
            }
            let (file, anchor) = match href.split_once('#') {
                Some((f, a)) => (f, Some(percent_decode(a))),
                None => (href, None),
            };
            let file = percent_decode(file);
            let target = if file.is_empty() {
                Some(note)
            } else {
                let is_note = Path::new(&file)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
                let joined = dir.join(&file);
                let target = normalize(&joined);
                // A note moved to another folder is still found by its unique name.
                let found = paths
                    .get(&*target)
                    .copied()
                    .or_else(|| if is_note { names().unique_file(&file) } else { None })
                    .and_then(|i| notes.get(i).copied());
                // A link to a file that exists but is not a loaded note (a README
                // outside the notes, a PDF) is fine; only missing notes are dangling.
                if found.is_none() && (!is_note || target.is_file()) {
                    return LinkTarget::File(file);
                }
                found
            };
            let session = target.and_then(|t| match anchor.as_deref() {
                None | Some("") => Some(""),
                Some(a) => anchors
                    .session_of(t, a)
                    .or_else(|| anchors.session_of(t, &a.to_lowercase())),
            });
            match (target, session) {
                (Some(t), Some(session)) => LinkTarget::Note(SessionRef::new(&t.event.id, session)),
                _ => {
                    warnings.push(Warning {
                        file: event.source.clone(),
                        line: Some(link.line),
                        message: format!("link `{}` points nowhere", quote(&link.href)),
                    });
                    LinkTarget::Dangling
                }
            }
        })
        .collect()
}

/// A wiki link's target: a note, at the session its heading falls in (the note itself
/// when no heading has that name, as Obsidian opens it), a file (`![[diagram.png]]`),
/// or nothing, with one warning.
fn resolve_wiki<'n>(
    path: &Path,
    note: &'n ParsedNote,
    link: &Link,
    (notes, names): (&[&'n ParsedNote], &NameIndex),
    anchors: &mut AnchorMaps<'n>,
    warnings: &mut Vec<Warning>,
) -> LinkTarget {
    let (name, heading) = wikilink::split_target(&link.href);
    if wikilink::is_attachment(name) {
        return LinkTarget::File(name.to_string());
    }
    let target = if name.is_empty() {
        Some(note)
    } else {
        names.wiki(path, name).and_then(|i| notes.get(i).copied())
    };
    let Some(target) = target else {
        warnings.push(Warning {
            file: note.event.source.clone(),
            line: Some(link.line),
            message: format!("wiki link `[[{}]]` matches no note", quote(&link.href)),
        });
        return LinkTarget::Dangling;
    };
    let session = heading
        .and_then(|h| anchors.session_of(target, &slug(h)))
        .unwrap_or_default();
    LinkTarget::Note(SessionRef::new(&target.event.id, session))
}

/// Finds the session a heading anchor falls in: by a walk through a small note, by a
/// map (made once per linking) in a big one, where a walk per link was quadratic.
#[derive(Default)]
pub(super) struct AnchorMaps<'n> {
    maps: HashMap<*const ParsedNote, HashMap<&'n str, &'n str>>,
}

/// Sessions and anchors a note may have for a walk to beat building a map.
const WALK_ANCHORS: usize = 32;

impl<'n> AnchorMaps<'n> {
    /// The session `anchor` falls in ("" = the overview): a session id first, then the
    /// first heading with that anchor.
    pub(super) fn session_of(&mut self, note: &'n ParsedNote, anchor: &str) -> Option<&'n str> {
        let sessions = &note.event.sessions;
        if sessions.len() + note.anchors.len() <= WALK_ANCHORS {
            return sessions
                .iter()
                .find(|s| s.id == anchor)
                .map(|s| s.id.as_str())
                .or_else(|| {
                    note.anchors
                        .iter()
                        .find(|(a, _)| a == anchor)
                        .map(|(_, s)| s.as_str())
                });
        }
        let map = self.maps.entry(std::ptr::from_ref(note)).or_insert_with(|| {
            let mut map = HashMap::with_capacity(sessions.len() + note.anchors.len());
            for s in sessions {
                map.entry(s.id.as_str()).or_insert(s.id.as_str());
            }
            for (a, s) in &note.anchors {
                map.entry(a.as_str()).or_insert(s.as_str());
            }
            map
        });
        map.get(anchor).copied()
    }
}

/// Which sessions link to each session (overviews are not linked back to).
pub(super) fn backlinks<'a>(events: impl Iterator<Item = &'a Event>) -> HashMap<SessionRef, Vec<SessionRef>> {
    let mut incoming: HashMap<SessionRef, Vec<SessionRef>> = HashMap::new();
    // Pairs already counted: looking through the list for each link was quadratic in
    // the sessions linking to one.
    let mut seen: HashSet<(SessionRef, SessionRef)> = HashSet::new();
    for event in events {
        let from_overview = event
            .overview_links
            .iter()
            .map(|l| (SessionRef::new(&event.id, ""), l));
        let from_sessions = event.sessions.iter().flat_map(|s| {
            s.links
                .iter()
                .map(move |l| (SessionRef::new(&event.id, &s.id), l))
        });
        for (from, link) in from_overview.chain(from_sessions) {
            if let LinkTarget::Note(to) = &link.target {
                if *to != from && !to.session.is_empty() && seen.insert((to.clone(), from.clone())) {
                    incoming.entry(to.clone()).or_default().push(from);
                }
            }
        }
    }
    incoming
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("%E7%A7%98%E5%8C%BF"), "秘匿");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%あい"), "%あい");
    }
}
