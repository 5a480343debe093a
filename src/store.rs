//! The cache in the user's cache directory: every note as last parsed (the catalog) and
//! the tantivy index of them, kept in step. A refresh re-reads only files whose size
//! or mtime changed (and re-indexes only those whose content hash changed too), so a
//! warm start never reads an unchanged note. A cache that is missing, corrupt, or from
//! another parser/schema/analyzer/dictionary version is rebuilt with a message.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::{Index, Term};

use std::io::Write;

use crate::core::library::{content_hash, parse_text, FileStamp, ParsedFile};
use crate::core::parse::PARSER_VERSION;
use crate::core::scan::NoteFile;
use crate::core::{Event, Library, Warning};
use crate::search::analyzer::ANALYZER_VERSION;
use crate::search::index::{schema, SCHEMA_VERSION};
use crate::search::{Analyzer, SearchIndex};

mod checked;
pub use checked::catching_panics;
use checked::{clear_index_files, guarded, lock, open_index, open_search, writer_with_retry};

/// How many notes are read and analysed together before their documents go to the
/// index writer.
const INDEX_CHUNK: usize = 64;

/// The stamps of the indexed files: small, read by every start to see what changed.
const STAMPS: &str = "stamps.bin";
/// The parsed notes (without their text), read when the library is needed.
const CATALOG: &str = "notes.bin";
/// Updates since `notes.bin` and `stamps.bin` were written (see [`Delta`]).
const LOG: &str = "changes.bin";
const LOCK: &str = "confnotes.lock";

/// Everything that makes an old cache unusable when it changes.
fn format_id() -> String {
    format!(
        "parser-{PARSER_VERSION}/schema-{SCHEMA_VERSION}/analyzer-{ANALYZER_VERSION}/{}",
        confnotes_ipadic::DICTIONARY_ID
    )
}

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
    /// Sizes of `notes.bin` and of the change log after it: a log grown past a part of
    /// the base is folded into a new base.
    base_bytes: u64,
    log_bytes: u64,
}

impl Store {
    pub fn library(&self) -> &Arc<Library> {
        &self.library
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }
}

