//! The cache in the user's cache directory: every note as last parsed (the catalog) and
//! the tantivy index of them, kept in step. A refresh re-reads only files whose size
//! or mtime changed (and re-indexes only those whose content hash changed too), so a
//! warm start never reads an unchanged note. A cache that is missing, corrupt, or from
//! another parser/schema/analyzer/dictionary version is rebuilt with a message.
//!
//! An update runs in stages, each in its own place: open (the catalog and index to go
//! on from, here), diff (`diff.rs`), link (here), index and persist (`write.rs`); the
//! files on disk are read and written by `catalog.rs`, the index opened and checked by
//! `checked.rs`.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::Index;

use crate::core::library::ParsedFile;
use crate::core::scan::NoteFile;
use crate::core::{Library, Warning};
use crate::search::index::schema;
use crate::search::{Analyzer, SearchIndex};

mod catalog;
mod checked;
mod diff;
mod write;
use catalog::{
    promote_base, read_catalog, read_front, read_stamps, Catalog, Sizes, Stamps, CATALOG, FOLDERS, STAMPS,
};
pub use catalog::{read_listings, write_listings};
pub use checked::catching_panics;
use checked::{
    clear_index_files, clear_stale_temp_files, guarded, lock, open_index, open_search, open_search_any,
};
use diff::{examine_all, Plan};
pub use write::Commits;

const LOCK: &str = "confnotes.lock";

/// The cache as kept in memory between updates: the parsed files (scan order), what
/// the index holds of them, and the library linked from them. The app's loader keeps
/// one, so a saved note costs reading that note, linking again and indexing it, and
/// appending a few kilobytes to the change log.
pub struct Store {
    dir: PathBuf,
    /// Matches the payload of the index commit it describes.
    generation: u64,
    files: Vec<ParsedFile>,
    /// The event id each file's documents carry (ids are made unique across notes,
    /// so a new note can rename another's event).
    indexed_ids: Vec<Option<String>>,
    index: SearchIndex,
    library: Arc<Library>,
    /// The index is in memory, not the cache's (another confnotes held it).
    in_memory: bool,
    sizes: Sizes,
    /// The files that may have changed since, when a watcher said which (see
    /// [`Store::changed_only`]).
    only: Option<Vec<PathBuf>>,
}

impl Store {
    pub fn library(&self) -> &Arc<Library> {
        &self.library
    }

    /// Says that since this store was made, only the files at `paths` may have changed
    /// (a watcher reported them): the next refresh from it looks only at those, not at
    /// every file's stamp. A scan that adds or drops any other file voids this.
    pub fn changed_only(&mut self, paths: Vec<PathBuf>) {
        self.only = Some(paths);
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }
}

/// What a refresh did, for messages and benchmarks.
#[derive(Debug, Default, Clone)]
pub struct StoreReport {
    pub rebuilt: Option<String>,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Files read because their mtime moved, found unchanged by their hash.
    pub touched: usize,
    /// The index could not be written (another confnotes held it too long): this
    /// one indexed in memory instead.
    pub in_memory_fallback: bool,
}

impl StoreReport {
    pub fn changes(&self) -> usize {
        self.added + self.changed + self.removed
    }
}

/// Where a refresh is, for progress displays.
pub enum Stage<'a> {
    /// Another confnotes is updating this cache.
    Waiting,
    Reading {
        done: usize,
        total: usize,
    },
    /// The notes are parsed and linked, and what changed is about to be indexed: the
    /// app shows them meanwhile (the changed notes are drawn before the commit).
    Linked(&'a Arc<Library>),
    Indexing {
        done: usize,
        total: usize,
    },
    /// A long indexing committed the first `done` notes: `index` finds them.
    Committed {
        done: usize,
        total: usize,
        index: &'a SearchIndex,
    },
}

pub type Progress<'a> = dyn FnMut(Stage) + 'a;

/// One cache folder per set of note sources, so different `--notes` sets don't fight.
pub fn store_dir(cache: &Path, key: &str) -> PathBuf {
    cache.join(format!(
        "index-{:016x}",
        xxhash_rust::xxh3::xxh3_64(key.as_bytes())
    ))
}

/// The notes and index exactly as the last run left them, without looking at the note
/// folders: what the app shows in its first frame. `None` when there is no usable
/// cache (the refresh that follows will say why and rebuild it).
pub fn open_cached(dir: &Path, analyzer: Analyzer) -> Option<Store> {
    let (index, generation) = open_search_any(dir, analyzer).ok()?;
    crate::timing::mark("cached: index opened");
    cached_with(dir, index, generation)
}

