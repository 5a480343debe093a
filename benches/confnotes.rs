//! The confnotes benchmark: ~10,000 notes / ~12 MB of real Japanese text (cut from
//! Debian's `manpages-ja`), measured side by side with the analyzer alone and ripgrep.
//! Writes BENCHMARKS.md. Run: `cargo bench --bench confnotes` (see the README).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use std::sync::mpsc::{self, Receiver, Sender};

use confnotes::app::loader::{Loader, Shown};
use confnotes::app::{Action, App};
use confnotes::core::{Library, NotesSource};
use confnotes::notes::Notes;
use confnotes::search::Analyzer;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

// The same allocator as the app's binary, so in-process timings match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const NOTES: usize = 10_000;
const TARGET_BYTES: usize = 12_000_000;

/// `CONFNOTES_BENCH_ONLY=live`: only the live-search rows (a quick loop while working
/// on search); nothing is written to BENCHMARKS.md.
fn only_live() -> bool {
    std::env::var("CONFNOTES_BENCH_ONLY").is_ok_and(|v| v == "live")
}

/// Live search alone (`CONFNOTES_BENCH_ONLY=live`), printed, over the corpora (and
/// caches) a previous run left in the benchmark folder when
/// `CONFNOTES_BENCH_KEEP=1`: the 100,000 notes take minutes to build and index.
fn live_only(root: &Path) {
    let corpus_in = |dir: &Path, notes: usize, target_bytes: usize| {
        if std::env::var_os("CONFNOTES_BENCH_KEEP").is_none() || !dir.join("0001/README.md").exists() {
            let _ = std::fs::remove_dir_all(dir);
            std::fs::create_dir_all(dir).unwrap();
            make_corpus(dir, notes, target_bytes);
        }
        NotesSource {
            bundled: false,
            dirs: vec![dir.to_path_buf()],
        }
    };
    let mut row = |name: &str, value: String, target: &str| println!("{name:<58} {value:<40} {target}");
    let source = corpus_in(&root.join("corpus"), NOTES, TARGET_BYTES);
    live_rows(&source, &root.join("cache"), "", &mut row);
    if std::env::var_os("CONFNOTES_BENCH_100K").is_some() {
        let source = corpus_in(&root.join("corpus-100k"), 100_000, 130_000_000);
        live_rows(&source, &root.join("cache-100k"), "100k: ", &mut row);
    }
    row(
        "peak RSS of the benchmark process",
        format!("{:.0} MB", peak_rss_mb()),
        "",
    );
}

/// `CONFNOTES_BENCH_ONLY=store100k` (or `=store`, at 10,000 notes): only the start-up
/// and update rows, printed, over the corpus and cache a previous run left
/// (`CONFNOTES_BENCH_KEEP` is implied: the corpus takes minutes to build).
fn store_only(root: &Path, big: bool) {
    let (corpus, cache, notes, bytes) = if big {
        (
            root.join("corpus-100k"),
            root.join("cache-100k"),
            100_000,
            130_000_000,
        )
    } else {
        (root.join("corpus"), root.join("cache"), NOTES, TARGET_BYTES)
    };
    if !corpus.join("0001/README.md").exists() {
        std::fs::create_dir_all(&corpus).unwrap();
        make_corpus(&corpus, notes, bytes);
    }
    // What an earlier run appended to the note it edits goes: the rows count its words.
    let touched = corpus.join("0001/README.md");
    let text = std::fs::read_to_string(&touched).unwrap();
    if let Some(end) = ["\n\n## 追記", "\n\n## 閉じた後", "\n\n## 測る"]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
    {
        std::fs::write(&touched, &text[..end]).unwrap();
    }
    let source = NotesSource {
        bundled: false,
        dirs: vec![corpus.clone()],
    };
    Notes::open(&source, Some(&cache), false, &mut |_| {}).unwrap();
    let mut row = |name: &str, value: String, target: &str| println!("{name:<58} {value:<40} {target}");
    let targets = if big {
        Targets {
            first_frame: "< 150 ms",
            closed: "< 300 ms",
        }
    } else {
        Targets {
            first_frame: "< 100 ms",
            closed: "< 150 ms",
        }
    };
    let label = if big { "100k: " } else { "" };
    store_rows(&source, &cache, &corpus, notes, label, &targets, &mut row);
}

