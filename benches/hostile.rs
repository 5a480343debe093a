//! Hostile inputs at growing sizes, timed: is the work linear?
//!
//! Notes of many headings or one huge line, and long queries. Run: `cargo bench --bench hostile`
//! (`-- KIND…` for some series only, e.g. `-- linkrefs`). Each case runs in a child process of its own,
//! with a memory limit and a time limit, so a case that is still quadratic ends the
//! benchmark with a figure instead of taking the machine down; the next sizes of a
//! series that ran over are skipped. Writes its table into BENCHMARKS.md between the
//! `hostile` markers (the rest of the file is kept).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use confnotes::core::gfm::for_display;
use confnotes::core::library::parse_file;
use confnotes::core::parse::{markdown_options, parse_note};
use confnotes::core::scan::NoteFile;
use confnotes::core::{Library, NotesSource};
use confnotes::search::{parse_query, Analyzer, SearchIndex};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Set in a child: the case to run.
const CASE_VAR: &str = "CONFNOTES_HOSTILE_CASE";
/// A case past this is called slow, and the larger ones of its series are skipped.
const SLOW: Duration = Duration::from_secs(20);
/// A case still running after this is killed.
const KILL_AFTER: Duration = Duration::from_secs(60);
/// Address space a case may take (KiB, for `ulimit -v`): enough for any linear case,
/// well under the machine's memory.
const MEMORY_KIB: u64 = 8 << 20;

const START: &str = "<!-- hostile:start -->";
const END: &str = "<!-- hostile:end -->";

/// One series: cases of growing size, and the unit its per-unit cost is given in.
struct Series {
    name: &'static str,
    kind: &'static str,
    sizes: &'static [usize],
    unit: &'static str,
}

const SERIES: &[Series] = &[
    Series {
        name: "note of N `## h` headings: parse",
        kind: "headings",
        sizes: &[10_000, 50_000, 100_000],
        unit: "heading",
    },
    Series {
        name: "note of N sessions citing footnotes defined at its end: parse",
        kind: "footnotes",
        sizes: &[10_000, 50_000, 100_000],
        unit: "session",
    },
    Series {
        name: "note of N sessions citing link definitions at its end: parse",
        kind: "linkrefs",
        // 20,000 sessions and their definitions are 1.8 MB: under `MAX_NOTE_BYTES`.
        sizes: &[5_000, 10_000, 20_000],
        unit: "session",
    },
    Series {
        name: "note of N footnotes: draw",
        kind: "footnotes-draw",
        sizes: &[10_000, 50_000, 100_000],
        unit: "footnote",
    },
    Series {
        name: "folder layouts: N `# day` / `## talk` with tags, wiki links, URLs, emoji, Zenn blocks: parse + link + display",
        kind: "layouts",
        sizes: &[2_000, 10_000, 20_000],
        unit: "day",
    },
    Series {
        name: "one-line note of N MB: parse",
        kind: "oneline",
        sizes: &[1, 10, 50],
        unit: "MB",
    },
    Series {
        name: "one-line note of N MB: parse + index",
        kind: "oneline-index",
        sizes: &[1, 10, 50],
        unit: "MB",
    },
    Series {
        name: "query `あ`×N: parse + compile + search",
        kind: "query-a",
        sizes: &[1_000, 5_000, 10_000],
        unit: "char",
    },
    Series {
        name: "query `a1`×N: parse + compile + search",
        kind: "query-a1",
        sizes: &[500, 2_500, 5_000],
        unit: "repeat",
    },
];

