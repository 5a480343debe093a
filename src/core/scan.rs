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
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::bundled::{BUNDLED, BUNDLED_ROOT};
pub use super::listings::Listings;
use super::listings::{FolderStamp, IgnoreFile, Kept, Listing, Names, SETTLED};
use super::model::Warning;
use super::parse::MAX_NOTE_BYTES;
use super::paths::{date_from_path, id_from_path, is_folder_readme, is_hidden, is_note_name};

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
    let found = scan_with(bundled, dirs, Listings::default());
    (found.files, found.warnings)
}

/// What a scan found: the note files, what to say about the folders, and each
/// folder's listing for the next scan.
pub struct Scan {
    pub files: Vec<NoteFile>,
    pub warnings: Vec<Warning>,
    pub listings: Listings,
}

/// [`scan`], reading only the folders that changed since `old` was made (their notes
/// are stat'ed all the same: a note's content changes without its folder's). The
/// listings of the folders that did not change move from `old` to the result.
pub fn scan_with(bundled: bool, dirs: &[PathBuf], old: Listings) -> Scan {
    scan_settled(bundled, dirs, old, SETTLED)
}

/// [`scan_with`], keeping the listings of folders changed at least `settle` before.
fn scan_settled(bundled: bool, dirs: &[PathBuf], mut old: Listings, settle: Duration) -> Scan {
    let mut out = Scan {
        files: Vec::new(),
        warnings: Vec::new(),
        listings: Listings::default(),
    };
    if bundled {
        out.files.extend(BUNDLED.iter().map(|(name, text)| NoteFile {
            path: Path::new(BUNDLED_ROOT).join(name),
            display: format!("{BUNDLED_ROOT}/{name} (bundled)"),
            id: name.trim_end_matches(".md").to_string(),
            path_date: None,
            size: text.len() as u64,
            mtime_ns: 0,
            bundled: Some(text),
        }));
    }
    let listed = Mutex::new(Vec::new());
    for dir in dirs {
        scan_dir(dir, &old, settle, &listed, &mut out);
    }
    // The listings trusted stay (most often all of them: nothing is moved or hashed
    // again), those read replace them, and those of folders no longer walked go.
    old.folders
        .retain(|_, listing| listing.kept.0.load(Ordering::Relaxed));
    for listing in old.folders.values_mut() {
        listing.kept = Kept::default();
    }
    out.listings.folders = old.folders;
    for (dir, listing) in listed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        out.listings.listed += 1;
        match (dir, listing) {
            (Some(dir), Some(listing)) => {
                out.listings.folders.insert(dir, listing);
            }
            (Some(dir), None) => {
                out.listings.folders.remove(&dir);
            }
            (None, _) => {}
        }
    }
    out
}

