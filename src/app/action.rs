//! Everything the app can be asked to do. Keys and mouse events become an `Action`
//! (see `keymap`); `App::update` applies it. Nothing else changes the app's state.

use std::fmt;
use std::sync::Arc;

use super::picker::PickerKind;
use crate::notes::Notes;

/// The three panes, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Events,
    Sessions,
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Leave the app.
    Quit,
    /// Focus the next / previous pane (Tab / Shift-Tab).
    FocusNext,
    FocusPrev,
    /// Move the selection (lists) or scroll (note) by one.
    Up,
    Down,
    /// First / last row, or top / bottom of the note.
    Top,
    Bottom,
    /// Half a page (Ctrl-d / Ctrl-u) and a whole page (PgDn / PgUp, Space in the note).
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    /// Go right: from a list into the next pane; in the note, follow the selected link.
    Open,
    /// Go left: back to the previous pane.
    Left,
    /// Open the search line (`/`).
    StartSearch,
    /// Text typed or pasted into the search line (an IME may send several chars at once).
    SearchInsert(String),
    SearchBackspace,
    SearchDelete,
    SearchDeleteWord,
    SearchClearLine,
    SearchCursorLeft,
    SearchCursorRight,
    SearchCursorHome,
    SearchCursorEnd,
    /// Enter in the search line: keep the results, go to them.
    SubmitSearch,
    /// Esc: clear the search and restore the full lists (or close what is open).
    Escape,
    /// Jump between search matches in the note (`n` / `N`).
    NextMatch,
    PrevMatch,
    /// Select the next / previous link in the note (`]` / `[`).
    NextLink,
    PrevLink,
    /// Follow link number N (1-based), as numbered in the note.
    FollowLinkNumber(usize),
    /// A digit of a link number: followed as soon as no longer number starts with the
    /// digits typed, or on Enter (`1` `2` is link 12 in a note of twelve links or more).
    LinkDigit(u8),
    /// The note alone, full width, and back (`z`).
    ToggleZoom,
    /// Hide or show the events pane (`E`).
    ToggleEvents,
    /// A wider (`>`) or narrower (`<`) note pane.
    WidenNote(i8),
    /// The note's headings, to jump to one (`o`).
    Outline,
    /// Open the note in `$VISUAL` / `$EDITOR` at the session's line (`e`).
    Edit,
    /// Copy the selected link's URL, else the session id (`y`); its file and line (`Y`).
    Copy,
    CopyLocation,
    /// Copy a Markdown link to the session (`M`): `[title](file.md#id)`.
    CopyMarkdownLink,
    /// Browser-like history of jumps.
    Back,
    Forward,
    /// Overlays.
    ToggleHelp,
    ToggleWarnings,
    /// How the search line's query is understood (tokens, spellings, synonyms).
    ExplainSearch,
    /// Lists to pick from: every hit of the search with its snippet, the selected
    /// session's speakers' sessions, the tags, the starred sessions.
    OpenPicker(PickerKind),
    /// Star or unstar the selected session (`s`).
    ToggleStar,
    /// Search inside the open note only, like `/` in a pager (`F`): the lists stay.
    FindInNote,
    /// Answer to "open this web link?".
    ConfirmYes,
    ConfirmNo,
    /// The terminal was resized to (columns, rows).
    Resize(u16, u16),
    /// Mouse: a left click, or the wheel, at (column, row).
    Click(u16, u16),
    ScrollUp(u16, u16),
    ScrollDown(u16, u16),
    /// The background loader has a newer notes set: after the start-up check of the
    /// note folders, or a note changed on disk.
    NotesLoaded(Loaded),
    /// What the background loader is doing, for the status line (`None`: idle).
    Loading(Option<String>),
    /// Nothing is waiting: go on with the search the last keystroke started (a big
    /// library's), or count its hits. Sent by the terminal loop while idle.
    Continue,
    /// A one-off message for the status line.
    Notice(String),
    /// The note folders that give no note, each with why (`no notes in DIR: it does
    /// not exist`): said after every scan, so an empty list is never taken for "no
    /// matches".
    EmptyFolders(Vec<String>),
}

/// A notes set from the loader. Compared by identity: two are equal only if they are
/// the same load.
#[derive(Clone)]
pub struct Loaded(pub Arc<Notes>);

impl PartialEq for Loaded {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Loaded {}

impl fmt::Debug for Loaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Loaded({} events)", self.0.library.events.len())
    }
}
