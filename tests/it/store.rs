//! The persistent index: reused, updated incrementally, repaired, shared.

use std::fs;
use std::path::Path;

use confnotes::core::scan::scan;
use confnotes::core::NotesSource;
use confnotes::notes::Notes;
use confnotes::search::parse_query;
use confnotes::search::Analyzer;
use confnotes::store::{Commits, Stage, Store, StoreReport, Update};

fn write_notes(dir: &Path, n: usize) {
    for i in 0..n {
        let body = format!(
            "# イベント{i}\n\n## セッション{i}\n\n- tags: t{i}\n\nSpinnaker と秘匿情報の話 その{i}。\n"
        );
        fs::write(dir.join(format!("event-{i}.md")), body).unwrap();
    }
}

fn open(notes: &Path, cache: &Path, rebuild: bool) -> Notes {
    let source = NotesSource {
        bundled: false,
        dirs: vec![notes.to_path_buf()],
    };
    Notes::open(&source, Some(cache), rebuild, &mut |_| {}).unwrap()
}

fn hits(notes: &Notes, q: &str) -> usize {
    notes.index.search(&parse_query(q), 1000).unwrap().len()
}

#[test]
fn reused_then_updated_incrementally() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("notes"), tmp.path().join("cache"));
    fs::create_dir_all(&dir).unwrap();
    write_notes(&dir, 20);

    let first = open(&dir, &cache, false);
    assert_eq!((first.report.added, first.report.unchanged), (20, 0));
    assert_eq!(hits(&first, "spinnaker"), 20);
    drop(first);

    let second = open(&dir, &cache, false);
    assert_eq!(
        (
            second.report.added,
            second.report.changed,
            second.report.unchanged
        ),
        (0, 0, 20)
    );
    assert_eq!(hits(&second, "spinnaker"), 20, "the cached index answers");
    drop(second);

    fs::write(
        dir.join("event-3.md"),
        "# イベント3\n\n## 書き換えた\n\nKnative だけの話。\n",
    )
    .unwrap();
    fs::remove_file(dir.join("event-4.md")).unwrap();
    fs::write(dir.join("new.md"), "# 新しい\n\n## 追加\n\nSpinnaker の新作。\n").unwrap();
    let third = open(&dir, &cache, false);
    let r = &third.report;
    assert_eq!((r.added, r.changed, r.removed, r.unchanged), (1, 1, 1, 18));
    assert_eq!(hits(&third, "spinnaker"), 19);
    assert_eq!(hits(&third, "knative"), 1);
    assert_eq!(hits(&third, "t4"), 0, "removed notes leave the index");
}

#[test]
fn a_corrupt_or_foreign_cache_is_rebuilt_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("notes"), tmp.path().join("cache"));
    fs::create_dir_all(&dir).unwrap();
    write_notes(&dir, 5);
    drop(open(&dir, &cache, false));
    let store = fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();

    fs::write(store.join("stamps.bin"), "not postcard").unwrap();
    let notes = open(&dir, &cache, false);
    assert!(
        notes
            .report
            .rebuilt
            .as_deref()
            .unwrap_or("")
            .contains("stamps.bin is damaged"),
        "{:?}",
        notes.report
    );
    assert!(notes
        .library
        .warnings
        .iter()
        .any(|w| w.message.starts_with("search index rebuilt")));
    assert_eq!(hits(&notes, "spinnaker"), 5);
    drop(notes);

    // The parsed notes damaged: reparsed, and the index rebuilt.
    fs::write(store.join("notes.bin"), [0xff; 64]).unwrap();
    let notes = open(&dir, &cache, false);
    assert!(notes.report.rebuilt.is_some(), "{:?}", notes.report);
    assert_eq!(hits(&notes, "spinnaker"), 5);
    drop(notes);

    // Another parser/schema/analyzer/dictionary version: its format string differs.
    let mut foreign = vec![10u8];
    foreign.extend_from_slice(b"schema-old");
    fs::write(store.join("stamps.bin"), foreign).unwrap();
    assert!(open(&dir, &cache, false)
        .report
        .rebuilt
        .unwrap()
        .contains("another version (schema-old)"));

    // The index files themselves damaged.
    fs::write(store.join("meta.json"), "garbage").unwrap();
    let notes = open(&dir, &cache, false);
    assert!(notes.report.rebuilt.is_some());
    assert_eq!(hits(&notes, "spinnaker"), 5);
    drop(notes);

    assert_eq!(
        open(&dir, &cache, true).report.rebuilt.as_deref(),
        Some("--rebuild-index")
    );
}

#[test]
fn two_instances_at_once_both_work() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("notes"), tmp.path().join("cache"));
    fs::create_dir_all(&dir).unwrap();
    write_notes(&dir, 200);
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (dir, cache) = (dir.clone(), cache.clone());
            std::thread::spawn(move || hits(&open(&dir, &cache, false), "spinnaker"))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 200);
    }
    assert_eq!(hits(&open(&dir, &cache, false), "spinnaker"), 200);
}

