//! The tantivy index over sessions: its schema, how notes become documents, and how a
//! parsed [`Query`] becomes a tantivy query.

use std::collections::HashMap;

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument};

use super::analyzer::Analyzer;
use super::card::Card;
use super::query::Query;
use super::rank::{self, Tier};
use super::tokenizers;
use crate::core::model::{Event, Session, SessionRef};
use crate::core::text::index_text;
use crate::core::Library;

/// The free-text parts of a document, how much a match in each counts, and whether a
/// word still being typed is looked up there as a prefix.
pub(crate) const GROUPS: &[(&str, f32, bool)] = &[
    ("title", 4.0, true),
    ("tags", 3.0, true),
    ("people", 3.0, true),
    ("event_title", 1.5, true),
    ("body", 1.0, true),
    // Link text to other notes (a `関連` list) is their words, not this note's.
    ("links", 0.3, false),
];

/// Bumped with any change to the schema or to what goes into a document.
pub const SCHEMA_VERSION: u32 = 9;

/// The three fields of one free-text part: exact words, their variant keys (same
/// positions), and grams for parts of compounds.
#[derive(Clone, Copy, Debug)]
pub struct TextFields {
    pub exact: Field,
    pub variant: Field,
    pub gram: Field,
    pub weight: f32,
    pub prefix: bool,
}

#[derive(Clone, Debug)]
pub struct Fields {
    pub event_id: Field,
    pub session_id: Field,
    /// The event's id and title, for `event:`.
    pub event: Field,
    pub tag: Field,
    /// Tags a session has from its event: `tag:` finds them, ranked below its own.
    pub event_tag: Field,
    pub year: Field,
    /// One entry per [`GROUPS`] row, in that order.
    pub text: Vec<TextFields>,
    /// The note file's path: how a persistent index finds a file's documents to replace.
    pub path: Field,
    /// [`note_key`] of the document's note, as a fast field: live search maps its hits
    /// to notes without loading stored documents.
    pub key: Field,
    /// [`note_key`] of the document's event overview: hits grouped by event.
    pub event_key: Field,
    /// A session's day or track heading (`1日目`, `Track A`): `day:` / `track:`, and
    /// free-text words at a low weight.
    pub context: Field,
    /// The document's [`Card`], stored: a `search` hit printed without parsing its note.
    pub card: Field,
}

/// A number that names one note (an event's overview or one session) in the index.
pub fn note_key(event_id: &str, session_id: &str) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(event_id.as_bytes());
    h.update(&[0]);
    h.update(session_id.as_bytes());
    h.digest()
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizers::EXACT)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let event_id = b.add_text_field("event_id", STRING | STORED);
    let session_id = b.add_text_field("session_id", STRING | STORED);
    let event = b.add_text_field(
        "event",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizers::REPEATED)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let tag = b.add_text_field("tag", STRING);
    let event_tag = b.add_text_field("event_tag", STRING);
    let year = b.add_text_field("year", STRING);
    // Grams and variant keys are looked up together, not as phrases: no positions, a
    // smaller index and faster indexing.
    let unordered = |tokenizer| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let text_fields = GROUPS
        .iter()
        .map(|(name, weight, prefix)| TextFields {
            exact: b.add_text_field(name, text.clone()),
            variant: b.add_text_field(&format!("{name}_variant"), unordered(tokenizers::VARIANT)),
            gram: b.add_text_field(&format!("{name}_gram"), unordered(tokenizers::GRAM)),
            weight: *weight,
            prefix: *prefix,
        })
        .collect();
    let fields = Fields {
        event_id,
        session_id,
        event,
        tag,
        event_tag,
        year,
        text: text_fields,
        path: b.add_text_field("path", STRING | STORED),
        key: b.add_u64_field("key", FAST),
        event_key: b.add_u64_field("event_key", FAST),
        context: b.add_text_field("context", text),
        card: b.add_bytes_field("card", STORED),
    };
    (b.build(), fields)
}

impl Fields {
    /// The fields of the free-text part named `name` in [`GROUPS`].
    pub fn group(&self, name: &str) -> Option<&TextFields> {
        GROUPS
            .iter()
            .position(|(n, _, _)| *n == name)
            .and_then(|i| self.text.get(i))
    }
}

/// NFKC + lowercase: how tags are compared by `tag:`.
pub fn tag_key(tag: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    tag.trim().nfkc().collect::<String>().to_lowercase()
}

/// The index and the analyzer it was built with (cheap to clone: shared handles).
#[derive(Clone)]
pub struct SearchIndex {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub analyzer: Analyzer,
}

/// One search result: which session, how well it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub session: SessionRef,
    pub score: f32,
    /// The note file it came from.
    pub path: String,
    /// How it matched: every word in this note, or only across its event, or some words.
    pub tier: Tier,
    /// What to print of it (`None` from a damaged document).
    pub card: Option<Card>,
}

/// A live-search hit: its [`note_key`], score and tier.
pub type KeyHit = (u64, f32, Tier);

