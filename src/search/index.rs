//! The tantivy index over sessions: its schema, how notes become documents, and how a
//! parsed [`Query`] becomes a tantivy query.

use std::collections::HashMap;
use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query as TQuery,
    RangeQuery, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING,
};
use tantivy::tokenizer::PreTokenizedString;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term as TTerm,
};

use super::analyzer::{prefix_splits, AnalyzedToken, Analyzer, TantivyAnalyzer, ANALYZER_NAME};
use super::query::{FilterKind, Query, Term};
use crate::core::model::{Event, Session, SessionRef};
use crate::core::parse::plain_text;
use crate::core::Library;

/// Free-text fields and how much a match in each counts.
const WEIGHTS: &[(&str, f32)] = &[
    ("title", 4.0),
    ("tags", 3.0),
    ("people", 3.0),
    ("event_title", 1.5),
    ("body", 1.0),
];

/// Bumped with any change to the schema or to what goes into a document.
pub const SCHEMA_VERSION: u32 = 3;

/// How many index terms one prefix may expand to.
const PREFIX_EXPANSIONS: u32 = 200;

#[derive(Clone, Copy)]
pub struct Fields {
    pub event_id: Field,
    pub session_id: Field,
    pub event: Field,
    pub event_title: Field,
    pub title: Field,
    pub people: Field,
    pub tags: Field,
    pub tag: Field,
    pub year: Field,
    pub body: Field,
    /// The note file's path: how a persistent index finds a file's documents to replace.
    pub path: Field,
    /// [`note_key`] of the document's note, as a fast field: live search maps its hits
    /// to notes without loading stored documents.
    pub key: Field,
}

/// A number that names one note (an event's overview or one session) in the index.
pub fn note_key(event_id: &str, session_id: &str) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(event_id.as_bytes());
    h.update(&[0]);
    h.update(session_id.as_bytes());
    h.digest()
}

/// The event's fields, analysed once for all its documents.
struct EventFields {
    event: PreTokenizedString,
    event_title: PreTokenizedString,
}

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        event_id: b.add_text_field("event_id", STRING | STORED),
        session_id: b.add_text_field("session_id", STRING | STORED),
        event: b.add_text_field("event", text.clone()),
        event_title: b.add_text_field("event_title", text.clone()),
        title: b.add_text_field("title", text.clone()),
        people: b.add_text_field("people", text.clone()),
        tags: b.add_text_field("tags", text.clone()),
        tag: b.add_text_field("tag", STRING),
        year: b.add_text_field("year", STRING),
        body: b.add_text_field("body", text),
        path: b.add_text_field("path", STRING | STORED),
        key: b.add_u64_field("key", FAST),
    };
    (b.build(), fields)
}

