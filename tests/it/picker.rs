//! Browsing in the app (issue 15): the ranked results list with snippets, a speaker's
//! sessions across events, the tag browser, stars.

use std::path::PathBuf;

use confnotes::app::{App, Overlay};
use confnotes::core::{NotesSource, SessionRef};
use confnotes::stars::Stars;

use crate::tui::{app_over, press, screen, type_text};

fn browse_app() -> App {
    app_over(
        NotesSource {
            bundled: false,
            dirs: vec![PathBuf::from("tests/fixtures/browse")],
        },
        120,
        36,
    )
}

#[test]
fn results_list_ranks_every_hit_with_its_snippet_and_opens_at_the_match() {
    let mut app = browse_app();
    press(&mut app, "/");
    type_text(&mut app, "spinnaker");
    press(&mut app, "ctrl-r");
    let text = screen(&app);
    insta::assert_snapshot!("results_list", text);
    assert!(text.contains("2 hits for \"spinnaker\""), "{text}");
    // Typing filters the list; Enter opens the note with the search kept.
    type_text(&mut app, "自動");
    let Overlay::Picker(p) = &app.overlay else {
        panic!("no picker")
    };
    assert_eq!(p.shown.len(), 1);
    press(&mut app, "enter");
    assert_eq!(app.overlay, Overlay::None);
    assert!(app.search.is_active());
    let shown = app.note.key.and_then(|k| k.to_ref(&app.notes.library)).unwrap();
    assert_eq!(shown.session, "paas-の障害対応を自動化する");
    assert!(!app.note.rendered.matches.is_empty());
}

#[test]
fn speaker_sessions_across_events() {
    let mut app = browse_app();
    // The first event is the newest (SRE Night); its first session is by @yoko_mori.
    press(&mut app, "l j");
    press(&mut app, "S");
    let text = screen(&app);
    assert!(text.contains("Sessions by 森 陽子 (@yoko_mori) (2)"), "{text}");
    assert!(
        text.contains("社内 PaaS の三年間") && text.contains("PaaS の障害対応を自動化する"),
        "{text}"
    );
    press(&mut app, "down enter");
    let shown = app.note.key.and_then(|k| k.to_ref(&app.notes.library)).unwrap();
    assert_eq!(shown.event, "2024-03-platform-day");
}

#[test]
fn tag_browser_filters_and_applies_the_tag() {
    let mut app = browse_app();
    press(&mut app, "T");
    let text = screen(&app);
    assert!(text.contains("paas  2 sessions"), "{text}");
    type_text(&mut app, "inci");
    press(&mut app, "enter");
    assert_eq!(app.search.input, "tag:incident ");
    assert_eq!(app.search.results.as_ref().and_then(|r| r.total), Some(1));
}

#[test]
fn stars_mark_rows_persist_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = browse_app();
    app.stars = Stars::load(Some(dir.path().join("stars.txt"))).unwrap();
    press(&mut app, "l j s");
    assert!(
        app.status.as_deref().unwrap_or("").contains("starred"),
        "{:?}",
        app.status
    );
    assert!(screen(&app).contains("★ PaaS の障害対応を自動化する"));
    let again = Stars::load(Some(dir.path().join("stars.txt"))).unwrap();
    assert!(again.is_starred(&SessionRef::new(
        "2024-06-sre-night",
        "paas-の障害対応を自動化する"
    )));
    press(&mut app, "*");
    assert!(screen(&app).contains("★ PaaS の障害対応を自動化する"));
    press(&mut app, "esc /");
    type_text(&mut app, "is:starred");
    assert_eq!(app.search.results.as_ref().and_then(|r| r.total), Some(1));
}

#[test]
fn find_in_the_open_note_keeps_the_lists() {
    let mut app = browse_app();
    press(&mut app, "l j F");
    type_text(&mut app, "切り戻し");
    assert!(app.search.in_note && app.search.results.is_none());
    assert_eq!(app.events.rows.len(), 2, "the lists stay whole");
    assert!(!app.note.rendered.matches.is_empty());
    assert!(screen(&app).contains("find in note: 切り戻し"));
    press(&mut app, "enter n esc");
    assert!(!app.search.in_note && app.note.rendered.matches.is_empty());
}

#[test]
fn tags_on_the_note_are_followable_like_links() {
    let mut app = browse_app();
    press(&mut app, "l j l");
    let links: Vec<&str> = app.note.rendered.links.iter().map(|l| l.href.as_str()).collect();
    let first_tag = links
        .iter()
        .position(|h| h.starts_with("confnotes-tag:"))
        .unwrap();
    assert_eq!(links[first_tag], "confnotes-tag:paas", "{links:?}");
    assert!(
        links[..first_tag]
            .iter()
            .all(|h| !h.starts_with("confnotes-tag:")),
        "tags come last: {links:?}"
    );
    press(&mut app, &(first_tag + 1).to_string());
    assert_eq!(app.search.input, "tag:paas ");
    assert_eq!(app.search.results.as_ref().and_then(|r| r.total), Some(2));
    press(&mut app, "b");
    assert!(
        app.search.input.is_empty(),
        "back restores the state before the tag"
    );
}

#[test]
fn m_copies_a_markdown_link_to_the_session() {
    let mut app = browse_app();
    press(&mut app, "l j M");
    assert_eq!(
        app.request,
        Some(confnotes::app::Request::Copy(
            "[PaaS の障害対応を自動化する](2024-06-sre-night.md#paas-の障害対応を自動化する)".into()
        ))
    );
}
