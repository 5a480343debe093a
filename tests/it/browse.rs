//! Browsing by speaker, tag and star from the command line (issue 15).

use std::path::Path;

use serde_json::Value;

fn notes(dir: &Path) -> std::path::PathBuf {
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(
        notes.join("2024-01-a.md"),
        "---\ntitle: Meetup A\ndate: 2024-01-10\ntags: [k8s]\n---\n\n# Meetup A\n\n## Talk one\n\n- speaker: 青山 真也 (@amsy810)\n- tags: spinnaker\n\nSpinnaker の話。\n\n## Talk two\n\n- speaker: 山田\n\n別の話。\n",
    )
    .unwrap();
    std::fs::write(
        notes.join("2024-02-b.md"),
        "---\ntitle: Meetup B\ndate: 2024-02-10\n---\n\n# Meetup B\n\n## Talk three\n\n- speaker: @amsy810\n- tags: Spinnaker, argo\n\nArgo の話。\n\n## Talk four\n\n- speaker: amsy810, 山田\n\n続き。\n",
    )
    .unwrap();
    notes
}

fn run(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = crate::common::confnotes(dir)
        .env("CONFNOTES_DATA", dir.join("data"))
        .args(["--no-bundled", "--notes"])
        .arg(dir.join("notes"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn speakers_are_one_person_per_handle_across_events() {
    let dir = tempfile::tempdir().unwrap();
    notes(dir.path());
    let (ok, out, _) = run(dir.path(), &["speakers", "--json"]);
    assert!(ok);
    let all: Value = serde_json::from_str(&out).unwrap();
    let first = &all[0];
    assert_eq!(first["key"], "amsy810", "{out}");
    assert_eq!(first["name"], "青山 真也 (@amsy810)");
    assert_eq!(first["sessions"].as_array().unwrap().len(), 3);
    let events: Vec<&str> = first["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["event_id"].as_str().unwrap())
        .collect();
    assert!(events.contains(&"2024-01-a") && events.contains(&"2024-02-b"));
    let (_, text, _) = run(dir.path(), &["speakers"]);
    assert!(text.starts_with("青山 真也 (@amsy810)  (3 sessions)"), "{text}");
    assert!(text.contains("山田  (2 sessions)"), "{text}");
}

#[test]
fn tags_count_sessions_with_event_tags_and_any_case() {
    let dir = tempfile::tempdir().unwrap();
    notes(dir.path());
    let (ok, out, _) = run(dir.path(), &["tags", "--json"]);
    assert!(ok);
    let all: Value = serde_json::from_str(&out).unwrap();
    let count = |tag: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|t| t["tag"] == tag)
            .map(|t| t["count"].as_u64().unwrap())
    };
    assert_eq!(count("spinnaker"), Some(2));
    assert_eq!(
        count("k8s"),
        Some(2),
        "an event's tag counts for its two sessions"
    );
    assert_eq!(count("argo"), Some(1));
}

#[test]
fn stars_persist_filter_searches_and_survive_a_gone_note() {
    let dir = tempfile::tempdir().unwrap();
    let notes = notes(dir.path());
    let (_, out, _) = run(dir.path(), &["starred"]);
    assert!(out.contains("no starred sessions"), "{out}");
    assert!(run(dir.path(), &["star", "talk one"]).0);
    assert!(run(dir.path(), &["star", "2024-02-b#talk-three"]).0);
    let (_, out, _) = run(dir.path(), &["starred", "--json"]);
    let ids: Vec<String> = serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["2024-01-a#talk-one", "2024-02-b#talk-three"]);
    let (_, out, _) = run(dir.path(), &["search", "--json", "is:starred", "argo"]);
    let hits: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(hits.as_array().unwrap().len(), 1, "{out}");
    assert_eq!(hits[0]["id"], "2024-02-b#talk-three");
    // The note is gone: the star is kept and reported, and can still be removed.
    std::fs::remove_file(notes.join("2024-02-b.md")).unwrap();
    let (_, out, err) = run(dir.path(), &["starred"]);
    assert!(
        err.contains("2024-02-b#talk-three") && err.contains("kept"),
        "{err}"
    );
    assert!(out.contains("talk-one"));
    assert!(std::fs::read_to_string(dir.path().join("data/stars.txt"))
        .unwrap()
        .contains("2024-02-b#talk-three"));
    assert!(run(dir.path(), &["unstar", "2024-02-b#talk-three"]).0);
    assert!(!std::fs::read_to_string(dir.path().join("data/stars.txt"))
        .unwrap()
        .contains("talk-three"));
}