impl SearchIndex {
    /// Builds an index in memory over every event and session of `library`.
    pub fn build_in_ram(library: &Library, analyzer: Analyzer) -> anyhow::Result<Self> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        let this = Self::with_index(index, fields, analyzer)?;
        let mut writer: IndexWriter = this.index.writer_with_num_threads(1, 50_000_000)?;
        for event in &library.events {
            this.add_event(&mut writer, event, &event.file)?;
        }
        writer.commit()?;
        this.reader.reload()?;
        Ok(this)
    }

    pub fn with_index(index: Index, fields: Fields, analyzer: Analyzer) -> anyhow::Result<Self> {
        tokenizers::register(index.tokenizers(), &analyzer);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            analyzer,
        })
    }

    /// Adds the event's overview and each of its sessions as documents.
    pub fn add_event(&self, writer: &mut IndexWriter, event: &Event, path: &str) -> anyhow::Result<()> {
        for doc in self.documents(event, path) {
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// The event's overview and sessions as documents, their text not yet analysed:
    /// the index writer's threads analyse it (see [`tokenizers`]).
    pub fn documents(&self, event: &Event, path: &str) -> Vec<TantivyDocument> {
        let event_words = format!("{} {}", event.id, event.title);
        std::iter::once(None)
            .chain(event.sessions.iter().map(Some))
            .map(|session| self.document(event, session, path, &event_words))
            .collect()
    }

    fn document(
        &self,
        event: &Event,
        session: Option<&Session>,
        path: &str,
        event_words: &str,
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.path, path);
        doc.add_text(f.event_id, &event.id);
        doc.add_text(f.event, event_words);
        if let Some(year) = event.year() {
            doc.add_text(f.year, year.to_string());
        }
        doc.add_u64(f.key, note_key(&event.id, session.map_or("", |s| s.id.as_str())));
        doc.add_u64(f.event_key, note_key(&event.id, ""));
        doc.add_bytes(f.card, &Card::new(event, session).encode());
        // An event's tags hold for its sessions too (`tag:` finds them).
        let event_tags = if session.is_some() { f.event_tag } else { f.tag };
        for tag in &event.tags {
            doc.add_text(event_tags, tag_key(tag));
        }
        let parts = match session {
            Some(s) => {
                doc.add_text(f.session_id, &s.id);
                if let Some(context) = &s.context {
                    doc.add_text(f.context, context);
                }
                for tag in &s.tags {
                    doc.add_text(f.tag, tag_key(tag));
                }
                let text = index_text(&s.body);
                let mut people = s.speakers.join(" ");
                if let Some(a) = &s.affiliation {
                    people.push(' ');
                    people.push_str(a);
                }
                let title = match &s.code {
                    Some(code) => format!("{code} {}", s.title),
                    None => s.title.clone(),
                };
                vec![
                    ("title", title),
                    ("people", people),
                    ("tags", s.tags.join(" ")),
                    ("body", text.body),
                    ("links", text.links),
                ]
            }
            None => {
                // Event-level words (title, venue) belong to the overview only: in every
                // session they would make each one a hit for the venue's name.
                doc.add_text(f.session_id, "");
                let text = index_text(&event.overview);
                let mut event_text = event.title.clone();
                if let Some(venue) = &event.venue {
                    event_text.push(' ');
                    event_text.push_str(venue);
                }
                vec![
                    ("event_title", event_text),
                    ("tags", event.tags.join(" ")),
                    ("body", text.body),
                    ("links", text.links),
                ]
            }
        };
        for (name, text) in &parts {
            if text.trim().is_empty() {
                continue;
            }
            let Some(group) = self.fields.group(name) else {
                continue;
            };
            doc.add_text(group.exact, text);
            doc.add_text(group.variant, text);
            doc.add_text(group.gram, text);
        }
        doc
    }

    /// Runs a query; hits best first. An empty query matches nothing.
    pub fn search(&self, query: &Query, limit: usize) -> anyhow::Result<Vec<Hit>> {
        Ok(self.search_counted(query, limit)?.0)
    }

    /// The best `limit` hits and how many documents match in all, when that was found
    /// on the way (see [`rank::Ranked::total`]).
    pub fn search_counted(&self, query: &Query, limit: usize) -> anyhow::Result<(Vec<Hit>, Option<usize>)> {
        let searcher = self.reader.searcher();
        let ranked = rank::run(self, &searcher, query, limit)?;
        let mut hits = Vec::with_capacity(ranked.hits.len());
        for hit in ranked.hits {
            let doc: TantivyDocument = searcher.doc(hit.address)?;
            let get = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            hits.push(Hit {
                session: SessionRef::new(get(self.fields.event_id), get(self.fields.session_id)),
                score: hit.score,
                path: get(self.fields.path),
                tier: hit.tier,
                card: doc
                    .get_first(self.fields.card)
                    .and_then(|v| v.as_bytes())
                    .and_then(Card::decode),
            });
        }
        Ok((hits, ranked.total))
    }

    /// The best `limit` hits as [`note_key`]s with their scores and tiers, and how many
    /// documents match in all when known: the fast path for live search (no stored
    /// documents).
    pub fn search_keys(&self, query: &Query, limit: usize) -> anyhow::Result<(Vec<KeyHit>, Option<usize>)> {
        let searcher = self.reader.searcher();
        let ranked = rank::run(self, &searcher, query, limit)?;
        Ok((ranked.key_hits(&searcher)?, ranked.total))
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

/// Reads a u64 fast field of one document, opening each segment's column once.
pub(crate) fn fast_u64(
    searcher: &Searcher,
    columns: &mut HashMap<(u32, &'static str), tantivy::columnar::Column<u64>>,
    field: &'static str,
    address: DocAddress,
) -> anyhow::Result<Option<u64>> {
    let column = match columns.entry((address.segment_ord, field)) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => e.insert(
            searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64(field)?,
        ),
    };
    Ok(column.first(address.doc_id))
}