impl Fields {
    fn by_name(&self, name: &str) -> Field {
        match name {
            "title" => self.title,
            "tags" => self.tags,
            "people" => self.people,
            "event_title" => self.event_title,
            _ => self.body,
        }
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

/// Scored document addresses, best first.
type TopHits = Vec<(f32, DocAddress)>;

/// One search result: which session, how well it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub session: SessionRef,
    pub score: f32,
    /// The note file it came from.
    pub path: String,
}

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
        index.tokenizers().register(
            ANALYZER_NAME,
            tantivy::tokenizer::TextAnalyzer::from(TantivyAnalyzer::new(analyzer.clone())),
        );
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
        // Every document of the event carries its title: analysed once, not per session.
        let mut event_text = event.title.clone();
        if let Some(venue) = &event.venue {
            event_text.push(' ');
            event_text.push_str(venue);
        }
        let shared = EventFields {
            event: self.pre_tokenized(format!("{} {}", event.id, event.title)),
            event_title: self.pre_tokenized(event_text),
        };
        writer.add_document(self.document(event, None, path, &shared))?;
        for session in &event.sessions {
            writer.add_document(self.document(event, Some(session), path, &shared))?;
        }
        Ok(())
    }

    fn pre_tokenized(&self, text: String) -> PreTokenizedString {
        let tokens = self.analyzer.tantivy_tokens(&text);
        PreTokenizedString { text, tokens }
    }

    fn document(
        &self,
        event: &Event,
        session: Option<&Session>,
        path: &str,
        shared: &EventFields,
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.path, path);
        doc.add_text(f.event_id, &event.id);
        doc.add_pre_tokenized_text(f.event, shared.event.clone());
        doc.add_pre_tokenized_text(f.event_title, shared.event_title.clone());
        if let Some(year) = event.year() {
            doc.add_text(f.year, year.to_string());
        }
        doc.add_u64(f.key, note_key(&event.id, session.map_or("", |s| s.id.as_str())));
        match session {
            Some(s) => {
                doc.add_text(f.session_id, &s.id);
                let title = match &s.code {
                    Some(code) => format!("{code} {}", s.title),
                    None => s.title.clone(),
                };
                doc.add_text(f.title, title);
                let mut people = s.speakers.join(" ");
                if let Some(a) = &s.affiliation {
                    people.push(' ');
                    people.push_str(a);
                }
                doc.add_text(f.people, people);
                doc.add_text(f.tags, s.tags.join(" "));
                for tag in &s.tags {
                    doc.add_text(f.tag, tag_key(tag));
                }
                doc.add_text(f.body, plain_text(&s.body));
            }
            None => {
                doc.add_text(f.session_id, "");
                doc.add_text(f.tags, event.tags.join(" "));
                for tag in &event.tags {
                    doc.add_text(f.tag, tag_key(tag));
                }
                doc.add_text(f.body, plain_text(&event.overview));
            }
        }
        doc
    }

    /// Runs a query; hits best first. An empty query matches nothing.
    pub fn search(&self, query: &Query, limit: usize) -> anyhow::Result<Vec<Hit>> {
        Ok(self.search_counted(query, limit)?.0)
    }

    /// The best `limit` hits and how many documents match in all.
    pub fn search_counted(&self, query: &Query, limit: usize) -> anyhow::Result<(Vec<Hit>, usize)> {
        let (searcher, top, count) = self.top(query, limit)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let get = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            hits.push(Hit {
                session: SessionRef::new(get(self.fields.event_id), get(self.fields.session_id)),
                score,
                path: get(self.fields.path),
            });
        }
        Ok((hits, count))
    }

    /// The best `limit` hits as [`note_key`]s with their scores, and how many documents
    /// match in all: the fast path for live search (no stored documents are read).
    pub fn search_keys(&self, query: &Query, limit: usize) -> anyhow::Result<(Vec<(u64, f32)>, usize)> {
        let (searcher, top, count) = self.top(query, limit)?;
        let mut columns = HashMap::new();
        let mut keys = Vec::with_capacity(top.len());
        for (score, address) in top {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                    searcher
                        .segment_reader(address.segment_ord)
                        .fast_fields()
                        .u64("key")?,
                ),
            };
            if let Some(key) = column.first(address.doc_id) {
                keys.push((key, score));
            }
        }
        Ok((keys, count))
    }

    /// Runs the query: the best `limit` documents and the number matching in all. An
    /// empty query matches nothing.
    fn top(&self, query: &Query, limit: usize) -> anyhow::Result<(Searcher, TopHits, usize)> {
        let searcher = self.reader.searcher();
        if query.is_empty() || limit == 0 {
            return Ok((searcher, Vec::new(), 0));
        }
        let (top, count) = searcher.search(
            &self.compile(query),
            &(
                tantivy::collector::TopDocs::with_limit(limit).order_by_score(),
                tantivy::collector::Count,
            ),
        )?;
        Ok((searcher, top, count))
    }

    /// Turns a parsed query into a tantivy query.
    pub fn compile(&self, query: &Query) -> Box<dyn TQuery> {
        let mut must: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        for clause in &query.clauses {
            let alternatives: Vec<(Occur, Box<dyn TQuery>)> = clause
                .iter()
                .filter_map(|term| self.free_text(term))
                .map(|q| (Occur::Should, q))
                .collect();
            if !alternatives.is_empty() {
                must.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
            }
        }
        for filter in &query.filters {
            let q = match filter.kind {
                FilterKind::Tag => {
                    Some(self.raw_term(self.fields.tag, &tag_key(&filter.term.text), filter.term.prefix))
                }
                FilterKind::Year => {
                    Some(self.raw_term(self.fields.year, filter.term.text.trim(), filter.term.prefix))
                }
                FilterKind::Speaker => self.field_term(self.fields.people, &filter.term),
                FilterKind::Event => {
                    let exact_id = self.raw_term(self.fields.event_id, filter.term.text.trim(), false);
                    let words = self.field_term(self.fields.event, &filter.term);
                    Some(Box::new(BooleanQuery::new(
                        std::iter::once(exact_id)
                            .chain(words)
                            .map(|q| (Occur::Should, q))
                            .collect(),
                    )) as Box<dyn TQuery>)
                }
            };
            // A filter whose value analyses to nothing (`speaker:の`) matches nothing.
            let q = q.unwrap_or_else(|| Box::new(EmptyQuery));
            must.push((
                if filter.negated {
                    Occur::MustNot
                } else {
                    Occur::Must
                },
                q,
            ));
        }
        if !must.iter().any(|(occur, _)| *occur == Occur::Must) {
            if !query.clauses.is_empty() {
                // Only stop words were typed (`の`): there is nothing to look for.
                return Box::new(EmptyQuery);
            }
            // Only exclusions: everything but them.
            must.push((Occur::Must, Box::new(AllQuery)));
        }
        for term in &query.excluded {
            if let Some(q) = self.free_text(term) {
                must.push((Occur::MustNot, q));
            }
        }
        Box::new(BooleanQuery::new(must))
    }

    /// A term over every free-text field, weighted.
    fn free_text(&self, term: &Term) -> Option<Box<dyn TQuery>> {
        let tokens = self.analyzer.analyze(&term.text);
        if tokens.is_empty() {
            return None;
        }
        let per_field: Vec<(Occur, Box<dyn TQuery>)> = WEIGHTS
            .iter()
            .filter_map(|(name, weight)| {
                let q = self.token_query(self.fields.by_name(name), &tokens, term)?;
                Some((
                    Occur::Should,
                    Box::new(BoostQuery::new(q, *weight)) as Box<dyn TQuery>,
                ))
            })
            .collect();
        Some(Box::new(BooleanQuery::new(per_field)))
    }

    fn field_term(&self, field: Field, term: &Term) -> Option<Box<dyn TQuery>> {
        let tokens = self.analyzer.analyze(&term.text);
        self.token_query(field, &tokens, term)
    }

    /// The query for one typed term in one field: its tokens as a phrase, and while it
    /// is being typed, also every `prefix_splits` alternative.
    fn token_query(&self, field: Field, tokens: &[AnalyzedToken], term: &Term) -> Option<Box<dyn TQuery>> {
        let first = tokens.first()?;
        let at = |t: &AnalyzedToken| {
            (
                t.position - first.position,
                TTerm::from_field_text(field, &t.text),
            )
        };
        let exact: Box<dyn TQuery> = if tokens.len() == 1 {
            Box::new(TermQuery::new(at(first).1, IndexRecordOption::WithFreqs))
        } else {
            Box::new(PhraseQuery::new_with_offset(tokens.iter().map(at).collect()))
        };
        if !term.prefix || term.quoted {
            return Some(exact);
        }
        let mut alternatives: Vec<(Occur, Box<dyn TQuery>)> = vec![(Occur::Should, exact)];
        for (split, glued) in prefix_splits(tokens) {
            let offset = tokens[split].position - first.position;
            let mut terms: Vec<(usize, TTerm)> = tokens[..split].iter().map(at).collect();
            terms.push((offset, TTerm::from_field_text(field, &glued)));
            let mut q = PhrasePrefixQuery::new_with_offset(terms);
            q.set_max_expansions(PREFIX_EXPANSIONS);
            alternatives.push((Occur::Should, Box::new(q)));
        }
        Some(Box::new(BooleanQuery::new(alternatives)))
    }

    fn raw_term(&self, field: Field, value: &str, prefix: bool) -> Box<dyn TQuery> {
        let term = TTerm::from_field_text(field, value);
        if !prefix || value.is_empty() {
            return Box::new(TermQuery::new(term, IndexRecordOption::Basic));
        }
        let mut upper = value.to_string();
        upper.push(char::MAX);
        Box::new(RangeQuery::new(
            Bound::Included(term),
            Bound::Excluded(TTerm::from_field_text(field, &upper)),
        ))
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}