/// What to say about note folders that give no note, a line each: `no notes in DIR`,
/// with why when it does not exist, is a file or cannot be read; and with no folder
/// and no note at all, how to give one. The command line prints these on stderr and
/// the app shows them in place of its lists: an empty screen or "no matches" would
/// send the user looking for a better query.
pub fn empty_folders(dirs: &[PathBuf], files: &[NoteFile]) -> Vec<String> {
    let mut said = Vec::new();
    if dirs.is_empty() && files.is_empty() {
        said.push("no notes: give a folder of them with --notes DIR".to_string());
    }
    for dir in dirs {
        if files
            .iter()
            .any(|f| f.bundled.is_none() && f.path.starts_with(dir))
        {
            continue;
        }
        let why = match fs::metadata(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ": it does not exist".to_string(),
            Err(e) => format!(": cannot read it ({e})"),
            Ok(meta) if !meta.is_dir() => ": it is not a folder".to_string(),
            Ok(_) => match fs::read_dir(dir) {
                Err(e) => format!(": cannot read it ({e})"),
                Ok(_) => String::new(),
            },
        };
        said.push(format!("no notes in {}{why}", dir.display()));
    }
    said
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

/// Folders read by a walk: each folder's path (when UTF-8) and the listing to keep.
type Listed = Mutex<Vec<(Option<String>, Option<Listing>)>>;

fn scan_dir(root: &Path, old: &Listings, settle: Duration, listings: &Listed, out: &mut Scan) {
    if !root.is_dir() {
        out.warnings.push(Warning {
            file: root.display().to_string(),
            line: None,
            message: "notes folder does not exist or is not a folder".into(),
        });
        return;
    }
    let found = Mutex::new(Vec::with_capacity(old.notes()));
    let problems = Mutex::new(Vec::new());
    let walk = Walk {
        root,
        found: &found,
        problems: &problems,
        old,
        listings,
        settle,
    };
    let place = Place {
        dir: root.to_path_buf(),
        real: fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
        links: Arc::new(Vec::new()),
        ignores: Vec::new(),
        trusted: true,
    };
    rayon::scope(|scope| walk.dir(scope, place));
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    // Paths are unique: an unstable sort gives the one order, on both cores.
    {
        use rayon::slice::ParallelSliceMut;
        found.par_sort_unstable_by(|a: &NoteFile, b| path_order(&a.path, &b.path));
    }
    out.files.extend(found);
    let mut problems = problems.into_inner().unwrap_or_else(|e| e.into_inner());
    problems.sort_by(|a: &Warning, b| a.file.cmp(&b.file));
    out.warnings.extend(problems);
}

struct Walk<'a> {
    root: &'a Path,
    found: &'a Mutex<Vec<NoteFile>>,
    problems: &'a Mutex<Vec<Warning>>,
    /// The folders as the last scan left them (those trusted are marked kept).
    old: &'a Listings,
    /// Each folder read, and what of it to keep for the next scan.
    listings: &'a Listed,
    /// How long before a listing a folder must have last changed for it to be kept.
    settle: Duration,
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
    /// No ignore rules above it changed since the last scan: its last listing, filtered
    /// by them, still holds if the folder itself did not change.
    trusted: bool,
}