/// [`open_cached`] with the index the app's first frame opened ([`open_front`]), not a
/// second one: each holds tens of megabytes of a big index's readers.
pub fn open_cached_with(dir: &Path, index: SearchIndex) -> Option<Store> {
    let generation = index.index.load_metas().ok()?.payload?.parse().ok()?;
    cached_with(dir, index, generation)
}

fn cached_with(dir: &Path, index: SearchIndex, generation: u64) -> Option<Store> {
    let (mut catalog, _) = read_catalog(dir, Some(generation)).ok()?;
    crate::timing::mark("cached: catalog read");
    // Every update keeps the notes as linked: no need to link them again.
    let library = Library::linked_before(&mut catalog.files, catalog.warnings);
    crate::timing::mark("cached: library");
    Some(Store {
        dir: dir.to_path_buf(),
        generation: catalog.generation,
        files: catalog.files,
        indexed_ids: catalog.event_ids,
        index,
        library: Arc::new(library),
        in_memory: false,
        sizes: catalog.sizes,
        only: None,
    })
}

/// What the app's first frame shows: the newest events as the last run left them
/// (not the whole library: see [`catalog::Front`]), how many there are in all, and
/// the index. `None` when there is no usable front (then [`open_cached`] will do).
pub fn open_front(dir: &Path, analyzer: Analyzer) -> Option<(Library, usize, SearchIndex)> {
    let front = read_front(dir).ok()?;
    let index = open_search(dir, front.generation, analyzer).ok()?;
    crate::timing::mark("front: index opened");
    let total = front.total;
    Some((front.library(), total, index))
}

/// What each file looked like when the cache was last updated, read while the folders
/// are scanned (for [`front_preview`]).
pub struct LastStamps(Option<Stamps>);

pub fn last_stamps(dir: &Path) -> LastStamps {
    LastStamps(read_stamps(dir).ok())
}

/// The front of the cache ([`open_front`]) with the notes changed since the last run
/// (by their stamps against `files`, a scan) in their places, as read now: what the
/// app draws before the whole cache is read and linked. `None` when nothing changed,
/// files came or went, or many changed.
pub fn front_preview(stamps: LastStamps, files: &[NoteFile], front: &Library) -> Option<Library> {
    let stamps = stamps.0?;
    if stamps.files.len() != files.len() {
        return None;
    }
    let mut changed = Vec::new();
    for (stamp, file) in stamps.files.iter().zip(files) {
        if stamp.path != file.path {
            return None;
        }
        if !stamp.stamp.unchanged_unread(file) {
            if changed.len() == 64 {
                return None;
            }
            changed.push((file, stamp.stamp.hash, stamp.event_id.clone()?));
        }
    }
    let parsed: Vec<(ParsedFile, String)> = changed
        .into_iter()
        .map(|(file, hash, id)| (crate::core::library::parse_file(file), hash, id))
        .filter(|(now, hash, _)| now.stamp.hash != *hash)
        .map(|(now, _, id)| (now, id))
        .collect();
    let preview = (!parsed.is_empty()).then(|| crate::core::preview::front_patched(front, parsed));
    crate::timing::mark("front previewed");
    preview
}

/// The index alone, when the cache is known to be up to date with `files` by their
/// stamps (no file read): what lets `confnotes search` answer without loading the
/// notes. `None` when anything changed, or the cache is not usable.
pub fn fresh_index(
    dir: &Path,
    files: &[NoteFile],
    analyzer: Analyzer,
) -> Option<(SearchIndex, Vec<Warning>)> {
    open_unchecked(dir, analyzer)?.fresh_for(files)
}

/// The cache's index opened before the note folders are scanned, so that a search can
/// run meanwhile; [`Unchecked::fresh_for`] then says whether it may be used.
pub struct Unchecked {
    stamps: Stamps,
    index: SearchIndex,
}

/// The cache's index, not yet compared with the note files (`None` if it cannot be
/// opened; a damaged file is found here, as by [`fresh_index`]).
pub fn open_unchecked(dir: &Path, analyzer: Analyzer) -> Option<Unchecked> {
    let stamps = read_stamps(dir).ok()?;
    let index = open_search(dir, stamps.generation, analyzer).ok()?;
    crate::timing::mark("index opened and checked");
    Some(Unchecked { stamps, index })
}

