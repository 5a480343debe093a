//! The app driven by key strings against a `TestBackend`, with whole-screen snapshots.

use confnotes::app::keymap::{map_event, parse_key};
use confnotes::app::{Action, App, Overlay, Pane};
use confnotes::core::NotesSource;
use confnotes::notes::Notes;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::Event;
use ratatui::style::Color;
use ratatui::Terminal;

use crate::common::fixtures;

pub(crate) fn app_over(source: NotesSource, width: u16, height: u16) -> App {
    let notes = Notes::open(&source, None, false, &mut |_| {}).unwrap();
    let mut app = App::new(notes, Vec::new(), (width, height));
    app.open_url = |_| Ok(());
    app
}

fn fixture_app() -> App {
    // Relative (tests run in the crate root), so file names on screen don't depend on
    // where the repository is checked out.
    let dir = fixtures()
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .to_path_buf();
    app_over(
        NotesSource {
            bundled: false,
            dirs: vec![dir],
        },
        120,
        32,
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

fn terminal(app: &App) -> Terminal<TestBackend> {
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
    let hits = app.search.results.as_ref().map(|r| r.total).unwrap_or(0);
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
    press(&mut app, &(i + 1).to_string());
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