fn main() {
    if let Ok(case) = std::env::var(CASE_VAR) {
        run_case(&case);
        return;
    }
    // `cargo bench --bench hostile -- linkrefs footnotes`: those series only, printed
    // and not written into BENCHMARKS.md.
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut table = String::from("| case | N | time | per unit | peak memory |\n|---|---|---|---|---|\n");
    for series in SERIES
        .iter()
        .filter(|s| only.is_empty() || only.iter().any(|o| o == s.kind))
    {
        let mut skip = None;
        for &size in series.sizes {
            let name = series.name;
            if let Some(why) = &skip {
                let _ = writeln!(table, "| {name} | {size} | skipped ({why}) | | |");
                continue;
            }
            let outcome = run_child(series.kind, size);
            let row = match &outcome {
                Ok((took, peak_kib)) => {
                    if *took > SLOW {
                        skip = Some(format!("N={size} took over {} s", SLOW.as_secs()));
                    }
                    format!(
                        "| {name} | {size} | {} | {}/{} | {} MB |",
                        ms(*took),
                        per_unit(*took, size),
                        series.unit,
                        peak_kib / 1024
                    )
                }
                Err(why) => {
                    skip = Some(format!("N={size}: {why}"));
                    format!("| {name} | {size} | {why} | | |")
                }
            };
            println!("{row}");
            table.push_str(&row);
            table.push('\n');
        }
    }
    if only.is_empty() {
        write_benchmarks(&table);
    }
}

fn per_unit(took: Duration, size: usize) -> String {
    let micros = took.as_secs_f64() * 1e6 / size.max(1) as f64;
    if micros >= 1000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else {
        format!("{micros:.2} µs")
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Runs one case in a child process under the limits: its time and peak memory, or
/// why it has none.
fn run_child(kind: &str, size: usize) -> Result<(Duration, u64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$0\""))
        .arg(&exe)
        .env(CASE_VAR, format!("{kind}:{size}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(_) => break,
            None if start.elapsed() > KILL_AFTER => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("killed after {} s", KILL_AFTER.as_secs()));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace().map(str::parse::<u64>);
    match (fields.next(), fields.next(), output.status.success()) {
        (Some(Ok(micros)), Some(Ok(peak)), true) => Ok((Duration::from_micros(micros), peak)),
        _ => Err(format!("failed (over {} GB?)", MEMORY_KIB >> 20)),
    }
}

/// In the child: builds the input, times the work, prints microseconds and peak KiB.
fn run_case(case: &str) {
    let (kind, size) = case.split_once(':').expect("kind:size");
    let size: usize = size.parse().expect("a size");
    let took = match kind {
        "headings" => {
            let text = format!("# Event\n\n{}", "## h\n\ntext\n\n".repeat(size));
            time(|| parse_note("ev", "ev.md", &text, None).map(|n| n.event.sessions.len()))
        }
        "footnotes" => {
            // Each session cites its own footnote and one shared by all: every
            // definition moves to its session, the shared one as long as the budget lasts.
            let mut text = String::from("# Event\n\n");
            for i in 0..size {
                text.push_str(&format!("## h{i}\n\ntext[^n{i}] and[^shared]\n\n"));
            }
            for i in 0..size {
                text.push_str(&format!("[^n{i}]: note {i}\n"));
            }
            text.push_str(&format!("[^shared]: {}\n", "長い注。".repeat(100)));
            time(|| parse_note("ev", "ev.md", &text, None).map(|n| n.event.sessions.len()))
        }
        "linkrefs" => {
            // Each session cites its own definition and a long one shared by all, in
            // the three forms: every session takes its own, the shared one as long as
            // the budget lasts.
            let mut text = String::from("# Event\n\n");
            for i in 0..size {
                text.push_str(&format!("## h{i}\n\n[text][r{i}], [R{i}][] and [shared]\n\n"));
            }
            for i in 0..size {
                text.push_str(&format!("[r{i}]: https://example.com/{i} \"title {i}\"\n"));
            }
            text.push_str(&format!(
                "[shared]: https://example.com/{}\n",
                "long/".repeat(200)
            ));
            time(|| parse_note("ev", "ev.md", &text, None).map(|n| n.event.sessions.len()))
        }
        "layouts" => {
            // As in tests/it/folders.rs `folder_layouts_by_the_thousand`.
            let mut text = String::new();
            for i in 0..size {
                text.push_str(&format!(
                    "# {i}日目\n\n## talk {i}\n\n#tag{i} [[Note {i}|n]] :tada: https://x.y/{i}\n:::message\n"
                ));
            }
            let text: &'static str = Box::leak(text.into_boxed_str());
            time(|| {
                let file = parse_file(&NoteFile::from_text(Path::new("v/ev.md"), text));
                let library = Library::link(&mut [file], Vec::new());
                let shown = for_display(text, markdown_options());
                (library.events.len(), shown.len())
            })
        }
        "footnotes-draw" => {
            let mut text = String::new();
            for i in 0..size {
                text.push_str(&format!("text[^n{i}] "));
            }
            text.push_str("\n\n");
            for i in 0..size {
                text.push_str(&format!("[^n{i}]: note [^n{}] {i}\n", (i + 1) % size));
            }
            let theme = confnotes::ui::theme::DARK;
            let opts = confnotes::ui::markdown::RenderOptions {
                width: 80,
                theme: &theme,
                selected_link: None,
                current_match: None,
                find_matches: &|_| Vec::new(),
            };
            time(|| confnotes::ui::markdown::render(&text, &opts).lines.len())
        }
        "oneline" | "oneline-index" => {
            let text = one_line(size << 20);
            let analyzer = Analyzer::new().expect("analyzer");
            time(|| {
                let note = parse_note("ev", "ev.md", &text, None).expect("parses");
                if kind == "oneline-index" {
                    let library = Library {
                        events: vec![note.event],
                        warnings: Vec::new(),
                    };
                    SearchIndex::build_in_ram(&library, analyzer.clone()).expect("indexes");
                }
            })
        }
        "query-a" | "query-a1" => {
            let library = Library::load(&NotesSource {
                bundled: true,
                dirs: Vec::new(),
            });
            let index =
                SearchIndex::build_in_ram(&library, Analyzer::new().expect("analyzer")).expect("index");
            let input = if kind == "query-a" { "あ" } else { "a1" }.repeat(size);
            time(|| {
                let query = parse_query(&input);
                let _ = index.compile(&query);
                index.search(&query, 10).map(|h| h.len())
            })
        }
        other => panic!("unknown case {other}"),
    };
    println!("{} {}", took.as_micros(), peak_kib());
}

fn time<T>(work: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    std::hint::black_box(work());
    start.elapsed()
}

/// Japanese prose on one line, `bytes` long.
fn one_line(bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 64);
    text.push_str("# 一行\n\n");
    while text.len() < bytes {
        text.push_str("長い一行のノートに検索語が続く。");
    }
    text
}

