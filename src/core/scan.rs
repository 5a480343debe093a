//! Finds the note files of a source with their size and modification time, without
//! reading them: the cheap half of deciding what changed since the last run.
//!
//! Folders are walked in parallel. Hidden entries are skipped, and a `.gitignore` or
//! `.ignore` is honoured in the folder that has it and below. Only folders whose
//! listing holds such a file pay for reading it: probing every folder for them costs
//! more than the rest of the walk (measured on a 10,000-folder tree).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use rayon::prelude::*;

use super::bundled::{BUNDLED, BUNDLED_ROOT};
use super::library::{date_from_path, id_from_path};
use super::model::Warning;
use super::parse::MAX_NOTE_BYTES;

/// A note file found by a scan: where it is, what it is called, and its stamp.
#[derive(Debug, Clone)]
pub struct NoteFile {
    /// Path used for link resolution: `data/x.md` or a user path.
    pub path: PathBuf,
    /// The name in messages.
    pub display: String,
    /// Event id suggested by the path (made unique later, across all notes).
    pub id: String,
    pub path_date: Option<String>,
    pub size: u64,
    /// Modification time in nanoseconds since the epoch (0 for bundled notes).
    pub mtime_ns: u128,
    /// The text of a bundled note, which has no file to read.
    pub bundled: Option<&'static str>,
}

impl NoteFile {
    /// The note's text. A file that cannot be read or is not UTF-8 gives the message
    /// to show for it.
    pub fn read(&self) -> Result<String, String> {
        match self.bundled {
            Some(text) => Ok(text.to_string()),
            None => read_note_text(&self.path),
        }
    }

    /// A note in memory (tests, or text that did not come from a folder).
    pub fn from_text(path: &Path, text: &'static str) -> NoteFile {
        NoteFile {
            path: path.to_path_buf(),
            display: path.display().to_string(),
            id: id_from_path(path),
            path_date: date_from_path(path),
            size: text.len() as u64,
            mtime_ns: 0,
            bundled: Some(text),
        }
    }
}

/// A note file's text, or the message to show for it: at most a few bytes more than
/// [`MAX_NOTE_BYTES`] (the parser cuts it there and says so), so a 50 MB file costs no
/// more than one at the limit. A character cut by that read is dropped.
pub fn read_note_text(path: &Path) -> Result<String, String> {
    let file = fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    // Four more bytes than the limit: what is read past it tells the parser to cut, even
    // after an incomplete character is dropped from the end.
    let limit = MAX_NOTE_BYTES as u64 + 4;
    let mut bytes = Vec::new();
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    let full = (bytes.len() as u64) < limit;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let error = e.utf8_error();
            let valid = error.valid_up_to();
            if !full && error.error_len().is_none() {
                let mut bytes = e.into_bytes();
                bytes.truncate(valid);
                return String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_string());
            }
            Err(format!("not valid UTF-8 (first bad byte at offset {valid})"))
        }
    }
}

/// Every note of `source`: bundled ones first, then each folder's, sorted by path.
pub fn scan(bundled: bool, dirs: &[PathBuf]) -> (Vec<NoteFile>, Vec<Warning>) {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    if bundled {
        files.extend(BUNDLED.iter().map(|(name, text)| NoteFile {
            path: Path::new(BUNDLED_ROOT).join(name),
            display: format!("{BUNDLED_ROOT}/{name} (bundled)"),
            id: name.trim_end_matches(".md").to_string(),
            path_date: None,
            size: text.len() as u64,
            mtime_ns: 0,
            bundled: Some(text),
        }));
    }
    for dir in dirs {
        scan_dir(dir, &mut files, &mut warnings);
    }
    (files, warnings)
}