/// `stamps.bin`: what each indexed file looked like. Written after `notes.bin`, so it
/// is the mark of a finished update.
#[derive(Debug, Serialize, Deserialize)]
struct Stamps {
    format: String,
    generation: u64,
    files: Vec<Stamp>,
    /// The library's warnings, so a search that loads no note can still show them.
    warnings: Vec<Warning>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Stamp {
    path: PathBuf,
    stamp: FileStamp,
    event_id: Option<String>,
}

impl Stamp {
    fn of(file: &ParsedFile, event_id: &Option<String>) -> Stamp {
        Stamp {
            path: file.path.clone(),
            stamp: file.stamp,
            event_id: event_id.clone(),
        }
    }
}

/// `notes.bin`: the parsed files, in the same order as the stamps.
#[derive(Debug, Serialize, Deserialize)]
struct ParsedFiles {
    format: String,
    generation: u64,
    files: Vec<ParsedFile>,
}

/// One record of `changes.bin`, the log of updates since the last `notes.bin` and
/// `stamps.bin`: what one update changed, so a saved note does not rewrite the whole
/// catalog. Records follow each other by generation.
#[derive(Debug, Serialize, Deserialize)]
struct Delta {
    generation: u64,
    removed: Vec<PathBuf>,
    /// New or changed files with their event id, and their place in the new order.
    upserts: Vec<(u32, ParsedFile, Option<String>)>,
    warnings: Vec<Warning>,
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
    /// The notes are parsed and linked; a long indexing follows (the app shows them
    /// meanwhile).
    Linked(&'a Arc<Library>),
    Indexing {
        done: usize,
        total: usize,
    },
}

pub type Progress<'a> = dyn FnMut(Stage) + 'a;

/// Indexing more files than this is worth showing the notes before it ends.
const SHOW_BEFORE_INDEXING: usize = 200;

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
    let mut catalog = read_catalog(dir).ok()?;
    crate::timing::mark("cached: catalog read");
    let index = open_search(dir, catalog.generation, analyzer).ok()?;
    crate::timing::mark("cached: index opened");
    let mut library = Library::link(&mut catalog.files, Vec::new());
    library.warnings = catalog.warnings;
    crate::timing::mark("cached: linked");
    Some(Store {
        dir: dir.to_path_buf(),
        generation: catalog.generation,
        files: catalog.files,
        indexed_ids: catalog.event_ids,
        index,
        library: Arc::new(library),
        in_memory: false,
        base_bytes: catalog.base_bytes,
        log_bytes: catalog.log_bytes,
    })
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
    fs::create_dir_all(dir)?;
    let _lock = lock(dir, progress)?;
    let forced = rebuild.then(|| "--rebuild-index".to_string());
    let first = guarded(|| {
        update(
            dir,
            previous,
            files,
            scan_warnings.clone(),
            analyzer.clone(),
            forced,
            progress,
        )
    });
    match first {
        Ok(done) => Ok(done),
        Err(why) => {
            let reason = Some(format!("it failed in use ({why:#})"));
            guarded(|| update(dir, None, files, scan_warnings, analyzer, reason, progress))
        }
    }
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
            base_bytes: p.base_bytes,
            log_bytes: p.log_bytes,
        };
        return (catalog, Some(p.index.index));
    }
    let mut catalog = match read_catalog(dir) {
        Ok(c) if reason.is_none() => c,
        Ok(_) => Catalog::default(),
        Err(why) => {
            if dir.join("meta.json").exists() || dir.join(STAMPS).exists() {
                reason.get_or_insert(why);
            }
            Catalog::default()
        }
    };
    crate::timing::mark("catalog read");
    let mut index = None;
    if !catalog.files.is_empty() || catalog.generation > 0 {
        match open_index(dir, catalog.generation) {
            Ok(i) => index = Some(i),
            Err(why) => {
                // The catalog is still a good cache of parsed files; only the index goes.
                *reason = Some(why);
                catalog.event_ids.iter_mut().for_each(|id| *id = None);
            }
        }
    }
    (catalog, index)
}

/// What the scan found against the catalog: each file as it is now (read and parsed
/// only when its stamp moved), the event id its documents carry, and what changed.
struct Examined {
    files: Vec<ParsedFile>,
    old_ids: Vec<Option<String>>,
    statuses: Vec<Status>,
    removed: Vec<PathBuf>,
}

fn examine_all(
    catalog: &mut Catalog,
    files: &[NoteFile],
    report: &mut StoreReport,
    progress: &mut Progress,
) -> Examined {
    let same_paths =
        catalog.files.len() == files.len() && catalog.files.iter().zip(files).all(|(c, f)| c.path == f.path);
    let (before, removed): (Vec<Option<Kept>>, Vec<PathBuf>) = if same_paths {
        // The usual case (no note added or removed): paired in order, no lookups.
        let before = catalog
            .files
            .drain(..)
            .zip(catalog.event_ids.drain(..))
            .map(Some)
            .collect();
        (before, Vec::new())
    } else {
        let mut old: HashMap<PathBuf, Kept> = catalog
            .files
            .drain(..)
            .zip(catalog.event_ids.drain(..))
            .map(|(f, id)| (f.path.clone(), (f, id)))
            .collect();
        let before = files.iter().map(|f| old.remove(&f.path)).collect();
        (before, old.into_keys().collect())
    };
    report.removed = removed.len();
    let total = files.len();
    let mut examined: Vec<(ParsedFile, Option<String>, Status)> = Vec::with_capacity(total);
    let mut before = before.into_iter();
    for chunk in files.chunks(1024) {
        let previous: Vec<_> = before.by_ref().take(chunk.len()).collect();
        examined.par_extend(
            chunk
                .par_iter()
                .zip(previous.into_par_iter())
                .map(|(file, p)| examine(file, p)),
        );
        progress(Stage::Reading {
            done: examined.len(),
            total,
        });
    }
    crate::timing::mark("changes examined");
    let mut out = Examined {
        files: Vec::with_capacity(total),
        old_ids: Vec::with_capacity(total),
        statuses: Vec::with_capacity(total),
        removed,
    };
    for (file, id, status) in examined {
        match status {
            Status::Unchanged => report.unchanged += 1,
            Status::Touched => {
                report.unchanged += 1;
                report.touched += 1;
            }
            Status::Changed => report.changed += 1,
            Status::Added => report.added += 1,
        }
        out.files.push(file);
        out.old_ids.push(id);
        out.statuses.push(status);
    }
    out
}