/// The cold first index of the 100,000 notes alone (`CONFNOTES_BENCH_ONLY=index100k`),
/// printed: in a child process, into a cache folder of its own (the warm one the live
/// rows use is kept), against the analyzer over the 10,000 notes' text before and after.
fn index_100k_only(root: &Path) {
    let (corpus, big) = (root.join("corpus"), root.join("corpus-100k"));
    if !corpus.join("0001/README.md").exists() || !big.join("0001/README.md").exists() {
        eprintln!("run the full benchmark with CONFNOTES_BENCH_100K=1 CONFNOTES_BENCH_KEEP=1 first");
        return;
    }
    let library = Library::load(&NotesSource {
        bundled: false,
        dirs: vec![corpus],
    });
    let texts: Vec<String> = (library.events.iter())
        .filter_map(|e| library.with_text(e).ok())
        .flat_map(|e| {
            std::iter::once(e.title.clone())
                .chain(e.sessions.iter().flat_map(|s| [s.title.clone(), s.body.clone()]))
                .collect::<Vec<_>>()
        })
        .collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    let analyzer = Analyzer::new().unwrap();
    let analyzer_rate = || {
        let start = Instant::now();
        for t in &texts {
            std::hint::black_box(analyzer.index_streams(t));
        }
        chars as f64 / start.elapsed().as_secs_f64()
    };
    let before = analyzer_rate();
    let cold_cache = root.join("cache-100k-cold");
    let _ = std::fs::remove_dir_all(&cold_cache);
    let cpu_before = children_cpu_secs();
    let cold = child("index", &big, &cold_cache);
    let cpu = children_cpu_secs() - cpu_before;
    let after = analyzer_rate();
    let (secs, rate) = (cold["secs"], cold["chars"] / cold["secs"]);
    let analyzer = (before + after) / 2.0;
    println!(
        "100k: cold first index {secs:.1} s, {:.2} M chars/s = {:.1}% of the analyzer ({:.2} / {:.2} M chars/s before / after); peak RSS {:.0} MB; {} progress reports; index {:.0} MB; {cpu:.1} CPU s",
        rate / 1e6,
        100.0 * rate / analyzer,
        before / 1e6,
        after / 1e6,
        cold["rss_mb"],
        cold["progress"],
        dir_size(&cold_cache) as f64 / 1e6
    );
}

/// CPU time (user and system) of the finished child processes: unlike the wall clock,
/// it does not count what other processes on a busy machine take.
fn children_cpu_secs() -> f64 {
    #[repr(C)]
    struct Rusage {
        utime: [i64; 2],
        stime: [i64; 2],
        rest: [i64; 14],
    }
    extern "C" {
        fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    }
    const RUSAGE_CHILDREN: i32 = -1;
    let mut r = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        rest: [0; 14],
    };
    // SAFETY: `r` is a valid, writable rusage of the platform's layout; Linux fills it in.
    if unsafe { getrusage(RUSAGE_CHILDREN, &mut r) } != 0 {
        return 0.0;
    }
    let secs = |t: [i64; 2]| t[0] as f64 + t[1] as f64 / 1e6;
    secs(r.utime) + secs(r.stime)
}