#[test]
fn a_warm_start_reads_no_note_and_still_shows_the_text() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("notes"), tmp.path().join("cache"));
    fs::create_dir_all(&dir).unwrap();
    write_notes(&dir, 3);
    drop(open(&dir, &cache, false));
    let source = NotesSource {
        bundled: true,
        dirs: vec![dir.clone()],
    };
    drop(Notes::open(&source, Some(&cache), false, &mut |_| {}).unwrap());

    let (cached, _) = Notes::cached(&source, &cache).expect("a usable cache");
    let library = &cached.library;
    assert_eq!(library.events.len(), 8, "5 bundled + 3 from the folder");
    let event = library.event("event-1").unwrap();
    assert!(event.sessions[0].body.is_empty(), "the cache keeps no text");
    let text = library.text(event, Some(&event.sessions[0].id));
    assert!(text.contains("Spinnaker と秘匿情報の話 その1"), "{text}");
    let bundled = library.event("2019-07-cndt").unwrap();
    assert!(!library.text(bundled, None).is_empty());
    assert_eq!(hits(&cached, "tag:t2"), 1, "the cached index answers");

    // A file gone since the cache was written says so instead of failing.
    fs::remove_file(dir.join("event-1.md")).unwrap();
    let text = library.text(event, None);
    assert!(text.contains("could not be read again"), "{text}");
}

#[test]
fn search_sees_an_edit_made_between_two_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("notes"), tmp.path().join("cache"));
    fs::create_dir_all(&dir).unwrap();
    write_notes(&dir, 3);
    let search = |q: &str| {
        let out = assert_cmd::Command::cargo_bin("confnotes")
            .unwrap()
            .args(["--no-bundled", "--notes"])
            .arg(&dir)
            .args(["search", "--json", q])
            .env("CONFNOTES_CACHE", &cache)
            .env("CONFNOTES_CONFIG", tmp.path().join("none.toml"))
            .output()
            .unwrap();
        assert!(out.status.success());
        let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        hits.as_array().unwrap().len()
    };
    assert_eq!(search("spinnaker"), 3);
    assert_eq!(search("spinnaker"), 3, "answered from the cache");
    fs::write(
        dir.join("event-2.md"),
        "# イベント2\n\n## 書き換えた\n\nKnative だけの話に変えた。\n",
    )
    .unwrap();
    assert_eq!(search("spinnaker"), 2);
    assert_eq!(search("knative"), 1);
    fs::remove_file(dir.join("event-0.md")).unwrap();
    assert_eq!(search("spinnaker"), 1);
}

/// What the app's loader does on every save: refresh from the store it kept.
fn refresh_from(previous: Option<Store>, source: &NotesSource, cache: &Path) -> (Notes, Option<Store>) {
    let (files, warnings) = scan(source.bundled, &source.dirs);
    Notes::refresh(
        source,
        previous,
        &files,
        warnings,
        Some(cache),
        false,
        &mut |_| {},
    )
    .unwrap()
}

/// A temporary folder of `n` notes, as the only source.
fn folder_of(n: usize) -> (tempfile::TempDir, NotesSource) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("notes");
    fs::create_dir_all(&dir).unwrap();
    write_notes(&dir, n);
    let source = NotesSource {
        bundled: false,
        dirs: vec![dir],
    };
    (tmp, source)
}

#[test]
fn small_updates_are_logged_then_folded_into_the_catalog() {
    let (tmp, source) = folder_of(40);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    let (_, mut store) = refresh_from(None, &source, &cache);
    let store_dir = fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    let log = store_dir.join("changes.bin");
    assert!(!log.exists(), "a first run writes the whole catalog");

    let mut logged = 0;
    let mut folded = false;
    for round in 0..40 {
        fs::write(
            dir.join(format!("event-{}.md", round % 40)),
            format!("# 書き換え{round}\n\n## 版{round}\n\n改訂の印 mark{round} です。\n"),
        )
        .unwrap();
        let (notes, next) = refresh_from(store, &source, &cache);
        store = next;
        assert_eq!(notes.report.changed, 1, "{:?}", notes.report);
        assert_eq!(hits(&notes, &format!("mark{round}")), 1);
        if log.exists() {
            logged += 1;
        } else if logged > 0 {
            folded = true;
        }
        // Another process reading the cache from disk sees exactly this state.
        let fresh = open(&dir, &cache, false);
        assert_eq!(fresh.report.changes(), 0, "round {round}: {:?}", fresh.report);
        assert!(fresh.report.rebuilt.is_none(), "{:?}", fresh.report.rebuilt);
        assert_eq!(hits(&fresh, &format!("mark{round}")), 1);
        let (cached, _) = Notes::cached(&source, &cache).unwrap();
        assert!(cached
            .library
            .events
            .iter()
            .any(|e| e.title == format!("書き換え{round}")));
    }
    assert!(logged > 3, "small updates go to the log ({logged})");
    assert!(folded, "a long log is folded into a new notes.bin");
    // Forty saves, forty small segments, merged as they come rather than piled up.
    let (notes, _) = refresh_from(store, &source, &cache);
    let segments = notes.index.index.searchable_segment_metas().unwrap().len();
    assert!(segments <= 9, "{segments} segments after 40 saves");
}