/// One attempt at [`refresh`], under its lock. `forced` is why the index must be
/// built anew, if it must.
fn update(
    dir: &Path,
    previous: Option<Store>,
    files: &[NoteFile],
    scan_warnings: Vec<Warning>,
    analyzer: Analyzer,
    forced: Option<String>,
    progress: &mut Progress,
) -> anyhow::Result<(Store, StoreReport)> {
    let mut report = StoreReport::default();
    let mut reason = forced;
    let (mut catalog, index) = starting_point(dir, previous, &mut reason);
    let index = match index {
        Some(index) => index,
        None => {
            report.rebuilt = reason;
            clear_index_files(dir)?;
            catalog.base_bytes = 0;
            catalog.log_bytes = 0;
            Index::create_in_dir(dir, schema().0)?
        }
    };
    let search = SearchIndex::with_index(index, schema().1, analyzer)?;
    crate::timing::mark("catalog + index opened");

    // What changed: stamps first, content hashes for files whose mtime moved.
    let Examined {
        files: mut parsed,
        old_ids,
        statuses,
        removed,
    } = examine_all(&mut catalog, files, &mut report, progress);

    let from_scan = scan_warnings.len();
    let mut library = Library::link(&mut parsed, scan_warnings);
    crate::timing::mark("linked");
    // Scan warnings come first; they are found afresh by every scan.
    let note_warnings = library.warnings.get(from_scan..).unwrap_or_default().to_vec();
    if let Some(reason) = &report.rebuilt {
        library.warnings.push(Warning {
            file: dir.display().to_string(),
            line: None,
            message: format!("search index rebuilt: {reason}"),
        });
    }
    let ids: Vec<Option<String>> = parsed
        .iter()
        .map(|f| f.note.as_ref().ok().map(|n| n.event.id.clone()))
        .collect();
    // Files whose documents must be (re)written: new content, or a new event id; and
    // files whose catalog record changed (those, plus the touched ones).
    let mut to_index: Vec<usize> = Vec::new();
    let mut upserts: Vec<usize> = Vec::new();
    for (i, (status, (new, old))) in statuses.iter().zip(ids.iter().zip(&old_ids)).enumerate() {
        let new_id = new != old;
        if matches!(status, Status::Changed | Status::Added) || new_id {
            to_index.push(i);
        }
        if !matches!(status, Status::Unchanged) || new_id {
            upserts.push(i);
        }
    }
    let mut store = Store {
        dir: dir.to_path_buf(),
        generation: catalog.generation,
        files: parsed,
        indexed_ids: ids,
        index: search,
        library: Arc::new(library),
        in_memory: false,
        base_bytes: catalog.base_bytes,
        log_bytes: catalog.log_bytes,
    };
    if upserts.is_empty() && removed.is_empty() {
        store.index.reader.reload()?;
        return Ok((store, report));
    }
    store.write(
        &removed,
        &to_index,
        &upserts,
        note_warnings,
        &mut report,
        progress,
    )?;
    Ok((store, report))
}

