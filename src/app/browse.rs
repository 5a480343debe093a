//! The app's side of browsing: opening a list to pick from, acting on the choice, and
//! starring the selected session.

use super::picker::{PickTarget, Picker, PickerKind};
use super::{App, Overlay};
use crate::core::SessionRef;

impl App {
    /// The selected note, if it is a session (not an event's overview).
    fn selected_session(&self) -> Option<SessionRef> {
        self.note
            .key
            .and_then(|k| k.to_ref(&self.notes.library))
            .filter(|r| !r.session.is_empty())
    }

    pub(super) fn open_picker(&mut self, kind: PickerKind) {
        let library = &self.notes.library;
        let picker = match kind {
            PickerKind::Results => {
                if !self.search.is_active() {
                    self.status = Some("no search: press / and type one, then R".into());
                    return;
                }
                Picker::results(library, &self.notes.index, &self.search.input, &self.stars)
            }
            PickerKind::Speaker => {
                let found = self
                    .selected_session()
                    .and_then(|r| Picker::speaker(library, &r, &self.stars));
                match found {
                    Some(p) => p,
                    None => {
                        self.status = Some("select a session with a speaker first".into());
                        return;
                    }
                }
            }
            PickerKind::Tags => Picker::tags(library),
            PickerKind::Starred => Picker::starred(library, &self.stars),
        };
        self.overlay = Overlay::Picker(Box::new(picker));
    }

    pub(super) fn pick(&mut self, target: PickTarget, kind: PickerKind) {
        match target {
            // A hit opens with the search kept, at its first match.
            PickTarget::Note(r) if kind == PickerKind::Results => {
                if let Some(here) = self.location() {
                    self.back.push(here);
                }
                self.forward.clear();
                if self.show_note(&r, true) {
                    self.focus = super::Pane::Note;
                }
            }
            PickTarget::Note(r) => self.jump(&r),
            PickTarget::Search(query) => {
                self.search.clear();
                self.search.insert(&query);
                self.run_search();
                self.search.editing = false;
                self.focus = super::Pane::Sessions;
            }
        }
    }

    pub(super) fn toggle_star(&mut self) {
        let Some(r) = self.selected_session() else {
            self.status = Some("select a session to star it".into());
            return;
        };
        self.status = Some(match self.stars.toggle(&r) {
            Ok(true) => format!("★ starred {r}"),
            Ok(false) => format!("unstarred {r}"),
            Err(e) => format!("could not save the star: {e}"),
        });
        self.search.starred = self.stars.pairs();
    }
}