/// Stats one file again (after a change was seen by the watcher). `None` when it is
/// gone or no longer a note of `root`.
pub fn rescan_file(root: &Path, path: &Path) -> Option<NoteFile> {
    let rel = path.strip_prefix(root).ok()?;
    if path.to_str().is_none()
        || !is_note_name(path)
        || is_folder_readme(rel)
        || rel.components().any(|c| is_hidden(c.as_os_str()))
    {
        return None;
    }
    // The ignore files on the way down, outermost first, as the walk would see them.
    let mut ignores = Vec::new();
    let mut dir = root.to_path_buf();
    let mut below = rel.components().peekable();
    while let Some(part) = below.next() {
        if [".gitignore", ".ignore"]
            .iter()
            .any(|name| dir.join(name).is_file())
        {
            ignores.push(Arc::new(ignore_rules(&dir).0));
        }
        dir.push(part);
        if ignored(&ignores, &dir, below.peek().is_some()) {
            return None;
        }
    }
    let meta = fs::metadata(path).ok().filter(|m| m.is_file())?;
    Some(note_file(root, path, &meta))
}

fn is_ignore_file(name: &std::ffi::OsStr) -> bool {
    name == ".gitignore" || name == ".ignore"
}

/// The rules of a folder's `.gitignore` and `.ignore`, and what was wrong in them
/// (a bad line is left out; the others still apply).
fn ignore_rules(dir: &Path) -> (Gitignore, Option<String>) {
    let mut builder = GitignoreBuilder::new(dir);
    let mut problem = None;
    for name in [".gitignore", ".ignore"] {
        let path = dir.join(name);
        if path.is_file() {
            if let Some(e) = builder.add(&path) {
                problem = Some(format!("some ignore rules were not understood: {e}"));
            }
        }
    }
    match builder.build() {
        Ok(gitignore) => (gitignore, problem),
        Err(e) => (Gitignore::empty(), Some(format!("ignore rules not used: {e}"))),
    }
}

fn scan_dir(root: &Path, files: &mut Vec<NoteFile>, warnings: &mut Vec<Warning>) {
    if !root.is_dir() {
        warnings.push(Warning {
            file: root.display().to_string(),
            line: None,
            message: "notes folder does not exist or is not a folder".into(),
        });
        return;
    }
    let found = Mutex::new(Vec::new());
    let problems = Mutex::new(Vec::new());
    let walk = Walk {
        root,
        found: &found,
        problems: &problems,
    };
    let place = Place {
        dir: root.to_path_buf(),
        real: fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
        links: Arc::new(Vec::new()),
        ignores: Vec::new(),
    };
    rayon::scope(|scope| walk.dir(scope, place));
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.sort_by(|a: &NoteFile, b| path_order(&a.path, &b.path));
    files.extend(found);
    let mut problems = problems.into_inner().unwrap_or_else(|e| e.into_inner());
    problems.sort_by(|a: &Warning, b| a.file.cmp(&b.file));
    warnings.extend(problems);
}

/// `a.cmp(b)` for the paths of one walk, without `Path`'s component by component
/// comparison (most of the scan's time at a thousand files): their bytes, with `/` before
/// every other byte, order them the same way, as they share their root and hold no `.`
/// or empty components.
fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let key = |b: Option<&u8>| {
        b.map(|&b| {
            if std::path::is_separator(char::from(b)) {
                0
            } else {
                u16::from(b) + 1
            }
        })
    };
    let (a, b) = (a.as_os_str().as_encoded_bytes(), b.as_os_str().as_encoded_bytes());
    // The first byte that differs decides (a path that ends first comes first).
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    key(a.get(same)).cmp(&key(b.get(same)))
}

/// A note file found in a folder, to stat: its path, entry, whether it is a symlink,
/// and what it points to if so (stat'ed already).
type ToStat = (PathBuf, fs::DirEntry, bool, Option<fs::Metadata>);

/// From this many files on, a folder's are stat'ed in parallel.
const PARALLEL_STATS: usize = 128;

struct Walk<'a> {
    root: &'a Path,
    found: &'a Mutex<Vec<NoteFile>>,
    problems: &'a Mutex<Vec<Warning>>,
}

/// Symlinked folders followed one inside another, at most: each may be reached again
/// through others, so the walk grows with their product.
const MAX_LINK_DEPTH: usize = 8;

/// A folder being walked: its path as the user will see it, where it really is, and
/// the ignore rules that apply.
struct Place {
    dir: PathBuf,
    /// Its path with links resolved, worked out from its parent's without a system call
    /// (only a symlinked folder is resolved).
    real: PathBuf,
    /// Where each symlinked folder on the way here was followed from, resolved: with
    /// `real`, the folders a link must not lead back into.
    links: Arc<Vec<PathBuf>>,
    ignores: Vec<Arc<Gitignore>>,
}