impl Store {
    /// Writes an update: the documents of `to_index` (and of `removed`) in the index,
    /// then the catalog. In memory instead when another program holds the index.
    fn write(
        &mut self,
        removed: &[PathBuf],
        to_index: &[usize],
        upserts: &[usize],
        note_warnings: Vec<Warning>,
        report: &mut StoreReport,
        progress: &mut Progress,
    ) -> anyhow::Result<()> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
        // Each indexing thread costs megabytes of fresh memory before its first document:
        // a few files are indexed by one.
        let threads = threads.min(1 + to_index.len() / 256);
        let Some(mut writer) = writer_with_retry(&self.index.index, threads) else {
            report.in_memory_fallback = true;
            return self.index_in_memory();
        };
        if to_index.len() > SHOW_BEFORE_INDEXING {
            progress(Stage::Linked(&self.library));
        }
        let path_term =
            |path: &Path| Term::from_field_text(self.index.fields.path, &path.display().to_string());
        let indexed = to_index.iter().filter_map(|&i| self.files.get(i));
        for path in removed.iter().chain(indexed.clone().map(|f| &f.path)) {
            writer.delete_term(path_term(path));
        }
        let total = to_index.len();
        let files: Vec<&ParsedFile> = indexed.collect();
        let mut done = 0;
        // Read and analysed in parallel, a chunk at a time (bounded memory), then handed
        // to the index writer in order.
        for chunk in files.chunks(INDEX_CHUNK) {
            let docs: Vec<Vec<tantivy::TantivyDocument>> = chunk
                .par_iter()
                .map(|file| {
                    let Ok(note) = &file.note else { return Vec::new() };
                    // A file kept from the catalog has no text in memory (its event id
                    // changed, or the index is rebuilt): it is read again. If it vanished
                    // meanwhile, its titles are still indexed and the next refresh removes it.
                    let event = &*note.event;
                    let full = self.library.with_text(event).unwrap_or(Cow::Borrowed(event));
                    self.index.documents(&full, &file.path.display().to_string())
                })
                .collect();
            for doc in docs.into_iter().flatten() {
                writer.add_document(doc)?;
            }
            done += chunk.len();
            progress(Stage::Indexing { done, total });
        }
        progress(Stage::Indexing { done: total, total });
        let generation = self.generation + 1;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&generation.to_string());
        prepared.commit()?;
        crate::timing::mark("index committed");
        self.generation = generation;
        // Written after the commit: a crash in between leaves a catalog whose generation
        // does not match the index, and the next refresh re-indexes.
        self.persist(removed, upserts, note_warnings)?;
        crate::timing::mark("catalog written");
        self.index.reader.reload()?;
        // Merges finish in the background while the index is already in use.
        drop(writer);
        Ok(())
    }

    /// Another program holds the index: every note is indexed in memory instead, with
    /// its text (read again for notes kept from the catalog, which have none).
    fn index_in_memory(&mut self) -> anyhow::Result<()> {
        let library = &self.library;
        let events: Vec<Arc<Event>> = library
            .events
            .par_iter()
            .map(|e| match library.with_text(e) {
                Ok(Cow::Owned(full)) => Arc::new(full),
                _ => Arc::clone(e),
            })
            .collect();
        let full = Library {
            events,
            warnings: Vec::new(),
        };
        self.index = SearchIndex::build_in_ram(&full, self.index.analyzer.clone())?;
        let mut library = Library::clone(&self.library);
        library.warnings.push(Warning {
            file: self.dir.display().to_string(),
            line: None,
            message: "the index is held by another program; this one indexed in memory".into(),
        });
        self.library = Arc::new(library);
        self.in_memory = true;
        Ok(())
    }
}

impl Store {
    /// Whether the cache on disk is still the one this store describes (no other
    /// confnotes has updated it since).
    fn is_current(&self) -> bool {
        !self.in_memory
            && self.index.index.load_metas().ok().and_then(|m| m.payload) == Some(self.generation.to_string())
    }

