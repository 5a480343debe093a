//! A loaded notes set and its search index, opened together for the CLI and the app:
//! from the cache as the last run left it (instant), or brought up to date with the
//! note folders (a scan, then only what changed is read and indexed).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::core::scan::{scan, scan_with, NoteFile};
use crate::core::{Library, NotesSource, Warning};
use crate::search::{Analyzer, SearchIndex};
use crate::store::{self, Progress, Stage, Store, StoreReport};

pub struct Notes {
    pub library: Arc<Library>,
    pub index: SearchIndex,
    pub report: StoreReport,
}

/// Progress on stderr when it is a terminal and there is real work; nothing otherwise.
pub fn stderr_progress() -> impl FnMut(Stage) {
    let tty = std::io::stderr().is_terminal();
    move |stage| {
        let (what, done, total) = match stage {
            Stage::Reading { done, total } => ("reading", done, total),
            Stage::Indexing { done, total } => ("indexing", done, total),
            Stage::Waiting => {
                if tty {
                    eprint!("\rconfnotes: waiting for another confnotes to finish indexing…");
                }
                return;
            }
            Stage::Linked(_) | Stage::Committed { .. } => return,
        };
        if tty && total > 200 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\rconfnotes: {what} {done}/{total} notes…   ");
            if done == total && what == "indexing" {
                let _ = writeln!(err);
            }
        }
    }
}

/// Scans `source`, reading only the folders that changed since the last scan whose
/// listings were kept under `cache` (and keeping this one's when it read any).
pub fn scan_kept(source: &NotesSource, cache: Option<&Path>) -> (Vec<NoteFile>, Vec<Warning>) {
    let Some(cache) = cache else {
        return scan(source.bundled, &source.dirs);
    };
    let dir = store_dir(source, cache);
    let found = scan_with(source.bundled, &source.dirs, store::read_listings(&dir));
    if found.listings.listed > 0 && std::fs::create_dir_all(&dir).is_ok() {
        // Only a saving for the next scan: nothing is lost if it cannot be written.
        let _ = store::write_listings(&dir, &found.listings);
    }
    (found.files, found.warnings)
}

/// The cache folder of one set of note sources.
pub fn store_dir(source: &NotesSource, cache: &Path) -> PathBuf {
    store::store_dir(cache, &format!("{}|{:?}", source.bundled, source.dirs))
}

impl Notes {
    /// Scans `source` and opens its index: the persistent one under `cache`, brought
    /// up to date incrementally, or one in memory when `cache` is `None` or unusable.
    pub fn open(
        source: &NotesSource,
        cache: Option<&Path>,
        rebuild: bool,
        progress: &mut Progress,
    ) -> anyhow::Result<Notes> {
        crate::timing::mark("start");
        let (files, warnings) = scan_kept(source, cache.filter(|_| !rebuild));
        crate::timing::mark("scan");
        Ok(Notes::refresh(source, None, &files, warnings, cache, rebuild, progress)?.0)
    }

    /// The notes as the last run left them in the cache, without looking at the note
    /// folders: the app's first frame, and the store its loader goes on from. `None`
    /// when there is no usable cache.
    pub fn cached(source: &NotesSource, cache: &Path) -> Option<(Notes, Store)> {
        crate::timing::mark("start");
        let analyzer = Analyzer::new().ok()?;
        crate::timing::mark("analyzer");
        let store = store::open_cached(&store_dir(source, cache), analyzer)?;
        Some((Notes::of(&store, StoreReport::default()), store))
    }

    /// What the app's first frame shows from the cache: the newest notes as the last
    /// run left them, a screenful and more, and the index; the loader sends the whole
    /// a moment later. Also how many notes there are in all. `None` when there is no
    /// such front (a first run, a cache of an older confnotes): [`Notes::cached`] then.
    pub fn front(source: &NotesSource, cache: &Path) -> Option<(Notes, usize)> {
        crate::timing::mark("start");
        let analyzer = Analyzer::new().ok()?;
        let (library, total, index) = store::open_front(&store_dir(source, cache), analyzer)?;
        let notes = Notes {
            library: Arc::new(library),
            index,
            report: StoreReport::default(),
        };
        Some((notes, total))
    }

    fn of(store: &Store, report: StoreReport) -> Notes {
        Notes {
            library: Arc::clone(store.library()),
            index: store.index().clone(),
            report,
        }
    }

    /// No notes yet (the app's first frame on a first run).
    pub fn empty() -> anyhow::Result<Notes> {
        let library = Library::default();
        let index = SearchIndex::build_in_ram(&library, Analyzer::new()?)?;
        Ok(Notes {
            library: Arc::new(library),
            index,
            report: StoreReport::default(),
        })
    }

    /// Like `open`, for files already scanned, going on from `previous` (the store
    /// this process last had) when there is one. Also returns the store to go on from
    /// next time (none without a cache).
    pub fn refresh(
        source: &NotesSource,
        previous: Option<Store>,
        files: &[NoteFile],
        warnings: Vec<Warning>,
        cache: Option<&Path>,
        rebuild: bool,
        progress: &mut Progress,
    ) -> anyhow::Result<(Notes, Option<Store>)> {
        let analyzer = match &previous {
            Some(store) => store.index().analyzer.clone(),
            None => Analyzer::new()?,
        };
        crate::timing::mark("analyzer");
        let Some(cache) = cache else {
            return Ok((in_memory(files, warnings, analyzer, None)?, None));
        };
        let dir = store_dir(source, cache);
        match store::refresh(
            &dir,
            previous,
            files,
            warnings.clone(),
            analyzer.clone(),
            rebuild,
            progress,
        ) {
            Ok((store, report)) => Ok((Notes::of(&store, report), Some(store))),
            Err(e) => {
                let problem = Warning {
                    file: dir.display().to_string(),
                    line: None,
                    message: format!("cannot use the index cache ({e:#}); indexing in memory"),
                };
                Ok((in_memory(files, warnings, analyzer, Some(problem))?, None))
            }
        }
    }
}

/// Every note parsed and indexed in memory: with no cache directory, or when the cache
/// cannot be used (`problem` says why).
fn in_memory(
    files: &[NoteFile],
    warnings: Vec<Warning>,
    analyzer: Analyzer,
    problem: Option<Warning>,
) -> anyhow::Result<Notes> {
    let mut library = Library::link(&mut crate::core::library::parse_all(files), warnings);
    let report = StoreReport {
        in_memory_fallback: problem.is_some(),
        ..StoreReport::default()
    };
    library.warnings.extend(problem);
    let index = SearchIndex::build_in_ram(&library, analyzer)?;
    Ok(Notes {
        library: Arc::new(library),
        index,
        report,
    })
}