#[test]
fn a_torn_log_or_another_writer_is_noticed() {
    let (tmp, source) = folder_of(40);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    let (_, store) = refresh_from(None, &source, &cache);
    fs::write(dir.join("event-1.md"), "# 一\n\n## 改\n\nfirstedit の話。\n").unwrap();
    let (_, store) = refresh_from(store, &source, &cache);

    // Another confnotes updates the cache meanwhile: the kept store is not used blindly.
    fs::write(dir.join("event-2.md"), "# 二\n\n## 改\n\nsecondedit の話。\n").unwrap();
    drop(open(&dir, &cache, false));
    fs::write(dir.join("event-3.md"), "# 三\n\n## 改\n\nthirdedit の話。\n").unwrap();
    let (notes, _) = refresh_from(store, &source, &cache);
    assert_eq!(
        notes.report.changed, 1,
        "only event-3 is new to the cache: {:?}",
        notes.report
    );
    for word in ["firstedit", "secondedit", "thirdedit"] {
        assert_eq!(hits(&notes, word), 1, "{word}");
    }
    drop(notes);

    // A crash while appending leaves a record cut short: the index is ahead of the
    // catalog, and the next start rebuilds with a message.
    let store_dir = fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    let log = store_dir.join("changes.bin");
    let bytes = fs::read(&log).unwrap();
    fs::write(&log, &bytes[..bytes.len() - 3]).unwrap();
    let notes = open(&dir, &cache, false);
    assert!(notes.report.rebuilt.is_some(), "{:?}", notes.report);
    for word in ["firstedit", "secondedit", "thirdedit"] {
        assert_eq!(hits(&notes, word), 1, "{word}");
    }
}

/// Each query's hits as sorted `event#session` ids.
fn answers(index: &confnotes::search::SearchIndex) -> Vec<Vec<String>> {
    ["spinnaker", "秘匿情報", "tag:t3", "\"秘匿情報の話\"", "その7"]
        .iter()
        .map(|q| {
            let mut ids: Vec<String> = index
                .search(&parse_query(q), 1000)
                .unwrap()
                .into_iter()
                .map(|h| h.session.to_string())
                .collect();
            ids.sort();
            ids
        })
        .collect()
}

/// Every file of the cache whose name ends with `suffix`.
fn cache_files(store_dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    fs::read_dir(store_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().ends_with(suffix))
        .collect()
}

#[test]
fn a_damaged_index_is_rebuilt_once_then_used_from_disk_again() {
    let (tmp, source) = folder_of(12);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    let fresh = {
        let library = confnotes::core::Library::load(&source);
        let index = confnotes::search::SearchIndex::build_in_ram(
            &library,
            confnotes::search::Analyzer::new().unwrap(),
        )
        .unwrap();
        answers(&index)
    };
    assert!(fresh.iter().all(|hits| !hits.is_empty()), "{fresh:?}");
    // Saved a minute ago: a note saved just now is read again by every run (racily
    // clean stamps), which would keep the search fast path from the cache.
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for entry in fs::read_dir(&dir).unwrap() {
        let file = fs::File::options()
            .write(true)
            .open(entry.unwrap().path())
            .unwrap();
        file.set_modified(past).unwrap();
    }
    drop(open(&dir, &cache, false));
    let store_dir = fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    let analyzer = confnotes::search::Analyzer::new().unwrap();

    let kinds = [
        ".pos",
        ".idx",
        ".term",
        ".store",
        ".fast",
        ".fieldnorm",
        "meta.json",
    ];
    for kind in kinds {
        for damage in ["truncate", "garble", "delete"] {
            let files = cache_files(&store_dir, kind);
            assert!(!files.is_empty(), "no {kind} file in the cache");
            for file in &files {
                let bytes = fs::read(file).unwrap();
                match damage {
                    "truncate" => fs::write(file, &bytes[..bytes.len() / 2]).unwrap(),
                    "delete" => fs::remove_file(file).unwrap(),
                    _ => {
                        // Bytes in the middle flipped: only a checksum tells.
                        let mut bytes = bytes;
                        let mid = bytes.len() / 2;
                        for b in bytes.iter_mut().skip(mid.saturating_sub(4)).take(8) {
                            *b ^= 0x5a;
                        }
                        fs::write(file, bytes).unwrap();
                    }
                }
            }
            let case = format!("{kind} {damage}");
            let notes = open(&dir, &cache, false);
            assert!(notes.report.rebuilt.is_some(), "{case}: {:?}", notes.report);
            assert!(!notes.report.in_memory_fallback, "{case}: {:?}", notes.report);
            assert!(
                notes
                    .library
                    .warnings
                    .iter()
                    .any(|w| w.message.starts_with("search index rebuilt")),
                "{case}"
            );
            assert_eq!(
                answers(&notes.index),
                fresh,
                "{case}: the next run answers like a fresh index"
            );
            drop(notes);

            let again = open(&dir, &cache, false);
            let r = &again.report;
            assert!(r.rebuilt.is_none() && !r.in_memory_fallback, "{case}: {r:?}");
            assert_eq!((r.changes(), r.unchanged), (0, 12), "{case}: from the disk cache");
            assert_eq!(answers(&again.index), fresh, "{case}");
            drop(again);
            let (files, _) = scan(false, &source.dirs);
            let (index, _) = confnotes::store::fresh_index(&store_dir, &files, analyzer.clone())
                .unwrap_or_else(|| panic!("{case}: the search fast path opens the cache"));
            assert_eq!(answers(&index), fresh, "{case}");
        }
    }
}

