//! Footnotes drawn as GitHub draws them: a reference is a superscript number (a link,
//! numbered like any other), and the definitions are gathered into a numbered list
//! after the note's text, each with a link back to where it is referenced. Numbers go
//! by first reference; a definition nobody references is shown after them by its label.

use std::collections::HashMap;
use std::mem::take;

use pulldown_cmark::{Event, Tag, TagEnd};
use ratatui::text::Span;
use unicode_width::UnicodeWidthStr;

use super::{container, Kind, LinkSpot, Renderer, BOLD};

/// Links to a place in the note itself: `fn-1` (footnote 1), `fnref-1` (where it is
/// first referenced). The app follows them by scrolling.
pub const PLACE_SCHEME: &str = "confnotes-place:";

/// Where the note's composer wants the footnotes (after the text, before what it adds:
/// "Linked from", the tags). Without it they come at the very end.
pub const FOOTNOTES_HERE: &str = "<!-- confnotes: footnotes -->";

/// Characters of a footnote's text shown in its reference link's description.
const PREVIEW_CHARS: usize = 40;

/// The footnote definitions of a document, taken out of its events.
#[derive(Default)]
pub(super) struct Notes {
    /// The first definition of each label, in document order: label and events.
    defs: Vec<(String, Vec<Event<'static>>)>,
    by_label: HashMap<String, usize>,
    /// Indexes into `defs`, in the order of their first reference: footnote 1 first.
    numbered: Vec<usize>,
    number: HashMap<usize, usize>,
    /// The list has been drawn: it is drawn once.
    done: bool,
}

/// Splits the definitions off `events`: the rest is the document to draw, and where
/// in it the list goes (the place of [`FOOTNOTES_HERE`], which is taken out).
pub(super) fn split<'e>(events: impl Iterator<Item = Event<'e>>) -> (Vec<Event<'e>>, Notes, Option<usize>) {
    let mut notes = Notes::default();
    let mut main = Vec::new();
    let mut here = None;
    let mut open: Option<(String, Vec<Event<'static>>)> = None;
    let mut depth = 0usize;
    for event in events {
        match (&mut open, &event) {
            (None, Event::Start(Tag::FootnoteDefinition(label))) => {
                open = Some((label.to_lowercase(), Vec::new()));
                depth = 1;
            }
            (Some(_), Event::End(TagEnd::FootnoteDefinition)) if depth == 1 => {
                if let Some((label, events)) = open.take() {
                    if !notes.by_label.contains_key(&label) {
                        notes.by_label.insert(label.clone(), notes.defs.len());
                        notes.defs.push((label, events));
                    }
                }
            }
            (Some((_, events)), _) => {
                match &event {
                    Event::Start(Tag::FootnoteDefinition(_)) => depth += 1,
                    Event::End(TagEnd::FootnoteDefinition) => depth -= 1,
                    _ => {}
                }
                events.push(event.into_static());
            }
            // The marker and its HTML block leave no trace (not even a blank line).
            (None, Event::Html(h)) if here.is_none() && h.trim() == FOOTNOTES_HERE => {
                if matches!(main.last(), Some(Event::Start(Tag::HtmlBlock))) {
                    main.pop();
                }
                here = Some(main.len());
            }
            (None, Event::End(TagEnd::HtmlBlock)) if here == Some(main.len()) => {}
            (None, _) => main.push(event),
        }
    }
    (main, notes, here)
}

impl Notes {
    /// The number of the footnote `label`, given on its first reference; `None` when
    /// the note does not define it.
    fn number_of(&mut self, label: &str) -> Option<usize> {
        let def = *self.by_label.get(&label.to_lowercase())?;
        Some(*self.number.entry(def).or_insert_with(|| {
            self.numbered.push(def);
            self.numbered.len()
        }))
    }
}

/// `12` as `¹²`.
fn superscript(n: usize) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string()
        .chars()
        .filter_map(|c| c.to_digit(10).and_then(|d| DIGITS.get(d as usize)).copied())
        .collect()
}

/// The start of a footnote's text, for its reference's description on the status line.
fn preview(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => text.push(' '),
            _ => {}
        }
        if text.chars().count() > PREVIEW_CHARS {
            let cut: String = text.chars().take(PREVIEW_CHARS).collect();
            return format!("{}…", cut.trim_end());
        }
    }
    text.trim().to_string()
}