    /// Records this update: a record appended to the change log when the update was
    /// small, else a new `notes.bin` and `stamps.bin`.
    fn persist(
        &mut self,
        removed: &[PathBuf],
        upserts: &[usize],
        warnings: Vec<Warning>,
    ) -> anyhow::Result<()> {
        // Only an update of a small part of the notes is worth a log record (a first
        // run or a rebuild is written whole, without encoding it twice).
        let small = self.base_bytes > 0 && (upserts.len() + removed.len()) * 4 <= self.files.len();
        if small {
            let delta = Delta {
                generation: self.generation,
                removed: removed.to_vec(),
                upserts: upserts
                    .iter()
                    .map(|&i| (i as u32, self.files[i].clone(), self.indexed_ids[i].clone()))
                    .collect(),
                warnings: warnings.clone(),
            };
            let record = postcard::to_stdvec(&delta)?;
            if self.log_bytes + record.len() as u64 <= self.base_bytes / 4 {
                let mut log = fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(self.dir.join(LOG))?;
                let mut bytes = (record.len() as u32).to_le_bytes().to_vec();
                bytes.extend_from_slice(&record);
                log.write_all(&bytes)?;
                self.log_bytes += bytes.len() as u64;
                return Ok(());
            }
        }
        let stamps = Stamps {
            format: format_id(),
            generation: self.generation,
            files: self
                .files
                .iter()
                .zip(&self.indexed_ids)
                .map(|(f, id)| Stamp::of(f, id))
                .collect(),
            warnings,
        };
        #[derive(Serialize)]
        struct ParsedFilesRef<'a> {
            format: String,
            generation: u64,
            files: &'a [ParsedFile],
        }
        let notes = postcard::to_stdvec(&ParsedFilesRef {
            format: format_id(),
            generation: self.generation,
            files: &self.files,
        })?;
        self.base_bytes = notes.len() as u64;
        for (name, bytes) in [(CATALOG, notes), (STAMPS, postcard::to_stdvec(&stamps)?)] {
            let tmp = self.dir.join(format!("{name}.tmp"));
            fs::write(&tmp, bytes)?;
            fs::rename(&tmp, self.dir.join(name))?;
        }
        // Its records are older than the new base: harmless if this fails.
        let _ = fs::remove_file(self.dir.join(LOG));
        self.log_bytes = 0;
        Ok(())
    }
}

/// A file as the catalog keeps it, with the event id its documents carry.
type Kept = (ParsedFile, Option<String>);

enum Status {
    Unchanged,
    /// The mtime moved but the content is the same.
    Touched,
    Changed,
    Added,
}

/// Decides whether one file changed, reading it only when its stamp moved.
fn examine(file: &NoteFile, previous: Option<Kept>) -> (ParsedFile, Option<String>, Status) {
    let Some((mut previous, id)) = previous else {
        return (crate::core::library::parse_file(file), None, Status::Added);
    };
    if previous.stamp.unchanged_unread(file) {
        return (previous, id, Status::Unchanged);
    }
    match file.read() {
        Ok(text) => {
            let hash = content_hash(&text);
            if hash == previous.stamp.hash {
                let touched = previous.stamp.mtime_ns != file.mtime_ns;
                previous.stamp.mtime_ns = file.mtime_ns;
                previous.display = file.display.clone();
                let status = if touched {
                    Status::Touched
                } else {
                    Status::Unchanged
                };
                return (previous, id, status);
            }
            (parse_text(file, &text), id, Status::Changed)
        }
        Err(message) => (
            crate::core::library::unreadable(file, message),
            id,
            Status::Changed,
        ),
    }
}

/// The catalog as read from disk: base files plus the change log.
#[derive(Debug, Default)]
struct Catalog {
    generation: u64,
    files: Vec<ParsedFile>,
    event_ids: Vec<Option<String>>,
    warnings: Vec<Warning>,
    base_bytes: u64,
    log_bytes: u64,
}

/// Checks the format first, so another version is told apart from a damaged file.
fn decode<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<(T, u64), String> {
    let bytes = match fs::read(dir.join(name)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "its {name} is missing (made by an older confnotes, or never finished)"
            ))
        }
        Err(e) => return Err(format!("its {name} cannot be read ({e})")),
    };
    let (format, _) =
        postcard::take_from_bytes::<String>(&bytes).map_err(|_| format!("its {name} is damaged"))?;
    if format != format_id() {
        return Err(format!("it was built by another version ({format})"));
    }
    let value = postcard::from_bytes(&bytes).map_err(|_| format!("its {name} is damaged"))?;
    Ok((value, bytes.len() as u64))
}

