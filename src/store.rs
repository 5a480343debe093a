//! The cache in the user's cache directory: every note as last parsed (the catalog) and
//! the tantivy index of them, kept in step. A refresh re-reads only files whose size
//! or mtime changed (and re-indexes only those whose content hash changed too), so a
//! warm start never reads an unchanged note. A cache that is missing, corrupt, or from
//! another parser/schema/analyzer/dictionary version is rebuilt with a message.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexWriter, Term};

use crate::core::library::{content_hash, parse_text, unique_ids, FileStamp, ParsedFile};
use crate::core::parse::PARSER_VERSION;
use crate::core::scan::NoteFile;
use crate::core::{Library, Warning};
use crate::search::analyzer::ANALYZER_VERSION;
use crate::search::index::{schema, SCHEMA_VERSION};
use crate::search::{Analyzer, SearchIndex};

/// The stamps of the indexed files: small, read by every start to see what changed.
const STAMPS: &str = "stamps.bin";
/// The parsed notes (without their text), read when the library is needed.
const CATALOG: &str = "notes.bin";
const LOCK: &str = "confnotes.lock";

/// Everything that makes an old cache unusable when it changes.
fn format_id() -> String {
    format!(
        "parser-{PARSER_VERSION}/schema-{SCHEMA_VERSION}/analyzer-{ANALYZER_VERSION}/{}",
        confnotes_ipadic::DICTIONARY_ID
    )
}

/// The parsed notes that the index was built from, as kept in memory.
#[derive(Debug, Default)]
struct Catalog {
    /// Matches the payload of the index commit it describes.
    generation: u64,
    files: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    file: ParsedFile,
    /// The event id its documents carry (ids are made unique across notes, so a new
    /// note can rename another's event).
    event_id: Option<String>,
}

/// `stamps.bin`: what each indexed file looked like. Written last, so it is the mark
/// of a finished update.
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