#[test]
fn the_in_memory_fallback_has_every_note_in_full() {
    let (tmp, source) = folder_of(10);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    drop(open(&dir, &cache, false));
    let store_dir = fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    fs::write(dir.join("event-3.md"), "# 三\n\n## 改\n\nKnative だけの話。\n").unwrap();
    // Another program holds the index's writer lock.
    let index = tantivy::Index::open_in_dir(&store_dir).unwrap();
    let writer: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
    let notes = open(&dir, &cache, false);
    assert!(notes.report.in_memory_fallback, "{:?}", notes.report);
    assert_eq!(
        hits(&notes, "spinnaker"),
        9,
        "notes kept from the cache are searched in full"
    );
    assert_eq!(hits(&notes, "その7"), 1);
    assert_eq!(hits(&notes, "knative"), 1);
    drop(writer);
}

#[cfg(unix)]
#[test]
fn symlinked_folders_are_followed_and_a_loop_is_reported() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let (dir, elsewhere) = (tmp.path().join("notes"), tmp.path().join("elsewhere"));
    fs::create_dir_all(dir.join("real/deeper")).unwrap();
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(dir.join("real/a.md"), "# A\n\n## S\n\ntext\n").unwrap();
    fs::write(elsewhere.join("b.md"), "# B\n\n## S\n\ntext\n").unwrap();
    symlink(&elsewhere, dir.join("linked")).unwrap();
    // A loop back to the notes folder, reached both directly and through two links.
    symlink(&dir, dir.join("real/deeper/up")).unwrap();
    symlink(dir.join("real"), elsewhere.join("to-real")).unwrap();

    let (files, warnings) = scan(false, std::slice::from_ref(&dir));
    let names: Vec<String> = files
        .iter()
        .map(|f| f.path.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        ["linked/b.md", "linked/to-real/a.md", "real/a.md"],
        "{warnings:?}"
    );
    let loops: Vec<&str> = warnings
        .iter()
        .filter(|w| w.message.contains("a loop"))
        .map(|w| w.file.as_str())
        .collect();
    assert_eq!(loops.len(), 2, "{warnings:?}");
    assert!(loops.iter().all(|f| f.ends_with("real/deeper/up")), "{loops:?}");
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_skipped_and_the_cache_still_works() {
    use std::os::unix::ffi::OsStrExt;
    let (tmp, source) = folder_of(4);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    let bad = dir.join(std::ffi::OsStr::from_bytes(b"bad\xff.md"));
    fs::write(&bad, "# Bad\n\n## S\n\ntext\n").unwrap();
    let first = open(&dir, &cache, false);
    assert!(!first.report.in_memory_fallback, "{:?}", first.library.warnings);
    let warning = first
        .library
        .warnings
        .iter()
        .find(|w| w.message.contains("not valid UTF-8"))
        .expect("a warning about the name");
    assert!(warning.file.ends_with("bad\u{fffd}.md"), "{warning}");
    assert_eq!(hits(&first, "spinnaker"), 4);
    drop(first);
    let second = open(&dir, &cache, false);
    assert_eq!(
        (second.report.changes(), second.report.unchanged),
        (0, 4),
        "{:?}",
        second.report
    );
    assert!(second.report.rebuilt.is_none() && !second.report.in_memory_fallback);
}

/// Indexes `source` into `cache` as a refresh does, but committing after every 50 notes
/// or so; `on_commit` is told how many were committed each time.
fn index_committing_often(
    source: &NotesSource,
    cache: &Path,
    mut on_commit: impl FnMut(usize),
) -> StoreReport {
    let (files, warnings) = scan(source.bundled, &source.dirs);
    let dir = confnotes::notes::store_dir(source, cache);
    let update = Update {
        dir: &dir,
        files: &files,
        analyzer: Analyzer::new().unwrap(),
        commits: Commits {
            every: std::time::Duration::ZERO,
            files: 50,
            cost_share: 0,
        },
    };
    let mut progress = |stage: Stage| {
        if let Stage::Committed { done, .. } = stage {
            on_commit(done)
        }
    };
    update.run(None, warnings, false, &mut progress).unwrap().1
}

