//! Shared helpers: the fixture notes, a library + index over them, the binary.

use std::path::{Path, PathBuf};

use confnotes::core::{Library, NotesSource};
use confnotes::search::{parse_query, Analyzer, SearchIndex};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notes")
}

pub fn load(dir: &Path, bundled: bool) -> Library {
    Library::load(&NotesSource {
        bundled,
        dirs: vec![dir.to_path_buf()],
    })
}

pub struct Fixture {
    pub library: Library,
    pub index: SearchIndex,
}

impl Fixture {
    pub fn new(dir: &Path, bundled: bool) -> Fixture {
        let library = load(dir, bundled);
        let index = SearchIndex::build_in_ram(&library, Analyzer::new().unwrap()).unwrap();
        Fixture { library, index }
    }

    /// `event#session` of each hit, best first.
    pub fn ids(&self, query: &str) -> Vec<String> {
        self.index
            .search(&parse_query(query), 50)
            .unwrap()
            .into_iter()
            .map(|h| h.session.to_string())
            .collect()
    }
}

/// The binary, isolated from the user's config and cache.
pub fn confnotes(cache: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("confnotes").unwrap();
    cmd.env("CONFNOTES_CONFIG", cache.join("no-config.toml"))
        .env("CONFNOTES_CACHE", cache.join("cache"))
        .env("NO_COLOR", "1");
    cmd
}
