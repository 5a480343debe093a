//! The list panes' rows on screen: selecting one keeps it in view, rows of one or two title lines.

use ratatui::layout::Rect;

use super::{App, Pane};
use crate::ui::layout::inner;
use crate::ui::rows::{event_height, session_height};

impl App {
    pub(super) fn keep_lists_in_view(&mut self) {
        self.select_event(self.events.selected);
        self.select_session(self.sessions.selected);
    }

    /// A pane's inside, `None` while the terminal is too small to show it.
    pub(super) fn inside(&self, pane: Pane) -> Option<Rect> {
        let a = self.areas()?;
        Some(inner(match pane {
            Pane::Events => a.events,
            Pane::Sessions => a.sessions,
            Pane::Note => a.note,
        }))
    }

    pub(super) fn select_event(&mut self, i: usize) {
        let inside = self.inside(Pane::Events);
        let width = inside.map_or(0, |r| usize::from(r.width));
        let library = &self.notes.library;
        let room = inside.filter(|r| r.width > 0).map(|r| usize::from(r.height));
        self.events.select(i, room, |r| event_height(library, r, width));
    }

    pub(super) fn select_session(&mut self, i: usize) {
        let inside = self.inside(Pane::Sessions);
        let width = inside.map_or(0, |r| usize::from(r.width));
        let (library, stars) = (&self.notes.library, &self.stars);
        let room = inside.filter(|r| r.width > 0).map(|r| usize::from(r.height));
        self.sessions
            .select(i, room, |r| session_height(library, stars, r, width));
    }

    /// The row of a list drawn at line `dy` of its pane's inside.
    pub(super) fn row_at(&self, pane: Pane, dy: usize) -> Option<usize> {
        let width = self.inside(pane).map_or(0, |r| usize::from(r.width));
        let library = &self.notes.library;
        let (offset, count, height): (usize, usize, Box<dyn Fn(usize) -> usize>) = match pane {
            Pane::Events => (
                self.events.offset,
                self.events.rows.len(),
                Box::new(|i| {
                    self.events
                        .rows
                        .get(i)
                        .map_or(2, |r| event_height(library, r, width))
                }),
            ),
            Pane::Sessions => (
                self.sessions.offset,
                self.sessions.rows.len(),
                Box::new(|i| {
                    (self.sessions.rows.get(i)).map_or(2, |r| session_height(library, &self.stars, r, width))
                }),
            ),
            Pane::Note => return None,
        };
        let mut top = 0;
        for i in offset..count {
            let h = height(i);
            if dy < top + h {
                return Some(i);
            }
            top += h;
        }
        None
    }
}

impl App {
    /// The loader's word on the folders that give no note: kept for the panes to show,
    /// and said on the status line when it is news.
    pub(super) fn empty_folders(&mut self, said: Vec<String>) {
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
        let said: Vec<String> = match home.as_ref().and_then(|h| h.to_str()) {
            Some(home) => said.iter().map(|s| with_tilde(s, home)).collect(),
            None => said,
        };
        if said != self.empty_folders {
            if let Some(first) = said.first() {
                let more = match said.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                };
                self.status = Some(format!("{first}{more}"));
            }
        }
        self.empty_folders = said;
    }
}

/// `text` with the home folder written `~` where a path starts with it
/// (`no notes in /home/me/notes` → `no notes in ~/notes`): shorter in a narrow pane.
pub fn with_tilde(text: &str, home: &str) -> String {
    let home = home.trim_end_matches('/');
    if home.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(home) {
        let (before, after) = rest.split_at(at);
        let after = after.get(home.len()..).unwrap_or_default();
        let starts_path = before.is_empty() || before.ends_with(' ');
        let ends_name = after.is_empty() || after.starts_with(['/', ':', ' ']);
        out.push_str(before);
        out.push_str(if starts_path && ends_name { "~" } else { home });
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_folder_is_a_tilde() {
        assert_eq!(
            with_tilde("no notes in /home/me/notes: it does not exist", "/home/me"),
            "no notes in ~/notes: it does not exist"
        );
        assert_eq!(with_tilde("no notes in /home/me", "/home/me/"), "no notes in ~");
        // Not a path that only starts like it.
        assert_eq!(
            with_tilde("no notes in /home/meg/x and /data/home/me", "/home/me"),
            "no notes in /home/meg/x and /data/home/me"
        );
        assert_eq!(with_tilde("no notes in /x", ""), "no notes in /x");
    }
}
