//! The background loader. The app's first frame comes from the cache as the last run
//! left it; this thread then checks the note folders, indexes what changed, and keeps
//! watching them, so a note saved in an editor shows up in the running app. It talks
//! to the app only through actions.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use super::action::{Action, Loaded};
use crate::core::paths::is_note_name;
use crate::core::scan::{rescan_file, scan_with, Listings, NoteFile};
use crate::core::NotesSource;
use crate::notes::store_dir;
use crate::notes::Notes;
use crate::search::SearchIndex;
use crate::store::{self, read_listings, write_listings, Stage, Store};

/// How long to wait for an editor's burst of writes to settle before reloading.
pub const SETTLE: Duration = Duration::from_millis(30);
const MAX_SETTLE: Duration = Duration::from_millis(300);
/// How often a loader with nothing to do looks whether the app is still there.
const APP_GONE_CHECK: Duration = Duration::from_millis(250);

pub struct Loader {
    pub source: NotesSource,
    pub cache: Option<PathBuf>,
    pub rebuild: bool,
    /// What the app's first frame shows, sent once it is ready (the loader scans the
    /// folders meanwhile): the store it came from (none on a first run) and its index.
    /// The loader stops once the sending side is dropped.
    pub shown: mpsc::Receiver<Shown>,
}

pub struct Shown {
    pub store: Option<Store>,
    pub index: SearchIndex,
    /// The front of the cache, when that is all the app shows ([`Notes::front`]): the
    /// loader opens the cache itself, and sends the whole even when nothing changed.
    pub front: Option<Arc<crate::core::Library>>,
}

/// The loader's state between updates.
struct Loading {
    /// What the next update goes on from.
    store: Option<Store>,
    /// The index the app shows now, searched while a long indexing runs.
    shown_index: SearchIndex,
    /// The app shows the cache as the last refresh left it: a refresh that changes
    /// nothing need not hand it the same notes again (rebuilding its lists and note).
    shows_cache: bool,
}

impl Loader {
    /// Starts the thread. `send` hands an action to the app and says whether the app
    /// is still there. The thread ends with the process.
    pub fn spawn(self, send: impl Fn(Action) -> bool + Send + 'static) {
        std::thread::spawn(move || self.run(&send));
    }