#[test]
fn each_commit_of_a_long_indexing_leaves_a_cache_that_says_what_it_holds() {
    let (tmp, source) = folder_of(400);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    // Read from disk at each commit, as a start at that moment would.
    let mut commits = Vec::new();
    let report = index_committing_often(&source, &cache, |done| {
        let (cached, _) = Notes::cached(&source, &cache).expect("a usable cache");
        assert_eq!(cached.library.events.len(), done);
        assert_eq!(hits(&cached, "spinnaker"), done);
        commits.push(done);
    });
    assert_eq!(report.added, 400);
    assert!(commits.len() >= 3, "{commits:?}");
    assert_eq!(hits(&open(&dir, &cache, false), "spinnaker"), 400);

    // Every note changed: until its turn, each is in the cache as it was, old text
    // indexed, so that a start in between finds it changed again.
    for i in 0..400 {
        fs::write(
            dir.join(format!("event-{i}.md")),
            format!("# 改{i}\n\n## 改訂{i}\n\nKnative に書き換えた {i}。\n"),
        )
        .unwrap();
    }
    let mut commits = 0;
    let report = index_committing_often(&source, &cache, |done| {
        let (cached, _) = Notes::cached(&source, &cache).expect("a usable cache");
        assert_eq!(cached.library.events.len(), 400);
        assert_eq!(hits(&cached, "knative"), done);
        assert_eq!(hits(&cached, "spinnaker"), 400 - done);
        commits += 1;
    });
    assert_eq!(report.changed, 400);
    assert!(commits >= 3);
    let after = open(&dir, &cache, false);
    assert_eq!(after.report.changes(), 0);
    assert_eq!((hits(&after, "knative"), hits(&after, "spinnaker")), (400, 0));
}

/// Set in the child process of the next test: the notes folder and the cache.
const QUITTER: &str = "CONFNOTES_TEST_QUIT_AFTER_A_COMMIT";

#[test]
fn quitting_during_a_first_index_keeps_what_was_committed() {
    if let Some(dirs) = std::env::var_os(QUITTER) {
        // The child: a first run that quits right after its first commit, as the app
        // does when closed while its loader indexes (the process ends, mid-work).
        let dirs = std::path::PathBuf::from(dirs);
        let source = NotesSource {
            bundled: false,
            dirs: vec![dirs.join("notes")],
        };
        index_committing_often(&source, &dirs.join("cache"), |_| std::process::exit(42));
        return;
    }
    let (tmp, source) = folder_of(400);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "store::quitting_during_a_first_index_keeps_what_was_committed",
            "--exact",
            "--test-threads=1",
        ])
        .env(QUITTER, tmp.path())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(42), "the child quit after a commit");

    // The next start shows what was committed at once, then indexes only the rest.
    let (cached, _) = Notes::cached(&source, &cache).expect("the part committed is a usable cache");
    let kept = cached.library.events.len();
    assert!(kept > 0 && kept < 400, "{kept}");
    assert_eq!(hits(&cached, "spinnaker"), kept);
    drop(cached);
    let next = open(&dir, &cache, false);
    let r = &next.report;
    assert!(r.rebuilt.is_none(), "{:?}", r.rebuilt);
    assert_eq!((r.unchanged, r.added), (kept, 400 - kept));

    // And the index is the one a first run that was not cut short makes.
    let whole = open(&dir, &tmp.path().join("uncut"), false);
    assert_eq!(answers(&next.index), answers(&whole.index));
    assert_eq!(next.index.num_docs(), whole.index.num_docs());
}

