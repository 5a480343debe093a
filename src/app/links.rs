//! The note's links: selecting them (`]` `[`) and following one: to another note, a
//! web page (asked first), a search of a tag, or a place in the note itself (a
//! footnote, and back from it to where it is referenced).

use super::note::{self, resolve_href};
use super::{picker, App, Overlay, Pane};
use crate::core::LinkTarget;
use crate::ui::markdown::PLACE_SCHEME;

impl App {
    pub(super) fn step_link(&mut self, step: isize) {
        let n = self.note.rendered.links.len();
        if n == 0 {
            self.status = Some("no links in this note".into());
            return;
        }
        // Start from the first link on screen, so `]` picks what the reader sees.
        let next = match self.note.selected_link {
            Some(i) => (i as isize + step).rem_euclid(n as isize) as usize,
            None => {
                let top = self.note.scroll;
                let visible = self
                    .note
                    .rendered
                    .links
                    .iter()
                    .position(|l| l.spots.first().is_some_and(|s| s.line >= top));
                match (visible, step > 0) {
                    (Some(i), true) => i,
                    (_, false) => n - 1,
                    (None, true) => 0,
                }
            }
        };
        self.focus = Pane::Note;
        self.note.selected_link = Some(next);
        self.render_note(false);
        if let Some(spot) = self.note.rendered.links[next].spots.first() {
            let line = spot.line;
            self.scroll_to_line(line);
        }
        let link = &self.note.rendered.links[next];
        self.status = Some(if link.href.starts_with(PLACE_SCHEME) {
            format!("[{}] {}", next + 1, link.text)
        } else {
            format!("[{}] {} → {}", next + 1, link.text, link.href)
        });
    }

    pub(super) fn follow_selected_link(&mut self) {
        let (Some(i), Some(key)) = (self.note.selected_link, self.note.key) else {
            self.status = Some("select a link with ] or [ first".into());
            return;
        };
        let Some(link) = self.note.rendered.links.get(i) else {
            return;
        };
        let href = link.href.clone();
        if let Some(place) = href.strip_prefix(PLACE_SCHEME) {
            return self.go_to_place(place);
        }
        if let Some(tag) = href.strip_prefix(note::TAG_SCHEME) {
            let value = if tag.contains(char::is_whitespace) {
                format!("tag:\"{tag}\" ")
            } else {
                format!("tag:{tag} ")
            };
            if let Some(here) = self.location() {
                self.back.push(here);
            }
            self.pick(picker::PickTarget::Search(value), picker::PickerKind::Tags);
            return;
        }
        match resolve_href(&self.notes.library, key, &href) {
            LinkTarget::Note(target) => self.jump(&target),
            LinkTarget::Web(url) => self.overlay = Overlay::Confirm(url),
            LinkTarget::File(f) => self.status = Some(format!("{f} is not a note")),
            LinkTarget::Dangling | LinkTarget::Unresolved => {
                self.status = Some(format!("link {href} points nowhere"))
            }
        }
    }

    /// Follows a link to a place in this note: a footnote (`fn-N`), or back from one to
    /// where it is referenced (`fnref-N`). The link at the other end is selected, so
    /// Enter goes back; `b` does too (the place is in the history like a note).
    fn go_to_place(&mut self, place: &str) {
        let links = &self.note.rendered.links;
        let href_of = |place: &str| format!("{PLACE_SCHEME}{place}");
        let (line, other, said) = match place.strip_prefix("fnref-") {
            Some(n) => {
                let reference = links.iter().position(|l| l.href == href_of(&format!("fn-{n}")));
                let line = reference
                    .and_then(|i| links.get(i)?.spots.first())
                    .map(|s| s.line);
                (line, reference, format!("where footnote {n} is referenced"))
            }
            None => {
                let line = (self.note.rendered.places.iter())
                    .find(|(p, _)| p == place)
                    .map(|(_, l)| *l);
                let n = place.strip_prefix("fn-").unwrap_or(place);
                let back = links
                    .iter()
                    .position(|l| l.href == href_of(&format!("fnref-{n}")));
                (line, back, format!("footnote {n}"))
            }
        };
        let Some(line) = line else {
            self.status = Some(format!("no {said} in this note"));
            return;
        };
        if let Some(here) = self.location() {
            self.back.push(here);
        }
        self.forward.clear();
        self.focus = Pane::Note;
        self.note.selected_link = other;
        self.render_note(false);
        self.scroll_to_line(line);
        self.status = Some(format!("→ {said}   (b: back)"));
    }
}
