//! The app driven by key strings against a `TestBackend`, with whole-screen snapshots.

use confnotes::app::keymap::{map_event, parse_key};
use confnotes::app::{Action, App, Overlay, Pane, Request};
use confnotes::core::NotesSource;
use confnotes::notes::Notes;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::Event;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

use crate::common::fixtures;

pub(crate) fn app_over(source: NotesSource, width: u16, height: u16) -> App {
    let notes = Notes::open(&source, None, false, &mut |_| {}).unwrap();
    let mut app = App::new(notes, Vec::new(), (width, height));
    app.open_url = |_| Ok(());
    app
}

fn fixture_app() -> App {
    app_in(&fixtures(), 120, 32)
}

/// The app over one folder of the repository, named relative to it (tests run in the
/// crate root), so file names on screen don't depend on where it is checked out.
pub(crate) fn app_in(dir: &std::path::Path, width: u16, height: u16) -> App {
    let dir = dir
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .to_path_buf();
    app_over(
        NotesSource {
            bundled: false,
            dirs: vec![dir],
        },
        width,
        height,
    )
}

/// Presses keys given as space-separated key strings (`j`, `ctrl-d`, `enter`).
pub(crate) fn press(app: &mut App, keys: &str) {
    for key in keys.split_whitespace() {
        let key = parse_key(key).unwrap_or_else(|| panic!("bad key string {key}"));
        if let Some(action) = map_event(&Event::Key(key), app.key_context()) {
            app.update(action);
        }
    }
}

/// Types text into the app one character at a time, as a keyboard would.
pub(crate) fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        if let Some(action) = map_event(&Event::Key(parse_key(&c.to_string()).unwrap()), app.key_context()) {
            app.update(action);
        }
    }
}

pub(crate) fn terminal(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .unwrap();
    terminal
}

pub(crate) fn screen(app: &App) -> String {
    terminal(app).backend().to_string()
}

#[test]
fn startup_shows_events_sessions_and_the_overview() {
    let app = fixture_app();
    insta::assert_snapshot!("startup", screen(&app));
}

#[test]
fn japanese_note_renders_within_its_pane() {
    let mut app = fixture_app();
    press(&mut app, "enter j enter");
    assert_eq!(app.focus, Pane::Note);
    // Double-width text never overflows the pane: every rendered line fits.
    let width = app.note.width as usize;
    for line in &app.note.rendered.lines {
        assert!(line.width() <= width, "{} > {width}: {line:?}", line.width());
    }
    insta::assert_snapshot!("japanese_note", screen(&app));
}

#[test]
fn live_search_filters_every_pane_and_highlights_matches() {
    let mut app = fixture_app();
    press(&mut app, "/");
    type_text(&mut app, "spinn");
    assert_eq!(app.events.rows.len(), 2, "only events with hits");
    let term = terminal(&app);
    insta::assert_snapshot!("search_spinn", term.backend().to_string());
    // The matched word in the note carries the highlight colour.
    let buffer = term.backend().buffer();
    let note = app.areas().unwrap().note;
    let highlighted: String = (note.top()..note.bottom())
        .flat_map(|y| (note.left()..note.right()).map(move |x| (x, y)))
        .filter_map(|(x, y)| buffer.cell((x, y)))
        .filter(|c| {
            matches!(
                c.bg,
                Color::Yellow | Color::LightRed | Color::Magenta | Color::LightMagenta
            )
        })
        .map(|c| c.symbol().to_string())
        .collect();
    assert!(
        highlighted.to_lowercase().contains("spinnaker"),
        "highlighted: {highlighted:?}"
    );
    // n walks the matches; Enter goes to the results; Esc restores the full lists.
    press(&mut app, "enter");
    assert_eq!(app.focus, Pane::Sessions);
    let before = app.note.current_match;
    press(&mut app, "n");
    assert_ne!(app.note.current_match, before);
    press(&mut app, "esc");
    assert!(app.search.results.is_none());
    assert_eq!(app.events.rows.len(), 3);
}

