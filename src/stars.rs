//! Starred sessions: a small text file in the platform data directory, one id
//! (`event#session`) a line, kept by id so a star survives a note's file being renamed.
//! A star whose note is gone is kept and reported, never dropped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::core::{Library, SessionRef};

/// The stars file, or `$CONFNOTES_DATA/stars.txt` when that is set.
pub fn default_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CONFNOTES_DATA") {
        return Some(PathBuf::from(dir).join("stars.txt"));
    }
    directories::ProjectDirs::from("", "", "confnotes").map(|d| d.data_dir().join("stars.txt"))
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stars {
    path: Option<PathBuf>,
    ids: BTreeSet<String>,
}

const HEADER: &str = "# confnotes stars: one note id (event#session) a line; edit freely.\n";

impl Stars {
    /// Reads the file at `path`; a missing file is no stars. An unreadable one is an
    /// error naming it (the stars are not silently lost by the next save).
    pub fn load(path: Option<PathBuf>) -> anyhow::Result<Stars> {
        let mut ids = BTreeSet::new();
        if let Some(p) = &path {
            match std::fs::read_to_string(p) {
                Ok(text) => {
                    ids = text
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .map(str::to_string)
                        .collect();
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => anyhow::bail!("cannot read the stars file {}: {e}", p.display()),
            }
        }
        Ok(Stars { path, ids })
    }

    pub fn is_starred(&self, r: &SessionRef) -> bool {
        self.ids.contains(&r.to_string())
    }

    /// Stars or unstars `r` and saves; returns whether it is now starred.
    pub fn toggle(&mut self, r: &SessionRef) -> anyhow::Result<bool> {
        let id = r.to_string();
        let now = if self.ids.remove(&id) {
            false
        } else {
            self.ids.insert(id);
            true
        };
        self.save()?;
        Ok(now)
    }

    /// Sets `r` starred or not and saves.
    pub fn set(&mut self, r: &SessionRef, starred: bool) -> anyhow::Result<()> {
        if starred != self.is_starred(r) {
            self.toggle(r)?;
        }
        Ok(())
    }

    /// Every starred id as (event, session), for `is:starred`.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.ids
            .iter()
            .map(|id| {
                let (e, s) = id.split_once('#').unwrap_or((id, ""));
                (e.to_string(), s.to_string())
            })
            .collect()
    }

    /// Every starred id, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.ids.iter().map(String::as_str)
    }

    /// The starred notes that exist, and the ids whose note is gone.
    pub fn resolve(&self, library: &Library) -> (Vec<SessionRef>, Vec<String>) {
        let mut found = Vec::new();
        let mut gone = Vec::new();
        for id in &self.ids {
            let (event, session) = id.split_once('#').unwrap_or((id, ""));
            let exists = library
                .event(event)
                .is_some_and(|e| session.is_empty() || e.session(session).is_some());
            if exists {
                found.push(SessionRef::new(event, session));
            } else {
                gone.push(id.clone());
            }
        }
        (found, gone)
    }

    /// Written to a temporary file and renamed: a crash never leaves half a file.
    fn save(&self) -> anyhow::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = HEADER.to_string();
        for id in &self.ids {
            text.push_str(id);
            text.push('\n');
        }
        let tmp = path.with_extension("txt.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
            .map_err(|e| anyhow::anyhow!("cannot save {}: {e}", Path::display(path)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_persist_by_id_and_keep_what_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d/stars.txt");
        let mut s = Stars::load(Some(path.clone())).unwrap();
        let r = SessionRef::new("ev", "talk");
        assert!(s.toggle(&r).unwrap());
        s.set(&SessionRef::new("gone", "x"), true).unwrap();
        let again = Stars::load(Some(path.clone())).unwrap();
        assert!(again.is_starred(&r));
        assert_eq!(again.ids().count(), 2);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("ev#talk\n") && text.starts_with('#'));
        let (found, gone) = again.resolve(&Library::default());
        assert!(found.is_empty() && gone.len() == 2);
        let mut again = again;
        assert!(!again.toggle(&r).unwrap());
        assert!(!Stars::load(Some(path)).unwrap().is_starred(&r));
    }
}
