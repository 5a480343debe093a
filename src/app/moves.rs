//! Moves brought from other tools: zoom and a hideable events pane, link numbers past 9,
//! the editor (`e`) and copying (`y`); the last two are requests the terminal loop carries out.

use std::path::PathBuf;

use super::note::resolve_href;
use super::{Action, App, Pane};
use crate::core::LinkTarget;

/// Something only the terminal loop can do: it owns the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Suspend the app and run `$VISUAL` / `$EDITOR` on `file` at `line`.
    Edit { file: PathBuf, line: usize },
    /// Put the text on the clipboard (OSC 52, and the system clipboard where there is one).
    Copy(String),
}

impl App {
    /// The moves of this module, from `update`.
    pub(super) fn reader_move(&mut self, action: Action, pending_link: Option<usize>) {
        match action {
            Action::LinkDigit(d) => self.link_digit(pending_link, d),
            Action::ToggleZoom => self.toggle_zoom(),
            Action::ToggleEvents => self.toggle_events(),
            Action::WidenNote(step) => {
                let widen = self.layout.widen.saturating_add(step).clamp(-2, 6);
                if widen == self.layout.widen || self.layout.zoom {
                    self.status = Some("the note is as wide or as narrow as it gets".into());
                } else {
                    self.layout.widen = widen;
                    self.relayout();
                }
            }
            Action::Outline => self.open_outline(),
            Action::Edit => self.edit(),
            Action::Copy => self.copy(),
            Action::CopyLocation => self.copy_location(),
            Action::CopyMarkdownLink => self.copy_markdown_link(),
            _ => {}
        }
    }

    /// After the panes change size: lists keep their selection in view, the note is
    /// wrapped for its new width.
    fn relayout(&mut self) {
        self.keep_lists_in_view();
        self.render_note(false);
    }

    fn toggle_zoom(&mut self) {
        self.layout.zoom = !self.layout.zoom;
        if self.layout.zoom {
            self.focus = Pane::Note;
        }
        self.relayout();
    }

    fn toggle_events(&mut self) {
        self.layout.zoom = false;
        self.layout.hide_events = !self.layout.hide_events;
        if self.layout.hide_events && self.focus == Pane::Events {
            self.focus = Pane::Sessions;
        }
        self.relayout();
    }

    /// Tab / Shift-Tab: the next pane on screen (leaving zoom, as tmux does).
    pub(super) fn cycle_focus(&mut self, forward: bool) {
        if self.layout.zoom {
            self.layout.zoom = false;
            self.relayout();
        }
        let order = [Pane::Events, Pane::Sessions, Pane::Note];
        let shown: Vec<Pane> = (order.into_iter())
            .filter(|p| *p != Pane::Events || !self.layout.hide_events)
            .collect();
        let at = shown.iter().position(|p| *p == self.focus).unwrap_or(0);
        let n = shown.len();
        let next = if forward { (at + 1) % n } else { (at + n - 1) % n };
        self.focus = shown.get(next).copied().unwrap_or(Pane::Note);
    }

    /// `h`: the pane to the left, showing it if it was hidden.
    pub(super) fn go_left(&mut self) {
        match self.focus {
            Pane::Note => {
                self.focus = Pane::Sessions;
                if self.layout.zoom {
                    self.layout.zoom = false;
                    self.relayout();
                }
            }
            Pane::Sessions => {
                self.focus = Pane::Events;
                if self.layout.hide_events {
                    self.layout.hide_events = false;
                    self.relayout();
                }
            }
            Pane::Events => {}
        }
    }

    /// A digit of a link number: follows it as soon as no longer number could be meant.
    fn link_digit(&mut self, pending: Option<usize>, digit: u8) {
        let n = pending
            .unwrap_or(0)
            .saturating_mul(10)
            .saturating_add(usize::from(digit));
        let links = self.note.rendered.links.len();
        if n == 0 {
            self.status = Some("links are numbered from 1".into());
        } else if n.saturating_mul(10) <= links {
            self.pending_link = Some(n);
            self.status = Some(format!("link [{n}…]: type the next digit, or Enter for [{n}]"));
        } else {
            self.update(Action::FollowLinkNumber(n));
        }
    }

    fn edit(&mut self) {
        let Some(key) = self.note.key else {
            self.status = Some("no note to edit".into());
            return;
        };
        let Some(event) = self.notes.library.events.get(key.event) else {
            return;
        };
        if event.bundled {
            self.status =
                Some("this note is built into confnotes: copy it into a notes folder to edit it".into());
            return;
        }
        let line = (key.session)
            .and_then(|i| event.sessions.get(i))
            .map_or(1, |s| s.line.max(1));
        self.request = Some(Request::Edit {
            file: PathBuf::from(&event.file),
            line,
        });
    }

    fn copy(&mut self) {
        let library = &self.notes.library;
        let Some(key) = self.note.key else {
            self.status = Some("nothing to copy".into());
            return;
        };
        // A footnote's link leads to a place in this note: nothing worth copying.
        let link = (self.note.selected_link)
            .and_then(|i| self.note.rendered.links.get(i))
            .filter(|l| !l.href.starts_with(crate::ui::markdown::PLACE_SCHEME));
        let text = match link {
            Some(link) => match resolve_href(library, key, &link.href) {
                LinkTarget::Web(url) => url,
                LinkTarget::Note(r) => r.to_string(),
                LinkTarget::File(f) => f,
                LinkTarget::Dangling | LinkTarget::Unresolved => link.href.clone(),
            },
            None => match key.to_ref(library) {
                Some(r) => r.to_string(),
                None => return,
            },
        };
        self.request = Some(Request::Copy(text));
    }

    /// `[title](file.md#session)`, as a link from another note in the same folder would be
    /// written.
    fn copy_markdown_link(&mut self) {
        let Some(key) = self.note.key else {
            self.status = Some("nothing to copy".into());
            return;
        };
        let Some(event) = self.notes.library.events.get(key.event) else {
            return;
        };
        let file = if event.bundled { &event.source } else { &event.file };
        let name = std::path::Path::new(file.as_str())
            .file_name()
            .map_or(file.clone(), |n| n.to_string_lossy().into_owned());
        let (title, anchor) = match key.session.and_then(|i| event.sessions.get(i)) {
            Some(s) => (s.title.as_str(), format!("#{}", s.id)),
            None => (event.title.as_str(), String::new()),
        };
        let title = title.replace(['[', ']'], "");
        self.request = Some(Request::Copy(format!("[{title}]({name}{anchor})")));
    }

    fn copy_location(&mut self) {
        let Some(key) = self.note.key else {
            self.status = Some("nothing to copy".into());
            return;
        };
        let Some(event) = self.notes.library.events.get(key.event) else {
            return;
        };
        let line = (key.session)
            .and_then(|i| event.sessions.get(i))
            .map_or(1, |s| s.line.max(1));
        let file = if event.bundled { &event.source } else { &event.file };
        self.request = Some(Request::Copy(format!("{file}:{line}")));
    }
}
