//! A loaded notes set and its search index, opened together for the CLI and the app.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::core::library::collect;
use crate::core::{Library, NotesSource, Warning};
use crate::search::store::{self, stamp, StoreReport};
use crate::search::{Analyzer, SearchIndex};

pub struct Notes {
    pub library: Library,
    pub index: SearchIndex,
    pub report: StoreReport,
}

/// Reports indexing progress: (done, total).
pub type Progress<'a> = dyn FnMut(usize, usize) + 'a;

/// Progress on stderr when it is a terminal and there is real work; nothing otherwise.
pub fn stderr_progress() -> impl FnMut(usize, usize) {
    let tty = std::io::stderr().is_terminal();
    move |done, total| {
        if tty && total > 200 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\rconfnotes: indexing {done}/{total} notes…");
            if done == total {
                let _ = writeln!(err);
            }
        }
    }
}

impl Notes {
    /// Loads every note of `source` and opens its index: the persistent one under
    /// `cache` (brought up to date incrementally), or one in memory when `cache` is
    /// `None` or unusable.
    pub fn open(
        source: &NotesSource,
        cache: Option<&Path>,
        rebuild: bool,
        progress: &mut Progress,
    ) -> anyhow::Result<Notes> {
        let (raw, warnings) = collect(source);
        let mut stamps_by_path: BTreeMap<String, store::FileStamp> = BTreeMap::new();
        for note in &raw {
            stamps_by_path.insert(note.path.display().to_string(), stamp(note, ""));
        }
        let mut library = Library::from_raw_with_warnings(raw, warnings);
        let analyzer = Analyzer::new()?;
        let Some(cache) = cache else {
            let index = SearchIndex::build_in_ram(&library, analyzer)?;
            return Ok(Notes {
                library,
                index,
                report: StoreReport::default(),
            });
        };
        let paths: Vec<String> = library.events.iter().map(|e| e.file.clone()).collect();
        let stamps: BTreeMap<String, store::FileStamp> = library
            .events
            .iter()
            .filter_map(|e| {
                let mut s = stamps_by_path.get(&e.file)?.clone();
                s.event_id = e.id.clone();
                Some((e.file.clone(), s))
            })
            .collect();
        let key = format!("{}|{:?}", source.bundled, source.dirs);
        let dir = store::store_dir(cache, &key);
        match store::open(
            &dir,
            &library,
            &stamps,
            &paths,
            analyzer.clone(),
            rebuild,
            progress,
        ) {
            Ok((index, report)) => {
                if let Some(reason) = &report.rebuilt {
                    library.warnings.push(Warning {
                        file: dir.display().to_string(),
                        line: None,
                        message: format!("search index rebuilt: {reason}"),
                    });
                }
                Ok(Notes {
                    library,
                    index,
                    report,
                })
            }
            Err(e) => {
                library.warnings.push(Warning {
                    file: dir.display().to_string(),
                    line: None,
                    message: format!("cannot use the index cache ({e:#}); indexing in memory"),
                });
                let index = SearchIndex::build_in_ram(&library, analyzer)?;
                Ok(Notes {
                    library,
                    index,
                    report: StoreReport {
                        in_memory_fallback: true,
                        ..StoreReport::default()
                    },
                })
            }
        }
    }
}
