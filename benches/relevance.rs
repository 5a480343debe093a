//! Search quality on a judged set (`tests/relevance/`): nDCG@10 and recall@10 of confnotes, `rg -i -F` and SudachiPy + BM25.
//!
//! `CONFNOTES_RELEVANCE_SET=heldout` measures the held-out set instead of the tuned one.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "../tests/relevance/judged.rs"]
mod judged;

use confnotes::core::Library;
use judged::{event_path, fold, id, ndcg10, recall10, root, session_at, Judged, Set};

/// One engine's ranking for every query (None: the engine could not run).
struct Engine {
    name: &'static str,
    runs: Option<Vec<Vec<String>>>,
}

fn main() {
    let set = match Set::from_env() {
        Ok(set) => set,
        Err(e) => {
            eprintln!("relevance: {e}");
            std::process::exit(2);
        }
    };
    let root = root();
    let queries = set.queries();
    let library = set.library();
    println!(
        "set: {} ({} queries over {}{})",
        set.name(),
        queries.len(),
        set.fixture_rel(),
        if set.bundled() {
            " and the bundled notes"
        } else {
            " alone"
        }
    );
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let engines = [
        Engine {
            name: "confnotes",
            runs: Some(
                queries
                    .iter()
                    .map(|q| confnotes(&root, tmp.path(), set, &q.q))
                    .collect(),
            ),
        },
        Engine {
            name: "rg -i -F",
            runs: rg_all(&root, set, &library, &queries),
        },
        Engine {
            name: "SudachiPy + BM25",
            runs: sudachi_bm25(&root, tmp.path(), &library, &queries),
        },
    ];
    for (i, q) in queries.iter().enumerate() {
        let cells: Vec<String> = engines
            .iter()
            .map(|e| match &e.runs {
                Some(runs) => format!("{:.2}", ndcg10(&runs[i], &q.judgments)),
                None => "-".into(),
            })
            .collect();
        println!("{:<6} {:<40} nDCG@10 {}", q.class, q.q, cells.join(" / "));
    }
    let table = table(&queries, &engines);
    println!("\n{table}");
    write_benchmarks(&root.join("BENCHMARKS.md"), set, &table);
}

