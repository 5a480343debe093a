//! Hostile notes: huge, odd or mistyped notes parse in linear time, with warnings.

use std::collections::HashSet;
use std::fs;
use std::time::{Duration, Instant};

use confnotes::core::parse::{parse_note, ParsedNote, MAX_NOTE_BYTES};
use confnotes::core::{Library, NotesSource};

fn parse(text: &str) -> ParsedNote {
    parse_note("ev", "ev.md", text, None).unwrap()
}

fn headings(n: usize) -> String {
    let mut text = String::from("# Event\n\n");
    for _ in 0..n {
        text.push_str("## h\n[to h](#h-7)\n");
    }
    text
}

/// Seconds to parse a note of `n` identical headings, each with a link to another.
fn parse_time(n: usize) -> Duration {
    let text = headings(n);
    assert!(text.len() <= MAX_NOTE_BYTES, "parsed whole, not cut");
    let start = Instant::now();
    let note = parse(&text);
    let took = start.elapsed();
    assert_eq!(note.event.sessions.len(), n);
    took
}

#[test]
fn parsing_is_linear_in_the_heading_count() {
    // Was quadratic: 100,000 headings (1.8 MB) took 84 s (line numbers counted from
    // the start for every session, every anchor looked up among all sessions).
    let small = parse_time(10_000);
    let big = parse_time(100_000);
    assert!(
        big < Duration::from_secs(5),
        "100,000 headings took {big:?} (10,000: {small:?})"
    );
    // Ten times the headings: ten times the work, with room for a busy machine.
    assert!(
        big < small * 40 + Duration::from_millis(500),
        "100,000 headings {big:?}, 10,000 {small:?}"
    );
    let note = parse(&headings(1000));
    let ids: HashSet<&str> = note.event.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), 1000, "ids are unique");
    assert_eq!(note.event.sessions[999].id, "h-999");
    assert_eq!(note.event.sessions[999].line, 3 + 2 * 999);
    assert_eq!(note.event.sessions[999].links[0].line, 4 + 2 * 999);
}

#[test]
fn a_huge_note_is_read_in_part_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("notes");
    fs::create_dir_all(&dir).unwrap();
    // 50 MB on one line, ending in a word that only the cut part has.
    let mut text = String::from("# Big\n\n");
    while text.len() < 50 << 20 {
        text.push_str("ぎっしり詰まった一行 ");
    }
    text.push_str("最後の言葉");
    fs::write(dir.join("big.md"), &text).unwrap();
    fs::write(dir.join("small.md"), "# Small\n\n## S\n\nふつうのノート\n").unwrap();

    let start = Instant::now();
    let library = Library::load(&NotesSource {
        bundled: false,
        dirs: vec![dir.clone()],
    });
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
    let big = library.event("big").expect("the big note still loads");
    let warning = library
        .warnings
        .iter()
        .find(|w| w.file.ends_with("big.md"))
        .expect("a warning names the big note");
    assert!(warning.message.contains("only the first"), "{warning}");
    let overview = library.text(big, None);
    assert!(overview.len() <= MAX_NOTE_BYTES, "{}", overview.len());
    assert!(overview.len() > MAX_NOTE_BYTES / 2, "{}", overview.len());
    assert!(!overview.contains("最後の言葉"));
    assert!(library.event("small").is_some(), "the other notes load");
}

#[test]
fn a_cut_note_keeps_whole_lines_and_characters() {
    // The cut falls inside a multi-byte character on a long last line.
    let mut text = String::from("# E\n\n## S\n\n");
    while text.len() < MAX_NOTE_BYTES - 10 {
        text.push_str("行\n");
    }
    let line_start = text.len();
    text.push_str(&"あ".repeat(100));
    let note = parse(&text);
    let body = &note.event.sessions[0].body;
    assert!(body.len() < line_start, "the partial line is dropped");
    assert!(note.warnings.iter().any(|w| w.message.contains("only the first")));

    let one_line = "漢".repeat(MAX_NOTE_BYTES / 3 + 5);
    let note = parse(&one_line);
    assert!(note.event.overview.len() <= MAX_NOTE_BYTES);
    assert!(note.event.overview.chars().all(|c| c == '漢'));
}

#[test]
fn warnings_per_note_are_bounded() {
    // 20,000 sessions with a field typo would each warn: a few are shown, then a count.
    let note = parse(&"## talk\n\n- speeker: x\n- tags: y\n\n".repeat(20_000));
    assert!(note.warnings.len() <= 101, "{}", note.warnings.len());
    let last = note.warnings.last().unwrap();
    assert!(last.message.contains("more warnings"), "{last}");
}