#[test]
fn ime_composed_text_searches_like_typing() {
    let mut app = fixture_app();
    press(&mut app, "/");
    app.update(map_event(&Event::Paste("秘匿情報".into()), app.key_context()).unwrap());
    let hits = app.search.results.as_ref().and_then(|r| r.total).unwrap_or(0);
    assert_eq!(hits, 2);
    assert_eq!(
        app.note
            .key
            .and_then(|k| k.to_ref(&app.notes.library))
            .unwrap()
            .to_string(),
        "gitops-day#gitopsと秘匿情報"
    );
}

#[test]
fn follow_a_link_and_come_back() {
    let mut app = fixture_app();
    // GitOps Day › Argo CD 入門 links to the Spinnaker talk at the meetup.
    press(&mut app, "/");
    type_text(&mut app, "argo ");
    press(&mut app, "enter enter");
    let current = |app: &App| {
        app.note
            .key
            .and_then(|k| k.to_ref(&app.notes.library))
            .unwrap()
            .to_string()
    };
    assert_eq!(current(&app), "gitops-day#argo-cd");
    press(&mut app, "]");
    assert!(
        app.status.as_deref().unwrap_or("").contains("Spinnaker の話"),
        "{:?}",
        app.status
    );
    press(&mut app, "enter");
    assert_eq!(
        current(&app),
        "2019-0416-cloud-native-meetup#spinnaker-によるマルチクラスタ配信"
    );
    assert!(
        !app.search.is_active(),
        "the target is not a hit, so the search makes way"
    );
    let status = app.status.clone().unwrap_or_default();
    assert!(
        status.contains("not a hit of \"argo\": search cleared"),
        "and the status line says so: {status}"
    );
    insta::assert_snapshot!("after_jump", screen(&app));
    // The backlink list leads back to Argo CD too; here we use history instead.
    press(&mut app, "b");
    assert_eq!(current(&app), "gitops-day#argo-cd");
    assert_eq!(app.search.input, "argo ", "back restores the search");
    insta::assert_snapshot!("after_back", screen(&app));
    press(&mut app, "f");
    assert_eq!(
        current(&app),
        "2019-0416-cloud-native-meetup#spinnaker-によるマルチクラスタ配信"
    );
}

#[test]
fn web_links_ask_before_opening() {
    let mut app = app_over(
        NotesSource {
            bundled: true,
            dirs: vec![],
        },
        120,
        40,
    );
    press(&mut app, "/");
    type_text(&mut app, "event:k8s-day 導入難易度");
    press(&mut app, "enter enter");
    // The K8s Day overview and talks carry web links (the official page, slides).
    let web = app
        .note
        .rendered
        .links
        .iter()
        .position(|l| l.href.starts_with("http"));
    let Some(i) = web else {
        panic!("no web link in {:?}", app.note.key)
    };
    let digits: Vec<String> = (i + 1).to_string().chars().map(String::from).collect();
    press(&mut app, &digits.join(" "));
    if app.overlay == Overlay::None {
        // A number that a longer one starts with waits for Enter.
        assert!(app.status.as_deref().unwrap_or("").contains("next digit"));
        press(&mut app, "enter");
    }
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
    assert!(screen(&app).contains("in the browser? y/n"));
    press(&mut app, "y");
    assert!(app.status.as_deref().unwrap_or("").starts_with("opened http"));
}

