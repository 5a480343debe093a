//! The command line for scripts and shells: ids, JSON, colour, completions, the README.

use std::fs;
use std::path::Path;

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::common::{confnotes, fixtures};

/// Runs confnotes over the fixture notes only; (status, stdout, stderr).
fn run(tmp: &Path, args: &[&str]) -> (i32, String, String) {
    let out = confnotes(tmp)
        .arg("--notes")
        .arg(fixtures())
        .arg("--no-bundled")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn ok(tmp: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(tmp, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn ids(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn a_hyphenated_word_after_the_first_excludes() {
    let tmp = tempfile::tempdir().unwrap();
    let all = ids(&ok(tmp.path(), &["search", "spinnaker", "--jsonl"]));
    assert!(all.contains(&"gitops-day#argo-cd".to_string()), "{all:?}");
    let without = ids(&ok(tmp.path(), &["search", "spinnaker", "-argo", "--jsonl"]));
    assert!(!without.is_empty() && !without.contains(&"gitops-day#argo-cd".to_string()));
    assert_eq!(without.len(), all.len() - 1, "{without:?}");
    // Options after the query are still options.
    let one = ids(&ok(
        tmp.path(),
        &["search", "spinnaker", "-argo", "-n", "1", "--jsonl"],
    ));
    assert_eq!(one, without[..1]);
    let (code, _, err) = run(tmp.path(), &["search", "-n", "0", "spinnaker"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn show_takes_any_case_a_prefix_or_a_title() {
    let tmp = tempfile::tempdir().unwrap();
    let want = "2019-0416-cloud-native-meetup#spinnaker-によるマルチクラスタ配信";
    for id in [
        want,
        "2019-0416-CLOUD-NATIVE-MEETUP#Spinnaker-によるマルチクラスタ配信",
        "spinnaker-による",
        "Spinnaker によるマルチクラスタ配信",
        "2019-0416-cloud-native-meetup#spin",
    ] {
        let out = ok(tmp.path(), &["show", id]);
        assert_eq!(out.lines().nth(1), Some(want), "{id}: {out}");
    }
    // The title in several words, as a shell splits it.
    let out = ok(tmp.path(), &["show", "Spinnaker", "によるマルチクラスタ配信"]);
    assert_eq!(out.lines().nth(1), Some(want));
    let (code, out, err) = run(tmp.path(), &["show", "2019"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("matches more than one note"), "{err}");
    assert!(
        err.contains("2019-0416-cloud-native-meetup ") && err.contains("2019-03-27-serverless-day "),
        "{err}"
    );
    let (code, _, err) = run(tmp.path(), &["show", "nothing-like-this"]);
    assert_eq!(code, 1);
    assert!(err.contains("no session or event"), "{err}");
}

#[test]
fn list_prints_ids_and_aligns_undated_events() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    fs::write(
        notes.join("2019-05-01-dated.md"),
        "# 日付のある会\n\n## 開会\n\nx\n",
    )
    .unwrap();
    fs::write(notes.join("misc.md"), "# 日付のない会\n\n## 雑談の時間\n\ny\n").unwrap();
    let out = confnotes(tmp.path())
        .args(["--no-bundled", "list", "--notes"])
        .arg(&notes)
        .output()
        .unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    let events: Vec<&str> = list.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(
        events.len(),
        2,
        "an undated event is not indented like a session:\n{list}"
    );
    let title_column: Vec<usize> = events
        .iter()
        .map(|l| l.find('日').map(|i| l[..i].width()).unwrap())
        .collect();
    assert_eq!(title_column[0], title_column[1], "titles aligned:\n{list}");
    assert!(list.contains("undated"), "{list}");
    assert!(
        list.contains("  雑談の時間  雑談の時間"),
        "the session id comes first:\n{list}"
    );
    // And that id is what `show` takes.
    let shown = confnotes(tmp.path())
        .args(["--no-bundled", "show", "misc#雑談の時間", "--notes"])
        .arg(&notes)
        .output()
        .unwrap();
    assert!(shown.status.success());
}

#[test]
fn show_event_lists_its_sessions_and_aligns_fields_in_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(tmp.path(), &["show", "2019-0416-cloud-native-meetup"]);
    let sessions = out
        .split("\nsessions:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{out}"));
    let rows: Vec<&str> = sessions.lines().take_while(|l| l.starts_with("  ")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(rows[0].contains("spinnaker-によるマルチクラスタ配信") && rows[0].contains("佐藤 花子"));
    let columns: Vec<usize> = rows
        .iter()
        .map(|r| {
            let id = r.trim_start().split("  ").next().unwrap();
            let after = &r[2 + id.len()..];
            2 + id.width() + (after.len() - after.trim_start().len())
        })
        .collect();
    assert_eq!(columns[0], columns[1], "titles aligned:\n{out}");

    // The value of every field starts at one column, whatever the label.
    let tmp2 = tempfile::tempdir().unwrap();
    let notes = tmp2.path().join("notes");
    fs::create_dir_all(&notes).unwrap();
    fs::write(
        notes.join("2019-01-01-x.md"),
        "# 会\n\n## 話\n\n- speaker: 山田\n- affiliation: 株式会社サンプル\n- tags: a\n\n本文\n",
    )
    .unwrap();
    let shown = confnotes(tmp2.path())
        .args(["--no-bundled", "show", "話", "--notes"])
        .arg(&notes)
        .output()
        .unwrap();
    let shown = String::from_utf8(shown.stdout).unwrap();
    let starts: Vec<usize> = shown
        .lines()
        .filter(|l| l.starts_with(['e', 's', 'a', 't']) && l.contains(": "))
        .map(|l| l.len() - l.split_once(": ").unwrap().1.trim_start().len())
        .collect();
    assert_eq!(starts.len(), 4, "{shown}");
    assert!(starts.iter().all(|s| *s == starts[0]), "{shown}");
}

#[test]
fn help_query_table_is_aligned_in_terminal_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let help = ok(tmp.path(), &["--help"]);
    let table: Vec<&str> = help
        .split("Query syntax")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(table.iter().any(|l| l.contains("継続的デリバリ")), "{help}");
    let column = |l: &str| {
        let key_end = l.trim_start().find("  ").unwrap() + 2;
        let rest = &l.trim_start()[key_end..];
        l.width() - rest.trim_start().width()
    };
    let first = column(table[0]);
    for l in &table {
        assert_eq!(column(l), first, "{l:?} in\n{help}");
    }
}

/// Every field the README documents is in every note of every JSON output.
#[test]
fn json_outputs_have_every_documented_field() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("### JSON").nth(1).unwrap();
    let tables: Vec<Vec<String>> = section
        .split("\n\n")
        .filter(|b| b.starts_with("| field"))
        .map(|t| {
            t.lines()
                .skip(2)
                .filter_map(|l| l.split('`').nth(1).map(str::to_string))
                .collect()
        })
        .collect();
    let (note_fields, hit_fields) = (&tables[0], &tables[1]);
    assert!(note_fields.len() >= 11 && hit_fields.len() >= 4, "{tables:?}");
    let has_all = |v: &Value, fields: &[String], what: &str| {
        for f in fields {
            assert!(v.get(f).is_some(), "{what}: no `{f}` in {v}");
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let hits: Value = serde_json::from_str(&ok(tmp.path(), &["search", "spinnaker", "--json"])).unwrap();
    for h in hits.as_array().unwrap() {
        has_all(h, note_fields, "search --json");
        has_all(h, hit_fields, "search --json");
    }
    let lines = ok(tmp.path(), &["search", "spinnaker", "--jsonl"]);
    assert_eq!(lines.lines().count(), hits.as_array().unwrap().len());
    for l in lines.lines() {
        has_all(&serde_json::from_str(l).unwrap(), note_fields, "search --jsonl");
    }
    let events: Value = serde_json::from_str(&ok(tmp.path(), &["list", "--json"])).unwrap();
    for e in events.as_array().unwrap() {
        for s in e["sessions"].as_array().unwrap() {
            has_all(s, note_fields, "list --json");
        }
    }
    let notes = ok(tmp.path(), &["list", "--jsonl"]);
    assert_eq!(notes.lines().count(), 3 + 6, "3 overviews and 6 sessions");
    for l in notes.lines() {
        has_all(&serde_json::from_str(l).unwrap(), note_fields, "list --jsonl");
    }
    let shown: Value =
        serde_json::from_str(&ok(tmp.path(), &["show", "gitops-day#argo-cd", "--json"])).unwrap();
    has_all(&shown, note_fields, "show --json");
    assert_eq!(shown["id"], "gitops-day#argo-cd");
    assert!(shown["path"].as_str().unwrap().ends_with("gitops-day.md"));
    let file = fs::read_to_string(shown["path"].as_str().unwrap()).unwrap();
    let line = shown["line"].as_u64().unwrap() as usize;
    let heading = file.lines().nth(line - 1).unwrap_or_default();
    assert!(heading.starts_with("## Argo CD 入門"), "{heading}");
    assert!(shown["text"].as_str().unwrap().contains("Argo"));
    let event: Value = serde_json::from_str(&ok(tmp.path(), &["show", "gitops-day", "--json"])).unwrap();
    assert_eq!(event["sessions"].as_array().unwrap().len(), 2);
}

#[test]
fn colour_follows_the_flag_no_color_and_clicolor_force() {
    let tmp = tempfile::tempdir().unwrap();
    let coloured = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = confnotes(tmp.path());
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd
            .args(["--no-bundled", "--notes"])
            .arg(fixtures())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout.contains(&0x1b)
    };
    let search = ["search", "spinnaker"];
    assert!(!coloured(&search, &[]), "not a terminal: no colour");
    assert!(coloured(&search, &[("CLICOLOR_FORCE", "1")]));
    assert!(!coloured(&search, &[("CLICOLOR_FORCE", "0")]));
    assert!(coloured(
        &["search", "spinnaker", "--color", "always"],
        &[("NO_COLOR", "1")]
    ));
    assert!(!coloured(
        &["search", "spinnaker", "--color=never"],
        &[("CLICOLOR_FORCE", "1")]
    ));
    assert!(coloured(&["--color", "always", "list"], &[]));
    let (code, _, err) = run(tmp.path(), &["--color", "sometimes", "list"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn completions_and_man_page() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = ok(tmp.path(), &["completions", shell]);
        for word in ["search", "show", "jsonl", "color"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    let man = ok(tmp.path(), &["man"]);
    assert!(man.contains(".TH confnotes 1"), "{man}");
    assert!(man.contains("completions"));
    let (code, _, _) = run(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(code, 2);
}

#[test]
fn edit_runs_the_editor_at_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let editor = tmp.path().join("editor.sh");
    let args_file = tmp.path().join("args");
    fs::write(
        &editor,
        format!("#!/bin/sh\necho \"$@\" > '{}'\n", args_file.display()),
    )
    .unwrap();
    fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = confnotes(tmp.path())
        .env_remove("VISUAL")
        .env("EDITOR", format!("{} --wait", editor.display()))
        .args(["--no-bundled", "--notes"])
        .arg(fixtures())
        .args(["edit", "argo cd 入門"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let args = fs::read_to_string(&args_file).unwrap();
    let file = fixtures().join("gitops-day.md");
    let line = fs::read_to_string(&file)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("## Argo CD 入門"))
        .unwrap()
        + 1;
    assert_eq!(args.trim(), format!("--wait +{line} {}", file.display()));
    // A bundled note has no file to open.
    confnotes(tmp.path())
        .env("EDITOR", editor.display().to_string())
        .args(["edit", "2019-07-cndt"])
        .assert()
        .code(1);
}

#[test]
fn open_checks_the_id_before_starting_the_app() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = run(tmp.path(), &["open", "no-such-note"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no session or event"), "{err}");
}

/// The README's command-line section names every subcommand `--help` lists, and no other.
#[test]
fn readme_lists_the_subcommands_of_help() {
    let tmp = tempfile::tempdir().unwrap();
    let help = ok(tmp.path(), &["--help"]);
    let mut from_help: Vec<String> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        // Not the wrapped lines of a long description.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("## Command line")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let block = section
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let mut from_readme: Vec<String> = block
        .lines()
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().take_while(|w| *w != "#").collect();
            let mut rest = words.iter().skip(1);
            // Past global options and their values.
            while let Some(w) = rest.next() {
                match *w {
                    "--notes" | "--color" => {
                        rest.next();
                    }
                    w if w.starts_with('-') => {}
                    w => return Some(w.to_string()),
                }
            }
            None
        })
        .collect();
    from_help.sort();
    from_readme.sort();
    from_readme.dedup();
    assert_eq!(from_readme, from_help);
}

#[test]
fn a_bundled_note_has_its_path_in_the_source_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let out = confnotes(tmp.path())
        .args(["show", "2019-07-cndt", "--json"])
        .output()
        .unwrap();
    let note: Value = serde_json::from_slice(&out.stdout).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(note["path"].as_str().unwrap());
    assert!(path.is_file(), "{}", path.display());
}
