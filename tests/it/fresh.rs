//! `confnotes search` over a cache that is up to date: printed from what the index
//! stores and the hits' files (no note parsed), the same as from the notes themselves.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::confnotes;

/// Gives the files under `dir` a modification time an hour ago: a file saved in the
/// last seconds is read again whatever its stamp says (a second save within the clock's
/// granularity would not change it).
fn age(dir: &Path) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            age(&entry.path());
        } else {
            let file = fs::File::options().write(true).open(entry.path()).unwrap();
            file.set_modified(past).unwrap();
        }
    }
}

/// `search QUERY --json` over `notes` (and the bundled notes); with `--rebuild-index`,
/// the answer comes from the notes parsed afresh. Returns the hits and whether the
/// answer came from the cache alone.
fn search(tmp: &Path, notes: &Path, query: &str, rebuild: bool) -> (Value, bool) {
    let mut cmd = confnotes(tmp);
    cmd.env("CONFNOTES_TIMINGS", "1").arg("--notes").arg(notes);
    if rebuild {
        cmd.arg("--rebuild-index");
    }
    let out = cmd
        .args(["search", query, "--json", "--limit", "50"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let from_cache = String::from_utf8_lossy(&out.stderr).contains("fresh index searched");
    (serde_json::from_slice(&out.stdout).unwrap(), from_cache)
}

#[test]
fn a_search_from_the_cache_answers_as_one_from_the_notes() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(notes.join("2019/0416-meetup")).unwrap();
    // A BOM and CRLF line ends: the parser's offsets are not the file's.
    fs::write(
        notes.join("crlf.md"),
        "\u{feff}---\r\ntitle: 改行の違うノート\r\ntags: [deploy]\r\n---\r\n\r\n概要: Spinnaker の話。\r\n\r\n## 一つ目\r\n\r\n- speaker: 佐藤\r\n\r\nSpinnaker でデプロイする。\r\n\r\n## 二つ目\r\n\r\n別の本文。\r\n",
    )
    .unwrap();
    // The word far into a long session, and written in full width.
    let long = format!(
        "# 長いノート\n\n## 長い節\n\n{}\n\nここで Ｓｐｉｎｎａｋｅｒ を使う。\n\n{}\n",
        "前置きの文。".repeat(5000),
        "後ろの文。".repeat(100)
    );
    fs::write(notes.join("long.md"), long).unwrap();
    fs::write(
        notes.join("2019/0416-meetup/README.md"),
        "# 勉強会\n\n## 継続的デリバリ\n\n- speaker: @yamada\n- tags: cd\n\nArgo CD と spinnaker を比べた。\n\n## 休憩\n",
    )
    .unwrap();
    age(&notes);
    for query in [
        "spinnaker",
        "継続的デリバリ",
        "kubernetes",
        "tag:cd",
        "speaker:yamada",
        "デプロイ",
    ] {
        let (expected, from_notes) = search(tmp.path(), &notes, query, true);
        assert!(!from_notes);
        let (found, from_cache) = search(tmp.path(), &notes, query, false);
        assert!(
            from_cache,
            "{query}: the second search is answered from the cache"
        );
        assert_eq!(found, expected, "{query}");
        assert!(!found.as_array().unwrap().is_empty(), "{query} finds something");
    }
    let (hits, _) = search(tmp.path(), &notes, "spinnaker", false);
    let snippets: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["snippet"].as_str().unwrap())
        .collect();
    assert!(snippets.contains(&"Spinnaker でデプロイする。"), "{snippets:?}");
    assert!(
        snippets
            .iter()
            .any(|s| s.contains("ここで Ｓｐｉｎｎａｋｅｒ を使う")),
        "the long note's snippet is at its match: {snippets:?}"
    );
}

/// A note rewritten with the same size and modification time looks unchanged to the
/// scan: its hit is still shown from the note as it is now, not from the index's idea
/// of where its text was.
#[test]
fn a_note_changed_within_its_stamp_is_shown_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    let note = notes.join("n.md");
    fs::write(&note, "# 会\n\n## 節\n\nゾルゲラウムの話 alpha。\n").unwrap();
    age(&notes);
    let snippet = |hits: &Value| hits[0]["snippet"].as_str().unwrap().to_string();
    let (before, _) = search(tmp.path(), &notes, "ゾルゲラウム", false);
    assert!(snippet(&before).contains("alpha"), "{before}");
    let mtime = fs::metadata(&note).unwrap().modified().unwrap();
    fs::write(&note, "# 会\n\n## 節\n\nゾルゲラウムの話 omega。\n").unwrap();
    fs::File::options()
        .write(true)
        .open(&note)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let (after, from_cache) = search(tmp.path(), &notes, "ゾルゲラウム", false);
    assert!(from_cache, "the scan sees no change");
    assert!(
        snippet(&after).contains("omega") && !snippet(&after).contains("alpha"),
        "{after}"
    );
}

/// The search that starts before the scan never answers for a note that changed: the
/// next search finds the new text, whether the change was a moment ago or long before.
#[test]
fn a_changed_note_is_found_by_the_next_search() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    let note = notes.join("n.md");
    fs::write(&note, "# 会\n\n## 節\n\nゾルゲラウムの話。\n").unwrap();
    age(&notes);
    let ids = |hits: &Value| hits.as_array().unwrap().len();
    let (found, _) = search(tmp.path(), &notes, "ゾルゲラウム", false);
    assert_eq!(ids(&found), 1);
    let (found, from_cache) = search(tmp.path(), &notes, "ゾルゲラウム", false);
    assert!(from_cache && ids(&found) == 1);
    fs::write(&note, "# 会\n\n## 節\n\nカルマンフィルタの話。\n").unwrap();
    let (found, from_cache) = search(tmp.path(), &notes, "カルマンフィルタ", false);
    assert!(!from_cache, "a note saved a moment ago is read again");
    assert_eq!(ids(&found), 1, "{found}");
    age(&notes);
    fs::write(&note, "# 会\n\n## 節\n\nメタンハイドレートの話。\n").unwrap();
    age(&notes);
    let (found, from_cache) = search(tmp.path(), &notes, "メタンハイドレート", false);
    assert!(!from_cache, "its size changed");
    assert_eq!(ids(&found), 1, "{found}");
    assert!(found[0]["snippet"]
        .as_str()
        .unwrap()
        .contains("メタンハイドレート"));
    let (gone, _) = search(tmp.path(), &notes, "カルマンフィルタ", false);
    assert_eq!(ids(&gone), 0, "{gone}");
}