#[test]
fn help_overlay_lists_the_keys() {
    let mut app = fixture_app();
    press(&mut app, "?");
    insta::assert_snapshot!("help", screen(&app));
    press(&mut app, "esc");
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn tiny_terminal_shows_a_message_and_recovers_on_resize() {
    let mut app = fixture_app();
    app.update(Action::Resize(50, 12));
    insta::assert_snapshot!("tiny", screen(&app));
    app.update(Action::Resize(120, 32));
    assert!(screen(&app).contains("Events 3"));
}

#[test]
fn mouse_clicks_select_and_the_wheel_scrolls() {
    let mut app = fixture_app();
    let areas = app.areas().unwrap();
    // The second event row (rows are two lines high, inside the border).
    app.update(Action::Click(areas.events.x + 2, areas.events.y + 3));
    assert_eq!(app.events.selected, 1);
    assert_eq!(app.focus, Pane::Events);
    app.update(Action::Click(areas.sessions.x + 2, areas.sessions.y + 3));
    assert_eq!((app.focus, app.sessions.selected), (Pane::Sessions, 1));
    let before = app.sessions.selected;
    app.update(Action::ScrollDown(areas.sessions.x + 2, areas.sessions.y + 3));
    assert_eq!(app.sessions.selected, before + 1);
}

#[test]
fn reading_spinnaker_across_three_events_takes_only_keystrokes() {
    let mut app = app_over(
        NotesSource {
            bundled: true,
            dirs: vec![],
        },
        120,
        40,
    );
    press(&mut app, "/");
    type_text(&mut app, "Spinnaker");
    // Enter goes to the hits; h back to the events, each of which lists its hits.
    press(&mut app, "enter h");
    let mut seen = Vec::new();
    for _ in 0..3 {
        let event = app.events.current().unwrap().event;
        seen.push(app.notes.library.events[event].id.clone());
        press(&mut app, "enter enter");
        assert_eq!(app.focus, Pane::Note);
        assert!(
            !app.note.rendered.matches.is_empty(),
            "the note shows where Spinnaker matches"
        );
        press(&mut app, "h h j");
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "2017-12-kubecon-na",
            "2018-04-container-days",
            "2019-07-k8s-meetup-tokyo-21"
        ]
    );
}

#[test]
fn explain_overlay_shows_how_the_search_is_understood() {
    let mut app = fixture_app();
    for key in ["/", "デ", "プ", "ロ", "イ", "ctrl-x"] {
        press(&mut app, key);
    }
    let text = screen(&app);
    assert!(text.contains("How the search is understood"), "{text}");
    assert!(text.contains("deploy"), "{text}");
    press(&mut app, "esc");
    assert_eq!(app.overlay, Overlay::None);
    press(&mut app, "x");
    assert!(screen(&app).contains("デプロイ"));
}

fn bundled_app(width: u16, height: u16) -> App {
    app_over(
        NotesSource {
            bundled: true,
            dirs: vec![],
        },
        width,
        height,
    )
}

/// One character a cell: `R` reversed, `U` underlined, `B` bold, `.` none (the first
/// that applies), for snapshots of what shows without colour.
fn attributes(term: &Terminal<TestBackend>) -> String {
    let buffer = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            let m = buffer.cell((x, y)).map(|c| c.modifier).unwrap_or_default();
            out.push(if m.contains(Modifier::REVERSED) {
                'R'
            } else if m.contains(Modifier::UNDERLINED) {
                'U'
            } else if m.contains(Modifier::BOLD) {
                'B'
            } else {
                '.'
            });
        }
        out.push('\n');
    }
    out
}

fn current(app: &App) -> String {
    app.note
        .key
        .and_then(|k| k.to_ref(&app.notes.library))
        .map(|r| r.to_string())
        .unwrap_or_default()
}

#[test]
fn the_selected_row_stays_readable_in_a_pane_without_focus() {
    let mut app = fixture_app();
    press(&mut app, "enter j enter");
    assert_eq!(app.focus, Pane::Note);
    let term = terminal(&app);
    let buffer = term.backend().buffer();
    // The selected event (first) and session (second) rows, detail lines included.
    let areas = app.areas().unwrap();
    for (rect, first_line) in [(areas.events, 1), (areas.sessions, 3)] {
        for y in rect.y + first_line..rect.y + first_line + 2 {
            for x in rect.x + 1..rect.right() - 1 {
                let cell = buffer.cell((x, y)).unwrap();
                if cell.symbol().trim().is_empty() {
                    continue; // blanks, and the second half of double-width characters
                }
                assert_ne!(
                    cell.fg,
                    cell.bg,
                    "({x},{y}) {:?} drawn in its background colour",
                    cell.symbol()
                );
            }
        }
    }
}

