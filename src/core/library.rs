//! Loads notes from the bundled set and user folders, gives each event a unique id,
//! resolves links between notes and computes backlinks.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use super::bundled::{BUNDLED, BUNDLED_ROOT};
use super::model::{Event, LinkTarget, SessionRef, Warning};
use super::parse::{date_part, parse_note};
use super::slug::Slugger;

/// Where notes come from.
#[derive(Debug, Clone, Default)]
pub struct NotesSource {
    pub bundled: bool,
    pub dirs: Vec<PathBuf>,
}

/// A raw note before parsing: its text and where it lives.
#[derive(Debug, Clone)]
pub struct RawNote {
    /// Path used for link resolution: `data/x.md` or an absolute user path.
    pub path: PathBuf,
    /// The name in messages.
    pub display: String,
    pub text: String,
    /// Event id suggested by the path.
    pub id: String,
    pub path_date: Option<String>,
    /// Modification time in nanoseconds since the epoch (0 for bundled notes).
    pub mtime_ns: u128,
}

/// All loaded events, with warnings about anything that could not be read or resolved.
#[derive(Debug, Default)]
pub struct Library {
    /// Newest first.
    pub events: Vec<Event>,
    pub warnings: Vec<Warning>,
}

impl Library {
    /// Loads every note from `source`. Never fails: unreadable files become warnings.
    pub fn load(source: &NotesSource) -> Library {
        let (raw, warnings) = collect(source);
        Library::from_raw_with_warnings(raw, warnings)
    }

    /// Like `from_raw`, with warnings from collecting the files put first.
    pub fn from_raw_with_warnings(raw: Vec<RawNote>, mut warnings: Vec<Warning>) -> Library {
        let mut library = Library::from_raw(raw);
        warnings.append(&mut library.warnings);
        library.warnings = warnings;
        library
    }

    /// Parses, dedups ids, resolves links and backlinks.
    pub fn from_raw(raw: Vec<RawNote>) -> Library {
        let mut warnings = Vec::new();
        let mut events = Vec::new();
        let mut paths: HashMap<PathBuf, usize> = HashMap::new();
        let mut anchors: Vec<HashMap<String, String>> = Vec::new();
        let mut used_ids = Slugger::default();
        for note in raw {
            let id = used_ids.unique(note.id.clone());
            if id != note.id {
                warnings.push(Warning {
                    file: note.display.clone(),
                    line: None,
                    message: format!(
                        "event id `{}` is taken by another note; this one is `{id}`",
                        note.id
                    ),
                });
            }
            match parse_note(&id, &note.display, &note.text, note.path_date.clone()) {
                Ok(parsed) => {
                    warnings.extend(parsed.warnings);
                    paths.insert(normalize(&note.path), events.len());
                    anchors.push(parsed.anchors.into_iter().collect());
                    let mut event = parsed.event;
                    event.source = note.display;
                    event.file = note.path.display().to_string();
                    events.push((note.path, event));
                }
                Err(e) => warnings.push(Warning {
                    file: note.display,
                    line: None,
                    message: format!("skipped: {}", e.0),
                }),
            }
        }
        resolve_links(&mut events, &paths, &anchors, &mut warnings);
        let mut events: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
        compute_backlinks(&mut events);
        // Newest first; events without a date last, then by title.
        events.sort_by(|a, b| {
            b.dates
                .first()
                .cmp(&a.dates.first())
                .then_with(|| a.title.cmp(&b.title))
        });
        Library { events, warnings }
    }