/// The change log's records that follow generation `base`, in order, and the log's
/// size. A record cut short (a crash while appending) ends the log.
fn read_log(dir: &Path, base: u64) -> (Vec<Delta>, u64) {
    let Ok(bytes) = fs::read(dir.join(LOG)) else {
        return (Vec::new(), 0);
    };
    let mut deltas: Vec<Delta> = Vec::new();
    let mut rest = bytes.as_slice();
    let mut next = base + 1;
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = u32::from_le_bytes(*len) as usize;
        let Some(record) = tail.get(..len) else { break };
        rest = &tail[len..];
        let Ok(delta) = postcard::from_bytes::<Delta>(record) else {
            break;
        };
        if delta.generation < next {
            continue; // already in the base
        }
        if delta.generation != next {
            break;
        }
        next += 1;
        deltas.push(delta);
    }
    (deltas, bytes.len() as u64)
}

/// Applies one logged update to a list in scan order: `key` names an item's file.
fn apply<T>(
    list: &mut Vec<T>,
    delta: &Delta,
    key: impl Fn(&T) -> &Path,
    make: impl Fn(&ParsedFile, &Option<String>) -> T,
) {
    if !delta.removed.is_empty() {
        let removed: std::collections::HashSet<&Path> = delta.removed.iter().map(PathBuf::as_path).collect();
        list.retain(|item| !removed.contains(key(item)));
    }
    // A saved note is one record: looked for directly rather than by a map of all.
    let at: Option<HashMap<PathBuf, usize>> = (delta.upserts.len() > 8).then(|| {
        list.iter()
            .enumerate()
            .map(|(i, item)| (key(item).to_path_buf(), i))
            .collect()
    });
    let find = |list: &[T], path: &Path| match &at {
        Some(at) => at.get(path).copied(),
        None => list.iter().position(|item| key(item) == path),
    };
    let mut added = Vec::new();
    for (place, file, id) in &delta.upserts {
        match find(list, &file.path) {
            Some(i) => list[i] = make(file, id),
            None => added.push((*place as usize, make(file, id))),
        }
    }
    // Inserted in order of their final places, every earlier item is already there.
    for (place, item) in added {
        list.insert(place.min(list.len()), item);
    }
}

fn read_stamps(dir: &Path) -> Result<Stamps, String> {
    let (mut stamps, _): (Stamps, u64) = decode(dir, STAMPS)?;
    let (deltas, _) = read_log(dir, stamps.generation);
    for delta in &deltas {
        apply(&mut stamps.files, delta, |s| &s.path, Stamp::of);
        stamps.generation = delta.generation;
        stamps.warnings.clone_from(&delta.warnings);
    }
    Ok(stamps)
}

fn read_catalog(dir: &Path) -> Result<Catalog, String> {
    let (stamps, _): (Stamps, u64) = decode(dir, STAMPS)?;
    let (notes, base_bytes): (ParsedFiles, u64) = decode(dir, CATALOG)?;
    if notes.generation != stamps.generation || notes.files.len() != stamps.files.len() {
        return Err("its notes.bin and stamps.bin disagree (an interrupted update?)".into());
    }
    let mut entries: Vec<Kept> = notes
        .files
        .into_iter()
        .zip(stamps.files)
        .map(|(file, stamp)| (file, stamp.event_id))
        .collect();
    let (deltas, log_bytes) = read_log(dir, stamps.generation);
    let mut generation = stamps.generation;
    let mut warnings = stamps.warnings;
    for delta in deltas {
        apply(
            &mut entries,
            &delta,
            |(f, _)| &f.path,
            |f, id| (f.clone(), id.clone()),
        );
        generation = delta.generation;
        warnings = delta.warnings;
    }
    let (files, event_ids) = entries.into_iter().unzip();
    Ok(Catalog {
        generation,
        files,
        event_ids,
        warnings,
        base_bytes,
        log_bytes,
    })
}
