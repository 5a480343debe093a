//! The diff stage of an update: each scanned file against its catalog record (read
//! only when its stamp moved), and from that, after linking, the plan of what the
//! index and the catalog must be told.

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;

use super::catalog::{Catalog, Kept};
use super::{Progress, Stage, StoreReport};
use crate::core::library::{content_hash, parse_file, parse_text, unreadable, ParsedFile};
use crate::core::scan::NoteFile;

/// How a file compares with its catalog record.
pub(super) enum Status {
    Unchanged,
    /// The mtime moved but the content is the same.
    Touched,
    /// New content (or newly unreadable): the record it replaces is kept, as the
    /// catalog must describe it until the new documents are committed.
    Changed(Box<ParsedFile>),
    Added,
}

/// What the scan found against the catalog: each file as it is now (read and parsed
/// only when its stamp moved), the event id its documents carry, and what changed.
pub(super) struct Examined {
    pub files: Vec<ParsedFile>,
    pub old_ids: Vec<Option<String>>,
    pub statuses: Vec<Status>,
    pub removed: Vec<PathBuf>,
}

/// Compares every scanned file with the catalog, which it empties.
pub(super) fn examine_all(
    catalog: &mut Catalog,
    files: &[NoteFile],
    report: &mut StoreReport,
    progress: &mut Progress,
) -> Examined {
    let same_paths =
        catalog.files.len() == files.len() && catalog.files.iter().zip(files).all(|(c, f)| c.path == f.path);
    if let Some(only) = catalog.only.take().filter(|_| same_paths) {
        return examine_only(catalog, files, &only, report);
    }
    let kept = catalog.files.drain(..).zip(catalog.event_ids.drain(..));
    // Each scanned file with its record, taken a chunk at a time: the catalog of
    // 100,000 notes is hundreds of megabytes, not to be copied whole on the way.
    let mut removed = Vec::new();
    let mut before: Box<dyn Iterator<Item = Option<Kept>>> = if same_paths {
        // The usual case (no note added or removed): paired in order, no lookups.
        Box::new(kept.map(Some))
    } else {
        let mut old: HashMap<PathBuf, Kept> = kept.map(|(f, id)| (f.path.clone(), (f, id))).collect();
        let paired: Vec<Option<Kept>> = files.iter().map(|f| old.remove(&f.path)).collect();
        removed = old.into_keys().collect();
        Box::new(paired.into_iter())
    };
    report.removed = removed.len();
    let total = files.len();
    let mut out = Examined {
        files: Vec::with_capacity(total),
        old_ids: Vec::with_capacity(total),
        statuses: Vec::with_capacity(total),
        removed,
    };
    for chunk in files.chunks(1024) {
        let previous: Vec<Option<Kept>> = before.by_ref().take(chunk.len()).collect();
        let examined: Vec<(ParsedFile, Option<String>, Status)> = chunk
            .par_iter()
            .zip(previous.into_par_iter())
            .map(|(file, p)| examine(file, p))
            .collect();
        for (file, id, status) in examined {
            report.count(&status);
            out.files.push(file);
            out.old_ids.push(id);
            out.statuses.push(status);
        }
        progress(Stage::Reading {
            done: out.files.len(),
            total,
        });
    }
    crate::timing::mark("changes examined");
    out
}

/// [`examine_all`] when only the files at `only` may have changed (a watcher said so)
/// and no file came or went: every other record is taken as it is, so a note saved in
/// a folder of 100,000 costs in proportion to what changed.
fn examine_only(
    catalog: &mut Catalog,
    files: &[NoteFile],
    only: &[PathBuf],
    report: &mut StoreReport,
) -> Examined {
    let mut kept = std::mem::take(&mut catalog.files);
    let mut statuses: Vec<Status> = kept.iter().map(|_| Status::Unchanged).collect();
    let old_ids = std::mem::take(&mut catalog.event_ids);
    for path in only {
        let Some(i) = files.iter().position(|f| f.path == *path) else {
            continue;
        };
        let (Some(file), Some(record), Some(status)) = (files.get(i), kept.get_mut(i), statuses.get_mut(i))
        else {
            continue;
        };
        if !matches!(status, Status::Unchanged) {
            continue; // named twice
        }
        // A stand-in while the record is examined: put back at once.
        let previous = std::mem::replace(record, unreadable(file, String::new()));
        let id = old_ids.get(i).cloned().flatten();
        let (now, _, how) = examine(file, Some((previous, id)));
        *record = now;
        *status = how;
    }
    for status in &statuses {
        report.count(status);
    }
    crate::timing::mark("changes examined");
    Examined {
        files: kept,
        old_ids,
        statuses,
        removed: Vec::new(),
    }
}

impl StoreReport {
    fn count(&mut self, status: &Status) {
        match status {
            Status::Unchanged => self.unchanged += 1,
            Status::Touched => {
                self.unchanged += 1;
                self.touched += 1;
            }
            Status::Changed(_) => self.changed += 1,
            Status::Added => self.added += 1,
        }
    }
}