    fn run(self, send: &dyn Fn(Action) -> bool) {
        // The folders are read only where they changed since the last scan (not when
        // the index is rebuilt: then nothing of the cache is trusted). Their listings
        // are read for each scan and written after one that read any folder, in the
        // background; not kept between scans (tens of megabytes at 100,000 notes).
        let kept_in = self.cache.as_deref().map(|cache| store_dir(&self.source, cache));
        let listings = |rebuild: bool| match &kept_in {
            Some(dir) if !rebuild => read_listings(dir),
            _ => Listings::default(),
        };
        let keep = |found: Listings| {
            if let Some(dir) = kept_in.clone().filter(|_| found.listed > 0) {
                // Only a saving for the next scan: nothing is lost if it is not written.
                std::thread::spawn(move || write_listings(&dir, &found));
            }
        };
        // The folders are scanned while the app draws its first frame, and while another
        // thread opens the cache when the app showed only its front. Notes changed since
        // the last run are drawn as soon as the scan finds them, before the whole cache
        // is read.
        let (found, shown) = std::thread::scope(|threads| {
            let scan =
                threads.spawn(|| scan_with(self.source.bundled, &self.source.dirs, listings(self.rebuild)));
            let stamps = kept_in
                .as_deref()
                .map(|dir| threads.spawn(|| store::last_stamps(dir)));
            let shown = self.shown.recv().ok();
            let front = shown
                .as_ref()
                .and_then(|s| Some((s.front.clone()?, s.index.clone())));
            let dir = kept_in.as_deref();
            let opening = shown.map(|shown| threads.spawn(move || Loader::open(shown, dir)));
            let found = scan
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            crate::timing::mark("loader: scanned");
            let stamps = stamps.and_then(|s| s.join().ok());
            if let (Some((front, index)), Some(stamps), false) = (front, stamps, self.rebuild) {
                if let Some(library) = store::front_preview(stamps, &found.files, &front) {
                    let notes = Notes {
                        library: Arc::new(library),
                        index,
                        report: Default::default(),
                    };
                    let _ = send(Action::NotesLoaded(Loaded(Arc::new(notes))));
                }
            }
            let shown = opening.map(|o| o.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            (found, shown)
        });
        let Some(mut state) = shown else { return };
        let (mut files, warnings) = (found.files, found.warnings);
        keep(found.listings);
        if !self.reload(&mut state, &files, warnings, self.rebuild, send) {
            return;
        }
        if self.source.dirs.is_empty() {
            return;
        }
        let (events_tx, events) = mpsc::channel();
        let mut watcher = match notify::recommended_watcher(move |event| {
            let _ = events_tx.send(event);
        }) {
            Ok(w) => w,
            Err(e) => {
                let _ = send(Action::Notice(format!("not watching the notes for changes: {e}")));
                return;
            }
        };
        // A folder that is not there was said already (`EmptyFolders`).
        for dir in self.source.dirs.iter().filter(|d| d.is_dir()) {
            if let Err(e) = watcher.watch(dir, RecursiveMode::Recursive) {
                let _ = send(Action::Notice(format!(
                    "not watching {} for changes: {e}",
                    dir.display()
                )));
            }
        }
        // A note saved after the first scan passed it and before the watcher was set up
        // would be missed: the folders are scanned once more, now that it is. What the
        // watcher reported meanwhile goes: mostly the folders its own walk opened (for
        // 100,000 folders, enough to overflow the kernel's queue and ask for a scan of
        // everything), and any real change is in the scan that follows.
        let quiet_by = Instant::now() + MAX_SETTLE * 4;
        while Instant::now() < quiet_by && events.recv_timeout(SETTLE).is_ok() {}
        if self.app_gone() {
            return;
        }
        drop(std::mem::take(&mut files)); // not twice in memory
        crate::timing::mark("loader: watching");
        let found = scan_with(self.source.bundled, &self.source.dirs, listings(false));
        files = found.files;
        crate::timing::mark("loader: scanned again");
        keep(found.listings);
        if !self.reload(&mut state, &files, found.warnings, false, send) {
            return;
        }
        // Each burst of file events: re-stat just the files named, or scan again when a
        // folder or an ignore file changed. Between bursts, it looks now and then whether
        // the app is still there: the store it holds is hundreds of megabytes at
        // 100,000 notes, not to be kept by a thread nobody listens to.
        loop {
            let first = match events.recv_timeout(APP_GONE_CHECK) {
                Ok(event) => event,
                Err(RecvTimeoutError::Timeout) if self.app_gone() => return,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            let mut batch = vec![first];
            let start = Instant::now();
            while start.elapsed() < MAX_SETTLE {
                match events.recv_timeout(SETTLE) {
                    Ok(event) => batch.push(event),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            if self.app_gone() {
                return;
            }
            crate::timing::mark("loader: file events settled");
            let Some(changed) = self.changed_paths(&files, batch) else {
                drop(std::mem::take(&mut files)); // not twice in memory
                let found = scan_with(self.source.bundled, &self.source.dirs, listings(false));
                files = found.files;
                keep(found.listings);
                if !self.reload(&mut state, &files, found.warnings, false, send) {
                    return;
                }
                continue;
            };
            if changed.is_empty() {
                continue;
            }
            let same_files = self.restat(&mut files, &changed);
            if let Some(store) = state.store.as_mut().filter(|_| same_files) {
                store.changed_only(changed);
            }
            crate::timing::mark("loader: changed files looked at");
            // Folder-level problems (a missing folder) were reported at the last scan.
            if !self.reload(&mut state, &files, Vec::new(), false, send) {
                return;
            }
        }
    }

    /// The scan `files` brought up to date with the files at `changed` (each re-stat'ed:
    /// changed, gone or new), in scan order. Whether no file came or went.
    fn restat(&self, files: &mut Vec<NoteFile>, changed: &[PathBuf]) -> bool {
        let order = |path: &Path, bundled: bool| {
            let root = self.source.dirs.iter().position(|d| path.starts_with(d));
            (!bundled, root)
        };
        let mut same = true;
        for path in changed {
            let now = self
                .source
                .dirs
                .iter()
                .find(|d| path.starts_with(d))
                .and_then(|root| rescan_file(root, path));
            match (files.iter().position(|f| f.path == *path), now) {
                (Some(i), Some(file)) => {
                    if let Some(slot) = files.get_mut(i) {
                        *slot = file;
                    }
                }
                (Some(i), None) => {
                    files.remove(i);
                    same = false;
                }
                (None, Some(file)) => {
                    let key = order(&file.path, false);
                    let at = files.partition_point(|f| {
                        (order(&f.path, f.bundled.is_some()), &f.path) < (key, &file.path)
                    });
                    files.insert(at, file);
                    same = false;
                }
                (None, None) => {}
            }
        }
        same
    }

    /// Whether the app has ended (it dropped its end of `shown`).
    fn app_gone(&self) -> bool {
        matches!(self.shown.try_recv(), Err(mpsc::TryRecvError::Disconnected))
    }

    /// Where the loader starts from: the store the app's first frame came from, or
    /// the cache opened here when the app showed only its front.
    fn open(shown: Shown, dir: Option<&Path>) -> Loading {
        let front = shown.front.is_some();
        let store = match (shown.store, dir) {
            (Some(store), _) => Some(store),
            (None, Some(dir)) if front => store::open_cached_with(dir, shown.index.clone()),
            (None, _) => None,
        };
        crate::timing::mark("loader: cache opened");
        Loading {
            shows_cache: store.is_some() && !front,
            store,
            shown_index: shown.index,
        }
    }

    /// A path from the watcher, which may report it canonicalised (absolute, links
    /// resolved), under the notes folder as the user named it, as the scan does.
    fn as_given(&self, path: PathBuf) -> PathBuf {
        for dir in &self.source.dirs {
            if path.starts_with(dir) {
                return path;
            }
            if let Ok(canonical) = dir.canonicalize() {
                if let Ok(rest) = path.strip_prefix(&canonical) {
                    return dir.join(rest);
                }
            }
        }
        path
    }

    /// The note files a burst of events touched; `None` when only a new scan will do.
    fn changed_paths(
        &self,
        files: &[NoteFile],
        batch: Vec<notify::Result<notify::Event>>,
    ) -> Option<Vec<PathBuf>> {
        let mut changed = Vec::new();
        for event in batch {
            let event = event.ok()?;
            if event.need_rescan() {
                crate::timing::mark("loader: the watcher asks for a scan");
                return None;
            }
            if matches!(event.kind, notify::EventKind::Access(_)) {
                continue;
            }
            for path in event.paths {
                let path = self.as_given(path);
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let is_note = is_note_name(&path);
                if name == ".gitignore" || name == ".ignore" {
                    crate::timing::mark("loader: an ignore file changed");
                    return None;
                }
                if is_note && !path.is_dir() {
                    if !changed.contains(&path) {
                        changed.push(path);
                    }
                } else if path.is_dir() || files.iter().any(|f| f.path.starts_with(&path)) {
                    // A folder came, went or was renamed.
                    crate::timing::mark(&format!(
                        "loader: a folder changed ({:?} {})",
                        event.kind,
                        path.display()
                    ));
                    return None;
                }
                // Anything else (an editor's swap file) is not a note.
            }
        }
        Some(changed)
    }

    /// Refreshes and hands the result to the app. `false` when the app is gone.
    fn reload(
        &self,
        state: &mut Loading,
        files: &[NoteFile],
        warnings: Vec<crate::core::Warning>,
        rebuild: bool,
        send: &dyn Fn(Action) -> bool,
    ) -> bool {
        // Said after every scan: a note saved into an empty folder takes its message away.
        let empty = crate::core::scan::empty_folders(&self.source.dirs, files);
        if !send(Action::EmptyFolders(empty)) {
            return false;
        }
        let mut last_percent = None;
        let mut linked: Option<Arc<crate::core::Library>> = None;
        let shown_index = state.shown_index.clone();
        // Scan warnings (a missing folder) are not in the cache: they must reach the app.
        let scan_warnings = !warnings.is_empty();
        // Notes drawn before the update ends, with the index search may use meanwhile.
        let show = |library: &Arc<crate::core::Library>, index: &SearchIndex| {
            let notes = Notes {
                library: Arc::clone(library),
                index: index.clone(),
                report: Default::default(),
            };
            let _ = send(Action::NotesLoaded(Loaded(Arc::new(notes))));
        };
        let mut progress = |stage: Stage| {
            let message = match stage {
                Stage::Waiting => "waiting for another confnotes to finish indexing…".to_string(),
                Stage::Reading { total, .. } | Stage::Indexing { total, .. } if total < 500 => return,
                Stage::Reading { done, total } => {
                    let percent = done * 100 / total.max(1);
                    if last_percent == Some(percent) {
                        return;
                    }
                    last_percent = Some(percent);
                    format!("reading notes {done}/{total}…")
                }
                Stage::Indexing { done, total } => {
                    let percent = done * 100 / total.max(1);
                    if last_percent == Some(percent + 100) {
                        return;
                    }
                    last_percent = Some(percent + 100);
                    format!("indexing {done}/{total} notes… (search finds those indexed so far)")
                }
                // The changed notes are drawn before their indexing ends; search finds
                // them once it has.
                Stage::Linked(library) => {
                    linked = Some(Arc::clone(library));
                    show(library, &shown_index);
                    return;
                }
                // A long indexing committed a part: search finds it at once.
                Stage::Committed { index, .. } => {
                    if let Some(library) = &linked {
                        show(library, index);
                    }
                    return;
                }
            };
            let _ = send(Action::Loading(Some(message)));
        };
        let result = Notes::refresh(
            &self.source,
            state.store.take(),
            files,
            warnings,
            self.cache.as_deref(),
            rebuild,
            &mut progress,
        );
        let _ = send(Action::Loading(None));
        match result {
            Ok((notes, store)) => {
                state.store = store;
                let r = &notes.report;
                let same = r.changes() == 0 && r.rebuilt.is_none() && !r.in_memory_fallback;
                if state.shows_cache && same && !scan_warnings {
                    return true;
                }
                state.shows_cache = !r.in_memory_fallback;
                state.shown_index = notes.index.clone();
                send(Action::NotesLoaded(Loaded(Arc::new(notes))))
            }
            Err(e) => send(Action::Notice(format!("could not load the notes: {e:#}"))),
        }
    }
}
