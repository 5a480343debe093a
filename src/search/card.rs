//! What a search hit shows (titles, date, speakers, tags, line, slides) and where its
//! text is in its note, stored with each document of the index: `confnotes search`
//! prints its hits from the index and cuts each snippet out of its file, without
//! parsing any note (a long note would cost its whole parse for a 100-character snippet).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::core::model::{Event, Session};

/// One document's card: what `search` prints of it, and its text's place in the note.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Card {
    pub event_title: String,
    /// The session's title; `(overview)` for an event's overview.
    pub title: String,
    /// The session's day or track heading, if any.
    pub context: Option<String>,
    /// `Event::date_label`.
    pub date: String,
    pub speakers: Vec<String>,
    /// The session's tags; the event's for its overview.
    pub tags: Vec<String>,
    /// 1-based line of the session's heading (1 for an overview).
    pub line: usize,
    /// The slides, if the note links them.
    pub slides: Option<String>,
    /// Where the session's body (or the overview) is in the note's text
    /// ([`crate::core::parse::note_text`]).
    pub text_at: Range<usize>,
    /// The hash of that text: a file changed since it was indexed, even within the
    /// same size and modification time, is caught and parsed instead.
    pub text_hash: u64,
}

impl Card {
    /// The card of an event's overview (`session` = `None`) or of one of its sessions.
    pub fn new(event: &Event, session: Option<&Session>) -> Card {
        let (text, text_at) = match session {
            Some(s) => (&s.body, s.body_at.clone()),
            None => (&event.overview, event.overview_at.clone()),
        };
        Card {
            event_title: event.title.clone(),
            title: session.map_or_else(|| "(overview)".to_string(), |s| s.title.clone()),
            context: session.and_then(|s| s.context.clone()),
            date: event.date_label(),
            speakers: session.map(|s| s.speakers.clone()).unwrap_or_default(),
            tags: session.map_or_else(|| event.tags.clone(), |s| s.tags.clone()),
            line: session.map_or(1, |s| s.line.max(1)),
            slides: session.and_then(|s| s.slides.clone()),
            text_at,
            text_hash: text_hash(text.as_bytes()),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        // Strings and numbers only: encoding into memory cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// `None` for bytes that are not a card (a damaged document).
    pub fn decode(bytes: &[u8]) -> Option<Card> {
        postcard::from_bytes(bytes).ok()
    }

    /// The card's text, cut out of its note's text (`note_text`): `None` when the note
    /// is no longer the one indexed.
    pub fn text_in<'a>(&self, note_text: &'a str) -> Option<&'a str> {
        note_text
            .get(self.text_at.clone())
            .filter(|text| self.is_text(text.as_bytes()))
    }

    /// Whether `text` is the card's text (as hashed when it was indexed): then it is
    /// UTF-8 too, as that text was.
    pub fn is_text(&self, text: &[u8]) -> bool {
        text_hash(text) == self.text_hash
    }
}

fn text_hash(text: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::parse::{note_text, parse_note};

    #[test]
    fn a_card_finds_its_text_in_the_note_and_only_in_that_note() {
        let text =
            "# Ev\n\n概要の文。\n\n## 一つ目\n\n- speaker: 山田\n\n本文の一。\n\n## 二つ目\n\n本文の二。\n";
        let event = parse_note("ev", "ev.md", text, None).unwrap().event;
        let note = note_text(text);
        let cards: Vec<Card> = std::iter::once(None)
            .chain(event.sessions.iter().map(Some))
            .map(|s| Card::new(&event, s))
            .collect();
        let texts: Vec<Option<&str>> = cards.iter().map(|c| c.text_in(&note)).collect();
        assert_eq!(
            texts,
            [Some("概要の文。"), Some("本文の一。"), Some("本文の二。")]
        );
        assert_eq!(cards[1].speakers, ["山田"]);
        assert_eq!(cards[0].title, "(overview)");
        assert_eq!(Card::decode(&cards[1].encode()).as_ref(), Some(&cards[1]));
        // The same length, other text: not taken for the indexed text.
        let changed = note.replace("本文の一。", "本文の壱。");
        assert_eq!(cards[1].text_in(&changed), None);
        assert_eq!(cards[2].text_in(&changed), Some("本文の二。"));
        assert_eq!(cards[1].text_in("short"), None);
        assert_eq!(Card::decode(b"\xff\xff"), None);
    }
}