fn warnings_of(front: &str) -> (ParsedNote, Vec<String>) {
    let text = format!("---\n{front}---\n\n# Fallback\n\n## Talk\n\nbody\n");
    let note = parse_note("ev", "notes/ev.md", &text, None).unwrap();
    let messages = note.warnings.iter().map(ToString::to_string).collect();
    (note, messages)
}

#[test]
fn front_matter_of_the_wrong_type_warns_with_file_and_line() {
    let (note, w) = warnings_of("title: [a, list]\ndate: \"not a date\"\nvenue: {x: 1}\n");
    assert_eq!(
        note.event.title, "Fallback",
        "the heading stands in for the bad title"
    );
    assert!(note.event.dates.is_empty());
    assert_eq!(note.event.venue, None);
    assert_eq!(note.event.sessions.len(), 1, "the rest loads");
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].starts_with("notes/ev.md:2: ") && w[0].contains("`title`") && w[0].contains("a list"));
    assert!(w[1].starts_with("notes/ev.md:3: ") && w[1].contains("`date`") && w[1].contains("not a date"));
    assert!(w[2].starts_with("notes/ev.md:4: ") && w[2].contains("`venue`"));

    let (note, w) = warnings_of("title: One\ntags: [a]\ntitle: Two\n");
    assert_eq!(note.event.title, "Two", "the last one wins, as in YAML parsers");
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("notes/ev.md:4: ") && w[0].contains("`title` is given twice"));

    let (note, w) = warnings_of("dates: [2019-07-22, soon]\ntags: {a: 1}\nreport: {author: [x]}\n");
    assert_eq!(note.event.dates, ["2019-07-22"]);
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].contains(":2: ") && w[0].contains("soon"));
    assert!(w[1].contains(":3: ") && w[1].contains("`tags`"));
    assert!(w[2].contains(":4: ") && w[2].contains("`author`"));

    // Right types, null values and keys confnotes does not read: no warning.
    let (_, w) = warnings_of("title: T\ndate: 2019-07-22\ntags: x, y\nvenue:\nlayout: [a, b]\n");
    assert!(w.is_empty(), "{w:?}");
    let text = "+++\ntitle = \"T\"\ndate = 2019-07-22\ntags = [\"a\"]\nvenue = [1]\n+++\n# T\n\nbody\n";
    let note = parse_note("ev", "ev.md", text, None).unwrap();
    assert_eq!(note.event.dates, ["2019-07-22"], "TOML dates are dates");
    assert_eq!(note.warnings.len(), 1, "{:?}", note.warnings);
    assert_eq!(note.warnings[0].line, Some(5));

    // TOML refuses a key given twice; the note still loads, as YAML's would.
    let text = "+++\ntitle = \"One\"\ndate = 2019-07-22\ntitle = \"Two\"\n+++\n# T\n\nbody\n";
    let note = parse_note("ev", "ev.md", text, None).unwrap();
    assert_eq!(note.event.title, "Two");
    assert_eq!(note.event.dates, ["2019-07-22"]);
    assert_eq!(note.warnings.len(), 1, "{:?}", note.warnings);
    assert_eq!(note.warnings[0].line, Some(4));
    assert!(note.warnings[0].message.contains("given twice"));
    // Other TOML errors still skip the note, with the parser's message.
    assert!(parse_note("ev", "ev.md", "+++\ntitle = \n+++\n", None).is_err());
}

mod properties {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use confnotes::core::parse::parse_note;

    /// Characters that stress a parser: Markdown punctuation, line ends, controls, NFKC
    /// expanders (㈱ ⅓ ⑴ ﬁ), combining marks, wide and astral characters, bidi overrides.
    fn odd_char() -> impl Strategy<Value = char> {
        prop_oneof![
            prop::sample::select(vec![
                '#', '-', '*', '+', ':', '：', '`', '~', '[', ']', '(', ')', '{', '}', '<', '>', '|', '!',
                '\\', '"', '\'', '=', ' ', '\t', '\n', '\r', '\u{0}', '\u{1b}', '\u{7f}', '\u{85}',
                '\u{feff}', '\u{202e}', '\u{2028}', '㈱', '⅓', '⑴', '⒈', '㍘', 'ﬁ', '\u{301}', '\u{3099}',
                'が', '漢', 'ｶ', '😀', 'a', '1',
            ]),
            any::<char>(),
        ]
    }

