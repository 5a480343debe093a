//! The app layer: state, and the one `update(Action)` that changes it. Rendering
//! (`ui`) only reads this state; the terminal loop lives in `terminal`.

pub mod action;
mod browse;
pub(crate) mod external;
pub mod keymap;
mod links;
mod lists;
pub mod loader;
mod moves;
pub mod note;
pub mod outline;
pub mod picker;
pub mod search;
pub mod state;
pub mod terminal;

use std::cell::OnceCell;
use std::sync::Arc;

pub use action::{Action, Loaded, Pane};
pub use moves::Request;
pub use state::{EventRow, ListView, Location, NoteView, Overlay, SessionRow, HIGHLIGHT_BUDGET};
pub use terminal::run_tui;

use self::keymap::{Bindings, KeyContext};
use self::note::{compose, NoteKey};
use self::search::LiveSearch;
use crate::core::{Library, SessionRef, Warning};
use crate::notes::Notes;
use crate::search::note_key;
use crate::stars::Stars;
use crate::ui::layout::{inner, visible_rows, Areas, PaneLayout};
use crate::ui::markdown::{self, RenderOptions, RenderedNote};
use crate::ui::theme::Theme;

/// Opens a web link; swapped out in tests.
pub type UrlOpener = fn(&str) -> Result<(), String>;

pub struct App {
    pub notes: Arc<Notes>,
    /// Warnings from outside the notes (the config file), kept across reloads.
    outside_warnings: Vec<Warning>,
    pub warnings: Vec<Warning>,
    /// What the background loader is doing, for the status line.
    pub loading: Option<String>,
    /// Note folders that give no note, each with why (from the loader's last scan).
    pub empty_folders: Vec<String>,
    pub focus: Pane,
    pub overlay: Overlay,
    pub search: LiveSearch,
    pub events: ListView<EventRow>,
    pub sessions: ListView<SessionRow>,
    pub note: NoteView,
    pub back: Vec<Location>,
    pub forward: Vec<Location>,
    /// A one-line message on the status line.
    pub status: Option<String>,
    pub size: (u16, u16),
    pub should_quit: bool,
    pub open_url: UrlOpener,
    /// Starred sessions: in memory for tests; the terminal loop loads the user's file.
    pub stars: Stars,
    pub theme: Theme,
    /// Zoom and the events pane: kept while the app runs.
    pub layout: PaneLayout,
    pub bindings: Bindings,
    /// Work for the terminal loop (an editor to run, text to copy).
    pub request: Option<Request>,
    /// Digits of a link number typed so far (`1` of `12`).
    pending_link: Option<usize>,
    /// Index note keys to positions in the library: made after the first frame (see
    /// `prepare_search`) so a big folder's first frame does not wait for it.
    keys: OnceCell<search::NoteKeys>,
}

fn keys_of(library: &Library) -> search::NoteKeys {
    search::NoteKeys::new(
        library
            .events
            .iter()
            .enumerate()
            .flat_map(|(ei, e)| event_keys(ei, e)),
    )
}

/// The note keys of one event at place `ei`: its overview and each session.
fn event_keys(ei: usize, e: &crate::core::Event) -> impl Iterator<Item = (u64, NoteKey)> + '_ {
    {
        let overview = (
            note_key(&e.id, ""),
            NoteKey {
                event: ei,
                session: None,
            },
        );
        std::iter::once(overview).chain(e.sessions.iter().enumerate().map(move |(si, s)| {
            (
                note_key(&e.id, &s.id),
                NoteKey {
                    event: ei,
                    session: Some(si),
                },
            )
        }))
    }
}

/// `keys` of library `old` made the keys of `new`, when `new` differs from it only in a
/// few events that kept their places (a saved note): a few entries changed instead of
/// 400,000 made anew for a big folder. `None` when they must be made anew.
fn patched_keys(mut keys: search::NoteKeys, old: &Library, new: &Library) -> Option<search::NoteKeys> {
    if old.events.len() != new.events.len() {
        return None;
    }
    let mut changed = Vec::new();
    for (i, (a, b)) in old.events.iter().zip(&new.events).enumerate() {
        if !Arc::ptr_eq(a, b) {
            if a.id != b.id || changed.len() >= 64 {
                return None;
            }
            changed.push(i);
        }
    }
    let added = changed.iter().flat_map(|&i| event_keys(i, &new.events[i]));
    keys.replace_events(&changed, added);
    Some(keys)
}

