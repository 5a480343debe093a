//! The persistent index in the cache directory. At start it is brought up to date by
//! re-indexing only the notes added, changed or removed since last time (by path, size,
//! mtime and a content hash), and rebuilt when missing, corrupt or from another
//! schema/analyzer/dictionary version.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexWriter, Term};

use super::analyzer::{Analyzer, ANALYZER_VERSION};
use super::index::{schema, SearchIndex};
use crate::core::library::RawNote;
use crate::core::{Event, Library};

/// Bumped with any change to the schema or to what goes into a document.
const SCHEMA_VERSION: u32 = 2;
const MANIFEST: &str = "confnotes-manifest.json";

/// Everything that makes an old index unusable when it changes.
fn format_id() -> String {
    format!(
        "schema-{SCHEMA_VERSION}/analyzer-{ANALYZER_VERSION}/{}",
        confnotes_ipadic::DICTIONARY_ID
    )
}

/// What was indexed from one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub size: u64,
    pub mtime_ns: u128,
    pub hash: u64,
    pub event_id: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    format: String,
    /// Matches the payload of the index commit it describes.
    generation: u64,
    files: BTreeMap<String, FileStamp>,
}

/// What opening the store did, for messages and benchmarks.
#[derive(Debug, Default, Clone)]
pub struct StoreReport {
    pub rebuilt: Option<String>,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Another confnotes held the index: this one indexed in memory instead.
    pub in_memory_fallback: bool,
}

pub fn stamp(note: &RawNote, event_id: &str) -> FileStamp {
    FileStamp {
        size: note.text.len() as u64,
        mtime_ns: note.mtime_ns,
        hash: xxhash_rust::xxh3::xxh3_64(note.text.as_bytes()),
        event_id: event_id.to_string(),
    }
}

/// One cache folder per set of note sources, so different `--notes` sets don't fight.
pub fn store_dir(cache: &Path, key: &str) -> PathBuf {
    cache.join(format!(
        "index-{:016x}",
        xxhash_rust::xxh3::xxh3_64(key.as_bytes())
    ))
}

/// Opens (or creates, or repairs) the index in `dir` and brings it up to date with
/// `library`, whose events came from `stamps` (path -> stamp, same order as events).
pub fn open(
    dir: &Path,
    library: &Library,
    stamps: &BTreeMap<String, FileStamp>,
    paths: &[String],
    analyzer: Analyzer,
    rebuild: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> anyhow::Result<(SearchIndex, StoreReport)> {
    let mut report = StoreReport::default();
    let manifest_path = dir.join(MANIFEST);
    let mut reason = if rebuild {
        Some("--rebuild-index".to_string())
    } else {
        None
    };
    let manifest: Manifest = match fs::read(&manifest_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            reason.get_or_insert("its manifest is unreadable".into());
            Manifest::default()
        }),
        Err(_) => {
            if dir.exists() {
                reason.get_or_insert("its manifest is missing".into());
            }
            Manifest::default()
        }
    };
    if reason.is_none() && dir.exists() && manifest.format != format_id() {
        reason = Some(format!("it was built by another version ({})", manifest.format));
    }
    let (schema, fields) = schema();
    let mut index = None;
    if reason.is_none() && dir.exists() {
        match Index::open_in_dir(dir) {
            Ok(i) => {
                let payload = i.load_metas().ok().and_then(|m| m.payload);
                if payload.as_deref() != Some(&manifest.generation.to_string()) {
                    reason = Some("it does not match its manifest (an interrupted update?)".into());
                } else if i.schema() != schema {
                    reason = Some("its schema changed".into());
                } else {
                    index = Some(i);
                }
            }
            Err(e) => reason = Some(format!("it cannot be opened ({e})")),
        }
    }
    let mut manifest = manifest;
    let index = match index {
        Some(i) => i,
        None => {
            if dir.exists() {
                report.rebuilt = Some(reason.clone().unwrap_or_else(|| "it was missing".into()));
                fs::remove_dir_all(dir)?;
            }
            fs::create_dir_all(dir)?;
            manifest = Manifest {
                format: format_id(),
                generation: 0,
                files: BTreeMap::new(),
            };
            Index::create_in_dir(dir, schema)?
        }
    };
    let search = SearchIndex::with_index(index, fields, analyzer)?;

    // What changed since the manifest was written.
    let mut to_index: Vec<usize> = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        match (manifest.files.get(path), stamps.get(path)) {
            (Some(old), Some(new)) if same_content(old, new) => report.unchanged += 1,
            (Some(_), _) => {
                report.changed += 1;
                to_index.push(i);
            }
            (None, _) => {
                report.added += 1;
                to_index.push(i);
            }
        }
    }
    let removed: Vec<String> = manifest
        .files
        .keys()
        .filter(|p| !stamps.contains_key(*p))
        .cloned()
        .collect();
    report.removed = removed.len();
    if to_index.is_empty() && removed.is_empty() {
        search.reader.reload()?;
        return Ok((search, report));
    }

    let mut writer: IndexWriter = match writer_with_retry(&search.index) {
        Some(w) => w,
        None => {
            // Someone else is updating this index: don't wait on them, index in memory.
            report.in_memory_fallback = true;
            let ram = SearchIndex::build_in_ram(library, search.analyzer.clone())?;
            return Ok((ram, report));
        }
    };
    let total = to_index.len();
    for path in manifest
        .files
        .keys()
        .filter(|p| !stamps.contains_key(*p))
        .chain(to_index.iter().map(|&i| &paths[i]))
    {
        writer.delete_term(Term::from_field_text(search.fields.path, path));
    }
    for (done, &i) in to_index.iter().enumerate() {
        let event: &Event = &library.events[i];
        search.add_event(&mut writer, event, &paths[i])?;
        if done % 64 == 0 {
            progress(done, total);
        }
    }
    progress(total, total);
    manifest.generation += 1;
    manifest.format = format_id();
    manifest.files = stamps.clone();
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&manifest.generation.to_string());
    prepared.commit()?;
    writer.wait_merging_threads()?;
    // Written after the commit, atomically: a crash in between leaves a manifest whose
    // generation does not match the index, and the next start rebuilds.
    let tmp = dir.join(format!("{MANIFEST}.tmp"));
    fs::write(&tmp, serde_json::to_vec(&manifest)?)?;
    fs::rename(&tmp, &manifest_path)?;
    search.reader.reload()?;
    Ok((search, report))
}

fn same_content(old: &FileStamp, new: &FileStamp) -> bool {
    old.event_id == new.event_id
        && old.size == new.size
        && (old.mtime_ns == new.mtime_ns || old.hash == new.hash)
}

fn writer_with_retry(index: &Index) -> Option<IndexWriter> {
    let start = Instant::now();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    loop {
        match index.writer_with_num_threads(threads, 64_000_000 * threads) {
            Ok(w) => return Some(w),
            Err(tantivy::TantivyError::LockFailure(..)) if start.elapsed() < Duration::from_millis(1500) => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(_) => return None,
        }
    }
}