impl<'a> Walk<'a> {
    fn dir<'s>(&'s self, scope: &rayon::Scope<'s>, mut place: Place) {
        let dir = &place.dir;
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.problem(dir, format!("cannot read part of the folder: {e}"));
                return;
            }
        };
        let entries: Vec<fs::DirEntry> = entries.filter_map(Result::ok).collect();
        let has_ignore_file = entries.iter().any(|e| is_ignore_file(&e.file_name()));
        if has_ignore_file {
            let (gitignore, problem) = ignore_rules(dir);
            place.ignores.push(Arc::new(gitignore));
            if let Some(message) = problem {
                self.problem(dir, message);
            }
        }
        let mut notes = Vec::new();
        let mut to_stat: Vec<ToStat> = Vec::new();
        for entry in entries {
            let name = entry.file_name();
            if is_hidden(&name) {
                continue;
            }
            let Ok(kind) = entry.file_type() else { continue };
            let path = entry.path();
            // A symlink is followed to what it points to (a link that leads nowhere is
            // left alone: editors leave such lock files).
            let target = if kind.is_symlink() {
                fs::metadata(&path).ok()
            } else {
                None
            };
            let is_dir = kind.is_dir() || target.as_ref().is_some_and(fs::Metadata::is_dir);
            if ignored(&place.ignores, &path, is_dir) {
                continue;
            }
            let unicode = name.to_str().is_some();
            if is_dir {
                if !unicode {
                    // Its notes' paths could not be kept in the cache.
                    self.problem(&path, "skipped: the folder name is not valid UTF-8".into());
                } else if let Some(sub) = self.enter(&place, path, &name, kind.is_symlink()) {
                    scope.spawn(move |scope| self.dir(scope, sub));
                }
                continue;
            }
            let rel = path.strip_prefix(self.root).unwrap_or(&path);
            if !is_note_name(&path) || is_folder_readme(rel) {
                continue;
            }
            if !unicode {
                self.problem(&path, "skipped: the file name is not valid UTF-8".into());
                continue;
            }
            to_stat.push((path, entry, kind.is_symlink(), target));
        }
        // Stat relative to the open folder (no path walk); a symlink is followed. A
        // system call each: a big folder's files are shared among the cores.
        let stat = |(path, entry, link, target): ToStat| {
            let meta = match target {
                Some(meta) => Ok(meta),
                None if link => fs::metadata(&path),
                None => entry.metadata(),
            };
            match meta {
                Ok(meta) if meta.is_file() => Ok(Some(note_file(self.root, &path, &meta))),
                Ok(_) => Ok(None),
                Err(e) => Err((path, format!("skipped: cannot read: {e}"))),
            }
        };
        let stats: Vec<Result<Option<NoteFile>, (PathBuf, String)>> = if to_stat.len() >= PARALLEL_STATS {
            to_stat
                .into_par_iter()
                .with_min_len(PARALLEL_STATS / 2)
                .map(stat)
                .collect()
        } else {
            to_stat.into_iter().map(stat).collect()
        };
        for result in stats {
            match result {
                Ok(Some(note)) => notes.push(note),
                Ok(None) => {}
                Err((path, message)) => self.problem(&path, message),
            }
        }
        if !notes.is_empty() {
            self.found.lock().unwrap_or_else(|e| e.into_inner()).extend(notes);
        }
    }

    /// The sub-folder `path` of `place` to walk, or `None` (with a warning) when it is
    /// a link back into a folder on the way here, which would never end.
    fn enter(&self, place: &Place, path: PathBuf, name: &std::ffi::OsStr, link: bool) -> Option<Place> {
        let ignores = place.ignores.clone();
        if !link {
            let real = place.real.join(name);
            let links = Arc::clone(&place.links);
            return Some(Place {
                dir: path,
                real,
                links,
                ignores,
            });
        }
        let real = fs::canonicalize(&path).ok()?;
        let on_the_way = place
            .links
            .iter()
            .chain([&place.real])
            .any(|p| p.starts_with(&real));
        if on_the_way {
            let message = format!(
                "symlinked folder not followed: it leads back to {} (a loop)",
                real.display()
            );
            self.problem(&path, message);
            return None;
        }
        if place.links.len() >= MAX_LINK_DEPTH {
            let message = format!("symlinked folder not followed: more than {MAX_LINK_DEPTH} links deep");
            self.problem(&path, message);
            return None;
        }
        let mut links = place.links.as_ref().clone();
        links.push(place.real.clone());
        Some(Place {
            dir: path,
            real,
            links: Arc::new(links),
            ignores,
        })
    }

    fn problem(&self, path: &Path, message: String) {
        self.problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Warning {
                file: path.display().to_string(),
                line: None,
                message,
            });
    }
}