/// The built binary, isolated from the user's config and cache, over the set's corpus.
fn confnotes(root: &Path, tmp: &Path, set: Set, query: &str) -> Vec<String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confnotes"));
    command
        .current_dir(root)
        .env("CONFNOTES_CACHE", tmp.join("cache"))
        .env("CONFNOTES_CONFIG", tmp.join("no-config.toml"));
    if !set.bundled() {
        command.arg("--no-bundled");
    }
    let out = command
        .args([
            "--notes",
            set.fixture_rel(),
            "search",
            "--json",
            "--limit",
            "10",
            "--",
            query,
        ])
        .stderr(Stdio::null())
        .output()
        .expect("run confnotes");
    let hits: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
    hits.iter()
        .map(|h| {
            id(
                h["event_id"].as_str().unwrap_or(""),
                h["session_id"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

/// `rg -i -F -n QUERY data tests/fixtures/relevance` (the set's folders): each matching line
/// counts for the session that holds it; sessions ranked by their count, then in file order.
fn rg_all(root: &Path, set: Set, library: &Library, queries: &[Judged]) -> Option<Vec<Vec<String>>> {
    let by_path: HashMap<PathBuf, usize> = library
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (event_path(e), i))
        .collect();
    let mut runs = Vec::new();
    for q in queries {
        let out = Command::new("rg")
            .current_dir(root)
            .args([
                "-i",
                "-F",
                "-n",
                "--with-filename",
                "--no-heading",
                "--color",
                "never",
                // rg's threads print files in any order: sorted, ties rank the same each run.
                "--sort",
                "path",
                "--",
            ])
            .arg(q.q.as_str())
            .args(set.rg_paths())
            .output()
            .ok()?;
        let mut counts: Vec<(String, usize)> = Vec::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let mut parts = line.splitn(3, ':');
            let (Some(path), Some(number)) = (parts.next(), parts.next()) else {
                continue;
            };
            let path = root.join(path);
            let path = path.canonicalize().unwrap_or(path);
            let (Some(&event), Ok(number)) = (by_path.get(&path), number.parse::<usize>()) else {
                continue;
            };
            let session = session_at(&library.events[event], number);
            match counts.iter_mut().find(|(s, _)| *s == session) {
                Some((_, n)) => *n += 1,
                None => counts.push((session, 1)),
            }
        }
        // A stable sort keeps file order among equal counts.
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        runs.push(counts.into_iter().map(|(s, _)| s).take(10).collect());
    }
    Some(runs)
}

/// Every session's text as lines of its file (the unit rg sees), as JSONL for the Python baseline.
fn sessions_jsonl(library: &Library) -> String {
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for event in &library.events {
        let text = std::fs::read_to_string(event_path(event)).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let text = texts.entry(session_at(event, i + 1)).or_default();
            text.push_str(line);
            text.push('\n');
        }
    }
    texts
        .into_iter()
        .map(|(id, text)| serde_json::json!({ "id": id, "text": text }).to_string() + "\n")
        .collect()
}

/// `tests/relevance/sudachi_bm25.py`, when python3 has sudachipy, sudachidict_core and rank_bm25.
fn sudachi_bm25(root: &Path, tmp: &Path, library: &Library, queries: &[Judged]) -> Option<Vec<Vec<String>>> {
    let sessions = tmp.join("sessions.jsonl");
    let query_file = tmp.join("queries.jsonl");
    std::fs::write(&sessions, sessions_jsonl(library)).ok()?;
    let lines: String = queries
        .iter()
        .map(|q| serde_json::json!({ "q": fold(&q.q) }).to_string() + "\n")
        .collect();
    std::fs::write(&query_file, lines).ok()?;
    let out = Command::new("python3")
        .arg(root.join("tests/relevance/sudachi_bm25.py"))
        .arg(&sessions)
        .arg(&query_file)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "SudachiPy + BM25 skipped: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    let runs: Vec<Vec<String>> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_default())
        .collect();
    (runs.len() == queries.len()).then_some(runs)
}

/// Mean nDCG@10 and recall@10 per class and overall, one column pair per engine.
fn table(queries: &[Judged], engines: &[Engine]) -> String {
    let mut classes: Vec<String> = (1..=10).map(|c| c.to_string()).collect();
    classes.push("basic".into());
    let mut out = String::from("| class | queries |");
    let mut rule = String::from("|---|---|");
    for e in engines {
        let _ = write!(out, " {0} nDCG@10 | {0} recall@10 |", e.name);
        rule.push_str("---|---|");
    }
    out.push('\n');
    out.push_str(&rule);
    out.push('\n');
    let mut row = |label: &str, picked: &[usize]| {
        let _ = write!(out, "| {label} | {} |", picked.len());
        for e in engines {
            match &e.runs {
                Some(runs) if !picked.is_empty() => {
                    let mean = |f: fn(&[String], &BTreeMap<String, u8>) -> f64| {
                        picked
                            .iter()
                            .map(|&i| f(&runs[i], &queries[i].judgments))
                            .sum::<f64>()
                            / picked.len() as f64
                    };
                    let _ = write!(out, " {:.3} | {:.3} |", mean(ndcg10), mean(recall10));
                }
                _ => out.push_str(" skipped | skipped |"),
            }
        }
        out.push('\n');
    };
    for class in &classes {
        let picked: Vec<usize> = (0..queries.len())
            .filter(|&i| &queries[i].class == class)
            .collect();
        row(class, &picked);
    }
    row("**all**", &(0..queries.len()).collect::<Vec<_>>());
    out
}

/// Replaces the set's marked part of BENCHMARKS.md (appends it the first time), keeping the rest.
fn write_benchmarks(path: &Path, set: Set, table: &str) {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let (start, end, intro) = match set {
        Set::Judged => (
            "<!-- relevance:start -->",
            "<!-- relevance:end -->",
            "## Search quality (judged relevance set)\n\n\
             Measured by `cargo bench --bench relevance`: the queries and graded judgments of\n\
             `tests/relevance/queries.toml` over the bundled notes plus `tests/fixtures/relevance/`\n\
             (see `tests/relevance/README.md`). Mean per class; gain 2^rel - 1; a session is the unit.",
        ),
        Set::Heldout => (
            "<!-- relevance-heldout:start -->",
            "<!-- relevance-heldout:end -->",
            "## Search quality (held-out set, not tuned against)\n\n\
             Measured by `CONFNOTES_RELEVANCE_SET=heldout cargo bench --bench relevance`: the queries\n\
             and graded judgments of `tests/relevance/heldout.toml` over `tests/fixtures/heldout/` alone\n\
             (see `tests/relevance/README.md`). Mean per class; gain 2^rel - 1; a session is the unit.",
        ),
    };
    let section = format!("{start}\n{intro}\n\n{table}{end}");
    let new = match (old.find(start), old.find(end)) {
        (Some(s), Some(e)) if s < e => format!("{}{section}{}", &old[..s], &old[e + end.len()..]),
        _ => format!("{}\n{section}\n", old.trim_end()),
    };
    std::fs::write(path, new).expect("write BENCHMARKS.md");
    println!("wrote {}", path.display());
}
