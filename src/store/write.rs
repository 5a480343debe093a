//! The index and persist stages of an update: the documents of the changed files
//! written to the index a chunk at a time, and after each commit the catalog that
//! describes exactly what it holds, so that an indexing cut short (the app quit during
//! a first run) keeps what it committed and the next start goes on from there.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tantivy::{IndexWriter, Term};

use super::catalog::{append_log, promote_base, write_base, write_front, Delta};
use super::checked::writer_with_retry;
use super::diff::Plan;
use super::{Progress, Stage, Store, StoreReport};
use crate::core::library::ParsedFile;
use crate::core::{Event, Library, Warning};
use crate::search::SearchIndex;

/// Segments up to this many documents are merged after a small update...
const SMALL_SEGMENT_DOCS: usize = 5_000;
/// ...when there are this many (tantivy's `LogMergePolicy` default).
const MERGED_AT: usize = 8;

/// How many notes are read and analysed together before their documents go to the
/// index writer.
const INDEX_CHUNK: usize = 64;

/// How often a long indexing commits what it has done (and writes the catalog of it).
#[derive(Debug, Clone, Copy)]
pub struct Commits {
    /// At least this long after the last commit...
    pub every: Duration,
    /// ...and at least this many files indexed since.
    pub files: usize,
    /// ...and at least this many times what the last commit cost. Each commit on the way
    /// writes the whole catalog: with the wait growing with that cost, the writing stays
    /// a small part of a long indexing whatever its size (rather than a cost per commit
    /// times a number of commits that both grow with the notes).
    pub cost_share: u32,
}

impl Default for Commits {
    /// A first run of 100,000 notes commits about every ten seconds; a few hundred
    /// changed notes are committed once, at the end.
    fn default() -> Self {
        Commits {
            every: Duration::from_secs(10),
            files: 500,
            cost_share: 20,
        }
    }
}

