//! The persistent index: reused, updated incrementally, repaired, shared.

use std::fs;
use std::path::Path;

use confnotes::core::NotesSource;
use confnotes::notes::Notes;
use confnotes::search::parse_query;

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

    fs::write(store.join("confnotes-manifest.json"), "{not json").unwrap();
    let notes = open(&dir, &cache, false);
    assert!(
        notes.report.rebuilt.as_deref().unwrap_or("").contains("manifest"),
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

    // Another schema/analyzer/dictionary version.
    let manifest = fs::read_to_string(store.join("confnotes-manifest.json")).unwrap();
    fs::write(
        store.join("confnotes-manifest.json"),
        manifest.replace("schema-", "schema-old-"),
    )
    .unwrap();
    assert!(open(&dir, &cache, false)
        .report
        .rebuilt
        .unwrap()
        .contains("another version"));

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