fn open_in_browser(url: &str) -> Result<(), String> {
    webbrowser::open(url).map_err(|e| e.to_string())
}

impl App {
    pub fn new(notes: Notes, outside_warnings: Vec<Warning>, size: (u16, u16)) -> App {
        let notes = Arc::new(notes);
        let warnings = outside_warnings
            .iter()
            .chain(&notes.library.warnings)
            .cloned()
            .collect();
        let mut app = App {
            notes,
            outside_warnings,
            warnings,
            loading: None,
            empty_folders: Vec::new(),
            focus: Pane::Events,
            overlay: Overlay::None,
            search: LiveSearch::default(),
            events: ListView::default(),
            sessions: ListView::default(),
            note: NoteView::default(),
            back: Vec::new(),
            forward: Vec::new(),
            status: None,
            size,
            should_quit: false,
            open_url: open_in_browser,
            stars: Stars::default(),
            theme: Theme::default(),
            layout: PaneLayout::default(),
            bindings: Bindings::default(),
            request: None,
            pending_link: None,
            keys: OnceCell::new(),
        };
        app.rebuild_events();
        app
    }

    /// Builds what live search needs (the note-key map) ahead of the first keystroke.
    /// The terminal loop calls it right after drawing the first frame; search would
    /// otherwise build it on the first keystroke.
    pub fn prepare_search(&mut self) {
        self.keys.get_or_init(|| keys_of(&self.notes.library));
        // The synonym table too: built on first use, not on the first keystroke.
        let _ = self.notes.index.analyzer.synonyms();
    }

    pub fn areas(&self) -> Option<Areas> {
        Areas::from_size(self.size.0, self.size.1, self.layout)
    }

    /// What the keys mean right now.
    pub fn key_context(&self) -> KeyContext {
        match self.overlay {
            Overlay::Confirm(_) => KeyContext::Confirm,
            Overlay::Outline(_) => KeyContext::Menu,
            Overlay::Help { .. } | Overlay::Warnings { .. } | Overlay::Explain { .. } => KeyContext::Overlay,
            Overlay::Picker(_) => KeyContext::Picker,
            Overlay::None if self.search.editing => KeyContext::Search,
            Overlay::None => KeyContext::Browse(self.focus),
        }
    }