/// The innermost rule that matches wins, as in git.
fn ignored(ignores: &[Arc<Gitignore>], path: &Path, is_dir: bool) -> bool {
    for gitignore in ignores.iter().rev() {
        let m = gitignore.matched(path, is_dir);
        if m.is_ignore() {
            return true;
        }
        if m.is_whitelist() {
            return false;
        }
    }
    false
}

fn note_file(root: &Path, path: &Path, meta: &fs::Metadata) -> NoteFile {
    let rel = path.strip_prefix(root).unwrap_or(path);
    NoteFile {
        path: path.to_path_buf(),
        // As `display()` shows it, without its formatting machinery (a thousand files).
        display: path.to_string_lossy().into_owned(),
        id: id_from_path(rel),
        path_date: date_from_path(rel),
        size: meta.len(),
        mtime_ns: meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos()),
        bundled: None,
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

fn is_note_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// A README at the top of a notes folder describes the folder, not an event.
fn is_folder_readme(rel: &Path) -> bool {
    rel.components().count() == 1
        && rel
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_sort_as_path_compares_them() {
        let mut paths: Vec<PathBuf> = [
            "n/a/b.md",
            "n/a-b.md",
            "n/a.md",
            "n/a/a.md",
            "n/ab.md",
            "n/a b.md",
            "n/日本.md",
            "n/a/b/c.md",
            "n/a.b/c.md",
            "n/Z.md",
            "n/a0.md",
            "n/a",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut expected = paths.clone();
        expected.sort();
        paths.sort_by(|a, b| path_order(a, b));
        assert_eq!(paths, expected);
    }

    #[test]
    fn walks_honouring_hidden_and_ignore_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for (path, text) in [
            ("README.md", "folder readme"),
            ("a.md", "# A"),
            ("2019/0416-x/README.md", "# X"),
            (".hidden/b.md", "# B"),
            ("site/.gitignore", "node_modules/\n*.draft.md\n!keep.draft.md\n"),
            ("site/node_modules/pkg/README.md", "# pkg"),
            ("site/post.draft.md", "# draft"),
            ("site/keep.draft.md", "# kept"),
            ("site/post.md", "# post"),
            ("notes.txt", "not a note"),
        ] {
            let p = root.join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        let (files, warnings) = scan(false, &[root.to_path_buf()]);
        assert!(warnings.is_empty(), "{warnings:?}");
        let names: Vec<String> = files
            .iter()
            .map(|f| f.path.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "2019/0416-x/README.md",
                "a.md",
                "site/keep.draft.md",
                "site/post.md"
            ]
        );
        assert_eq!(files[0].id, "2019-0416-x");
        assert_eq!(files[0].path_date.as_deref(), Some("2019-04-16"));
        assert_eq!(files[1].size, 3);
        assert!(files[1].mtime_ns > 0);
        assert_eq!(files[1].read().as_deref(), Ok("# A"));
        assert_eq!(
            rescan_file(root, &root.join("a.md")).map(|f| f.id),
            Some("a".into())
        );
        assert!(rescan_file(root, &root.join(".hidden/b.md")).is_none());
        assert!(rescan_file(root, &root.join("gone.md")).is_none());
        assert!(rescan_file(root, &root.join("site/post.draft.md")).is_none());
        assert!(rescan_file(root, &root.join("site/node_modules/pkg/README.md")).is_none());
        assert!(rescan_file(root, &root.join("site/keep.draft.md")).is_some());
        assert!(rescan_file(root, &root.join("README.md")).is_none());
    }
}