fn main() {
    confnotes::alloc::configure();
    if let Ok(what) = std::env::var(CHILD) {
        return child_main(&what);
    }
    let root = PathBuf::from(std::env::var("CONFNOTES_BENCH_DIR").unwrap_or_else(|_| "target/bench".into()));
    if only_live() {
        live_only(&root);
        return;
    }
    match std::env::var("CONFNOTES_BENCH_ONLY").as_deref() {
        Ok("store100k") => return store_only(&root, true),
        Ok("store") => return store_only(&root, false),
        _ => {}
    }
    if std::env::var("CONFNOTES_BENCH_ONLY").is_ok_and(|v| v == "index100k") {
        index_100k_only(&root);
        return;
    }
    // The binary cargo built with this benchmark (wherever CARGO_TARGET_DIR puts it).
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_confnotes"));
    let mut table = String::new();
    let mut row = |name: &str, value: String, target: &str| {
        println!("{name:<58} {value:<40} {target}");
        let _ = writeln!(table, "| {name} | {value} | {target} |");
    };
    // `CONFNOTES_BENCH_ONLY=large`: only the large-notes search rows; `=search`: the
    // search rows of both shapes. Printed, not written (a quick loop while working on
    // search speed).
    let only = std::env::var("CONFNOTES_BENCH_ONLY").unwrap_or_default();
    if only == "large" {
        std::fs::create_dir_all(&root).unwrap();
        large_search_rows(&bin, &root, &mut row);
        return;
    }
    let corpus = root.join("corpus");
    let cache = root.join("cache");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&corpus).unwrap();
    let bytes = make_corpus(&corpus, NOTES, TARGET_BYTES);
    if only == "search" {
        let source = NotesSource {
            bundled: false,
            dirs: vec![corpus.clone()],
        };
        Notes::open(&source, Some(&cache), true, &mut |_| {}).unwrap();
        search_rows(&bin, &root, &corpus, &cache, "", &mut row);
        large_search_rows(&bin, &root, &mut row);
        return;
    }

    // 1. Indexing throughput against the analyzer alone, on the same text.
    let source = NotesSource {
        bundled: false,
        dirs: vec![corpus.clone()],
    };
    let library = Library::load(&source);
    let texts: Vec<String> = library
        .events
        .iter()
        .flat_map(|e| {
            std::iter::once(e.title.clone())
                .chain(e.sessions.iter().flat_map(|s| [s.title.clone(), s.body.clone()]))
        })
        .collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    let analyzer = Analyzer::new().unwrap();
    // Interleaved and repeated: this machine's speed drifts, and a ratio of two runs
    // taken at different moments would measure the drift.
    let mut analyzer_runs = Vec::new();
    let mut index_runs = Vec::new();
    let mut exact_runs = Vec::new();
    let mut tokens = 0;
    let mut stream_tokens = 0;
    for _ in 0..3 {
        let start = Instant::now();
        tokens = 0;
        for t in &texts {
            tokens += analyzer.analyze(t).len();
        }
        exact_runs.push(start.elapsed().as_secs_f64());
        // What indexing pays for: all three streams (exact, variant keys, grams).
        let start = Instant::now();
        stream_tokens = 0;
        for t in &texts {
            let s = analyzer.index_streams(t);
            stream_tokens += s.exact.len() + s.variants.len() + s.grams.len();
        }
        analyzer_runs.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let cold = Notes::open(&source, Some(&cache), true, &mut |_| {}).unwrap();
        index_runs.push(start.elapsed().as_secs_f64());
        drop(cold);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let analyzer_secs = median(&mut analyzer_runs);
    let exact_secs = median(&mut exact_runs);
    let index_secs = median(&mut index_runs);
    let analyzer_rate = chars as f64 / analyzer_secs;
    let index_rate = chars as f64 / index_secs;
    row(
        "corpus",
        format!(
            "{} notes, {:.1} MB, {} sessions, {:.1} M chars",
            library.events.len(),
            bytes as f64 / 1e6,
            library.session_count(),
            chars as f64 / 1e6
        ),
        "~10,000 notes / 12 MB",
    );
    row(
        "analyzer, words only (1 thread), median of 3",
        format!(
            "{:.2} M chars/s ({tokens} tokens, {exact_secs:.2} s)",
            chars as f64 / exact_secs / 1e6
        ),
        "",
    );
    row(
        "analyzer, all index streams (1 thread), median of 3",
        format!(
            "{:.2} M chars/s ({stream_tokens} tokens, {analyzer_secs:.2} s)",
            analyzer_rate / 1e6
        ),
        "",
    );
    row(
        "index from scratch (read + parse + index + commit), median of 3",
        format!("{:.2} M chars/s ({index_secs:.2} s)", index_rate / 1e6),
        "",
    );
    row(
        "indexing / analyzer",
        format!("{:.0}%", 100.0 * index_rate / analyzer_rate),
        ">= 70%",
    );
    row(
        "index size on disk (the cache folder)",
        format!("{:.1} MB", dir_size(&cache) as f64 / 1e6),
        "",
    );
    if std::env::var("CONFNOTES_BENCH_ONLY").as_deref() == Ok("indexing") {
        // A quick look at indexing alone: nothing is written to BENCHMARKS.md.
        return;
    }

    // 2. `confnotes search TERM` (warm cache) against `rg -c TERM` over the same files.
    search_rows(&bin, &root, &corpus, &cache, "", &mut row);

    // 2b. The same over the other shape: fewer, larger notes (one man page each).
    large_search_rows(&bin, &root, &mut row);

    let targets = Targets {
        first_frame: "< 100 ms",
        closed: "< 150 ms",
    };
    app_rows(
        &source,
        &cache,
        &corpus,
        library.events.len(),
        "",
        &targets,
        &mut row,
    );

    // 4b. Ten times more notes (about 130 MB), behind a flag: it takes a few minutes.
    if std::env::var_os("CONFNOTES_BENCH_100K").is_some() {
        let big = root.join("corpus-100k");
        let big_cache = root.join("cache-100k");
        std::fs::create_dir_all(&big).unwrap();
        let big_bytes = make_corpus(&big, 100_000, 130_000_000);
        let big_source = NotesSource {
            bundled: false,
            dirs: vec![big.clone()],
        };
        // In a process of its own: its peak memory is the first index's.
        let cold = child("index", &big, &big_cache);
        let (secs, chars, files) = (cold["secs"], cold["chars"], cold["notes"] as usize);
        let progress_events = cold["progress"];
        let rate = chars / secs;
        row(
            "100k: corpus",
            format!(
                "{files} notes, {:.0} MB, {:.0} M chars",
                big_bytes as f64 / 1e6,
                chars / 1e6
            ),
            "~100,000 notes / 130 MB",
        );
        row(
            "100k: cold first index (read + parse + index + commit)",
            format!(
                "{secs:.1} s, {:.2} M chars/s = {:.0}% of the analyzer; {progress_events} progress reports",
                rate / 1e6,
                100.0 * rate / analyzer_rate
            ),
            ">= 70% of the analyzer",
        );
        row(
            "100k: peak RSS of a first index (a process of its own)",
            format!("{:.0} MB", cold["rss_mb"]),
            "< 500 MB",
        );
        row(
            "100k: index size on disk",
            format!("{:.0} MB", dir_size(&big_cache) as f64 / 1e6),
            "",
        );
        let targets = Targets {
            first_frame: "< 150 ms",
            closed: "< 300 ms",
        };
        app_rows(&big_source, &big_cache, &big, files, "100k: ", &targets, &mut row);
    }

    // 5. Peak memory of this process (corpus, library, index, app).
    row(
        "peak RSS of the benchmark process",
        format!("{:.0} MB", peak_rss_mb()),
        "",
    );

    let machine = format!(
        "{} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| m.lines().next().map(|l| l
                .split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ")))
            .unwrap_or_default()
    );
    let date = Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let md = format!(
        "# Benchmarks\n\nMeasured by `cargo bench --bench confnotes` (release build) on {date}, machine: {machine} (MemTotal), \
         `{}`.\nCorpus: Debian's `manpages-ja` cut into {NOTES} event notes (`YYYY/MMDD-name/README.md`, 3 sessions each), \
         made by the benchmark itself.\n\n| measure | result | target |\n|---|---|---|\n{table}\n",
        std::env::consts::ARCH
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let kept = kept_sections(&std::fs::read_to_string(&path).unwrap_or_default());
    std::fs::write(&path, md + &kept).unwrap();
    println!("wrote BENCHMARKS.md");
}

/// The queries `search` is timed with, against `rg -c` with the same word.
const SEARCH_TERMS: [&str; 5] = ["ファイル", "シグナル", "ディレクトリ", "pthread", "環境変数"];

/// The second shape, built afresh: one large note per man page; its search rows.
fn large_search_rows(bin: &Path, root: &Path, row: &mut dyn FnMut(&str, String, &str)) {
    let large = root.join("large");
    let large_cache = root.join("large-cache");
    let _ = std::fs::remove_dir_all(&large);
    let _ = std::fs::remove_dir_all(&large_cache);
    std::fs::create_dir_all(&large).unwrap();
    let (notes, bytes) = make_large_corpus(&large);
    // Notes as a folder holds them: saved a while ago. (A file saved in the last three
    // seconds is read again whatever its stamp says, which would time the refresh.)
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in std::fs::read_dir(&large).unwrap().flatten() {
        let file = std::fs::File::options().write(true).open(entry.path()).unwrap();
        file.set_modified(past).unwrap();
    }
    let label = format!("large notes ({notes}, {:.1} MB): ", bytes as f64 / 1e6);
    search_rows(bin, root, &large, &large_cache, &label, row);
}

/// `confnotes search TERM` over a warm cache, with the default limit (20 hits, each with
/// its snippet; the ratio the target is for) and with `--limit 1` (what the snippets
/// cost is the difference), beside `rg -c TERM` over the same folder. The three are run
/// in turn, 9 rounds after a warm-up, so the machine's drift falls on all of them alike;
/// medians.
fn search_rows(
    bin: &Path,
    root: &Path,
    corpus: &Path,
    cache: &Path,
    label: &str,
    row: &mut dyn FnMut(&str, String, &str),
) {
    let search = |term: &str, limit: Option<&str>| {
        let mut command = Command::new(bin);
        command
            .args(["--no-bundled", "--notes"])
            .arg(corpus)
            .args(["search", term])
            .env("CONFNOTES_CACHE", cache)
            .env("CONFNOTES_CONFIG", root.join("none.toml"));
        if let Some(limit) = limit {
            command.args(["--limit", limit]);
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(!out.stdout.is_empty(), "`{term}` finds something");
    };
    let rg = |term: &str| {
        let out = Command::new("rg")
            .args(["-c", term])
            .arg(corpus)
            .output()
            .expect("ripgrep (apt install ripgrep)");
        assert!(!out.stdout.is_empty(), "rg finds `{term}`");
    };
    let timed = |f: &dyn Fn()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64() * 1000.0
    };
    search("warm-up", None); // builds the cache if there is none
    for term in SEARCH_TERMS {
        let (mut ours, mut one, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..10 {
            let (a, b, c) = (
                timed(&|| search(term, None)),
                timed(&|| search(term, Some("1"))),
                timed(&|| rg(term)),
            );
            // The first round warms the page cache and is not counted.
            if round > 0 {
                ours.push(a);
                one.push(b);
                theirs.push(c);
            }
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (ours, one, theirs) = (median(ours), median(one), median(theirs));
        row(
            &format!("{label}search `{term}`: confnotes / rg -c"),
            format!(
                "{ours:.1} ms / {theirs:.1} ms = {:.2}; with --limit 1: {one:.1} ms = {:.2}",
                ours / theirs,
                one / theirs
            ),
            "<= 1.0",
        );
    }
}

/// The app's own figures over one folder: live search per keystroke, the first frame
/// from a warm cache, the start-up check, a save while it runs, a change while it was
/// closed. `label` prefixes each row.
/// The targets that differ with the number of notes.
struct Targets {
    first_frame: &'static str,
    closed: &'static str,
}

fn app_rows(
    source: &NotesSource,
    cache: &Path,
    corpus: &Path,
    files: usize,
    label: &str,
    targets: &Targets,
    row: &mut dyn FnMut(&str, String, &str),
) {
    live_rows(source, cache, label, row);
    store_rows(source, cache, corpus, files, label, targets, row);
}

/// The app's start-up and update figures over one folder (the part of [`app_rows`]
/// after live search).
fn store_rows(
    source: &NotesSource,
    cache: &Path,
    corpus: &Path,
    files: usize,
    label: &str,
    targets: &Targets,
    row: &mut dyn FnMut(&str, String, &str),
) {
    let source = source.clone();
    let cache = cache.to_path_buf();
    let mut row = |name: &str, value: String, target: &str| row(&format!("{label}{name}"), value, target);

    // 4. Start-up to the first frame with a warm cache (the app draws from the cache,
    //    then its loader checks the folder in the background), and one changed file.
    let first_frame = || {
        let start = Instant::now();
        let (notes, _) = Notes::front(&source, &cache).expect("a warm cache");
        let app = App::new(notes, Vec::new(), (120, 40));
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
        start.elapsed().as_secs_f64() * 1000.0
    };
    let warm = median_ms_of(5, first_frame);
    row(
        "start-up to first frame, warm cache",
        format!("{warm:.0} ms"),
        targets.first_frame,
    );
    let check = median_ms_of(5, || {
        let start = Instant::now();
        let notes = Notes::open(&source, Some(&cache), false, &mut |_| {}).unwrap();
        assert_eq!(notes.report.changes(), 0);
        start.elapsed().as_secs_f64() * 1000.0
    });
    row(
        "then the folder checked for changes (app: in the background)",
        format!("{check:.0} ms (scan of {} files, nothing read)", files),
        "",
    );

    // One file saved while the app runs, then one changed while it was closed. Both
    // go the app's way: its loader thread scans while the first frame is drawn from the
    // cache, then watches. A change is visible once the app has taken notes that show it
    // and drawn them (the loader sends them before their indexing is committed), and
    // searchable once the notes of the finished refresh are taken.
    let touched = corpus.join("0001/README.md");
    let shows = |app: &App, title: &str| {
        app.notes
            .library
            .event("0001")
            .is_some_and(|e| e.sessions.iter().any(|s| s.title == title))
    };
    let mut visible = Vec::new();
    let mut searchable = Vec::new();
    let (mut app, loaded, running) = start_app(&source, &cache);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
    wait_until_watching(&loaded);
    for round in 0..7 {
        let text = std::fs::read_to_string(&touched).unwrap();
        let start = Instant::now();
        std::fs::write(
            &touched,
            format!("{text}\n\n## 追記{round}\n\nベンチマークで書き足した一節{round}。\n"),
        )
        .unwrap();
        let title = format!("追記{round}");
        take_until(&loaded, &mut app, &mut terminal, |app| shows(app, &title));
        visible.push(start.elapsed().as_secs_f64() * 1000.0);
        take_until(&loaded, &mut app, &mut terminal, |app| {
            app.notes.report.changed == 1
        });
        searchable.push(start.elapsed().as_secs_f64() * 1000.0);
        let found = app
            .notes
            .index
            .search(
                &confnotes::search::parse_query(&format!("書き足した一節{round}")),
                5,
            )
            .unwrap();
        assert_eq!(found.len(), 1, "the edit is searchable");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    close(app, loaded, running);
    let spread = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        format!(
            "{:.0} ms median, {:.0} ms worst of {}",
            v[v.len() / 2],
            v[v.len() - 1],
            v.len()
        )
    };
    row(
        "one file saved while the app runs: visible",
        format!(
            "{} (incl. {} ms wait for the editor's writes to settle)",
            spread(&mut visible),
            confnotes::app::loader::SETTLE.as_millis()
        ),
        "< 150 ms",
    );
    row(
        "one file saved while the app runs: searchable (index committed)",
        spread(&mut searchable),
        "",
    );
    let mut closed = Vec::new();
    let mut first = Vec::new();
    let mut closed_searchable = Vec::new();
    for round in 0..5 {
        let text = std::fs::read_to_string(&touched).unwrap();
        std::fs::write(
            &touched,
            format!("{text}\n\n## 閉じた後{round}\n\n閉じている間の変更{round}。\n"),
        )
        .unwrap();
        let start = Instant::now();
        let (mut app, loaded, running) = start_app(&source, &cache);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
        first.push(start.elapsed().as_secs_f64() * 1000.0);
        // As the terminal loop does right after the first frame.
        app.prepare_search();
        let title = format!("閉じた後{round}");
        take_until(&loaded, &mut app, &mut terminal, |app| shows(app, &title));
        closed.push(start.elapsed().as_secs_f64() * 1000.0);
        take_until(&loaded, &mut app, &mut terminal, |app| {
            app.notes.report.changed == 1
        });
        closed_searchable.push(start.elapsed().as_secs_f64() * 1000.0);
        close(app, loaded, running);
    }
    first.sort_by(f64::total_cmp);
    row(
        "one file changed while the app was closed: visible after start",
        format!(
            "{} (the first frame, from the cache, at {:.0} ms)",
            spread(&mut closed),
            first[2]
        ),
        targets.closed,
    );
    row(
        "one file changed while the app was closed: searchable after start",
        spread(&mut closed_searchable),
        "",
    );
    let app = child("app", corpus, &cache);
    row(
        "peak RSS of the app (a process of its own: warm start, check, one save)",
        format!("{:.0} MB", app["rss_mb"]),
        "< 500 MB",
    );
}

/// Set in a child process of the benchmark, to the one thing it does.
const CHILD: &str = "CONFNOTES_BENCH_CHILD";

/// Runs this benchmark again as a child process that does `what` over the notes in
/// `corpus` and the cache in `cache` (for a peak memory of its own), and returns the
/// figures it printed, one `name value` a line.
fn child(what: &str, corpus: &Path, cache: &Path) -> std::collections::HashMap<String, f64> {
    let out = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, what)
        .env("CONFNOTES_BENCH_NOTES", corpus)
        .env("CONFNOTES_BENCH_CACHE", cache)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(' ')?;
            Some((name.to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

fn child_main(what: &str) {
    let var = |name: &str| PathBuf::from(std::env::var_os(name).expect("set by the parent"));
    let (corpus, cache) = (var("CONFNOTES_BENCH_NOTES"), var("CONFNOTES_BENCH_CACHE"));
    let source = NotesSource {
        bundled: false,
        dirs: vec![corpus.clone()],
    };
    match what {
        // A first index, as `--rebuild-index` makes it.
        "index" => {
            let start = Instant::now();
            let mut progress = 0;
            let cold = Notes::open(&source, Some(&cache), true, &mut |_| progress += 1).unwrap();
            println!("secs {}", start.elapsed().as_secs_f64());
            println!("rss_mb {}", peak_rss_mb());
            println!("progress {progress}");
            println!("notes {}", cold.library.events.len());
            // The text indexed: what the analyzer figure of section 1 is per character of.
            let chars: usize = cold
                .library
                .events
                .iter()
                .filter_map(|e| cold.library.with_text(e).ok())
                .map(|e| {
                    e.title.chars().count()
                        + e.sessions
                            .iter()
                            .map(|s| s.title.chars().count() + s.body.chars().count())
                            .sum::<usize>()
                })
                .sum();
            println!("chars {chars}");
        }
        // The app from a warm cache: first frame, the start-up check, one save shown
        // and searchable.
        "app" => {
            let (mut app, loaded, running) = start_app(&source, &cache);
            let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
            terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
            app.prepare_search();
            wait_until_watching(&loaded);
            let touched = corpus.join("0001/README.md");
            let text = std::fs::read_to_string(&touched).unwrap();
            std::fs::write(&touched, format!("{text}\n\n## 測る\n\nメモリを測る。\n")).unwrap();
            take_until(&loaded, &mut app, &mut terminal, |app| {
                app.notes.report.changed == 1
            });
            println!("rss_mb {}", peak_rss_mb());
            if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
                for line in status.lines().filter(|l| l.starts_with("Rss")) {
                    eprintln!("{line}");
                }
            }
            drop((app, loaded, running));
        }
        _ => panic!("no such child: {what}"),
    }
}

/// This process's peak resident memory.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// Ends an app started by [`start_app`] and waits for its loader to end (it may still be
/// scanning, or setting up its watcher): not to be measured with the next start, nor
/// to hold its notes meanwhile.
fn close(app: App, loaded: Receiver<Action>, running: Sender<Shown>) {
    drop((app, running));
    let start = Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(300) {
        if let Err(mpsc::RecvTimeoutError::Disconnected) =
            loaded.recv_timeout(std::time::Duration::from_secs(1))
        {
            return;
        }
    }
    panic!("the loader did not end with its app");
}

/// The loader's notes taken by the app and drawn, one after another, until `done` says
/// the app shows what was waited for.
fn take_until(
    loaded: &Receiver<Action>,
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    done: impl Fn(&App) -> bool,
) {
    while !done(app) {
        let notes = wait_for(loaded, |a| matches!(a, Action::NotesLoaded(_)));
        app.update(notes);
        terminal.draw(|f| f.render_widget(&*app, f.area())).unwrap();
    }
}

/// One keystroke into the search line: text (a key, or a word an IME commits at once)
/// or a backspace.
#[derive(Clone, Copy)]
enum Key {
    Text(&'static str),
    Back,
}

/// What the live-search benchmark types: queries of one to three words, each started
/// afresh (Esc, `/`). Latin text and the first five queries come a character at a time
/// (the worst case: a one-character prefix of a common word); Japanese words typed
/// through an IME arrive as the committed word; some queries have a typo taken back.
fn typing() -> Vec<Vec<Key>> {
    use Key::{Back, Text};
    let chars = |s: &'static str| -> Vec<Key> {
        s.char_indices()
            .map(|(i, c)| Text(&s[i..i + c.len_utf8()]))
            .collect()
    };
    let mut out: Vec<Vec<Key>> = [
        "ファイルシステム",
        "シグナル ハンドラ",
        "pthread_mutex",
        "環境変数 PATH",
        "ディレクトリ -削除",
    ]
    .into_iter()
    .map(chars)
    .collect();
    for words in [
        &["プロセス", " ", "シグナル"][..],
        &["ソケット", " ", "接続"],
        &["メモリ", " ", "割り当て"],
        &["ユーザー", " ", "権限"],
        &["ネットワーク", "インターフェース"],
        &["エラー", " ", "メッセージ", " ", "表示"],
        &["標準", "出力"],
        &["ファイル", " ", "作成", " ", "削除"],
    ] {
        out.push(words.iter().map(|w| Text(w)).collect());
    }
    let mut mixed = chars("tag:bench ");
    mixed.push(Text("ファイル"));
    out.push(mixed);
    let mut mixed = chars("year:2003 ");
    mixed.push(Text("環境変数"));
    out.push(mixed);
    let mut typo = chars("printg");
    typo.extend([Back, Text("f")]);
    out.push(typo);
    out.push(vec![
        Text("ディレクトリ"),
        Text(" "),
        Text("作成"),
        Back,
        Back,
        Text("削除"),
    ]);
    let mut typo = chars("socket");
    typo.extend([Text(" "), Text("バッファ"), Back, Back, Back, Back, Text("接続")]);
    out.push(typo);
    out
}

/// CPU time of the calling thread: unlike the wall clock, it does not count the time
/// other processes on a busy machine take.
fn thread_cpu() -> Duration {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `t` is a valid, writable timespec; Linux fills it in.
    let ok = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    if ok {
        Duration::new(t.sec.max(0) as u64, t.nsec.clamp(0, 999_999_999) as u32)
    } else {
        Duration::ZERO
    }
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples
        .get(((samples.len().max(1) - 1) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

/// 3. Live search inside the app, per keystroke: the app's update (query, lists, note)
///    and drawing the screen; then, as the terminal loop does while the keyboard is
///    idle, the rest of a search a big library did not finish within the keystroke.
fn live_rows(source: &NotesSource, cache: &Path, label: &str, row: &mut dyn FnMut(&str, String, &str)) {
    let mut row = |name: &str, value: String, target: &str| row(&format!("{label}{name}"), value, target);
    let (source, cache) = (source.clone(), cache.to_path_buf());
    let notes = Notes::open(&source, Some(&cache), false, &mut |_| {}).unwrap();
    let mut app = App::new(notes, Vec::new(), (120, 40));
    // As the terminal loop does right after the first frame.
    app.prepare_search();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let (mut wall, mut cpu, mut complete) = (Vec::new(), Vec::new(), Vec::new());
    let (mut on_the_key, mut longest_step, mut backs) = (0, 0.0f64, 0);
    // Twice over: the second round meets warm caches, as a reader's second search does.
    for _round in 0..2 {
        for keys in typing() {
            app.update(Action::Escape);
            app.update(Action::StartSearch);
            for key in keys {
                let action = match key {
                    Key::Text(t) => Action::SearchInsert(t.to_string()),
                    Key::Back => {
                        backs += 1;
                        Action::SearchBackspace
                    }
                };
                let (start, start_cpu) = (Instant::now(), thread_cpu());
                app.update(action);
                terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
                wall.push(start.elapsed().as_secs_f64() * 1000.0);
                cpu.push((thread_cpu() - start_cpu).as_secs_f64() * 1000.0);

                if app.search.results.as_ref().is_none_or(|r| r.complete) {
                    on_the_key += 1;
                }
                // The keyboard idle: the loop works on, and draws what changed.
                while app.has_work() {
                    let step = Instant::now();

                    let shown = app.search.revision;
                    app.update(Action::Continue);
                    if app.search.revision != shown {
                        terminal.draw(|f| f.render_widget(&app, f.area())).unwrap();
                    }
                    longest_step = longest_step.max(step.elapsed().as_secs_f64() * 1000.0);

                    if app.search.results.as_ref().is_some_and(|r| r.complete) && complete.len() < wall.len()
                    {
                        complete.push(start.elapsed().as_secs_f64() * 1000.0);
                    }
                }
                if complete.len() < wall.len() {
                    complete.push(start.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }
    }
    let n = wall.len();
    row(
        "live search per keystroke (query + screen), p50",
        format!(
            "{:.2} ms (thread CPU {:.2} ms); {n} keystrokes: 2 rounds of {} queries, {backs} of them backspaces",
            percentile(&mut wall, 0.5),
            percentile(&mut cpu, 0.5),
            typing().len()
        ),
        "",
    );
    row(
        "live search per keystroke (query + screen), p99",
        format!(
            "{:.2} ms (thread CPU {:.2} ms; slowest {:.2} ms)",
            percentile(&mut wall, 0.99),
            percentile(&mut cpu, 0.99),
            percentile(&mut wall, 1.0)
        ),
        "< 4 ms",
    );
    row(
        "live search: keystroke to complete results drawn, p50 / p99",
        format!(
            "{:.2} ms / {:.2} ms ({on_the_key} of {n} complete within the keystroke; the rest finished in idle steps of at most {longest_step:.2} ms)",
            percentile(&mut complete, 0.5),
            percentile(&mut complete, 0.99)
        ),
        "",
    );
}

/// Sections other benchmarks write between `<!-- name:start -->` and `<!-- name:end -->`:
/// kept when this one rewrites the file.
fn kept_sections(old: &str) -> String {
    let mut out = String::new();
    let mut rest = old;
    while let Some(start) = rest.find("<!-- ") {
        let Some(name_end) = rest[start..].find(":start -->") else {
            break;
        };
        let name = &rest[start + 5..start + name_end];
        let end_marker = format!("<!-- {name}:end -->");
        let Some(end) = rest.find(&end_marker) else { break };
        out.push('\n');
        out.push_str(&rest[start..end + end_marker.len()]);
        out.push('\n');
        rest = &rest[end + end_marker.len()..];
    }
    out
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// The app as its terminal loop starts it: the loader scanning at once, the first
/// frame's notes from the cache, then handed to the loader. Returns the app and the
/// loader's actions.
fn start_app(source: &NotesSource, cache: &Path) -> (App, Receiver<Action>, Sender<Shown>) {
    let (send, loaded) = mpsc::channel();
    let (show, shown) = mpsc::channel();
    Loader {
        source: source.clone(),
        cache: Some(cache.to_path_buf()),
        rebuild: false,
        shown,
    }
    .spawn(move |action| send.send(action).is_ok());
    // As the app does: the front of the cache first, all of it from the loader.
    let (notes, _) = Notes::front(source, cache).expect("a warm cache");
    let app = App::new(notes, Vec::new(), (120, 40));
    show.send(Shown {
        store: None,
        index: app.notes.index.clone(),
        front: Some(std::sync::Arc::clone(&app.notes.library)),
    })
    .unwrap();
    (app, loaded, show)
}

/// Waits for the loader's start-up check, then its second scan once its watcher is
/// set up (a note saved before that is found by that scan, not by the watcher).
fn wait_until_watching(loaded: &Receiver<Action>) {
    for _ in 0..2 {
        wait_for(loaded, |a| matches!(a, Action::Loading(None)));
    }
}

/// The loader's next action that `wanted` accepts.
fn wait_for(loaded: &Receiver<Action>, wanted: impl Fn(&Action) -> bool) -> Action {
    loop {
        match loaded
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the loader answers")
        {
            Action::Notice(message) => panic!("{message}"),
            action if wanted(&action) => return action,
            _ => {}
        }
    }
}

fn median_ms_of(n: usize, mut f: impl FnMut() -> f64) -> f64 {
    let mut v: Vec<f64> = (0..n).map(|_| f()).collect();
    v.sort_by(f64::total_cmp);
    v[n / 2]
}

/// Japanese man page text with the roff stripped, cut into event notes.
/// Every Japanese man page as (name, plain text), in a stable order.
fn man_pages() -> Vec<(String, String)> {
    let mut pages: Vec<PathBuf> = walk("/usr/share/man/ja");
    pages.sort();
    assert!(
        !pages.is_empty(),
        "install Debian's manpages-ja (apt-get install manpages-ja)"
    );
    let mut out = Vec::new();
    for page in pages {
        let Ok(zcat) = Command::new("zcat").arg(&page).output() else {
            continue;
        };
        let mut text = String::new();
        for line in String::from_utf8_lossy(&zcat.stdout).lines() {
            if line.starts_with(".\\\"") || line.starts_with("'\\\"") {
                continue;
            }
            let line = match line.strip_prefix('.') {
                Some(rest) => rest.split_once(' ').map_or("", |(_, args)| args),
                None => line,
            };
            let clean = strip_roff(line);
            let clean = clean.trim();
            if !clean.is_empty() {
                // A man page line that starts with `#` is text, not a heading.
                if clean.starts_with('#') {
                    text.push('\\');
                }
                text.push_str(clean);
                text.push('\n');
            }
        }
        let name = page
            .file_name()
            .map(|n| n.to_string_lossy().trim_end_matches(".gz").to_string())
            .unwrap_or_default();
        out.push((name, text));
    }
    out
}

/// The second shape: one large note per man page (about 1,000 notes, 13 MB).
fn make_large_corpus(dir: &Path) -> (usize, usize) {
    let mut total = 0;
    let mut count = 0;
    for (i, (name, text)) in man_pages().into_iter().enumerate() {
        if text.len() < 2_000 {
            continue;
        }
        // A man page line of only `-` or `=` (a rule drawn in text) would make the
        // paragraph above it a heading: a ten-kilobyte session title no note has.
        let text: String = text
            .lines()
            .map(|line| {
                let rule = !line.is_empty() && line.chars().all(|c| matches!(c, '-' | '=' | ' '));
                if rule {
                    format!("\\{line}\n")
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        let note = format!("# {name}\n\n## 本文\n\n{text}\n");
        std::fs::write(
            dir.join(format!("{i:05}-{}.md", name.replace(['/', ' '], "_"))),
            &note,
        )
        .unwrap();
        total += note.len();
        count += 1;
    }
    (count, total)
}

fn make_corpus(dir: &Path, notes: usize, target_bytes: usize) -> usize {
    let text: String = man_pages().into_iter().map(|(_, t)| t).collect();
    let lines: Vec<&str> = text.lines().collect();
    let per_note = target_bytes / notes;
    let mut at = 0;
    let mut total = 0;
    for i in 0..notes {
        let mut note = format!("# 勉強会 {i}: {}\n\n", lines[at % lines.len()]);
        for s in 0..3 {
            let _ = write!(
                note,
                "## セッション {s}: {}\n\n- speaker: 登壇者{}\n- tags: man{}, bench\n\n",
                lines[(at + 1) % lines.len()],
                i % 97,
                s
            );
            let mut body = String::new();
            while body.len() < per_note / 5 {
                body.push_str(lines[at % lines.len()]);
                body.push('\n');
                at += 1;
            }
            note.push_str(&body);
            note.push('\n');
        }
        let folder = dir
            .join(format!("{:04}", 2000 + (i / 10) % 7000))
            .join(format!("{:04}-event-{i}", 101 + i % 1200));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("README.md"), &note).unwrap();
        total += note.len();
    }
    // One well-known path for the incremental measurement.
    std::fs::create_dir_all(dir.join("0001")).unwrap();
    std::fs::write(
        dir.join("0001/README.md"),
        "# 触るノート\n\n## 本文\n\n変更前の本文。\n",
    )
    .unwrap();
    total
}

fn strip_roff(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => {
                if chars.peek() == Some(&'(') {
                    chars.next();
                    chars.next();
                }
                chars.next();
            }
            Some('-') => out.push('-'),
            Some('e') => out.push('\\'),
            Some('&') | Some('c') => {}
            Some('(') => {
                chars.next();
                chars.next();
            }
            Some('*') => {
                chars.next();
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out.replace(['<', '>', '[', ']', '#', '*', '`', '_'], " ")
}

fn walk(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "gz") {
                out.push(p);
            }
        }
    }
    out
}