impl Renderer<'_, '_> {
    /// `[^label]`: the footnote's number as a superscript link, or the text as written
    /// when the note does not define it.
    pub(super) fn footnote_reference(&mut self, label: &str) {
        let Some(n) = self.notes.number_of(label) else {
            self.text(&format!("[^{label}]"), self.style(), Kind::Text);
            return;
        };
        let about = (self.notes.numbered.get(n - 1))
            .and_then(|&d| self.notes.defs.get(d))
            .map(|(_, events)| preview(events))
            .unwrap_or_default();
        let style = self.style().patch(self.opts.theme.link);
        self.place_link(
            format!("fn-{n}"),
            format!("footnote {n}: {about}"),
            &superscript(n),
            style,
        );
    }

    /// A link to a place in this note, drawn as `sign[N]` glued to the text before it.
    fn place_link(&mut self, place: String, text: String, sign: &str, style: ratatui::style::Style) {
        let id = self.out.links.len();
        self.out.links.push(LinkSpot {
            href: format!("{PLACE_SCHEME}{place}"),
            text,
            spots: Vec::new(),
        });
        self.inline.push(sign, style, Kind::Mark, Some(id));
        let marker = self.opts.theme.link_marker;
        self.inline
            .push(&format!("[{}]", id + 1), marker, Kind::Mark, None);
    }

    /// The numbered list of the footnotes referenced so far (and those referenced from
    /// inside them), then the definitions nobody references. Drawn once.
    pub(super) fn footnote_section(&mut self) {
        if self.notes.done || self.notes.defs.is_empty() {
            return;
        }
        self.notes.done = true;
        self.begin();
        let dim = self.opts.theme.dim;
        self.raw(|avail| vec![Span::styled("─".repeat(avail), dim)]);
        // Laid out as the composer's "Linked from": rule, gap, title, gap, list.
        self.need_blank = true;
        self.begin();
        self.inline.push("Footnotes", BOLD, Kind::Deco, None);
        self.flush();
        self.need_blank = true;
        self.begin();
        let mut i = 0;
        while let Some(&def) = self.notes.numbered.get(i) {
            i += 1;
            let events = self
                .notes
                .defs
                .get_mut(def)
                .map(|d| take(&mut d.1))
                .unwrap_or_default();
            self.footnote(&format!("{i}. "), Some(i), events);
        }
        for def in 0..self.notes.defs.len() {
            if !self.notes.number.contains_key(&def) {
                let (label, events) = self.notes.defs.get_mut(def).map(take).unwrap_or_default();
                self.footnote(&format!("[^{label}] "), None, events);
            }
        }
        self.need_blank = true;
    }

    /// One footnote: its marker, its text, and (numbered) a link back to its reference
    /// at the end of its last paragraph.
    fn footnote(&mut self, marker: &str, number: Option<usize>, events: Vec<Event<'static>>) {
        let rest = " ".repeat(marker.width());
        self.open_container(container(marker, rest, self.opts.theme.list_marker));
        if let Some(n) = number {
            self.out.places.push((format!("fn-{n}"), self.out.lines.len()));
        }
        let last_paragraph = events
            .iter()
            .rposition(|e| matches!(e, Event::End(TagEnd::Paragraph)));
        let back = |r: &mut Self| {
            if let Some(n) = number {
                r.inline.push(" ", r.style(), Kind::Deco, None);
                let text = format!("back to where footnote {n} is referenced");
                r.place_link(format!("fnref-{n}"), text, "↑", r.opts.theme.link);
            }
        };
        let mut drew_back = false;
        for (k, event) in events.into_iter().enumerate() {
            if Some(k) == last_paragraph {
                back(self);
                drew_back = true;
            }
            self.event(event);
        }
        if !drew_back {
            back(self);
        }
        self.flush();
        self.containers.pop();
        // A tight list: footnotes follow each other without a blank line.
        self.need_blank = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superscripts_and_previews() {
        assert_eq!(superscript(1), "¹");
        assert_eq!(superscript(120), "¹²⁰");
        let events = vec![
            Event::Start(Tag::Paragraph),
            Event::Text("長い".repeat(30).into()),
            Event::End(TagEnd::Paragraph),
        ];
        assert_eq!(preview(&events).chars().count(), PREVIEW_CHARS + 1);
    }
}