/// The process's peak resident memory (KiB), from Linux's /proc; 0 elsewhere.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Puts the table between the markers in BENCHMARKS.md, or appends it with them.
fn write_benchmarks(table: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let when = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let section = format!(
        "{START}\n## Hostile inputs\n\nMeasured by `cargo bench --bench hostile` (release build) on {when}, {cores} cores. \
         Each case runs alone in a child process (limits: {} GB of address space, {} s); \
         a series stops after a case over {} s. Linear work shows as a flat cost per unit. \
         Notes past {} MB are read and indexed in part (`MAX_NOTE_BYTES`); queries past {} \
         characters are cut with a notice (`MAX_QUERY_CHARS`).\n\n{table}{END}",
        MEMORY_KIB >> 20,
        KILL_AFTER.as_secs(),
        SLOW.as_secs(),
        confnotes::core::parse::MAX_NOTE_BYTES >> 20,
        confnotes::search::query::MAX_QUERY_CHARS,
    );
    let new = match (old.find(START), old.find(END)) {
        (Some(a), Some(b)) if a < b => format!("{}{section}{}", &old[..a], &old[b + END.len()..]),
        _ if old.is_empty() => format!("# Benchmarks\n\n{section}\n"),
        _ => format!("{}\n{section}\n", old.trim_end()),
    };
    std::fs::write(&path, new).expect("BENCHMARKS.md written");
    println!("wrote the hostile section of {}", path.display());
}
