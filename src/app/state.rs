//! The app's state types: list panes, the note pane, overlays and places in history.

use super::note::NoteKey;
use super::outline::Outline;
use super::Pane;
use crate::core::SessionRef;
use crate::ui::markdown::RenderedNote;

/// A list pane's rows and where the user is in them.
#[derive(Debug, Clone)]
pub struct ListView<T> {
    pub rows: Vec<T>,
    pub selected: usize,
    /// First visible row (kept so the selection stays on screen).
    pub offset: usize,
}

impl<T> Default for ListView<T> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            selected: 0,
            offset: 0,
        }
    }
}

impl<T> ListView<T> {
    /// Selects row `i` and scrolls so that it is on screen. `room` is the list's height
    /// in lines (`None`: not on screen now, so the scroll stays); `height` a row's lines.
    /// The list never starts further down than it needs to (no empty lines below it).
    pub fn select(&mut self, i: usize, room: Option<usize>, height: impl Fn(&T) -> usize) {
        self.selected = i.min(self.rows.len().saturating_sub(1));
        let Some(room) = room else { return };
        let h = |k: usize| self.rows.get(k).map_or(1, &height).max(1);
        // The highest first row that still shows the selection.
        let (mut lowest, mut used) = (self.selected, h(self.selected));
        while lowest > 0 && used + h(lowest - 1) <= room {
            lowest -= 1;
            used += h(lowest);
        }
        // The first row from which the rest of the list fits.
        let (mut tail, mut used) = (self.rows.len(), 0);
        while tail > 0 && used + h(tail - 1) <= room {
            tail -= 1;
            used += h(tail);
        }
        let offset = self.offset.min(self.selected).max(lowest).min(tail);
        self.offset = offset;
    }

    pub fn current(&self) -> Option<&T> {
        self.rows.get(self.selected)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventRow {
    pub event: usize,
    /// Hits in this event while a search is active.
    pub hits: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionRow {
    pub key: NoteKey,
    pub score: Option<f32>,
}

/// The note pane: which note, its rendered lines, and the reader's place in it.
#[derive(Default)]
pub struct NoteView {
    pub key: Option<NoteKey>,
    pub rendered: RenderedNote,
    pub scroll: usize,
    pub selected_link: Option<usize>,
    pub current_match: Option<usize>,
    /// The width it was rendered for.
    pub width: u16,
    /// The Markdown composed for `key` (reading the note's file, for notes from the
    /// cache), kept so that a keystroke or a scroll does not read it again.
    pub(super) composed: Option<(NoteKey, String)>,
}

/// How many bytes of a note are searched for matches to highlight, per drawing.
pub const HIGHLIGHT_BUDGET: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help {
        scroll: usize,
    },
    Warnings {
        scroll: usize,
    },
    /// `confnotes analyze` for the search line's query.
    Explain {
        scroll: usize,
        text: String,
    },
    /// The note's headings (`o`).
    Outline(Outline),
    /// "Open this web link in the browser?"
    Confirm(String),
    /// A list to pick from (see [`super::picker`]).
    Picker(Box<super::picker::Picker>),
}

/// A place to come back to.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub search: String,
    pub note: SessionRef,
    pub scroll: usize,
    pub focus: Pane,
    pub selected_link: Option<usize>,
}
