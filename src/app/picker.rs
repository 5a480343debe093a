//! One ranked list to pick from, filtered as you type (as in fzf or television): every
//! hit of the search with its snippet, a speaker's sessions across events, the tags
//! with their counts, the starred sessions.

use unicode_normalization::UnicodeNormalization;

use crate::core::browse::{handle, speakers, tags};
use crate::core::parse::plain_text;
use crate::core::{Library, SessionRef};
use crate::search::{Matcher, SearchIndex, Snippet};
use crate::stars::Stars;

/// How many hits the results list shows, and reads snippets for.
pub const MAX_RESULTS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerKind {
    Results,
    Speaker,
    Tags,
    Starred,
}

/// What choosing an item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickTarget {
    /// Open this note (at the first match when the list came from a search).
    Note(SessionRef),
    /// Search for this (a tag: `tag:x`).
    Search(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    pub primary: String,
    pub secondary: String,
    pub snippet: Option<Snippet>,
    pub starred: bool,
    pub target: PickTarget,
    /// `primary` and `secondary` folded for filtering.
    key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub kind: PickerKind,
    pub title: String,
    pub filter: String,
    pub items: Vec<PickItem>,
    /// Indices into `items` that pass the filter, in order.
    pub shown: Vec<usize>,
    /// Position in `shown`.
    pub selected: usize,
}

fn fold(text: &str) -> String {
    text.nfkc().collect::<String>().to_lowercase()
}

fn item(primary: String, secondary: String, target: PickTarget, starred: bool) -> PickItem {
    let key = fold(&format!("{primary} {secondary}"));
    PickItem {
        primary,
        secondary,
        snippet: None,
        starred,
        target,
        key,
    }
}

/// A session as a list item: its title, and its event and date.
fn note_item(library: &Library, r: &SessionRef, stars: &Stars, extra: &str) -> Option<PickItem> {
    let event = library.event(&r.event)?;
    let (title, place) = if r.session.is_empty() {
        (format!("{} (overview)", event.title), event.title.clone())
    } else {
        let s = event.session(&r.session)?;
        let place = match &s.context {
            Some(context) => format!("{} › {context}", event.title),
            None => event.title.clone(),
        };
        (s.title.clone(), place)
    };
    let date = event.date_label();
    let secondary = [place.as_str(), date.as_str(), extra]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    Some(item(
        title,
        secondary,
        PickTarget::Note(r.clone()),
        stars.is_starred(r),
    ))
}

impl Picker {
    fn new(kind: PickerKind, title: String, items: Vec<PickItem>) -> Picker {
        let mut p = Picker {
            kind,
            title,
            filter: String::new(),
            items,
            shown: Vec::new(),
            selected: 0,
        };
        p.refilter();
        p
    }

    /// Every hit of `query` across events, best first, each with its snippet.
    pub fn results(library: &Library, index: &SearchIndex, input: &str, stars: &Stars) -> Picker {
        let query = crate::search::parse_query(input);
        let matcher = Matcher::new(&query, &index.analyzer);
        let hits = index.search(&query, MAX_RESULTS).unwrap_or_default();
        let items = hits
            .iter()
            .filter_map(|h| {
                let how = match h.tier {
                    crate::search::Tier::All => "",
                    crate::search::Tier::Event => "words spread over the event",
                    crate::search::Tier::Partial => "partial: not every word",
                };
                let mut it = note_item(library, &h.session, stars, how)?;
                let event = library.event(&h.session.event)?;
                let event = library.with_text(event).ok()?;
                let body = if h.session.session.is_empty() {
                    event.overview.clone()
                } else {
                    event.session(&h.session.session)?.body.clone()
                };
                it.snippet = Some(matcher.snippet(&plain_text(&body), 160));
                Some(it)
            })
            .collect::<Vec<_>>();
        let title = format!("{} hits for {input:?}, best first", items.len());
        Picker::new(PickerKind::Results, title, items)
    }