/// `notes.bin`: the parsed files, in the same order as the stamps.
#[derive(Debug, Serialize, Deserialize)]
struct ParsedFiles {
    format: String,
    generation: u64,
    files: Vec<ParsedFile>,
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

/// The notes and index exactly as the last run left them, without looking at the
/// note files: what the app shows in its first frame. `None` when there is no usable
/// cache (the refresh that follows will say why and rebuild it).
pub fn open_cached(dir: &Path, analyzer: Analyzer) -> Option<(Library, SearchIndex)> {
    let catalog = read_catalog(dir).ok()?;
    crate::timing::mark("cached: catalog read");
    let index = open_index(dir, catalog.generation).ok()?;
    let search = SearchIndex::with_index(index, schema().1, analyzer).ok()?;
    crate::timing::mark("cached: index opened");
    let library = Library::link(catalog.files.into_iter().map(|e| e.file), Vec::new());
    crate::timing::mark("cached: linked");
    Some((library, search))
}

/// The index alone, when the cache is known to be up to date with `files` by their
/// stamps (no file read): what lets `confnotes search` answer without loading the
/// notes. `None` when anything changed, or the cache is not usable.
pub fn fresh_index(
    dir: &Path,
    files: &[NoteFile],
    analyzer: Analyzer,
) -> Option<(SearchIndex, Vec<Warning>)> {
    let stamps = read_stamps(dir).ok()?;
    if stamps.files.len() != files.len() {
        return None;
    }
    let unchanged = stamps
        .files
        .iter()
        .zip(files)
        .all(|(s, f)| s.path == f.path && s.stamp.unchanged_unread(f));
    if !unchanged {
        return None;
    }
    let index = open_index(dir, stamps.generation).ok()?;
    let search = SearchIndex::with_index(index, schema().1, analyzer).ok()?;
    Some((search, stamps.warnings))
}

/// Brings the cache in `dir` up to date with `files` (a scan of the note folders) and
/// returns the linked library with its index. Only one process refreshes a cache at a
/// time; another waits for it, then finds little left to do.
pub fn refresh(
    dir: &Path,
    files: &[NoteFile],
    scan_warnings: Vec<Warning>,
    analyzer: Analyzer,
    rebuild: bool,
    progress: &mut Progress,
) -> anyhow::Result<(Arc<Library>, SearchIndex, StoreReport)> {
    fs::create_dir_all(dir)?;
    let _lock = lock(dir, progress)?;
    let mut report = StoreReport::default();
    let mut reason = rebuild.then(|| "--rebuild-index".to_string());
    let (mut catalog, loaded) = match read_catalog(dir) {
        Ok(c) if reason.is_none() => (c, true),
        Ok(_) => (Catalog::default(), false),
        Err(why) => {
            if dir.join("meta.json").exists() || dir.join(STAMPS).exists() {
                reason.get_or_insert(why);
            }
            (Catalog::default(), false)
        }
    };
    crate::timing::mark("catalog read");
    let mut index = None;
    if loaded {
        match open_index(dir, catalog.generation) {
            Ok(i) => index = Some(i),
            Err(why) => {
                // The catalog is still a good cache of parsed files; only the index goes.
                reason = Some(why);
                catalog.generation = 0;
                for entry in &mut catalog.files {
                    entry.event_id = None;
                }
            }
        }
    }
    let index = match index {
        Some(index) => index,
        None => {
            report.rebuilt = reason;
            clear_index_files(dir)?;
            Index::create_in_dir(dir, schema().0)?
        }
    };
    let search = SearchIndex::with_index(index, schema().1, analyzer)?;
    crate::timing::mark("catalog + index opened");

    // What changed: stamps first, content hashes for files whose mtime moved.
    let mut old: HashMap<PathBuf, Entry> = catalog
        .files
        .drain(..)
        .map(|e| (e.file.path.clone(), e))
        .collect();
    let previous: Vec<Option<Entry>> = files.iter().map(|f| old.remove(&f.path)).collect();
    report.removed = old.len();
    let removed_paths: Vec<String> = old.keys().map(|p| p.display().to_string()).collect();
    let total = files.len();
    let mut examined: Vec<(Entry, Status)> = Vec::with_capacity(total);
    let mut previous = previous.into_iter();
    for chunk in files.chunks(1024) {
        let before: Vec<Option<Entry>> = previous.by_ref().take(chunk.len()).collect();
        examined.par_extend(
            chunk
                .par_iter()
                .zip(before.into_par_iter())
                .map(|(file, previous)| examine(file, previous)),
        );
        progress(Stage::Reading {
            done: examined.len(),
            total,
        });
    }
    crate::timing::mark("changes examined");
    for (_, status) in &examined {
        match status {
            Status::Unchanged => report.unchanged += 1,
            Status::Touched => {
                report.unchanged += 1;
                report.touched += 1;
            }
            Status::Changed => report.changed += 1,
            Status::Added => report.added += 1,
        }
    }
    // Files whose documents must be (re)written: new content, or a new event id.
    let ids = unique_ids(examined.iter().map(|(e, _)| &e.file));
    let mut to_index: Vec<String> = Vec::new();
    let mut entries: Vec<Entry> = Vec::with_capacity(examined.len());
    for ((mut entry, status), now) in examined.into_iter().zip(ids) {
        if matches!(status, Status::Changed | Status::Added) || now != entry.event_id {
            to_index.push(entry.file.path.display().to_string());
        }
        entry.event_id = now;
        entries.push(entry);
    }
    let index_changes = !to_index.is_empty() || report.removed > 0;
    let generation = catalog.generation + u64::from(index_changes);
    // Encoded now, written once the index is committed; the library takes the files.
    let mut pending = (index_changes || report.touched > 0).then(|| encode(generation, &entries));

    let from_scan = scan_warnings.len();
    let mut library = Library::link(entries.into_iter().map(|e| e.file), scan_warnings);
    if let Some(Ok((stamps, _))) = &mut pending {
        // Scan warnings come first; they are found afresh by every scan.
        stamps.warnings = library.warnings[from_scan..].to_vec();
    }
    crate::timing::mark("linked");
    if let Some(reason) = &report.rebuilt {
        library.warnings.push(Warning {
            file: dir.display().to_string(),
            line: None,
            message: format!("search index rebuilt: {reason}"),
        });
    }
    if !index_changes {
        if let Some(bytes) = pending {
            write_catalog(dir, bytes?)?;
        }
        search.reader.reload()?;
        return Ok((Arc::new(library), search, report));
    }

    let Some(mut writer) = writer_with_retry(&search.index) else {
        report.in_memory_fallback = true;
        library.warnings.push(Warning {
            file: dir.display().to_string(),
            line: None,
            message: "the index is held by another program; this one indexed in memory".into(),
        });
        let ram = SearchIndex::build_in_ram(&library, search.analyzer.clone())?;
        return Ok((Arc::new(library), ram, report));
    };
    let library = Arc::new(library);
    if to_index.len() > SHOW_BEFORE_INDEXING {
        progress(Stage::Linked(&library));
    }
    for path in removed_paths.iter().chain(&to_index) {
        writer.delete_term(Term::from_field_text(search.fields.path, path));
    }
    let by_path: HashMap<&str, usize> = library
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.file.as_str(), i))
        .collect();
    let total = to_index.len();
    for (done, path) in to_index.iter().enumerate() {
        if let Some(&e) = by_path.get(path.as_str()) {
            // A file kept from the catalog has no text in memory (its event id changed,
            // or the index is rebuilt): it is read again. If it vanished meanwhile, its
            // titles are still indexed and the next refresh removes it.
            let event = &library.events[e];
            let full = library
                .with_text(event)
                .unwrap_or(std::borrow::Cow::Borrowed(event));
            search.add_event(&mut writer, &full, path)?;
        }
        if done % 64 == 0 {
            progress(Stage::Indexing { done, total });
        }
    }
    progress(Stage::Indexing { done: total, total });
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&generation.to_string());
    prepared.commit()?;
    // Written after the commit, stamps last: a crash in between leaves stamps whose
    // generation does not match the index, and the next refresh re-indexes.
    if let Some(bytes) = pending {
        write_catalog(dir, bytes?)?;
    }
    search.reader.reload()?;
    // Merges finish in the background while the index is already in use.
    drop(writer);
    Ok((library, search, report))
}