impl<'a> Walk<'a> {
    fn dir<'s>(&'s self, scope: &rayon::Scope<'s>, mut place: Place) {
        // Taken before the folder is read: a change made after that must not be
        // recorded as seen (see `Listing::trusted_from`).
        let now = SystemTime::now();
        let stamp = fs::metadata(&place.dir).ok().and_then(|m| FolderStamp::of(&m));
        let kept = (place.dir.to_str())
            .and_then(|k| self.old.folders.get(k))
            .filter(|old| {
                place.trusted
                    && stamp == Some(old.stamp)
                    && old.ignore_files.iter().all(|f| f.unchanged(&place.dir))
            });
        let listed;
        let folders = match kept.and_then(|old| self.as_listed(&mut place, old).map(|()| old)) {
            Some(old) => {
                old.kept.0.store(true, Ordering::Relaxed);
                &old.folders
            }
            None => {
                let Some((folders, listing)) = self.list(&mut place, stamp, now) else {
                    return;
                };
                let key = place.dir.to_str().map(str::to_string);
                listed = folders;
                self.listings
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((key, listing));
                &listed
            }
        };
        for (name, link) in folders {
            let path = place.dir.join(name);
            if let Some(sub) = self.enter(&place, path, std::ffi::OsStr::new(name), *link) {
                scope.spawn(move |scope| self.dir(scope, sub));
            }
        }
    }

    /// The folder's entries as its last listing has them, its notes stat'ed: a folder
    /// whose own stamp did not move has the same entries (adding, removing or renaming
    /// one moves it), though their contents may have changed. `None` when something is
    /// not as listed (then the folder is read).
    fn as_listed(&self, place: &mut Place, old: &Listing) -> Option<()> {
        let mut notes = Vec::with_capacity(old.notes.len());
        for (name, _) in &old.notes {
            let path = place.dir.join(name);
            let meta = fs::metadata(&path).ok().filter(fs::Metadata::is_file)?;
            notes.push(note_file(self.root, &path, &meta));
        }
        for (name, link) in &old.folders {
            if *link && !place.dir.join(name).is_dir() {
                return None;
            }
        }
        if !old.ignore_files.is_empty() {
            self.use_ignore_rules(place);
        }
        if !notes.is_empty() {
            self.found.lock().unwrap_or_else(|e| e.into_inner()).extend(notes);
        }
        Some(())
    }

    /// The ignore rules of the folder of `place`, from now on.
    fn use_ignore_rules(&self, place: &mut Place) {
        let (gitignore, problem) = ignore_rules(&place.dir);
        place.ignores.push(Arc::new(gitignore));
        if let Some(message) = problem {
            self.problem(&place.dir, message);
        }
    }

    /// Reads the folder: its note files (found), sub-folders, and the listing to keep
    /// for the next scan. `None` when it cannot be read.
    fn list(
        &self,
        place: &mut Place,
        stamp: Option<FolderStamp>,
        now: SystemTime,
    ) -> Option<(Names, Option<Listing>)> {
        let dir = place.dir.clone();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.problem(&dir, format!("cannot read part of the folder: {e}"));
                return None;
            }
        };
        let entries: Vec<fs::DirEntry> = entries.filter_map(Result::ok).collect();
        let named: Vec<std::ffi::OsString> = entries
            .iter()
            .map(fs::DirEntry::file_name)
            .filter(|n| is_ignore_file(n))
            .collect();
        let ignore_files: Vec<IgnoreFile> = named.iter().filter_map(|n| IgnoreFile::of(&dir, n)).collect();
        if !named.is_empty() {
            self.use_ignore_rules(place);
        }
        // The rules below change with this folder's ignore files: what was listed
        // below under the old ones is not trusted.
        let same_rules = (dir.to_str())
            .and_then(|d| self.old.folders.get(d))
            .map(|old| old.ignore_files == ignore_files);
        place.trusted &= same_rules.unwrap_or(ignore_files.is_empty());
        let mut folders = Vec::new();
        let mut note_names = Vec::new();
        let mut notes = Vec::new();
        // A listing that said something (a name that is not UTF-8, a file that cannot
        // be read) is not kept: the next scan reads the folder and says it again. Nor
        // is one with an ignore file it could not stat (a link to nowhere, for now).
        let mut said = ignore_files.len() != named.len();
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
            let Some(utf8) = name.to_str() else {
                // Its notes' paths could not be kept in the cache.
                let what = if is_dir { "folder" } else { "file" };
                if is_dir || is_note_name(&path) {
                    self.problem(&path, format!("skipped: the {what} name is not valid UTF-8"));
                    said = true;
                }
                continue;
            };
            if is_dir {
                folders.push((utf8.to_string(), kind.is_symlink()));
                continue;
            }
            let rel = path.strip_prefix(self.root).unwrap_or(&path);
            if !is_note_name(&path) || is_folder_readme(rel) {
                continue;
            }
            // Stat relative to the open folder (no path walk); a symlink is followed.
            let meta = match target {
                Some(meta) => Ok(meta),
                None if kind.is_symlink() => fs::metadata(&path),
                None => entry.metadata(),
            };
            match meta {
                Ok(meta) if meta.is_file() => {
                    notes.push(note_file(self.root, &path, &meta));
                    note_names.push((utf8.to_string(), kind.is_symlink()));
                }
                Ok(_) => said = true, // a note name that is not a file: looked at again
                Err(e) => {
                    self.problem(&path, format!("skipped: cannot read: {e}"));
                    said = true;
                }
            }
        }
        if !notes.is_empty() {
            self.found.lock().unwrap_or_else(|e| e.into_inner()).extend(notes);
        }
        let listing = stamp
            .filter(|s| !said && s.settled(now, self.settle))
            .map(|stamp| Listing {
                stamp,
                folders: folders.clone(),
                notes: note_names,
                ignore_files,
                kept: Kept::default(),
            });
        Some((folders, listing))
    }

    /// The sub-folder `path` of `place` to walk, or `None` (with a warning) when it is
    /// a link back into a folder on the way here, which would never end.
    fn enter(&self, place: &Place, path: PathBuf, name: &std::ffi::OsStr, link: bool) -> Option<Place> {
        let ignores = place.ignores.clone();
        let trusted = place.trusted;
        if !link {
            let real = place.real.join(name);
            let links = Arc::clone(&place.links);
            return Some(Place {
                dir: path,
                real,
                links,
                ignores,
                trusted,
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
            trusted,
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
    let rel = relative(root, path);
    NoteFile {
        path: path.to_path_buf(),
        display: path
            .to_str()
            .map_or_else(|| path.display().to_string(), str::to_string),
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

/// `path` below `root`, which it was joined to: by its bytes, not component by
/// component (a scan does it for every note).
fn relative<'p>(root: &Path, path: &'p Path) -> &'p Path {
    let bytes = path.as_os_str().as_encoded_bytes();
    let below = bytes
        .strip_prefix(root.as_os_str().as_encoded_bytes())
        .filter(|rest| {
            rest.first()
                .is_some_and(|&b| std::path::is_separator(char::from(b)))
        });
    match below {
        Some(rest) => match std::str::from_utf8(rest) {
            Ok(rest) => Path::new(rest.trim_start_matches(std::path::is_separator)),
            Err(_) => path.strip_prefix(root).unwrap_or(path),
        },
        None => path.strip_prefix(root).unwrap_or(path),
    }
}

/// How many bytes `a` and `b` share at their start, eight at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut same = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let word = |c: &[u8]| c.try_into().map_or(0, u64::from_le_bytes);
        let differ = word(x) ^ word(y);
        if differ != 0 {
            return same + (differ.trailing_zeros() / 8) as usize;
        }
        same += 8;
    }
    let (a, b) = (
        a.get(same..).unwrap_or_default(),
        b.get(same..).unwrap_or_default(),
    );
    same + a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The order `Path`'s comparison gives (component by component), from the bytes alone:
/// a separator sorts before any other byte. Sorting ten thousand paths by components
/// cost a seventh of a warm search.
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
    let same = common_prefix(a, b);
    key(a.get(same)).cmp(&key(b.get(same)))
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
            // Longer than a word in common: the first difference past eight bytes.
            "notes/2019/long-folder-name/a.md",
            "notes/2019/long-folder-name-2/a.md",
            "notes/2019/long-folder-name/b/README.md",
            "notes/2019/long-folder-nameX.md",
            "notes/2019/long-folder-name.md",
            "notes/2019/long-folder-name",
            "notes/2019/long-folder-namf/a.md",
            "notes/2019/long-folder-nam日本/a.md",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut expected = paths.clone();
        expected.sort();
        paths.sort_by(|a, b| path_order(a, b));
        assert_eq!(paths, expected);
        for a in &paths {
            for b in &paths {
                assert_eq!(path_order(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn a_path_below_its_root_by_bytes_as_by_components() {
        for (root, rel) in [
            ("notes", "a.md"),
            ("notes/", "a/b.md"),
            ("./notes", "2019/0416-x/README.md"),
            (".", "x.md"),
            ("/abs/notes", "日本/ノート.md"),
            ("a/./b", "c.md"),
        ] {
            let root = Path::new(root);
            let path = root.join(rel);
            assert_eq!(
                relative(root, &path),
                path.strip_prefix(root).unwrap(),
                "{path:?}"
            );
        }
        // Not below it: the path as it is.
        assert_eq!(
            relative(Path::new("x"), Path::new("xy/a.md")),
            Path::new("xy/a.md")
        );
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

    fn write(root: &Path, path: &str, text: &str) {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    /// A scan from `old` listings (trusting folders changed any time before it), checked
    /// against a scan that reads every folder; its listings and how many it read.
    fn scan_from(root: &Path, old: &Listings) -> (Vec<String>, Listings) {
        // Folder times are coarser than the clock: a change right after the last scan
        // could carry the time that scan saw (the production margin is for that).
        std::thread::sleep(Duration::from_millis(30));
        let kept = scan_settled(false, &[root.to_path_buf()], old.clone(), Duration::ZERO);
        let full = scan(false, &[root.to_path_buf()]);
        let seen = |files: &[NoteFile]| -> Vec<(PathBuf, u64, u128, String)> {
            files
                .iter()
                .map(|f| (f.path.clone(), f.size, f.mtime_ns, f.id.clone()))
                .collect()
        };
        assert_eq!(
            seen(&kept.files),
            seen(&full.0),
            "a kept listing finds what a full scan finds"
        );
        assert_eq!(kept.warnings, full.1);
        let names = kept
            .files
            .iter()
            .map(|f| f.path.strip_prefix(root).unwrap().display().to_string())
            .collect();
        (names, kept.listings)
    }

    #[test]
    fn a_folder_that_did_not_change_is_not_read_again_and_every_change_is_found() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(root, "a.md", "# A");
        write(root, "2019/0416-x/README.md", "# X");
        write(root, "2019/0501-y/README.md", "# Y");
        write(root, ".gitignore", "*.tmp.md\n");
        write(root, "sub/deep/t.tmp.md", "# T");
        write(root, "site/.gitignore", "*.draft.md\n");
        write(root, "site/post.md", "# P");
        write(root, "site/p.draft.md", "# D");
        let (names, listings) = scan_from(root, &Listings::default());
        assert_eq!(
            names,
            [
                "2019/0416-x/README.md",
                "2019/0501-y/README.md",
                "a.md",
                "site/post.md"
            ]
        );
        assert_eq!(
            (listings.listed, listings.len()),
            (7, 7),
            "every folder read and kept"
        );

        let (_, listings) = scan_from(root, &listings);
        assert_eq!(listings.listed, 0, "nothing changed: no folder read");

        // A note written in place: its folder's times do not move, the note is found
        // changed all the same (its own stat).
        write(root, "2019/0416-x/README.md", "# X, longer now");
        let (_, listings) = scan_from(root, &listings);
        assert_eq!(listings.listed, 0);

        // A note added deep down: that folder alone is read.
        write(root, "2019/0501-y/extra.md", "# E");
        let (names, listings) = scan_from(root, &listings);
        assert_eq!(listings.listed, 1);
        assert!(names.contains(&"2019/0501-y/extra.md".to_string()));

        // Removed, and a folder removed.
        fs::remove_file(root.join("a.md")).unwrap();
        fs::remove_dir_all(root.join("2019/0416-x")).unwrap();
        let (names, listings) = scan_from(root, &listings);
        assert_eq!(
            names,
            ["2019/0501-y/README.md", "2019/0501-y/extra.md", "site/post.md"]
        );
        assert_eq!(listings.len(), 6);

        // An ignore file edited in place: its folder is read again, and the folders
        // below it too (what they list depends on its rules), though they did not change.
        write(root, ".gitignore", "*.nothing\n");
        let (names, listings) = scan_from(root, &listings);
        assert!(names.contains(&"sub/deep/t.tmp.md".to_string()), "{names:?}");
        write(root, "site/.gitignore", "");
        let (names, _) = scan_from(root, &listings);
        assert!(names.contains(&"site/p.draft.md".to_string()), "{names:?}");
    }

    #[test]
    fn a_folder_changed_just_before_its_listing_is_read_again_next_time() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "x/a.md", "# A");
        let found = scan_with(false, &[tmp.path().to_path_buf()], Listings::default());
        assert_eq!(found.listings.listed, 2);
        assert!(
            found.listings.is_empty(),
            "a change within the clock's grain could be missed"
        );
    }
}