impl Unchecked {
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// The index and the notes' warnings, if it was made from `files` as they are now
    /// (by their stamps).
    pub fn fresh_for(self, files: &[NoteFile]) -> Option<(SearchIndex, Vec<Warning>)> {
        let stamps = &self.stamps.files;
        let unchanged = stamps.len() == files.len()
            && stamps
                .iter()
                .zip(files)
                .all(|(s, f)| s.path == f.path && s.stamp.unchanged_unread(f));
        unchanged.then_some((self.index, self.stamps.warnings))
    }
}

/// Brings the cache in `dir` up to date with `files` (a scan of the note folders):
/// from `previous`, the store as this process last left it, when the cache has not
/// moved on since; else from the cache on disk. Only one process refreshes a cache at
/// a time; another waits for it, then finds little left to do.
///
/// Any error or panic on the way (a damaged index file that passed the checks, a
/// tantivy bug) leads to one rebuild from the notes themselves, with a warning: a cache
/// that fails once must not fail on every run after.
pub fn refresh(
    dir: &Path,
    previous: Option<Store>,
    files: &[NoteFile],
    scan_warnings: Vec<Warning>,
    analyzer: Analyzer,
    rebuild: bool,
    progress: &mut Progress,
) -> anyhow::Result<(Store, StoreReport)> {
    let update = Update {
        dir,
        files,
        analyzer,
        commits: Commits::default(),
    };
    update.run(previous, scan_warnings, rebuild, progress)
}

/// One refresh's fixed inputs.
pub struct Update<'a> {
    pub dir: &'a Path,
    /// The scan of the note folders.
    pub files: &'a [NoteFile],
    pub analyzer: Analyzer,
    pub commits: Commits,
}

impl Update<'_> {
    /// [`refresh`], with its own commit policy.
    pub fn run(
        &self,
        previous: Option<Store>,
        scan_warnings: Vec<Warning>,
        rebuild: bool,
        progress: &mut Progress,
    ) -> anyhow::Result<(Store, StoreReport)> {
        fs::create_dir_all(self.dir)?;
        let _lock = lock(self.dir, progress)?;
        clear_stale_temp_files(self.dir);
        let forced = rebuild.then(|| "--rebuild-index".to_string());
        let first = guarded(|| self.update(previous, scan_warnings.clone(), forced, progress));
        match first {
            Ok(done) => Ok(done),
            Err(why) => {
                let reason = Some(format!("it failed in use ({why:#})"));
                guarded(|| self.update(None, scan_warnings, reason, progress))
            }
        }
    }

    /// One attempt, under the lock: the stages in order. `forced` is why the index must
    /// be built anew, if it must.
    fn update(
        &self,
        previous: Option<Store>,
        scan_warnings: Vec<Warning>,
        forced: Option<String>,
        progress: &mut Progress,
    ) -> anyhow::Result<(Store, StoreReport)> {
        let mut report = StoreReport::default();
        let (mut catalog, index) = self.open(previous, forced, &mut report)?;
        crate::timing::mark("catalog + index opened");
        let examined = examine_all(&mut catalog, self.files, &mut report, progress);
        // A few notes changed: drawn at once, before every note is linked again.
        let previewed = catalog
            .library
            .take()
            .and_then(|library| preview(&library, &examined, &report))
            .map(|preview| progress(Stage::Linked(&Arc::new(preview))))
            .is_some();
        let (mut store, plan, note_warnings) = self.link(catalog, index, examined, scan_warnings, &report)?;
        crate::timing::mark("linked");
        if plan.is_empty() {
            store.index.reader.reload()?;
            return Ok((store, report));
        }
        if !plan.to_index.is_empty() && !previewed {
            progress(Stage::Linked(&store.library));
        }
        store.write(&plan, note_warnings, self.commits, &mut report, progress)?;
        Ok((store, report))
    }

    /// The open stage: the catalog and index an update starts from (the store this
    /// process kept, or the cache on disk), or a new empty index, with the reason in
    /// the report when there was a cache.
    fn open(
        &self,
        previous: Option<Store>,
        forced: Option<String>,
        report: &mut StoreReport,
    ) -> anyhow::Result<(Catalog, SearchIndex)> {
        let dir = self.dir;
        let mut reason = forced;
        let (mut catalog, index) = starting_point(dir, previous, &mut reason);
        let index = match index {
            Some(index) => index,
            None => {
                report.rebuilt = reason;
                clear_index_files(dir)?;
                catalog.sizes = Sizes::default();
                Index::create_in_dir(dir, schema().0)?
            }
        };
        let search = SearchIndex::with_index(index, schema().1, self.analyzer.clone())?;
        Ok((catalog, search))
    }

    /// The link stage: unique ids, links and backlinks across every file; then what the
    /// update must write, now that the ids its documents carry are known.
    fn link(
        &self,
        catalog: Catalog,
        index: SearchIndex,
        examined: diff::Examined,
        scan_warnings: Vec<Warning>,
        report: &StoreReport,
    ) -> anyhow::Result<(Store, Plan, Vec<Warning>)> {
        let mut examined = examined;
        let from_scan = scan_warnings.len();
        let (mut library, relinked) = Library::link_changes(&mut examined.files, scan_warnings);
        crate::timing::mark("link: library linked");
        // Scan warnings come first; they are found afresh by every scan.
        let note_warnings = library.warnings.get(from_scan..).unwrap_or_default().to_vec();
        if let Some(reason) = &report.rebuilt {
            library.warnings.push(Warning {
                file: self.dir.display().to_string(),
                line: None,
                message: format!("search index rebuilt: {reason}"),
            });
        }
        let ids: Vec<Option<String>> = examined
            .files
            .iter()
            .map(|f| f.note.as_ref().ok().map(|n| n.event.id.clone()))
            .collect();
        crate::timing::mark("link: ids");
        let (plan, files) = Plan::new(examined, &ids, &relinked);
        let store = Store {
            dir: self.dir.to_path_buf(),
            generation: catalog.generation,
            files,
            indexed_ids: ids,
            index,
            library: Arc::new(library),
            in_memory: false,
            sizes: catalog.sizes,
            only: None,
        };
        Ok((store, plan, note_warnings))
    }
}