#[test]
fn without_colour_selection_focus_and_matches_show_by_attributes() {
    let mut app = fixture_app();
    app.theme = confnotes::ui::theme::PLAIN;
    app.update(Action::Resize(80, 24));
    press(&mut app, "/");
    type_text(&mut app, "spinn");
    press(&mut app, "enter");
    let term = terminal(&app);
    let buffer = term.backend().buffer();
    let coloured = buffer
        .content
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    assert_eq!(coloured, 0, "no colour at all");
    insta::assert_snapshot!("no_color", format!("{}\n{}", term.backend(), attributes(&term)));
    let attrs = attributes(&term);
    let rows: Vec<&str> = attrs.lines().collect();
    let areas = app.areas().unwrap();
    // The focused list's selected row is reversed; a match in the note is reversed too.
    let session_row = rows[usize::from(areas.sessions.y) + 1];
    assert!(
        session_row[usize::from(areas.sessions.x) + 1..].starts_with("RRRR"),
        "{session_row}"
    );
    let note: String = rows[usize::from(areas.note.y)..usize::from(areas.note.bottom())]
        .iter()
        .map(|r| &r[usize::from(areas.note.x)..])
        .collect();
    assert!(note.contains("RRRRRRRRR"), "the match 'Spinnaker' is reversed");
}

#[test]
fn a_list_never_starts_mid_way_after_shrinking_and_growing() {
    let mut app = bundled_app(120, 40);
    press(&mut app, "j j j j");
    app.update(Action::Resize(60, 15));
    assert!(app.events.offset > 0, "the selection is kept in view when small");
    app.update(Action::Resize(50, 12));
    app.update(Action::Resize(100, 30));
    assert_eq!(
        app.events.offset, 0,
        "every event fits again: no empty rows below"
    );
    assert_eq!(app.events.selected, 4);
}

#[test]
fn help_scrolls_with_a_sign_and_shows_the_search_syntax() {
    let mut app = fixture_app();
    app.update(Action::Resize(80, 24));
    press(&mut app, "?");
    let first = screen(&app);
    insta::assert_snapshot!("help_80x24", first);
    assert!(first.contains("more: j"), "{first}");
    press(&mut app, "j j j");
    assert!(screen(&app).contains("↑↓"), "both ways once scrolled a little");
    press(&mut app, "G");
    let last = screen(&app);
    assert!(
        last.contains("Search syntax") && last.contains("tag:gitops"),
        "{last}"
    );
    assert!(last.contains("↑ k"), "{last}");
    app.update(Action::Resize(60, 15));
    assert!(screen(&app).contains("more: j") || screen(&app).contains("↑"));
}

#[test]
fn status_line_and_counts_read_right() {
    let mut app = fixture_app();
    app.update(Action::Resize(60, 15));
    app.update(Action::Notice(format!(
        "→ {}",
        "とても長い行き先の名前".repeat(8)
    )));
    let term = terminal(&app);
    let buffer = term.backend().buffer();
    let status: String = (0..60)
        .filter_map(|x| buffer.cell((x, 14)))
        .map(|c| c.symbol().to_string())
        .collect();
    assert!(status.trim_end().ends_with('…'), "{status}");
    app.update(Action::Resize(120, 32));
    press(&mut app, "/");
    type_text(&mut app, "kubeseal");
    let text = screen(&app);
    assert!(text.contains("1 hit in 1 event "), "{text}");
    assert!(!text.contains("1 hits") && !text.contains("1 events"), "{text}");
}