enum Status {
    Unchanged,
    /// The mtime moved but the content is the same.
    Touched,
    Changed,
    Added,
}

/// Decides whether one file changed, reading it only when its stamp moved.
fn examine(file: &NoteFile, previous: Option<Entry>) -> (Entry, Status) {
    let Some(mut previous) = previous else {
        return (fresh(file), Status::Added);
    };
    if previous.file.stamp.unchanged_unread(file) {
        return (previous, Status::Unchanged);
    }
    match file.read() {
        Ok(text) => {
            let hash = content_hash(&text);
            if hash == previous.file.stamp.hash {
                let touched = previous.file.stamp.mtime_ns != file.mtime_ns;
                previous.file.stamp.mtime_ns = file.mtime_ns;
                previous.file.display = file.display.clone();
                let status = if touched {
                    Status::Touched
                } else {
                    Status::Unchanged
                };
                return (previous, status);
            }
            (
                Entry {
                    file: parse_text(file, &text),
                    event_id: previous.event_id,
                },
                Status::Changed,
            )
        }
        Err(message) => (
            Entry {
                file: crate::core::library::unreadable(file, message),
                event_id: previous.event_id,
            },
            Status::Changed,
        ),
    }
}

fn fresh(file: &NoteFile) -> Entry {
    Entry {
        file: crate::core::library::parse_file(file),
        event_id: None,
    }
}

/// The stamps (warnings still to be filled in) and the parsed notes' bytes.
fn encode(generation: u64, entries: &[Entry]) -> anyhow::Result<(Stamps, Vec<u8>)> {
    let stamps = Stamps {
        format: format_id(),
        generation,
        files: entries
            .iter()
            .map(|e| Stamp {
                path: e.file.path.clone(),
                stamp: e.file.stamp,
                event_id: e.event_id.clone(),
            })
            .collect(),
        warnings: Vec::new(),
    };
    #[derive(Serialize)]
    struct ParsedFilesRef<'a> {
        format: String,
        generation: u64,
        files: Vec<&'a ParsedFile>,
    }
    let notes = ParsedFilesRef {
        format: format_id(),
        generation,
        files: entries.iter().map(|e| &e.file).collect(),
    };
    Ok((stamps, postcard::to_stdvec(&notes)?))
}

/// Checks the format first, so another version is told apart from a damaged file.
fn decode<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> Result<T, String> {
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
    postcard::from_bytes(&bytes).map_err(|_| format!("its {name} is damaged"))
}

fn read_stamps(dir: &Path) -> Result<Stamps, String> {
    decode(dir, STAMPS)
}

fn read_catalog(dir: &Path) -> Result<Catalog, String> {
    let stamps = read_stamps(dir)?;
    let notes: ParsedFiles = decode(dir, CATALOG)?;
    if notes.generation != stamps.generation || notes.files.len() != stamps.files.len() {
        return Err("its notes.bin and stamps.bin disagree (an interrupted update?)".into());
    }
    let files = notes
        .files
        .into_iter()
        .zip(stamps.files)
        .map(|(file, stamp)| Entry {
            file,
            event_id: stamp.event_id,
        })
        .collect();
    Ok(Catalog {
        generation: stamps.generation,
        files,
    })
}

fn write_catalog(dir: &Path, (stamps, notes): (Stamps, Vec<u8>)) -> anyhow::Result<()> {
    for (name, bytes) in [(CATALOG, notes), (STAMPS, postcard::to_stdvec(&stamps)?)] {
        let tmp = dir.join(format!("{name}.tmp"));
        fs::write(&tmp, bytes)?;
        fs::rename(&tmp, dir.join(name))?;
    }
    Ok(())
}

fn open_index(dir: &Path, generation: u64) -> Result<Index, String> {
    let index = Index::open_in_dir(dir).map_err(|e| format!("it cannot be opened ({e})"))?;
    let payload = index.load_metas().ok().and_then(|m| m.payload);
    if payload.as_deref() != Some(&generation.to_string()) {
        return Err("it does not match its catalog (an interrupted update?)".into());
    }
    if index.schema() != schema().0 {
        return Err("its schema changed".into());
    }
    Ok(index)
}

/// Removes the index files (not the catalog or the lock) before creating a new index.
fn clear_index_files(dir: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == CATALOG || name == STAMPS || name == LOCK {
            continue;
        }
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Holds the cache for one refresh. Waits for another confnotes that holds it.
fn lock(dir: &Path, progress: &mut Progress) -> anyhow::Result<fs::File> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK))?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) => {
                if start.elapsed() > Duration::from_secs(120) {
                    anyhow::bail!("another confnotes has been updating this cache for two minutes");
                }
                progress(Stage::Waiting);
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(fs::TryLockError::Error(e)) => return Err(e.into()),
        }
    }
}

fn writer_with_retry(index: &Index) -> Option<IndexWriter> {
    let start = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    loop {
        match index.writer_with_num_threads(threads, 32_000_000 * threads) {
            Ok(w) => return Some(w),
            Err(tantivy::TantivyError::LockFailure(..)) if start.elapsed() < Duration::from_millis(1500) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(_) => return None,
        }
    }
}
