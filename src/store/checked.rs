//! The cache's tantivy index opened and checked, its lock, and the guard that turns a
//! panic on the way into a rebuild.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tantivy::index::SegmentComponent;
use tantivy::{Index, IndexWriter};

use super::{Progress, Stage, CATALOG, FOLDERS, LOCK, STAMPS};
use crate::search::index::schema;
use crate::search::{Analyzer, SearchIndex};

/// `work`, with a panic turned into an error.
pub(super) fn guarded<T>(work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    catching(work).unwrap_or_else(|panic| Err(anyhow::anyhow!("a panic: {}", panic_message(panic.as_ref()))))
}

/// Guarded work running now, on any thread (rayon's workers included).
static CATCHING: AtomicUsize = AtomicUsize::new(0);

/// Whether a panic now may be one that the cache catches and turns into a rebuild. A
/// panic hook that tears down the screen (the app's) can leave such a panic alone: a
/// real one still unwinds to the code that restores the terminal.
pub fn catching_panics() -> bool {
    CATCHING.load(Ordering::SeqCst) > 0
}

fn catching<T>(work: impl FnOnce() -> T) -> std::thread::Result<T> {
    CATCHING.fetch_add(1, Ordering::SeqCst);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    CATCHING.fetch_sub(1, Ordering::SeqCst);
    result
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into())
}

/// Opens the cache's index and checks it: the generation its catalog expects, its
/// schema, and every file of every segment present with its checksum right. A flipped
/// byte would otherwise show up as wrong hits, `Data corrupted` or a panic inside
/// tantivy on some later search, on every run. The check reads the files whole (from
/// the page cache after the first run: milliseconds for tens of megabytes).
/// Also the generation of its last commit, which the catalog read with it must have.
pub(super) fn open_index(dir: &Path) -> Result<(Index, u64), String> {
    unwind_to_error(|| {
        let index = Index::open_in_dir(dir).map_err(|e| format!("it cannot be opened ({e})"))?;
        let payload = index.load_metas().ok().and_then(|m| m.payload);
        let Some(generation) = payload.and_then(|p| p.parse::<u64>().ok()) else {
            return Err("it was never committed whole (an interrupted first run?)".into());
        };
        if index.schema() != schema().0 {
            return Err("its schema changed".into());
        }
        // A file's checksum is read once per state of it: a later run that finds it
        // with the same size and modification time skips reading it again (after an
        // update, only its new segment files are read).
        let stamp_path = dir.join("verified.txt");
        let verified = std::fs::read_to_string(&stamp_path).unwrap_or_default();
        let known: HashSet<&str> = verified.lines().collect();
        let mut seen = String::new();
        let mut all_stamped = true;
        for path in segment_files(&index)? {
            let stamp = file_stamp(dir, &path);
            if stamp.as_deref().is_none_or(|s| !known.contains(s)) {
                check_file(&index, &path)?;
            }
            match stamp {
                Some(stamp) => {
                    seen.push_str(&stamp);
                    seen.push('\n');
                }
                None => all_stamped = false,
            }
        }
        if all_stamped && seen != verified {
            let _ = std::fs::write(&stamp_path, seen);
        }
        Ok((index, generation))
    })
}

/// Every file of the index's segments (a file of deletes only where there are some).
fn segment_files(index: &Index) -> Result<Vec<PathBuf>, String> {
    let metas = index
        .searchable_segment_metas()
        .map_err(|e| format!("its segments cannot be listed ({e})"))?;
    let mut files = Vec::new();
    for meta in metas {
        for component in SegmentComponent::iterator() {
            if matches!(component, SegmentComponent::Delete) && !meta.has_deletes() {
                continue; // named, but only written once a document is deleted
            }
            files.push(meta.relative_path(*component));
        }
    }
    Ok(files)
}

/// A file's name, size and modification time, on one line (`None` if it cannot be
/// read: then its checksum is read).
fn file_stamp(dir: &Path, path: &Path) -> Option<String> {
    let md = std::fs::metadata(dir.join(path)).ok()?;
    let mtime = md.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{} {} {}", path.display(), md.len(), mtime.as_nanos()))
}

/// The file is there, whole, with the checksum its footer holds.
fn check_file(index: &Index, path: &Path) -> Result<(), String> {
    match index.directory().validate_checksum(path) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("its {} is damaged", path.display())),
        Err(e) => Err(format!("its {} cannot be read ({e})", path.display())),
    }
}

/// The index opened and checked, with a reader: what `open_front` and `fresh_index`
/// search, when its last commit is `generation`. An error or a panic is a reason to
/// rebuild, which `refresh` does.
pub(super) fn open_search(dir: &Path, generation: u64, analyzer: Analyzer) -> Result<SearchIndex, String> {
    let (search, committed) = open_search_any(dir, analyzer)?;
    if committed != generation {
        return Err("it does not match its catalog (an interrupted update?)".into());
    }
    Ok(search)
}

/// [`open_search`], whatever its last commit: also its generation.
pub(super) fn open_search_any(dir: &Path, analyzer: Analyzer) -> Result<(SearchIndex, u64), String> {
    let (index, committed) = open_index(dir)?;
    let search = unwind_to_error(|| {
        SearchIndex::with_index(index, schema().1, analyzer).map_err(|e| format!("{e:#}"))
    })?;
    Ok((search, committed))
}

/// `work`, with a panic turned into an error (tantivy can panic on damaged files).
fn unwind_to_error<T>(work: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catching(work).unwrap_or_else(|panic| Err(format!("it panicked ({})", panic_message(panic.as_ref()))))
}

/// Removes the index files and the change log (not the catalog, already read, the
/// folder listings, or the lock) before creating a new index. Generations go on counting from the catalog's,
/// so no stale log record can follow the new base.
pub(super) fn clear_index_files(dir: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        // The folder listings are of the notes, not of the index.
        if name == CATALOG || name == STAMPS || name == LOCK || name == FOLDERS {
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
pub(super) fn lock(dir: &Path, progress: &mut Progress) -> anyhow::Result<fs::File> {
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

/// Removes temporary files a killed confnotes left in the cache folder (tantivy's
/// `.tmp*`, the catalog's `*.tmp`), called under the lock. Only old ones: another
/// process may be writing its folder listings beside this one, without the lock.
pub(super) fn clear_stale_temp_files(dir: &Path) {
    const STALE: Duration = Duration::from_secs(600);
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(".tmp") || name.ends_with(".tmp")) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if old && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

pub(super) fn writer_with_retry(index: &Index, threads: usize) -> Option<IndexWriter> {
    let start = Instant::now();
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_an_error_that_names_it() {
        let failed: anyhow::Result<()> = super::guarded(|| {
            assert!(super::catching_panics(), "a panic hook can tell");
            panic!("index out of bounds in vint.rs")
        });
        let message = format!("{:#}", failed.unwrap_err());
        assert!(message.contains("index out of bounds in vint.rs"), "{message}");
        assert_eq!(super::guarded(|| Ok(7)).unwrap(), 7);
    }
}
