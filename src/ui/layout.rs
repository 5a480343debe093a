//! Where everything goes on the screen; shared by rendering and by mouse handling.

use ratatui::layout::{Constraint, Layout, Margin, Rect};

/// Below this the app shows a message instead of a broken layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Each list row takes two lines: a title and a dim detail line.
pub const ROW_HEIGHT: u16 = 2;

/// What the reader chose to see: kept for the session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaneLayout {
    /// The note alone, full width (`z`).
    pub zoom: bool,
    /// The events pane hidden, for wider sessions and note (`E`).
    pub hide_events: bool,
    /// Steps by which the note is wider (`>`) or narrower (`<`) than at first.
    pub widen: i8,
}

impl PaneLayout {
    /// The note's share of the width, in percent: 48 (64 without the events pane) and
    /// 6 more for each step wider, kept between a third and five sixths.
    pub fn note_percent(self) -> u16 {
        let base: i16 = if self.hide_events { 64 } else { 48 };
        (base + 6 * i16::from(self.widen)).clamp(34, 84) as u16
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub events: Rect,
    pub sessions: Rect,
    pub note: Rect,
    pub search: Rect,
    pub status: Rect,
}

impl Areas {
    /// The layout for a terminal of this size, or `None` when it is too small.
    pub fn new(area: Rect, layout: PaneLayout) -> Option<Areas> {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            return None;
        }
        let [panes, search, status] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(1), Constraint::Length(1)]).areas(area);
        // A hidden pane is an empty rectangle at the left edge: nothing is drawn in it
        // and no click lands in it.
        let hidden = Rect::new(panes.x, panes.y, 0, panes.height);
        let (events, sessions, note) = if layout.zoom {
            (hidden, hidden, panes)
        } else if layout.hide_events {
            let note = layout.note_percent();
            let [sessions, note] =
                Layout::horizontal([Constraint::Percentage(100 - note), Constraint::Percentage(note)])
                    .areas(panes);
            (hidden, sessions, note)
        } else {
            let note = layout.note_percent();
            // The lists share the rest as 22 to 30.
            let events = (100 - note) * 22 / 52;
            let [events, sessions, note] = Layout::horizontal([
                Constraint::Percentage(events),
                Constraint::Percentage(100 - note - events),
                Constraint::Percentage(note),
            ])
            .areas(panes);
            (events, sessions, note)
        };
        Some(Areas {
            events,
            sessions,
            note,
            search,
            status,
        })
    }

    pub fn from_size(width: u16, height: u16, layout: PaneLayout) -> Option<Areas> {
        Areas::new(Rect::new(0, 0, width, height), layout)
    }
}

/// Inside a bordered pane.
pub fn inner(pane: Rect) -> Rect {
    pane.inner(Margin::new(1, 1))
}

/// How many list rows fit in a pane.
pub fn visible_rows(pane: Rect) -> usize {
    (inner(pane).height / ROW_HEIGHT).max(1) as usize
}