    pub fn event(&self, id: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.id == id)
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

/// Reads every note of `source` (bundled and folders), with warnings for what could not be read.
pub fn collect(source: &NotesSource) -> (Vec<RawNote>, Vec<Warning>) {
    let mut raw = Vec::new();
    let mut warnings = Vec::new();
    if source.bundled {
        raw.extend(bundled_notes());
    }
    for dir in &source.dirs {
        collect_dir(dir, &mut raw, &mut warnings);
    }
    (raw, warnings)
}

/// The bundled notes as raw notes under the `data/` pseudo-folder.
pub fn bundled_notes() -> Vec<RawNote> {
    BUNDLED
        .iter()
        .map(|(name, text)| RawNote {
            path: Path::new(BUNDLED_ROOT).join(name),
            display: format!("{BUNDLED_ROOT}/{name} (bundled)"),
            text: text.to_string(),
            id: name.trim_end_matches(".md").to_string(),
            path_date: None,
            mtime_ns: 0,
        })
        .collect()
}

/// Walks a folder for Markdown notes (skipping hidden and git-ignored files).
fn collect_dir(dir: &Path, out: &mut Vec<RawNote>, warnings: &mut Vec<Warning>) {
    if !dir.is_dir() {
        warnings.push(Warning {
            file: dir.display().to_string(),
            line: None,
            message: "notes folder does not exist or is not a folder".into(),
        });
        return;
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in ignore::WalkBuilder::new(dir).build() {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let is_md = path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
                // A README at the top of a notes folder describes the folder, not an event.
                let folder_readme = entry.depth() == 1
                    && path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"));
                if is_md && !folder_readme && entry.file_type().is_some_and(|t| t.is_file()) {
                    files.push(path.to_path_buf());
                }
            }
            Err(e) => warnings.push(Warning {
                file: dir.display().to_string(),
                line: None,
                message: format!("cannot read part of the folder: {e}"),
            }),
        }
    }
    files.sort();
    for path in files {
        let display = path.display().to_string();
        let mtime_ns = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                warnings.push(Warning {
                    file: display,
                    line: None,
                    message: format!("skipped: cannot read: {e}"),
                });
                continue;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(Warning {
                    file: display,
                    line: None,
                    message: format!(
                        "skipped: not valid UTF-8 (first bad byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                });
                continue;
            }
        };
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
        out.push(RawNote {
            id: id_from_path(&rel),
            path_date: date_from_path(&rel),
            path,
            display,
            text,
            mtime_ns,
        });
    }
}

/// `2019-07-cndt.md` -> `2019-07-cndt`; `2019/0416-x/README.md` -> `2019-0416-x`.
pub fn id_from_path(rel: &Path) -> String {
    let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("note");
    let generic = ["readme", "index", "_index"].contains(&stem.to_lowercase().as_str());
    let raw = if generic {
        let dirs: Vec<&str> = rel
            .parent()
            .map(|p| p.components().filter_map(|c| c.as_os_str().to_str()).collect())
            .unwrap_or_default();
        if dirs.is_empty() {
            stem.to_string()
        } else {
            dirs.join("-")
        }
    } else {
        stem.to_string()
    };
    let id: String = raw
        .chars()
        .map(|c| {
            if c.is_whitespace() || c == '#' || c == '/' {
                '-'
            } else {
                c
            }
        })
        .collect();
    if id.is_empty() {
        "note".into()
    } else {
        id
    }
}

/// A date from the path: `2019/0416-x/README.md`, or a Jekyll name `2019-03-27-x.md`.
pub fn date_from_path(rel: &Path) -> Option<String> {
    let parts: Vec<&str> = rel.components().filter_map(|c| c.as_os_str().to_str()).collect();
    for pair in parts.windows(2) {
        let (year, rest) = (pair[0], pair[1]);
        if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) {
            let mmdd: String = rest.chars().take(4).collect();
            if mmdd.len() == 4
                && mmdd.bytes().all(|b| b.is_ascii_digit())
                && rest[4..].chars().next().is_none_or(|c| !c.is_ascii_digit())
            {
                let date = format!("{year}-{}-{}", &mmdd[..2], &mmdd[2..]);
                return date_part(&date);
            }
        }
    }
    let name = rel.file_stem()?.to_str()?;
    date_part(name).filter(|d| d.len() == 10)
}

/// Lexically normalises `a/./b/../c` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
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
    out
}