impl Store {
    /// Writes an update: the documents of `plan.to_index` (and of `plan.removed`) in the
    /// index, then the catalog. In memory instead when another program holds the index.
    pub(super) fn write(
        &mut self,
        plan: &Plan,
        note_warnings: Vec<Warning>,
        commits: Commits,
        report: &mut StoreReport,
        progress: &mut Progress,
    ) -> anyhow::Result<()> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
        // Each indexing thread costs megabytes of fresh memory before its first document:
        // a few files are indexed by one.
        let threads = threads.min(1 + plan.to_index.len() / 256);
        let Some(mut writer) = writer_with_retry(&self.index.index, threads) else {
            report.in_memory_fallback = true;
            return self.index_in_memory();
        };
        crate::timing::mark("writer opened");
        if plan.to_index.len() >= commits.files {
            // A long indexing's merges would share the cores with the indexing, and the
            // writer, dropped at the end, abandons the ones not finished by then: at
            // 100,000 notes a merge of a third of the index was thrown away each time.
            writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        } else {
            // A save makes a segment of a few documents: those are merged together, the
            // big segments of a first index never (at 100,000 notes each save set off a
            // merge of hundreds of megabytes, abandoned when the writer was dropped).
            let mut policy = tantivy::indexer::LogMergePolicy::default();
            policy.set_max_docs_before_merge(SMALL_SEGMENT_DOCS);
            writer.set_merge_policy(Box::new(policy));
        }
        for path in &plan.removed {
            writer.delete_term(self.path_term(path));
        }
        // Files whose documents in the index are not the ones this update makes yet.
        let mut pending = vec![false; self.files.len()];
        for &i in &plan.to_index {
            pending[i] = true;
        }
        let total = plan.to_index.len();
        let (mut done, mut committed) = (0, 0);
        let mut last_commit = Instant::now();
        let mut wait = commits.every;
        // Read and analysed in parallel, a chunk at a time (bounded memory), then handed
        // to the index writer in order.
        for chunk in plan.to_index.chunks(INDEX_CHUNK) {
            let docs: Vec<Vec<tantivy::TantivyDocument>> = chunk
                .par_iter()
                .map(|&i| self.documents(&self.files[i]))
                .collect();
            // Each file's old documents go just before its new ones: a commit between
            // two chunks leaves every file either as it was or as it is now.
            for &i in chunk {
                writer.delete_term(self.path_term(&self.files[i].path));
            }
            for doc in docs.into_iter().flatten() {
                writer.add_document(doc)?;
            }
            done += chunk.len();
            progress(Stage::Indexing { done, total });
            if done < total && done - committed >= commits.files && last_commit.elapsed() >= wait {
                let started = Instant::now();
                for &i in &plan.to_index[committed..done] {
                    pending[i] = false;
                }
                self.commit_part(&mut writer, plan, &pending, &note_warnings)?;
                committed = done;
                wait = commits.every.max(started.elapsed() * commits.cost_share);
                last_commit = Instant::now();
                progress(Stage::Committed {
                    done,
                    total,
                    index: &self.index,
                });
            }
        }
        // The catalog of the commit is written before it, so that whether the commit
        // happens or not (the app quit meanwhile), there is one for the index.
        let generation = self.generation + 1;
        let base = self.persist(plan, note_warnings.clone(), committed > 0, generation)?;
        crate::timing::mark("catalog written");
        self.commit(&mut writer)?;
        if base {
            promote_base(&self.dir, &mut self.sizes)?;
        }
        crate::timing::mark("index committed");
        // What the next start's first frame shows: the one in place goes with the index
        // until the commit. If this is not written, the next start reads the whole
        // catalog instead.
        let _ = write_front(&self.dir, generation, &self.library, &note_warnings);
        crate::timing::mark("front written");
        self.index.reader.reload()?;
        // Dropped, the writer abandons the merges it started, and small segments would
        // pile up save after save: when there are enough of them to be merged (a merge
        // of a few thousand documents at most), the merge is waited for.
        let small = self.index.index.searchable_segment_metas().map_or(0, |segments| {
            segments
                .iter()
                .filter(|s| (s.num_docs() as usize) < SMALL_SEGMENT_DOCS)
                .count()
        });
        if plan.to_index.len() < commits.files && small >= MERGED_AT {
            let _ = writer.wait_merging_threads();
        } else {
            drop(writer);
        }
        Ok(())
    }

    fn path_term(&self, path: &Path) -> Term {
        Term::from_field_text(self.index.fields.path, &path.display().to_string())
    }

    /// One file's documents, from its text.
    fn documents(&self, file: &ParsedFile) -> Vec<tantivy::TantivyDocument> {
        let Ok(note) = &file.note else { return Vec::new() };
        // The catalog keeps no text, nor does the diff (it parsed a changed file for the
        // catalog and let its text go): it is read again, a chunk of files at a time. If
        // it vanished meanwhile, its titles are still indexed and the next refresh
        // removes it; if it changed, the next refresh finds it changed.
        let event = &*note.event;
        let full = self.library.with_text(event).unwrap_or(Cow::Borrowed(event));
        self.index.documents(&full, &file.path.display().to_string())
    }

    /// Commits the index as the next generation.
    fn commit(&mut self, writer: &mut IndexWriter) -> anyhow::Result<()> {
        let generation = self.generation + 1;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&generation.to_string());
        prepared.commit()?;
        self.generation = generation;
        Ok(())
    }

    /// A commit on the way through a long indexing, with the catalog of what the index
    /// holds then: the files indexed so far as they are, the others (`pending`) as the
    /// index still has them, or not at all when it has none of them yet.
    fn commit_part(
        &mut self,
        writer: &mut IndexWriter,
        plan: &Plan,
        pending: &[bool],
        warnings: &[Warning],
    ) -> anyhow::Result<()> {
        let entries: Vec<(&ParsedFile, &Option<String>)> = self
            .files
            .iter()
            .zip(&self.indexed_ids)
            .enumerate()
            .filter_map(|(i, (file, id))| match pending[i] {
                true => plan.before(i, file),
                false => Some((file, id)),
            })
            .collect();
        write_base(
            &self.dir,
            self.generation + 1,
            &entries,
            warnings.to_vec(),
            &mut self.sizes,
        )?;
        self.commit(writer)?;
        promote_base(&self.dir, &mut self.sizes)?;
        self.index.reader.reload()?;
        crate::timing::mark("a part committed");
        Ok(())
    }

    /// Records this update, as commit `generation`: a record appended to the change log
    /// when the update was small, else a new base (then `true`: it is put in place
    /// once the commit is done).
    fn persist(
        &mut self,
        plan: &Plan,
        warnings: Vec<Warning>,
        whole: bool,
        generation: u64,
    ) -> anyhow::Result<bool> {
        // Only an update of a small part of the notes is worth a log record (a first
        // run or a rebuild is written whole, without encoding it twice).
        let small = (plan.upserts.len() + plan.removed.len()) * 4 <= self.files.len();
        if small && !whole {
            let delta = Delta {
                generation,
                removed: plan.removed.clone(),
                upserts: plan
                    .upserts
                    .iter()
                    .map(|&i| (i as u32, self.files[i].clone(), self.indexed_ids[i].clone()))
                    .collect(),
                warnings: warnings.clone(),
            };
            if append_log(&self.dir, &mut self.sizes, &delta)? {
                return Ok(false);
            }
        }
        let entries: Vec<(&ParsedFile, &Option<String>)> = self.files.iter().zip(&self.indexed_ids).collect();
        write_base(&self.dir, generation, &entries, warnings, &mut self.sizes)?;
        Ok(true)
    }

    /// Another program holds the index: every note is indexed in memory instead, with
    /// its text (read again for notes kept from the catalog, which have none).
    fn index_in_memory(&mut self) -> anyhow::Result<()> {
        let library = &self.library;
        let events: Vec<Arc<Event>> = library
            .events
            .par_iter()
            .map(|e| match library.with_text(e) {
                Ok(Cow::Owned(full)) => Arc::new(full),
                _ => Arc::clone(e),
            })
            .collect();
        let full = Library {
            events,
            warnings: Vec::new(),
        };
        self.index = SearchIndex::build_in_ram(&full, self.index.analyzer.clone())?;
        let mut library = Library::clone(&self.library);
        library.warnings.push(Warning {
            file: self.dir.display().to_string(),
            line: None,
            message: "the index is held by another program; this one indexed in memory".into(),
        });
        self.library = Arc::new(library);
        self.in_memory = true;
        Ok(())
    }
}
