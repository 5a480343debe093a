//! Where everything goes on the screen; shared by rendering and by mouse handling.

use ratatui::layout::{Constraint, Layout, Margin, Rect};

/// Below this the app shows a message instead of a broken layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Each list row takes two lines: a title and a dim detail line.
pub const ROW_HEIGHT: u16 = 2;

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
    pub fn new(area: Rect) -> Option<Areas> {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            return None;
        }
        let [panes, search, status] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(1), Constraint::Length(1)]).areas(area);
        let [events, sessions, note] = Layout::horizontal([
            Constraint::Percentage(22),
            Constraint::Percentage(30),
            Constraint::Percentage(48),
        ])
        .areas(panes);
        Some(Areas {
            events,
            sessions,
            note,
            search,
            status,
        })
    }

    pub fn from_size(width: u16, height: u16) -> Option<Areas> {
        Areas::new(Rect::new(0, 0, width, height))
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