#[test]
fn an_event_of_a_title_alone_draws_nothing_odd() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("undated.md"), "# 日付のない会\n").unwrap();
    let mut app = app_over(
        NotesSource {
            bundled: false,
            dirs: vec![tmp.path().to_path_buf()],
        },
        100,
        24,
    );
    let text = screen(&app);
    assert!(!text.contains("0 sessions"), "{text}");
    assert!(
        !text.contains(" · "),
        "no separator with nothing after it:\n{text}"
    );
    assert!(
        !text.contains("Sessions"),
        "no heading over an empty list:\n{text}"
    );
    let rules = app
        .note
        .rendered
        .lines
        .iter()
        .filter(|l| l.to_string().starts_with('─'))
        .count();
    assert_eq!(rules, 0, "no rule around an empty overview or session list");
    press(&mut app, "l l");
    assert!(screen(&app).contains("日付のない会"));
}

#[test]
fn a_search_of_filters_alone_lists_newest_first_and_marks_the_tag() {
    let mut app = bundled_app(120, 40);
    press(&mut app, "/");
    type_text(&mut app, "tag:kubernetes");
    let events: Vec<usize> = app.events.rows.iter().map(|r| r.event).collect();
    assert!(events.len() > 1, "{events:?}");
    assert!(
        events.is_sorted(),
        "newest first, as without a search: {events:?}"
    );
    let sessions: Vec<Option<usize>> = app.sessions.rows.iter().map(|r| r.key.session).collect();
    assert!(sessions.is_sorted(), "sessions in their order: {sessions:?}");
    press(&mut app, "enter enter");
    assert!(
        !app.note.rendered.matches.is_empty(),
        "the tag is marked in the note"
    );
}

#[test]
fn zoom_and_a_hidden_events_pane_give_the_note_room_and_stay() {
    let mut app = fixture_app();
    press(&mut app, "enter j enter z");
    let areas = app.areas().unwrap();
    assert_eq!(
        (areas.note.width, areas.events.width, areas.sessions.width),
        (120, 0, 0)
    );
    assert_eq!(app.note.width, 118, "the note is wrapped for the whole width");
    insta::assert_snapshot!("zoomed", screen(&app));
    // The layout is kept while moving between notes.
    press(&mut app, "]");
    press(&mut app, "enter");
    assert!(app.layout.zoom);
    press(&mut app, "z E");
    let areas = app.areas().unwrap();
    assert_eq!(areas.events.width, 0);
    assert!(areas.note.width > 70, "{areas:?}");
    press(&mut app, "tab tab");
    assert_ne!(app.focus, Pane::Events, "Tab skips the hidden pane");
    press(&mut app, "h h h");
    assert_eq!(app.focus, Pane::Events);
    assert!(!app.layout.hide_events, "h into the hidden pane shows it");
    // > and < widen and narrow the note, within bounds, rewrapping it.
    let before = app.areas().unwrap().note.width;
    press(&mut app, "> >");
    let wider = app.areas().unwrap();
    assert!(wider.note.width > before + 10, "{before} → {wider:?}");
    assert!(
        wider.events.width >= 10 && wider.sessions.width >= 10,
        "{wider:?}"
    );
    assert_eq!(app.note.width, wider.note.width - 2);
    press(&mut app, "< < < < < < < <");
    assert!(app.areas().unwrap().note.width < before);
    assert!(app.status.as_deref().unwrap_or("").contains("as narrow"));
}

#[test]
fn long_titles_wrap_to_a_second_line() {
    let app = bundled_app(80, 24);
    let text = screen(&app);
    for part in [
        "┃CloudNative     ┃",
        "┃Days Tokyo 2019 ┃",
        "│K1 Collaboration      │",
        "│Without Boundaries    │",
    ] {
        assert!(
            text.contains(part),
            "{part} — titles are wrapped, not cut:\n{text}"
        );
    }
    let mut app = app;
    // Clicking the second line of a wrapped row selects that row.
    let areas = app.areas().unwrap();
    let heights: Vec<usize> = (0..app.events.rows.len())
        .map(|i| {
            confnotes::ui::rows::event_height(
                &app.notes.library,
                &app.events.rows[i],
                usize::from(areas.events.width - 2),
            )
        })
        .collect();
    assert!(heights.contains(&3), "{heights:?}");
    let y = areas.events.y + 1 + heights[0] as u16 + 1;
    app.update(Action::Click(areas.events.x + 2, y));
    assert_eq!(app.events.selected, 1);
}