fn percent_decode(s: &str) -> String {
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

fn has_scheme(href: &str) -> bool {
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

fn resolve_links(
    events: &mut [(PathBuf, Event)],
    paths: &HashMap<PathBuf, usize>,
    anchors: &[HashMap<String, String>],
    warnings: &mut Vec<Warning>,
) {
    let ids: Vec<String> = events.iter().map(|(_, e)| e.id.clone()).collect();
    for (path, event) in events.iter_mut() {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let own = paths.get(&normalize(path)).copied();
        let source = event.source.clone();
        let links = event
            .overview_links
            .iter_mut()
            .chain(event.sessions.iter_mut().flat_map(|s| s.links.iter_mut()));
        for link in links {
            let href = link.href.trim();
            if has_scheme(href) || href.starts_with("//") {
                link.target = LinkTarget::Web(href.to_string());
                continue;
            }
            let (file, anchor) = match href.split_once('#') {
                Some((f, a)) => (f, Some(percent_decode(a))),
                None => (href, None),
            };
            let file = percent_decode(file);
            let target_index = if file.is_empty() {
                own
            } else {
                let is_note = Path::new(&file)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
                let target = normalize(&dir.join(&file));
                let index = paths.get(&target).copied();
                // A link to a file that exists but is not a loaded note (a README
                // outside the notes, a PDF) is fine; only missing notes are dangling.
                if index.is_none() && (!is_note || target.is_file()) {
                    link.target = LinkTarget::File(file);
                    continue;
                }
                index
            };
            let resolved = target_index.and_then(|i| match &anchor {
                None => Some(SessionRef::new(&ids[i], "")),
                Some(a) if a.is_empty() => Some(SessionRef::new(&ids[i], "")),
                Some(a) => anchors[i]
                    .get(a.as_str())
                    .or_else(|| anchors[i].get(&a.to_lowercase()))
                    .map(|session| SessionRef::new(&ids[i], session)),
            });
            link.target = match resolved {
                Some(r) => LinkTarget::Note(r),
                None => {
                    warnings.push(Warning {
                        file: source.clone(),
                        line: Some(link.line),
                        message: format!("link `{}` points nowhere", link.href),
                    });
                    LinkTarget::Dangling
                }
            };
        }
    }
}

fn compute_backlinks(events: &mut [Event]) {
    let mut incoming: BTreeMap<SessionRef, Vec<SessionRef>> = BTreeMap::new();
    for event in events.iter() {
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
                if *to != from && !to.session.is_empty() {
                    let list = incoming.entry(to.clone()).or_default();
                    if !list.contains(&from) {
                        list.push(from);
                    }
                }
            }
        }
    }
    for event in events.iter_mut() {
        for session in &mut event.sessions {
            if let Some(list) = incoming.remove(&SessionRef::new(&event.id, &session.id)) {
                session.backlinks = list;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_dates_from_paths() {
        assert_eq!(id_from_path(Path::new("2019-07-cndt.md")), "2019-07-cndt");
        assert_eq!(
            id_from_path(Path::new("2019/0416-some-event/README.md")),
            "2019-0416-some-event"
        );
        assert_eq!(
            date_from_path(Path::new("2019/0416-some-event/README.md")).as_deref(),
            Some("2019-04-16")
        );
        assert_eq!(
            date_from_path(Path::new("_posts/2019-03-27-k8s-day.md")).as_deref(),
            Some("2019-03-27")
        );
        assert_eq!(date_from_path(Path::new("notes/x.md")), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("%E7%A7%98%E5%8C%BF"), "秘匿");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%あい"), "%あい");
    }

    fn raw(name: &str, text: &str) -> RawNote {
        RawNote {
            path: Path::new("root").join(name),
            display: name.into(),
            text: text.into(),
            id: id_from_path(Path::new(name)),
            path_date: None,
            mtime_ns: 0,
        }
    }

    #[test]
    fn links_resolve_and_backlinks_follow() {
        let lib = Library::from_raw(vec![
            raw("a.md", "# A\n\n## One\n\nsee [two](b.md#two) and [sub](#qa) and [x](https://x.y) [bad](b.md#nope) [img](pic.png)\n\n## Three\n\n### Q&A\n\nq\n"),
            raw("b.md", "# B\n\n## Two\n\nback to [A](a.md)\n"),
        ]);
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
}