    fn words() -> impl Strategy<Value = String> {
        prop::collection::vec(odd_char(), 0..12).prop_map(|cs| cs.into_iter().collect())
    }

    /// Lines that make up notes: headings (with explicit ids), field items, fences,
    /// front matter fragments, links and plain text.
    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            words().prop_map(|w| format!("# {w}")),
            words().prop_map(|w| format!("## {w}")),
            words().prop_map(|w| format!("### {w}")),
            words().prop_map(|w| format!("## {w} {{#{w}}}")),
            Just("## same".to_string()),
            Just("## same-1".to_string()),
            (
                prop::sample::select(vec!["speaker", "tags", "登壇者", "slides", "speeker", "Q"]),
                words()
            )
                .prop_map(|(k, v)| format!("- {k}: {v}")),
            Just("---".to_string()),
            Just("+++".to_string()),
            Just("```".to_string()),
            Just("~~~".to_string()),
            words().prop_map(|w| format!("title: {w}")),
            words().prop_map(|w| format!("date: {w}")),
            Just("tags: [a, {b: 1}]".to_string()),
            words().prop_map(|w| format!("[{w}](#{w}) [x](other.md#{w})")),
            words(),
        ]
    }

    fn note() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(line(), 0..40),
            prop::sample::select(vec!["\n", "\r\n", "\r"]),
        )
            .prop_map(|(lines, end)| lines.join(end))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn any_note_parses_with_lines_in_the_file_and_unique_ids(text in note()) {
            let Ok(note) = parse_note("ev", "ev.md", &text, None) else {
                return Ok(()); // malformed front matter: skipped with a message
            };
            // Line ends as the parser counts them (CRLF is one).
            let lines = text.replace("\r\n", "\n").replace('\r', "\n").matches('\n').count() + 1;
            let mut ids = HashSet::new();
            for s in &note.event.sessions {
                prop_assert!(s.line >= 1 && s.line <= lines, "session line {} of {lines}", s.line);
                prop_assert!(!s.id.is_empty(), "an empty id reads as the overview");
                prop_assert!(ids.insert(s.id.as_str()), "duplicate id {:?}", s.id);
                for link in &s.links {
                    prop_assert!(link.line >= 1 && link.line <= lines);
                }
            }
            for link in &note.event.overview_links {
                prop_assert!(link.line >= 1 && link.line <= lines);
            }
            for w in &note.warnings {
                prop_assert!(w.line.is_none_or(|l| l >= 1 && l <= lines), "{w}");
            }
            for (anchor, owner) in &note.anchors {
                prop_assert!(!anchor.is_empty());
                prop_assert!(owner.is_empty() || ids.contains(owner.as_str()));
            }
        }
    }
}

#[test]
fn opening_a_huge_note_from_the_cache_reads_only_the_part_indexed() {
    use confnotes::app::note::{compose, NoteKey};
    use confnotes::notes::Notes;
    let tmp = tempfile::tempdir().unwrap();
    let (dir, cache) = (tmp.path().join("notes"), tmp.path().join("cache"));
    fs::create_dir_all(&dir).unwrap();
    let mut text = String::from("# Big\n\n");
    while text.len() < 50 << 20 {
        text.push_str("ぎっしり詰まった一行 ");
    }
    fs::write(dir.join("big.md"), &text).unwrap();
    drop(text);
    let source = NotesSource {
        bundled: false,
        dirs: vec![dir],
    };
    drop(Notes::open(&source, Some(&cache), false, &mut |_| {}).unwrap());
    let (cached, _) = Notes::cached(&source, &cache).expect("a usable cache");
    let library = &cached.library;
    let event = library.event("big").unwrap();
    assert!(!event.has_text, "from the cache: the text is read on open");
    let start = Instant::now();
    let doc = compose(
        library,
        NoteKey {
            event: library.event_index("big").unwrap(),
            session: None,
        },
    );
    // What the note pane shows, as the search indexed it: the part within the limit.
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
    assert!(doc.len() > MAX_NOTE_BYTES / 2, "{}", doc.len());
    assert!(doc.len() < MAX_NOTE_BYTES + 4096, "{}", doc.len());
}

#[test]
fn front_matter_aliases_cannot_blow_up() {
    // "Billion laughs": each alias doubles... nine times over.
    let mut front = String::from("---\na: &a [x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        front.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    front.push_str("title: t\n---\n# T\n\n## S\n\nbody\n");
    let start = Instant::now();
    let parsed = parse_note("ev", "ev.md", &front, None);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    if let Err(e) = parsed {
        assert!(e.0.contains("YAML"), "{}", e.0);
    }
}