#[test]
fn outline_jumps_to_a_heading() {
    let mut app = bundled_app(120, 40);
    let notes = app.notes.clone();
    let library = &notes.library;
    let target = library
        .events
        .iter()
        .flat_map(|e| {
            e.sessions
                .iter()
                .map(move |s| confnotes::core::SessionRef::new(&e.id, &s.id))
        })
        .find(|r| {
            app.jump(r);
            app.note.rendered.headings.len() >= 4
        })
        .expect("a bundled note with headings");
    assert_eq!(current(&app), target.to_string());
    press(&mut app, "o");
    let Overlay::Outline(outline) = &app.overlay else {
        panic!("no outline: {:?}", app.status)
    };
    let third = outline.items[2].clone();
    assert!(screen(&app).contains(&third.text));
    press(&mut app, "j j enter");
    assert_eq!(app.overlay, Overlay::None);
    let line = app.note.rendered.headings[2].line;
    let top = app.note.scroll;
    assert!(
        top == line || top > 0 && top <= line,
        "heading line {line}, scroll {top}"
    );
    let shown = screen(&app);
    assert!(shown.contains(&third.text), "{shown}");
}

#[test]
fn links_past_nine_take_their_number() {
    let mut app = bundled_app(120, 40);
    let notes = app.notes.clone();
    let library = &notes.library;
    let refs: Vec<_> = library
        .events
        .iter()
        .flat_map(|e| {
            std::iter::once(confnotes::core::SessionRef::new(&e.id, "")).chain(
                e.sessions
                    .iter()
                    .map(move |s| confnotes::core::SessionRef::new(&e.id, &s.id)),
            )
        })
        .collect();
    let found = refs.iter().find(|r| {
        app.jump(r);
        app.note.rendered.links.len() >= 12
    });
    assert!(found.is_some(), "a bundled note with twelve links");
    let twelfth = app.note.rendered.links[11].href.clone();
    let back = app.back.len();
    press(&mut app, "1");
    assert!(
        app.status.as_deref().unwrap_or("").contains("next digit"),
        "{:?}",
        app.status
    );
    press(&mut app, "2");
    match &app.overlay {
        Overlay::Confirm(url) => assert_eq!(*url, twelfth),
        _ => assert_eq!(app.back.len(), back + 1, "followed [12] → {twelfth}"),
    }
}

#[test]
fn e_asks_for_the_editor_at_the_session_line_and_y_copies() {
    let mut app = fixture_app();
    press(&mut app, "enter j enter e");
    match &app.request {
        Some(Request::Edit { file, line }) => {
            assert!(file.ends_with("gitops-day.md"), "{file:?}");
            assert_eq!(*line, 15, "the line of `## GitOpsと秘匿情報`");
        }
        other => panic!("{other:?}"),
    }
    app.request = None;
    press(&mut app, "y");
    assert_eq!(
        app.request,
        Some(Request::Copy("gitops-day#gitopsと秘匿情報".into()))
    );
    press(&mut app, "Y");
    assert!(matches!(&app.request, Some(Request::Copy(c)) if c.ends_with("gitops-day.md:15")));
    press(&mut app, "h j ] y");
    assert_eq!(
        app.request,
        Some(Request::Copy(
            "2019-0416-cloud-native-meetup#spinnaker-によるマルチクラスタ配信".into()
        )),
        "with a link selected, y copies where it leads"
    );
    // Bundled notes live in the binary: nothing to edit.
    let mut app = bundled_app(120, 40);
    press(&mut app, "e");
    assert_eq!(app.request, None);
    assert!(app.status.as_deref().unwrap_or("").contains("built into"));
}
