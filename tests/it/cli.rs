//! The `confnotes` binary as a script or a person uses it.

use std::fs;

use predicates::prelude::*;
use serde_json::Value;

use crate::common::{confnotes, fixtures};

fn json(output: &[u8]) -> Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(output)))
}

#[test]
fn search_json_on_a_year_folder_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("notes/2019/0416-some-event");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("README.md"),
        "# Some Event\n\n## Spinnaker 入門\n\n- speaker: 佐藤\n\nSpinnaker でデプロイする。\n",
    )
    .unwrap();
    let out = confnotes(tmp.path())
        .args(["--no-bundled", "--notes"])
        .arg(tmp.path().join("notes"))
        .args(["search", "spinn", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let hits = json(&out);
    let hit = &hits[0];
    assert_eq!(hit["event_id"], "2019-0416-some-event");
    assert_eq!(hit["event"], "Some Event");
    assert_eq!(hit["session_id"], "spinnaker-入門");
    assert_eq!(hit["session"], "Spinnaker 入門");
    assert_eq!(hit["date"], "2019-04-16");
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert_eq!(hit["snippet"], "Spinnaker でデプロイする。");
    assert_eq!(hit["matches"][0]["text"], "Spinnaker");
    assert_eq!(hit["matches"][0]["start"], 0);
    assert_eq!(hit["matches"][0]["end"], 9);
}

#[test]
fn no_match_is_an_empty_array_and_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = confnotes(tmp.path())
        .args(["search", "zzzzqqqq", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(&out), Value::Array(vec![]));
}

#[test]
fn global_options_before_or_after_the_subcommand() {
    let tmp = tempfile::tempdir().unwrap();
    let before = confnotes(tmp.path())
        .arg("--notes")
        .arg(fixtures())
        .args(["--no-bundled", "search", "kubeseal", "--json"])
        .output()
        .unwrap();
    let after = confnotes(tmp.path())
        .args(["search", "--no-bundled", "kubeseal", "--json", "--notes"])
        .arg(fixtures())
        .output()
        .unwrap();
    assert!(before.status.success() && after.status.success());
    assert_eq!(before.stdout, after.stdout);
    assert_eq!(json(&before.stdout)[0]["event_id"], "gitops-day");
}

#[test]
fn limit_and_plain_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = confnotes(tmp.path())
        .arg("--notes")
        .arg(fixtures())
        .args(["--no-bundled", "search", "spinnaker", "--limit", "1"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("Cloud Native Meetup Tokyo #7 › Spinnaker によるマルチクラスタ配信"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
    assert_eq!(text.lines().count(), 3, "{text}");
}

#[test]
fn list_and_show_with_links_and_backlinks() {
    let tmp = tempfile::tempdir().unwrap();
    let list = confnotes(tmp.path())
        .arg("--notes")
        .arg(fixtures())
        .args(["--no-bundled", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = String::from_utf8(list).unwrap();
    assert!(
        list.contains("2020-02-10  GitOps Day 2020  gitops-day")
            && list.contains("  argo-cd           Argo CD 入門 — 山本 三郎, 伊藤 四郎"),
        "{list}"
    );
    confnotes(tmp.path())
        .arg("--notes")
        .arg(fixtures())
        .args(["--no-bundled", "show", "gitops-day#argo-cd"])
        .assert()
        .success()
        .stdout(predicate::str::contains("speakers:    山本 三郎, 伊藤 四郎"))
        .stdout(predicate::str::contains(
            "Spinnaker の話 → 2019-0416-cloud-native-meetup#spinnaker-によるマルチクラスタ配信",
        ))
        .stdout(predicate::str::contains(
            "linked from:\n  2019-03-27-serverless-day#ｶﾅﾘｱリリースの自動化",
        ));
    confnotes(tmp.path())
        .args(["show", "no-such-session"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no session or event with id \"no-such-session\"",
        ));
}

#[test]
fn bad_files_are_skipped_with_a_warning_and_the_rest_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    fs::write(notes.join("latin1.md"), b"# Caf\xe9\n\n## S\n\nbody\n").unwrap();
    fs::write(notes.join("broken-yaml.md"), "---\ntitle: [oops\n---\n# T\n").unwrap();
    fs::write(notes.join("crlf-bom.md"), "\u{feff}---\r\ntitle: Windows Meetup\r\n---\r\n\r\n# Windows Meetup\r\n\r\n## PowerShell と kubeseal\r\n\r\n- speeker: 誰か\r\n- tags: windows\r\n\r\n本文。[壊れたリンク](other.md#nowhere)\r\n").unwrap();
    let out = confnotes(tmp.path())
        .args(["--no-bundled", "--notes"])
        .arg(&notes)
        .args(["search", "kubeseal", "--json", "--verbose"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("latin1.md: skipped: not valid UTF-8"), "{stderr}");
    assert!(
        stderr.contains("broken-yaml.md: skipped: malformed YAML front matter"),
        "{stderr}"
    );
    assert!(
        stderr.contains("crlf-bom.md:9: unknown session field `speeker` (did you mean `speaker`?)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("crlf-bom.md:12: link `other.md#nowhere` points nowhere"),
        "{stderr}"
    );
    let hits = json(&out.stdout);
    assert_eq!(hits[0]["event"], "Windows Meetup");
    assert_eq!(hits[0]["session"], "PowerShell と kubeseal");
}

#[test]
fn a_missing_notes_folder_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    confnotes(tmp.path())
        .args(["list", "--verbose", "--notes", "/no/such/folder"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "/no/such/folder: notes folder does not exist",
        ));
}

#[test]
fn config_file_adds_folders() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("no-config.toml"),
        format!("notes = [{:?}]\nno_bundled = true\n", fixtures()),
    )
    .unwrap();
    let out = confnotes(tmp.path())
        .args(["list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(&out).as_array().unwrap().len(), 3);
    fs::write(tmp.path().join("no-config.toml"), "notes = 3\n").unwrap();
    confnotes(tmp.path())
        .args(["list", "--verbose"])
        .assert()
        .success()
        .stderr(predicate::str::contains("no-config.toml: ignored"));
}

#[test]
fn limit_out_of_range_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in ["0", "10001", "18446744073709551615", "10000000000000", "-5", "x"] {
        let out = confnotes(tmp.path())
            .args(["search", "spinnaker", "--limit", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--limit {bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--limit"), "--limit {bad}: {stderr}");
        assert!(!stderr.contains("panicked"), "--limit {bad}: {stderr}");
        assert!(out.stdout.is_empty(), "--limit {bad}");
    }
    let out = confnotes(tmp.path())
        .args(["search", "spinnaker", "-n", "10000", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(!json(&out).as_array().unwrap().is_empty());
}

/// A reader that goes away before the output is written (`confnotes list | head -0`).
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 5] = [
        &["list", "--json"],
        &["list"],
        &["search", "spinnaker", "--json"],
        &["search", "spinnaker"],
        &["show", "2019-07-cndt"],
    ];
    for args in commands {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_confnotes"))
            .env("CONFNOTES_CONFIG", tmp.path().join("no-config.toml"))
            .env("CONFNOTES_CACHE", tmp.path().join("cache"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// A shared notes repo must not drive the reader's terminal: titles, ids, snippets, file
/// names and warnings come out with their controls and bidi overrides escaped.
#[test]
fn hostile_titles_and_file_names_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    fs::write(
        notes.join("evil\u{1b}[?25l.md"),
        "# Evil \u{1b}]2;pwned\u{7} Meetup\n\n## Kubeseal \u{202e}lesbuk\n\n- speeker: x\n- tags: k8s\n\nkubeseal で\u{1b}[2J秘密を守る。[壊れた](other.md#nowhere)\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = confnotes(tmp.path())
            .args(["--no-bundled", "--notes"])
            .arg(&notes)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        for (what, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            assert!(
                !text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
                "{args:?} {what}: {text:?}"
            );
        }
        (stdout, stderr)
    };
    let (list, warnings) = run(&["list", "--verbose"]);
    assert!(list.contains("Evil \\u{1b}]2;pwned\\u{7} Meetup"), "{list}");
    assert!(list.contains("Kubeseal \\u{202e}lesbuk"), "{list}");
    assert!(warnings.contains("evil\\u{1b}[?25l.md"), "{warnings}");
    let (hits, _) = run(&["search", "kubeseal"]);
    // The snippet is plain text: its controls are gone or escaped.
    assert!(hits.contains("[2J秘密"), "{hits}");
    assert!(
        !hits.lines().any(|l| l.ends_with(' ')),
        "no trailing space without a date: {hits:?}"
    );
    let id = hits.lines().nth(1).unwrap().trim().to_string();
    let (shown, _) = run(&["show", &id.replace("\\u{1b}", "\u{1b}")]);
    assert!(
        shown.contains("event:       Evil \\u{1b}]2;pwned\\u{7} Meetup\n"),
        "{shown}"
    );
    // JSON keeps the text as it is, escaped by the JSON encoder.
    let (raw, _) = run(&["search", "kubeseal", "--json"]);
    assert_eq!(
        json(raw.as_bytes())[0]["event"],
        "Evil \u{1b}]2;pwned\u{7} Meetup"
    );
}

/// A rebuilt cache is said in full (once), not folded into "run confnotes check",
/// which would not show it again.
#[test]
fn a_rebuilt_cache_is_said_in_full() {
    let tmp = tempfile::tempdir().unwrap();
    let run = || {
        let out = crate::common::confnotes(tmp.path()).arg("list").output().unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    run();
    let store = std::fs::read_dir(tmp.path().join("cache"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(store.join("meta.json"), "garbage").unwrap();
    let err = run();
    assert!(err.contains("search index rebuilt"), "{err}");
    assert!(!err.contains("run confnotes check"), "{err}");
    assert!(run().is_empty(), "the next run is quiet");
}