    pub fn update(&mut self, action: Action) {
        // Idle work: it changes neither the status line nor a link number being typed.
        if action == Action::Continue {
            self.continue_search();
            return;
        }
        if !matches!(
            action,
            Action::Resize(..)
                | Action::ConfirmYes
                | Action::NotesLoaded(_)
                | Action::Loading(_)
                | Action::EmptyFolders(_)
        ) {
            self.status = None;
        }
        let pending_link = self.pending_link.take();
        match action {
            Action::Continue => self.continue_search(),
            Action::Quit => self.should_quit = true,
            Action::NotesLoaded(loaded) => self.replace_notes(loaded.0),
            Action::Loading(message) => self.loading = message,
            Action::Notice(message) => self.status = Some(message),
            Action::EmptyFolders(said) => self.empty_folders(said),
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.keep_lists_in_view();
                self.render_note(false);
            }
            _ if self.overlay != Overlay::None => self.update_overlay(action),
            Action::FocusNext => self.cycle_focus(true),
            Action::FocusPrev => self.cycle_focus(false),
            Action::Left => self.go_left(),
            Action::Open if pending_link.is_some() => {
                self.update(Action::FollowLinkNumber(pending_link.unwrap_or_default()))
            }
            Action::LinkDigit(_)
            | Action::ToggleZoom
            | Action::ToggleEvents
            | Action::WidenNote(_)
            | Action::Outline
            | Action::Edit
            | Action::Copy
            | Action::CopyLocation
            | Action::CopyMarkdownLink => self.reader_move(action, pending_link),
            Action::Open => match self.focus {
                Pane::Events => self.focus = Pane::Sessions,
                Pane::Sessions => self.focus = Pane::Note,
                Pane::Note => self.follow_selected_link(),
            },
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::HalfPageUp => self.move_by(-(self.page() as isize / 2).max(1)),
            Action::HalfPageDown => self.move_by((self.page() as isize / 2).max(1)),
            Action::PageUp => self.move_by(-(self.page() as isize)),
            Action::PageDown => self.move_by(self.page() as isize),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::StartSearch => {
                self.search.editing = true;
                self.search.cursor = self.search.input.len();
            }
            Action::SearchInsert(text) => {
                self.search.editing = true;
                self.search.insert(&text);
                self.run_search();
            }
            Action::SearchBackspace => self.edit_search(LiveSearch::backspace),
            Action::SearchDelete => self.edit_search(LiveSearch::delete),
            Action::SearchDeleteWord => self.edit_search(LiveSearch::delete_word),
            Action::SearchClearLine => self.edit_search(|s| {
                s.input.clear();
                s.cursor = 0;
            }),
            Action::SearchCursorLeft => self.search.left(),
            Action::SearchCursorRight => self.search.right(),
            Action::SearchCursorHome => self.search.cursor = 0,
            Action::SearchCursorEnd => self.search.cursor = self.search.input.len(),
            Action::SubmitSearch => {
                self.search.editing = false;
                if self.search.is_active() {
                    self.focus = if self.sessions.rows.is_empty() {
                        Pane::Events
                    } else {
                        Pane::Sessions
                    };
                }
            }
            Action::Escape => {
                if self.search.in_note {
                    self.search.clear();
                    self.render_note(false);
                } else if self.search.editing || self.search.is_active() {
                    let current = self.note.key;
                    self.search.clear();
                    self.rebuild_events();
                    // Stay on the note being read, now within the full lists (by its
                    // place: finding it by id would read every event's id).
                    if let Some(key) = current {
                        self.show_key(key, true);
                    }
                } else if self.note.selected_link.is_some() {
                    self.note.selected_link = None;
                    self.render_note(false);
                }
            }
            Action::NextMatch => self.step_match(1),
            Action::PrevMatch => self.step_match(-1),
            Action::NextLink => self.step_link(1),
            Action::PrevLink => self.step_link(-1),
            Action::FollowLinkNumber(n) => {
                if n >= 1 && n <= self.note.rendered.links.len() {
                    self.note.selected_link = Some(n - 1);
                    self.follow_selected_link();
                } else {
                    self.status = Some(format!("no link [{n}] in this note"));
                }
            }
            Action::Back => self.go_history(true),
            Action::Forward => self.go_history(false),
            Action::ToggleHelp => self.overlay = Overlay::Help { scroll: 0 },
            Action::ToggleWarnings => self.overlay = Overlay::Warnings { scroll: 0 },
            Action::OpenPicker(kind) => self.open_picker(kind),
            Action::FindInNote => {
                if self.search.is_active() {
                    self.search.clear();
                    self.rebuild_events();
                }
                self.search.in_note = true;
                self.search.editing = true;
            }
            Action::ToggleStar => self.toggle_star(),
            Action::ExplainSearch => self.explain_search(),
            Action::ConfirmYes | Action::ConfirmNo => {}
            Action::Click(x, y) => self.click(x, y),
            Action::ScrollUp(x, y) => self.wheel(x, y, -3),
            Action::ScrollDown(x, y) => self.wheel(x, y, 3),
        }
    }

    fn explain_search(&mut self) {
        let analyzer = &self.notes.index.analyzer;
        let text = if self.search.input.trim().is_empty() {
            "no search yet: press / and type one".to_string()
        } else {
            crate::search::explain::query(analyzer, &self.search.input)
        };
        self.overlay = Overlay::Explain { scroll: 0, text };
    }

    fn update_overlay(&mut self, action: Action) {
        if let Overlay::Picker(picker) = &mut self.overlay {
            match action {
                Action::SearchInsert(text) => picker.type_text(&text),
                Action::SearchBackspace => picker.backspace(),
                Action::Up => picker.move_by(-1),
                Action::Down => picker.move_by(1),
                Action::PageUp => picker.move_by(-10),
                Action::PageDown => picker.move_by(10),
                Action::Open => {
                    let chosen = picker.current().map(|i| (i.target.clone(), picker.kind));
                    self.overlay = Overlay::None;
                    if let Some((target, kind)) = chosen {
                        self.pick(target, kind);
                    }
                }
                _ => self.overlay = Overlay::None,
            }
            return;
        }
        if matches!(self.overlay, Overlay::Outline(_)) {
            return self.outline_action(action);
        }
        // Scrolling past the end is undone in drawing; this bound keeps `k` from
        // having to climb back from far below it.
        let page = usize::from(self.size.1.saturating_sub(6));
        let lines = match &self.overlay {
            Overlay::Help { .. } => self.bindings.help().len() * 2 + keymap::QUERY_HELP.len() + 2,
            Overlay::Warnings { .. } => self.warnings.len() * 2,
            Overlay::Explain { text, .. } => text.lines().count() * 2,
            _ => 0,
        };
        let last = lines.saturating_sub(page);
        match (&mut self.overlay, action) {
            (Overlay::Confirm(url), Action::ConfirmYes) => {
                let url = url.clone();
                self.overlay = Overlay::None;
                self.status = Some(match (self.open_url)(&url) {
                    Ok(()) => format!("opened {url}"),
                    Err(e) => format!("could not open {url}: {e}"),
                });
            }
            (Overlay::Confirm(_), _) => {
                self.overlay = Overlay::None;
                self.status = Some("not opened".into());
            }
            (
                Overlay::Help { scroll } | Overlay::Warnings { scroll } | Overlay::Explain { scroll, .. },
                Action::Down | Action::ScrollDown(..),
            ) => *scroll = (*scroll + 1).min(last),
            (
                Overlay::Help { scroll } | Overlay::Warnings { scroll } | Overlay::Explain { scroll, .. },
                Action::Up | Action::ScrollUp(..),
            ) => *scroll = scroll.saturating_sub(1),
            (
                Overlay::Help { scroll } | Overlay::Warnings { scroll } | Overlay::Explain { scroll, .. },
                step @ (Action::Top | Action::Bottom | Action::PageDown | Action::PageUp),
            ) => {
                *scroll = match step {
                    Action::Top => 0,
                    Action::PageUp => scroll.saturating_sub(page),
                    Action::PageDown => (*scroll + page).min(last),
                    _ => last,
                }
            }
            (
                _,
                Action::Escape
                | Action::ToggleHelp
                | Action::ToggleWarnings
                | Action::ExplainSearch
                | Action::Click(..),
            ) => self.overlay = Overlay::None,
            _ => {}
        }
    }

    /// Swaps in a newer notes set, keeping the reader where they were: the same note
    /// (by id) and scroll, the same search re-run on the new index.
    fn replace_notes(&mut self, notes: Arc<Notes>) {
        let reading = self.note.key.and_then(|k| k.to_ref(&self.notes.library));
        let event = self
            .events
            .current()
            .and_then(|r| self.notes.library.events.get(r.event))
            .map(|e| e.id.clone());
        let (scroll, link) = (self.note.scroll, self.note.selected_link);
        let had_warnings = self.notes.library.warnings.len();
        let old = std::mem::replace(&mut self.notes, notes);
        self.note.composed = None;
        // Made again when search needs them (the terminal loop does after drawing).
        let keys = std::mem::take(&mut self.keys).into_inner();
        self.keys = keys
            .and_then(|k| patched_keys(k, &old.library, &self.notes.library))
            .map_or_else(OnceCell::new, OnceCell::from);
        drop(old);
        self.warnings = self
            .outside_warnings
            .iter()
            .chain(&self.notes.library.warnings)
            .cloned()
            .collect();
        if self.notes.library.warnings.len() > had_warnings {
            self.status = Some(format!(
                "{} from loading notes: press w to see them",
                crate::ui::plural(self.warnings.len(), "warning")
            ));
        }
        if self.search.input.trim().is_empty() {
            self.search.results = None;
            self.events.rows.clear();
            self.rebuild_events();
        } else {
            self.run_search();
        }
        let same_note = reading.is_some_and(|r| self.show_note(&r, false));
        if same_note {
            self.note.scroll = scroll;
            self.note.selected_link = link.filter(|&l| l < self.note.rendered.links.len());
            self.render_note(false);
        } else if let Some(i) = event.and_then(|id| {
            let e = self.notes.library.event_index(&id)?;
            self.events.rows.iter().position(|r| r.event == e)
        }) {
            self.select_event(i);
            self.rebuild_sessions();
        }
        crate::timing::mark("app: notes replaced");
    }

    fn edit_search(&mut self, edit: impl FnOnce(&mut LiveSearch)) {
        edit(&mut self.search);
        self.run_search();
    }

    fn run_search(&mut self) {
        let keys = self.keys.get_or_init(|| keys_of(&self.notes.library));
        self.search.run(&self.notes.index, keys);
        if self.search.in_note {
            self.render_note(true);
            return;
        }
        self.rebuild_events();
    }

    /// Rows of the events pane: every event, or while searching, those with hits.
    fn rebuild_events(&mut self) {
        let previous = self.events.current().map(|r| r.event);
        self.events.rows = match &self.search.results {
            None => (0..self.notes.library.events.len())
                .map(|event| EventRow { event, hits: None })
                .collect(),
            Some(results) => results
                .by_event
                .iter()
                .map(|(event, hits)| EventRow {
                    event: *event,
                    hits: Some(hits.len()),
                })
                .collect(),
        };
        // While typing, follow the best result; otherwise keep the reader where they were.
        let keep = if self.search.is_active() { None } else { previous };
        let index = keep
            .and_then(|e| self.events.rows.iter().position(|r| r.event == e))
            .unwrap_or(0);
        self.events.offset = 0;
        self.select_event(index);
        self.rebuild_sessions();
    }

    /// Rows of the sessions pane for the selected event.
    fn rebuild_sessions(&mut self) {
        self.sessions.rows.clear();
        if let Some(row) = self.events.current() {
            let event = row.event;
            match self.search.results.as_ref().and_then(|r| r.for_event(event)) {
                Some(hits) => {
                    self.sessions.rows = hits
                        .iter()
                        .map(|(key, score)| SessionRow {
                            key: *key,
                            score: Some(*score),
                        })
                        .collect()
                }
                None => {
                    let e = &self.notes.library.events[event];
                    self.sessions.rows.push(SessionRow {
                        key: NoteKey { event, session: None },
                        score: None,
                    });
                    self.sessions
                        .rows
                        .extend((0..e.sessions.len()).map(|i| SessionRow {
                            key: NoteKey {
                                event,
                                session: Some(i),
                            },
                            score: None,
                        }));
                }
            }
        }
        self.sessions.offset = 0;
        self.select_session(0);
        self.load_note();
    }

    fn load_note(&mut self) {
        self.note.key = self.sessions.current().map(|r| r.key);
        self.note.scroll = 0;
        self.note.selected_link = None;
        self.note.current_match = None;
        self.render_note(true);
    }

    /// Renders the note for the pane's width. With `to_first_match`, scrolls to the
    /// first search match.
    fn render_note(&mut self, to_first_match: bool) {
        let Some(areas) = self.areas() else { return };
        let width = inner(areas.note).width.max(1);
        self.note.width = width;
        let Some(key) = self.note.key else {
            self.note.rendered = RenderedNote::default();
            return;
        };
        if self.note.composed.as_ref().is_none_or(|(k, _)| *k != key) {
            self.note.composed = Some((key, compose(&self.notes.library, key)));
        }
        let doc = self.note.composed.as_ref().map_or("", |(_, doc)| doc.as_str());
        let search = &self.search;
        // Matches are marked in the first part of a long note only: analysing a whole
        // huge note on every keystroke would freeze the screen.
        let budget = std::cell::Cell::new(HIGHLIGHT_BUDGET);
        let find = |text: &str| {
            if search.matcher.is_none() && search.filter_marks.is_empty() {
                return Vec::new();
            }
            if text.len() > budget.get() {
                budget.set(0);
                return Vec::new();
            }
            budget.set(budget.get() - text.len());
            search.marks(text)
        };
        if to_first_match {
            // Marking match 0 up front costs nothing when there is none, and saves
            // rendering twice on every search keystroke.
            self.note.current_match = Some(0);
        }
        let opts = RenderOptions {
            theme: &self.theme,
            width,
            selected_link: self.note.selected_link,
            current_match: self.note.current_match,
            find_matches: &find,
        };
        self.note.rendered = markdown::render(doc, &opts);
        if to_first_match {
            match self.note.rendered.matches.first() {
                Some(first) => {
                    let line = first.line;
                    self.scroll_to_line(line);
                }
                None => self.note.current_match = None,
            }
        }
        self.clamp_scroll();
    }

    fn note_height(&self) -> usize {
        self.areas().map_or(1, |a| inner(a.note).height.max(1) as usize)
    }

    fn max_scroll(&self) -> usize {
        self.note.rendered.lines.len().saturating_sub(self.note_height())
    }

    fn clamp_scroll(&mut self) {
        self.note.scroll = self.note.scroll.min(self.max_scroll());
    }

    /// Puts `line` a third of the way down the pane, unless it is already visible.
    fn scroll_to_line(&mut self, line: usize) {
        let height = self.note_height();
        if line < self.note.scroll || line >= self.note.scroll + height {
            self.note.scroll = line.saturating_sub(height / 3);
        }
        self.clamp_scroll();
    }

    fn visible(&self, pane: Pane) -> usize {
        match (self.areas(), pane) {
            (Some(a), Pane::Events) => visible_rows(a.events),
            (Some(a), Pane::Sessions) => visible_rows(a.sessions),
            (Some(a), Pane::Note) => inner(a.note).height as usize,
            (None, _) => 1,
        }
    }

    fn page(&self) -> usize {
        self.visible(self.focus).max(1)
    }

    fn move_by(&mut self, delta: isize) {
        match self.focus {
            Pane::Events => {
                let i = self.events.selected.saturating_add_signed(delta);
                if i.min(self.events.rows.len().saturating_sub(1)) != self.events.selected {
                    self.select_event(i);
                    self.rebuild_sessions();
                }
            }
            Pane::Sessions => {
                let i = self.sessions.selected.saturating_add_signed(delta);
                if i.min(self.sessions.rows.len().saturating_sub(1)) != self.sessions.selected {
                    self.select_session(i);
                    self.load_note();
                }
            }
            Pane::Note => {
                self.note.scroll = self.note.scroll.saturating_add_signed(delta);
                self.clamp_scroll();
            }
        }
    }

    fn step_match(&mut self, step: isize) {
        let n = self.note.rendered.matches.len();
        if n == 0 {
            self.status = Some(
                if self.search.is_active() {
                    "no match in this note"
                } else {
                    "no search"
                }
                .into(),
            );
            return;
        }
        let next = match self.note.current_match {
            None if step > 0 => 0,
            None => n - 1,
            Some(i) => (i as isize + step).rem_euclid(n as isize) as usize,
        };
        self.note.current_match = Some(next);
        self.render_note(false);
        self.scroll_to_line(self.note.rendered.matches[next].line);
        self.status = Some(format!("match {}/{n}", next + 1));
    }

    fn location(&self) -> Option<Location> {
        Some(Location {
            search: self.search.input.clone(),
            note: self.note.key?.to_ref(&self.notes.library)?,
            scroll: self.note.scroll,
            focus: self.focus,
            selected_link: self.note.selected_link,
        })
    }

    /// Follows a link to another note, remembering where we came from.
    pub fn jump(&mut self, target: &SessionRef) {
        if NoteKey::from_ref(target, &self.notes.library).is_none() {
            self.status = Some(format!("no note {target}"));
            return;
        }
        if let Some(here) = self.location() {
            self.back.push(here);
        }
        self.forward.clear();
        let search = self.search.is_active().then(|| self.search.input.clone());
        self.select_note(target);
        self.focus = Pane::Note;
        self.status = Some(match search {
            // The note is not among the hits: say that the search made way.
            Some(q) if !self.search.is_active() => {
                format!(
                    "→ {target}   (not a hit of \"{}\": search cleared; b: back to it)",
                    q.trim()
                )
            }
            _ => format!("→ {target}   (b: back)"),
        });
    }

    /// Selects a note in the panes; clears the search if the note is not among its hits.
    fn select_note(&mut self, target: &SessionRef) -> bool {
        self.show_note(target, true)
    }

    /// Selects a note in the panes. If it is not among the search hits, the search is
    /// cleared when `clear_search` allows, or nothing happens.
    fn show_note(&mut self, target: &SessionRef, clear_search: bool) -> bool {
        match NoteKey::from_ref(target, &self.notes.library) {
            Some(key) => self.show_key(key, clear_search),
            None => false,
        }
    }

    /// [`Self::show_note`] for a note known by its place in the library.
    fn show_key(&mut self, key: NoteKey, clear_search: bool) -> bool {
        let shown = |app: &App| {
            app.events
                .rows
                .iter()
                .position(|r| r.event == key.event)
                .and_then(|e| {
                    let rows = match app.search.results.as_ref() {
                        Some(res) => res
                            .for_event(key.event)
                            .map(|h| h.iter().map(|(k, _)| *k).collect::<Vec<_>>()),
                        None => None,
                    };
                    match rows {
                        Some(rows) => rows.iter().position(|k| *k == key).map(|s| (e, s)),
                        None if app.search.is_active() => None,
                        None => Some((e, if let Some(s) = key.session { s + 1 } else { 0 })),
                    }
                })
        };
        if shown(self).is_none() && self.search.is_active() && clear_search {
            self.search.clear();
            self.rebuild_events();
        }
        let Some((e, s)) = shown(self) else { return false };
        self.select_event(e);
        self.rebuild_sessions();
        self.select_session(s);
        self.load_note();
        true
    }

    fn go_history(&mut self, backwards: bool) {
        let here = self.location();
        let (from, to) = if backwards {
            (&mut self.back, &mut self.forward)
        } else {
            (&mut self.forward, &mut self.back)
        };
        let Some(target) = from.pop() else {
            self.status = Some(
                if backwards {
                    "nothing to go back to"
                } else {
                    "nothing to go forward to"
                }
                .into(),
            );
            return;
        };
        to.extend(here);
        if self.search.input != target.search {
            self.search.input = target.search.clone();
            self.search.cursor = self.search.input.len();
            self.search.editing = false;
            self.run_search();
        }
        self.select_note(&target.note);
        self.focus = target.focus;
        self.note.selected_link = target.selected_link;
        self.render_note(false);
        self.note.scroll = target.scroll;
        self.clamp_scroll();
        self.status = Some(format!("{} {}", if backwards { "←" } else { "→" }, target.note));
    }

    fn pane_at(&self, x: u16, y: u16) -> Option<(Pane, ratatui::layout::Rect)> {
        let a = self.areas()?;
        let p = ratatui::layout::Position::new(x, y);
        [
            (Pane::Events, a.events),
            (Pane::Sessions, a.sessions),
            (Pane::Note, a.note),
        ]
        .into_iter()
        .find(|(_, r)| r.contains(p))
    }

    fn click(&mut self, x: u16, y: u16) {
        if let Some(a) = self.areas() {
            if a.search.contains(ratatui::layout::Position::new(x, y)) {
                self.update(Action::StartSearch);
                return;
            }
        }
        let Some((pane, rect)) = self.pane_at(x, y) else {
            return;
        };
        self.search.editing = false;
        self.focus = pane;
        let area = inner(rect);
        if y < area.y || y >= area.y + area.height {
            return;
        }
        let row = self.row_at(pane, usize::from(y - area.y));
        match pane {
            Pane::Events => {
                let Some(i) = row else { return };
                if i != self.events.selected {
                    self.select_event(i);
                    self.rebuild_sessions();
                }
            }
            Pane::Sessions => {
                let Some(i) = row else { return };
                if i != self.sessions.selected {
                    self.select_session(i);
                    self.load_note();
                }
            }
            Pane::Note => {
                let line = self.note.scroll + (y - area.y) as usize;
                let col = x.saturating_sub(area.x);
                let hit = self.note.rendered.links.iter().position(|l| {
                    l.spots
                        .iter()
                        .any(|s| s.line == line && col >= s.col_start && col < s.col_end)
                });
                if let Some(i) = hit {
                    self.note.selected_link = Some(i);
                    self.render_note(false);
                    self.follow_selected_link();
                }
            }
        }
    }

    fn wheel(&mut self, x: u16, y: u16, delta: isize) {
        let Some((pane, _)) = self.pane_at(x, y) else {
            return;
        };
        let focus = self.focus;
        self.focus = pane;
        let step = if pane == Pane::Note { delta } else { delta.signum() };
        self.move_by(step);
        self.focus = focus;
    }
}