    /// Every session by the speakers of `r`, across events.
    pub fn speaker(library: &Library, r: &SessionRef, stars: &Stars) -> Option<Picker> {
        let session = library.event(&r.event)?.session(&r.session)?;
        let wanted: Vec<String> = session
            .speakers
            .iter()
            .map(|s| handle(s).unwrap_or_else(|| fold(s)))
            .collect();
        let people: Vec<_> = speakers(library)
            .into_iter()
            .filter(|p| {
                p.spellings
                    .iter()
                    .any(|s| wanted.contains(&handle(s).unwrap_or_else(|| fold(s))))
            })
            .collect();
        if people.is_empty() {
            return None;
        }
        let mut items = Vec::new();
        for p in &people {
            items.extend(
                p.sessions
                    .iter()
                    .filter_map(|s| note_item(library, s, stars, &p.name)),
            );
        }
        let names: Vec<String> = people
            .iter()
            .map(|p| format!("{} ({})", p.name, p.sessions.len()))
            .collect();
        Some(Picker::new(
            PickerKind::Speaker,
            format!("Sessions by {}", names.join(", ")),
            items,
        ))
    }

    /// Every tag with its count; choosing one searches `tag:X`.
    pub fn tags(library: &Library) -> Picker {
        let items = tags(library)
            .into_iter()
            .map(|(tag, refs)| {
                let n = refs.len();
                let count = format!("{n} session{}", if n == 1 { "" } else { "s" });
                item(
                    tag.clone(),
                    count,
                    PickTarget::Search(format!("tag:{tag} ")),
                    false,
                )
            })
            .collect();
        Picker::new(PickerKind::Tags, "Tags".into(), items)
    }

    /// The starred sessions (a star whose note is gone is listed as such).
    pub fn starred(library: &Library, stars: &Stars) -> Picker {
        let (found, gone) = stars.resolve(library);
        let mut items: Vec<PickItem> = found
            .iter()
            .filter_map(|r| note_item(library, r, stars, ""))
            .collect();
        items.extend(gone.into_iter().map(|id| {
            let (e, s) = id.split_once('#').unwrap_or((&id, ""));
            let target = PickTarget::Note(SessionRef::new(e, s));
            item(
                id.clone(),
                "its note is not loaded (the star is kept)".into(),
                target,
                true,
            )
        }));
        Picker::new(PickerKind::Starred, "Starred".into(), items)
    }

    fn refilter(&mut self) {
        let words: Vec<String> = fold(&self.filter)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        self.shown = (0..self.items.len())
            .filter(|&i| words.iter().all(|w| self.items[i].key.contains(w.as_str())))
            .collect();
        self.selected = self.selected.min(self.shown.len().saturating_sub(1));
    }

    pub fn type_text(&mut self, text: &str) {
        self.filter.push_str(text);
        self.selected = 0;
        self.refilter();
    }

    pub fn backspace(&mut self) {
        self.filter.pop();
        self.refilter();
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.shown.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn current(&self) -> Option<&PickItem> {
        self.shown.get(self.selected).and_then(|&i| self.items.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_as_you_type_and_keeps_the_selection_in_range() {
        let items = vec![
            item(
                "Spinnaker 入門".into(),
                "Meetup".into(),
                PickTarget::Search("a".into()),
                false,
            ),
            item(
                "Argo CD".into(),
                "Meetup".into(),
                PickTarget::Search("b".into()),
                false,
            ),
        ];
        let mut p = Picker::new(PickerKind::Tags, "t".into(), items);
        p.move_by(5);
        assert_eq!(p.selected, 1);
        p.type_text("ＳＰＩＮ");
        assert_eq!(p.shown, [0]);
        assert_eq!(p.selected, 0);
        p.type_text("zzz");
        assert!(p.current().is_none());
        p.backspace();
        p.backspace();
        p.backspace();
        assert_eq!(p.current().map(|i| i.primary.as_str()), Some("Spinnaker 入門"));
    }
}