/// Each event's id, link targets and backlinks, by id: what linking decides.
fn linked_state(library: &confnotes::core::Library) -> Vec<String> {
    let mut out: Vec<String> = library
        .events
        .iter()
        .map(|e| {
            let links: Vec<_> = e
                .overview_links
                .iter()
                .chain(e.sessions.iter().flat_map(|s| &s.links))
                .map(|l| &l.target)
                .collect();
            let backlinks: Vec<_> = e.sessions.iter().map(|s| &s.backlinks).collect();
            format!("{} {links:?} {backlinks:?}", e.id)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_warm_start_shows_the_notes_as_linked_without_linking_them_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("notes");
    fs::create_dir_all(&dir).unwrap();
    let cache = tmp.path().join("cache");
    let source = NotesSource {
        bundled: false,
        dirs: vec![dir.clone()],
    };
    for i in 0..30 {
        fs::write(
            dir.join(format!("n{i}.md")),
            format!("# N{i}\n\n## S{i}\n\ntext\n"),
        )
        .unwrap();
    }
    fs::write(dir.join("a.md"), "# A\n\n## One\n\nsee [two](b.md#two)\n").unwrap();
    fs::write(dir.join("b.md"), "# B\n\n## Two\n\ntext\n").unwrap();
    let (_, mut store) = refresh_from(None, &source, &cache);
    let check = |step: &str| {
        let (cached, _) = Notes::cached(&source, &cache).unwrap();
        let fresh = confnotes::core::Library::load(&source);
        assert_eq!(linked_state(&cached.library), linked_state(&fresh), "{step}");
        let mut warnings = cached.library.warnings.clone();
        let mut expected = fresh.warnings.clone();
        warnings.sort_by_key(|w| w.to_string());
        expected.sort_by_key(|w| w.to_string());
        assert_eq!(warnings, expected, "{step}");
    };
    check("first run");
    // b's session renamed: a's link dangles, though a did not change (a logged update).
    fs::write(dir.join("b.md"), "# B\n\n## Zwei\n\ntext\n").unwrap();
    let (_, next) = refresh_from(store, &source, &cache);
    store = next;
    assert!(store_dir_has(&cache, "changes.bin"), "a small update is logged");
    check("a link target changed");
    // A new note links to n3: n3 gains a backlink; b's session comes back.
    fs::write(dir.join("c.md"), "# C\n\n## Three\n\n[n3](n3.md#s3)\n").unwrap();
    fs::write(dir.join("b.md"), "# B\n\n## Two\n\ntext\n").unwrap();
    let (_, _) = refresh_from(store, &source, &cache);
    check("a backlink added, the link resolves again");
}

fn store_dir_has(cache: &Path, name: &str) -> bool {
    let store_dir = fs::read_dir(cache).unwrap().next().unwrap().unwrap().path();
    store_dir.join(name).exists()
}

#[test]
fn the_first_frame_gets_the_newest_notes_as_the_last_run_left_them() {
    let (tmp, source) = folder_of(400);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    let (_, store) = refresh_from(None, &source, &cache);
    let ids = |library: &confnotes::core::Library| -> Vec<String> {
        library.events.iter().map(|e| e.id.clone()).collect()
    };
    let same_as_the_whole = |step: &str| {
        let (front, total) = Notes::front(&source, &cache).expect("a front");
        let (whole, _) = Notes::cached(&source, &cache).unwrap();
        let shown = front.library.events.len();
        assert!(
            (40..400).contains(&shown),
            "{step}: a screenful and more, not all: {shown}"
        );
        assert_eq!(total, whole.library.events.len(), "{step}");
        assert_eq!(ids(&front.library), ids(&whole.library)[..shown], "{step}");
        assert_eq!(front.library.warnings, whole.library.warnings, "{step}");
        let first = &front.library.events[0];
        assert_eq!(
            first.file, whole.library.events[0].file,
            "{step}: its file, to read its text"
        );
        assert_eq!(hits(&front, "spinnaker"), 400, "{step}: the whole index");
        front
    };
    same_as_the_whole("first run");
    let store_dir = fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    let before = fs::read(store_dir.join("front.bin")).unwrap();

    // A note that sorts first from now on (a date), and a logged update.
    fs::write(
        dir.join("event-7.md"),
        "---\ndate: 2030-01-01\n---\n\n# 最新\n\n## 話\n\nSpinnaker の続き。\n",
    )
    .unwrap();
    let (_, _) = refresh_from(store, &source, &cache);
    let front = same_as_the_whole("after a change");
    assert_eq!(front.library.events[0].title, "最新");

    // A front older than the index (a crash before it was written) is not used.
    fs::write(store_dir.join("front.bin"), before).unwrap();
    assert!(Notes::front(&source, &cache).is_none());
    assert!(Notes::cached(&source, &cache).is_some());
}

#[test]
fn a_note_with_a_title_of_megabytes_is_cached_like_any_other() {
    let (tmp, source) = folder_of(3);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    let long = "長".repeat(600_000); // 1.8 MB in one heading
    fs::write(
        dir.join("long.md"),
        format!("# {long}\n\n## 中身\n\nSpinnaker です。\n"),
    )
    .unwrap();
    let first = open(&dir, &cache, false);
    assert_eq!(first.report.added, 4);
    drop(first);
    // The catalog is read back as it is decoded, a string at a time.
    let (cached, _) = Notes::cached(&source, &cache).expect("the catalog reads back");
    assert!(cached.library.events.iter().any(|e| e.title.len() > 1_000_000));
    let again = open(&dir, &cache, false);
    assert!(again.report.rebuilt.is_none(), "{:?}", again.report.rebuilt);
    assert_eq!(again.report.unchanged, 4);
}

/// Every file of a cache folder, by name.
fn files_in(store_dir: &Path) -> Vec<(String, Vec<u8>)> {
    fs::read_dir(store_dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| (e.file_name().into_string().unwrap(), fs::read(e.path()).unwrap()))
        .collect()
}

/// The catalog's files (the rest is the index's).
fn is_catalog(name: &str) -> bool {
    ["notes.bin", "stamps.bin", "changes.bin", "front.bin"].contains(&name)
}

#[test]
fn an_update_cut_short_around_its_commit_leaves_a_cache_that_is_not_rebuilt() {
    let (tmp, source) = folder_of(40);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    drop(open(&dir, &cache, false));
    let store_name = fs::read_dir(&cache).unwrap().next().unwrap().unwrap().file_name();
    let store_dir = cache.join(&store_name);
    let before = files_in(&store_dir);
    fs::write(dir.join("event-1.md"), "# 一\n\n## 改\n\nsmallmark の話。\n").unwrap();
    drop(open(&dir, &cache, false));
    let after_small = files_in(&store_dir);
    assert!(
        after_small.iter().any(|(n, _)| n == "changes.bin"),
        "a small update is logged"
    );
    for i in 10..30 {
        fs::write(
            dir.join(format!("event-{i}.md")),
            format!("# 改{i}\n\n## 版\n\nbigmark {i}。\n"),
        )
        .unwrap();
    }
    drop(open(&dir, &cache, false));
    let after_big = files_in(&store_dir);

    // A cache made of the index of one state and the catalog files of another, as an
    // update stopped at some point leaves it; then opened.
    let mut case = 0;
    let mut stopped =
        |index: &[(String, Vec<u8>)], catalog: &[(String, Vec<u8>)], next: Option<&[(String, Vec<u8>)]>| {
            case += 1;
            let cache = tmp.path().join(format!("stopped-{case}"));
            let store_dir = cache.join(&store_name);
            fs::create_dir_all(&store_dir).unwrap();
            for (name, bytes) in index.iter().filter(|(n, _)| !is_catalog(n)) {
                fs::write(store_dir.join(name), bytes).unwrap();
            }
            for (name, bytes) in catalog.iter().filter(|(n, _)| is_catalog(n)) {
                fs::write(store_dir.join(name), bytes).unwrap();
            }
            for (name, bytes) in next.unwrap_or_default().iter() {
                if name == "notes.bin" || name == "stamps.bin" {
                    fs::write(store_dir.join(format!("{name}.next")), bytes).unwrap();
                }
            }
            let notes = open(&dir, &cache, false);
            assert!(
                notes.report.rebuilt.is_none(),
                "case {case}: {:?}",
                notes.report.rebuilt
            );
            (notes, store_dir)
        };

    // Its log record written, not its commit: the record is not the index's.
    let (notes, _) = stopped(&before, &after_small, None);
    assert_eq!(notes.report.changed, 21, "found changed again");
    assert_eq!((hits(&notes, "smallmark"), hits(&notes, "bigmark")), (1, 20));

    // Its new base written beside the one in place, not its commit.
    let (notes, _) = stopped(&after_small, &after_small, Some(&after_big));
    assert_eq!(notes.report.changed, 20, "found changed again");
    assert_eq!(hits(&notes, "bigmark"), 20);

    // Its commit done, its new base not put in place yet: it is, by the next update.
    let (notes, store_dir) = stopped(&after_big, &after_small, Some(&after_big));
    assert_eq!(notes.report.changes(), 0);
    assert_eq!(hits(&notes, "bigmark"), 20);
    assert!(!store_dir.join("notes.bin.next").exists());
    drop(notes);
    let (cached, _) = Notes::cached(&source, store_dir.parent().unwrap()).unwrap();
    assert!(cached.library.events.iter().any(|e| e.title == "改12"));
}

/// The event titles and dates in library order: what the events pane lists.
fn listed(library: &confnotes::core::Library) -> Vec<String> {
    library
        .events
        .iter()
        .map(|e| format!("{} {:?} {}", e.id, e.dates, e.title))
        .collect()
}

#[test]
fn a_refresh_told_which_files_changed_ends_where_a_whole_one_does() {
    let (tmp, source) = folder_of(12);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    // Links between notes, by path and by anchor, so saves move links and backlinks.
    fs::write(
        dir.join("hub.md"),
        "# ハブ\n\n## 目次\n\n[五](event-5.md#セッション5) と [七](event-7.md) と [[event-3#追記]]\n",
    )
    .unwrap();
    let (_, mut store) = refresh_from(None, &source, &cache);
    let edits: [(&str, String); 5] = [
        (
            "event-3.md",
            "# イベント3\n\n## 追記\n\n差し替えた mark-a。\n".into(),
        ),
        (
            "event-5.md",
            "# イベント5\n\n- date: 2031-01-01\n\n## 改名\n\n[ハブへ](hub.md#目次) mark-b\n".into(),
        ),
        (
            "hub.md",
            "# ハブ\n\n## 目次\n\n[三](event-3.md#追記) だけ mark-c\n".into(),
        ),
        ("event-7.md", "not even a heading mark-d\n".into()),
        (
            "event-5.md",
            "# イベント5\n\n## セッション5\n\n戻した mark-e\n".into(),
        ),
    ];
    for (round, (name, text)) in edits.iter().enumerate() {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        let mut told = store.take().expect("a store");
        told.changed_only(vec![path.clone(), path]);
        let (notes, next) = refresh_from(Some(told), &source, &cache);
        store = next;
        assert_eq!(notes.report.changed, 1, "round {round}: {:?}", notes.report);
        // A whole refresh from the disk, in memory: every file looked at again.
        let whole = Notes::open(&source, None, false, &mut |_| {}).unwrap();
        assert_eq!(
            linked_state(&notes.library),
            linked_state(&whole.library),
            "round {round}"
        );
        assert_eq!(listed(&notes.library), listed(&whole.library), "round {round}");
        let mark = format!("mark-{}", (b'a' + round as u8) as char);
        assert_eq!(hits(&notes, &mark), 1, "round {round}");
        assert_eq!(hits(&notes, &mark), hits(&whole, &mark));
    }
}

#[test]
fn a_few_saved_notes_are_drawn_in_place_before_every_note_is_linked_again() {
    let (tmp, source) = folder_of(12);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    fs::write(
        dir.join("hub.md"),
        "# ハブ\n\n## 目次\n\n[五](event-5.md#セッション5)\n",
    )
    .unwrap();
    let (_, mut store) = refresh_from(None, &source, &cache);
    let edits = [
        ("event-3.md", "# イベント3\n\n## 追記\n\n書き足した。\n"),
        (
            "event-5.md",
            "# イベント5\n\n- date: 2031-01-01\n\n## セッション5\n\n日付が付いた。\n",
        ),
        (
            "hub.md",
            "# ハブ\n\n## 目次\n\n[三](event-3.md#追記) と [[event-5#セッション5]]\n",
        ),
    ];
    for (name, text) in edits {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        let mut told = store.take().expect("a store");
        told.changed_only(vec![path]);
        let (files, warnings) = scan(source.bundled, &source.dirs);
        let mut drawn = Vec::new();
        let (notes, next) = Notes::refresh(
            &source,
            Some(told),
            &files,
            warnings,
            Some(&cache),
            false,
            &mut |stage| {
                if let Stage::Linked(library) = stage {
                    drawn.push(std::sync::Arc::clone(library));
                }
            },
        )
        .unwrap();
        store = next;
        assert_eq!(drawn.len(), 1, "{name}: drawn once before the commit");
        let preview = &drawn[0];
        assert_eq!(listed(preview), listed(&notes.library), "{name}: in its place");
        // The note's own links are resolved; backlinks its new links give other notes
        // come with the whole linking.
        let state = |library: &confnotes::core::Library| {
            let hub = library.events.iter().find(|e| e.id == "hub").unwrap();
            let links: Vec<_> = hub
                .sessions
                .iter()
                .flat_map(|s| &s.links)
                .map(|l| l.target.clone())
                .collect();
            links
        };
        assert_eq!(state(preview), state(&notes.library), "{name}");
        if name == "hub.md" {
            // Drawn from the preview: event 3 gains its backlink from the hub just after.
            let backlinks = |library: &confnotes::core::Library| {
                let e = library.events.iter().find(|e| e.id == "event-3").unwrap();
                e.sessions.iter().map(|s| s.backlinks.len()).sum::<usize>()
            };
            assert_eq!((backlinks(preview), backlinks(&notes.library)), (0, 1));
        } else {
            assert_eq!(linked_state(preview), linked_state(&notes.library), "{name}");
        }
    }
}

#[test]
fn notes_changed_while_closed_are_drawn_from_the_front_before_the_cache_is_read() {
    let (tmp, source) = folder_of(12);
    let (dir, cache) = (source.dirs[0].clone(), tmp.path().join("cache"));
    fs::write(
        dir.join("hub.md"),
        "# ハブ\n\n## 目次\n\n[三](event-3.md#セッション3)\n",
    )
    .unwrap();
    refresh_from(None, &source, &cache);
    let store_dir = confnotes::notes::store_dir(&source, &cache);
    let preview = |source: &NotesSource| {
        let (front, _) = Notes::front(source, &cache).expect("a front");
        let (files, _) = scan(source.bundled, &source.dirs);
        confnotes::store::front_preview(confnotes::store::last_stamps(&store_dir), &files, &front.library)
    };
    assert!(preview(&source).is_none(), "nothing changed");
    fs::write(
        dir.join("event-3.md"),
        "# イベント3\n\n- date: 2031-02-03\n\n## セッション3\n\n閉じている間に。\n\n## 増えた\n",
    )
    .unwrap();
    fs::write(
        dir.join("hub.md"),
        "# ハブ\n\n## 目次\n\n[三](event-3.md#セッション3) [五](event-5.md)\n",
    )
    .unwrap();
    let drawn = preview(&source).expect("two notes changed");
    let (whole, _) = refresh_from(None, &source, &cache);
    assert_eq!(listed(&drawn), listed(&whole.library), "each in its place");
    let titles = |library: &confnotes::core::Library, id: &str| -> Vec<String> {
        let e = library.events.iter().find(|e| e.id == id).unwrap();
        e.sessions.iter().map(|s| s.title.clone()).collect()
    };
    assert_eq!(titles(&drawn, "event-3"), ["セッション3", "増えた"]);
    let hub = drawn.events.iter().find(|e| e.id == "hub").unwrap();
    let targets: Vec<String> = hub.sessions[0]
        .links
        .iter()
        .map(|l| format!("{:?}", l.target))
        .collect();
    // The link it had keeps its target; the new one waits for the whole linking.
    assert!(targets[0].contains("event-3"), "{targets:?}");
    assert_eq!(targets[1], "Unresolved");
    // Its backlink from the hub is kept.
    let three = drawn.events.iter().find(|e| e.id == "event-3").unwrap();
    assert_eq!(three.sessions[0].backlinks.len(), 1);
}

#[test]
fn temporary_files_a_killed_run_left_are_cleared_and_new_ones_kept() {
    let (tmp, source) = folder_of(3);
    let cache = tmp.path().join("cache");
    refresh_from(None, &source, &cache);
    let store_dir = confnotes::notes::store_dir(&source, &cache);
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for name in [".tmpA1b2C3", "notes.bin.tmp", "fresh.tmp"] {
        let file = fs::File::create(store_dir.join(name)).unwrap();
        if name != "fresh.tmp" {
            file.set_modified(long_ago).unwrap();
        }
    }
    fs::write(source.dirs[0].join("event-1.md"), "# 変えた\n").unwrap();
    let (notes, _) = refresh_from(None, &source, &cache);
    assert_eq!(notes.report.changed, 1);
    assert!(
        !store_dir.join(".tmpA1b2C3").exists(),
        "tantivy's, left by a kill"
    );
    assert!(!store_dir.join("notes.bin.tmp").exists());
    assert!(
        store_dir.join("fresh.tmp").exists(),
        "maybe another process's, being written"
    );
}