/// Decides whether one file changed, reading it only when its stamp moved.
fn examine(file: &NoteFile, previous: Option<Kept>) -> (ParsedFile, Option<String>, Status) {
    // Parsed for what the catalog keeps; the indexing reads the text again, a chunk of
    // files at a time.
    let Some((mut previous, id)) = previous else {
        return (parse_file(file).without_text(), None, Status::Added);
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
            (
                parse_text(file, &text).without_text(),
                id,
                Status::Changed(Box::new(previous)),
            )
        }
        Err(message) => (unreadable(file, message), id, Status::Changed(Box::new(previous))),
    }
}

/// What an update must write, worked out once the files are linked (linking decides
/// the event ids, which the documents carry).
pub(super) struct Plan {
    /// Files (places in the new order) whose documents are (re)written: new content, or
    /// a new event id. In order.
    pub to_index: Vec<usize>,
    /// Files whose catalog record changed: those, plus the touched ones and those whose
    /// links or backlinks changed. In order.
    pub upserts: Vec<usize>,
    pub removed: Vec<PathBuf>,
    /// The event id each file's documents carried before this update.
    old_ids: Vec<Option<String>>,
    statuses: Vec<Status>,
}

impl Plan {
    /// `ids`: the event id each file's documents carry once this update is written;
    /// `relinked`: whether linking changed what the catalog keeps of each file.
    pub fn new(examined: Examined, ids: &[Option<String>], relinked: &[bool]) -> (Plan, Vec<ParsedFile>) {
        let Examined {
            files,
            old_ids,
            statuses,
            removed,
        } = examined;
        let mut to_index = Vec::new();
        let mut upserts = Vec::new();
        for (i, (status, (new, old))) in statuses.iter().zip(ids.iter().zip(&old_ids)).enumerate() {
            let new_id = new != old;
            if matches!(status, Status::Changed(_) | Status::Added) || new_id {
                to_index.push(i);
            }
            if !matches!(status, Status::Unchanged) || new_id || relinked.get(i) == Some(&true) {
                upserts.push(i);
            }
        }
        let plan = Plan {
            to_index,
            upserts,
            removed,
            old_ids,
            statuses,
        };
        (plan, files)
    }

    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.removed.is_empty()
    }

    /// What the catalog says of file `i` while its new documents are not committed
    /// yet: its old record for a changed file, its record with the id its documents
    /// still carry for a renamed one, nothing for a new file.
    pub fn before<'a>(
        &'a self,
        i: usize,
        now: &'a ParsedFile,
    ) -> Option<(&'a ParsedFile, &'a Option<String>)> {
        let id = self.old_ids.get(i)?;
        match self.statuses.get(i)? {
            Status::Added => None,
            Status::Changed(old) => Some((old, id)),
            Status::Unchanged | Status::Touched => Some((now, id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn file(name: &str, text: &'static str) -> ParsedFile {
        parse_file(&NoteFile::from_text(Path::new(name), text))
    }

    #[test]
    fn the_plan_indexes_new_content_and_new_ids_and_records_what_the_index_still_has() {
        let old_b = file("b.md", "# B\n\n## old\n");
        let examined = Examined {
            files: vec![
                file("a.md", "# A\n"),
                file("b.md", "# B\n\n## new\n"),
                file("c.md", "# C\n"),
                file("d.md", "# D\n"),
                file("e.md", "# E\n"),
            ],
            old_ids: vec![
                Some("a".into()),
                Some("b".into()),
                None,
                Some("d".into()),
                Some("e".into()),
            ],
            statuses: vec![
                Status::Unchanged,
                Status::Changed(Box::new(old_b)),
                Status::Added,
                Status::Touched,
                Status::Unchanged,
            ],
            removed: vec!["gone.md".into()],
        };
        // e's event id changed (another note took it); a was linked anew (a backlink).
        let ids = [
            Some("a".into()),
            Some("b".into()),
            Some("c".into()),
            Some("d".into()),
            Some("e-1".into()),
        ];
        let (plan, files) = Plan::new(examined, &ids, &[true, false, false, false, false]);
        assert_eq!(plan.to_index, [1, 2, 4], "new content, a new file, a new id");
        assert_eq!(plan.upserts, [0, 1, 2, 3, 4]);
        assert!(!plan.is_empty());
        // Until its new documents are committed, what the catalog says of each.
        let before = |i: usize| {
            plan.before(i, &files[i])
                .map(|(f, id)| (f.stamp.hash, id.clone()))
        };
        let old_hash = |i: usize| match &plan.statuses[i] {
            Status::Changed(old) => old.stamp.hash,
            _ => unreachable!(),
        };
        assert_eq!(before(1), Some((old_hash(1), Some("b".into()))), "the old record");
        assert_eq!(before(2), None, "not in the index yet");
        assert_eq!(
            before(4),
            Some((files[4].stamp.hash, Some("e".into()))),
            "the old id"
        );
    }
}