/// The library `previous` with the few notes that changed in place (see
/// [`crate::core::preview::patched`]); `None` when notes came or went, or many changed.
fn preview(previous: &Library, examined: &diff::Examined, report: &StoreReport) -> Option<Library> {
    if report.added > 0 || report.removed > 0 || !(1..=64).contains(&report.changed) {
        return None;
    }
    let changed: Vec<(usize, &Arc<crate::core::Event>)> = examined
        .statuses
        .iter()
        .enumerate()
        .filter_map(|(i, status)| match status {
            diff::Status::Changed(old) => Some((i, &old.note.as_ref().ok()?.event)),
            _ => None,
        })
        .collect();
    if changed.len() != report.changed {
        return None;
    }
    let preview = crate::core::preview::patched(previous, &examined.files, &changed);
    crate::timing::mark("changes previewed");
    preview
}

/// The catalog and index an update starts from: the store this process kept, or the
/// cache on disk, or nothing (a new index, with `reason` saying why when there was a
/// cache).
fn starting_point(
    dir: &Path,
    previous: Option<Store>,
    reason: &mut Option<String>,
) -> (Catalog, Option<Index>) {
    let previous = previous.filter(|p| reason.is_none() && p.dir == dir && p.is_current());
    if let Some(p) = previous {
        let catalog = Catalog {
            generation: p.generation,
            files: p.files,
            event_ids: p.indexed_ids,
            warnings: Vec::new(),
            sizes: p.sizes,
            only: p.only,
            library: Some(p.library),
        };
        return (catalog, Some(p.index.index));
    }
    if reason.is_some() {
        return (Catalog::default(), None); // built anew, as asked
    }
    let had_cache = dir.join("meta.json").exists() || dir.join(CATALOG).exists();
    match open_index(dir) {
        Ok((index, generation)) => match read_catalog(dir, Some(generation)) {
            Ok((mut catalog, written_for_it)) => {
                crate::timing::mark("catalog read");
                if written_for_it {
                    // The update that wrote it stopped right after its commit.
                    let _ = promote_base(dir, &mut catalog.sizes);
                }
                return (catalog, Some(index));
            }
            Err(why) => *reason = Some(why),
        },
        Err(why) if had_cache => *reason = Some(why),
        Err(_) => {}
    }
    // No usable index: the catalog is still a good cache of parsed files (not of what
    // the index holds).
    let mut catalog = read_catalog(dir, None).map(|(c, _)| c).unwrap_or_default();
    catalog.event_ids.iter_mut().for_each(|id| *id = None);
    (catalog, None)
}

impl Store {
    /// Whether the cache on disk is still the one this store describes (no other
    /// confnotes has updated it since).
    fn is_current(&self) -> bool {
        !self.in_memory
            && self.index.index.load_metas().ok().and_then(|m| m.payload) == Some(self.generation.to_string())
    }
}
