//! How a parsed [`Query`] becomes a tantivy query: each word over every free-text part,
//! as exact words (and a prefix while typed), variant keys, grams and synonyms, each
//! weighted below the one before; filters on their own fields.

use std::ops::Bound;

// tantivy's `BoostQuery` with its weight readable: live search bounds each part's score by it.
use super::topk::Boost as BoostQuery;

use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery, Query as TQuery, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term as TTerm;

use super::analyzer::katakana_runs;
use super::analyzer::AnalyzedToken;
use super::grams;
use super::index::{tag_key, SearchIndex, TextFields};
use super::normalize::Normalized;
use super::query::{Atom, Filter, FilterKind, Query, Term};
use super::variants::{is_cjk, katakana_fold, script, Script};

/// How many index terms one prefix may expand to.
const PREFIX_EXPANSIONS: u32 = 200;

/// How many trailing tokens of a word being typed are tried as the start of a prefix.
pub const MAX_PREFIX_SPLITS: usize = 6;

/// Weights relative to an exact match in the same part.
pub const VARIANT_WEIGHT: f32 = 0.8;
pub const GRAM_WEIGHT: f32 = 0.25;
pub const SYNONYM_WEIGHT: f32 = 0.5;
/// A word of a session's day or track heading: below one in its text (a whole day's
/// talks share it).
pub const CONTEXT_WEIGHT: f32 = 0.5;

type Clauses = Vec<(Occur, Box<dyn TQuery>)>;

/// How a typed term that is still being typed can match: for each split point among
/// the last few tokens, the leading tokens as a phrase and the rest glued into one
/// prefix (`持ち込` must find `持ち込む`, `秘匿情` must find `秘匿|情報`). Only what was
/// typed as one run is glued (no space, no dropped particle inside).
pub fn prefix_splits(tokens: &[AnalyzedToken]) -> Vec<(usize, String)> {
    let first_split = tokens.len().saturating_sub(MAX_PREFIX_SPLITS);
    let mut glued_from = tokens.len();
    while glued_from > 0
        && (glued_from == tokens.len() || tokens[glued_from - 1].end == tokens[glued_from].start)
    {
        glued_from -= 1;
    }
    (first_split.max(glued_from)..tokens.len())
        .map(|split| (split, tokens[split..].iter().map(|t| t.text.as_str()).collect()))
        .collect()
}

/// The tokens a query word requires: light verbs after a noun (`導入する`) are not,
/// unless quoted or nothing else is left.
pub fn required_tokens(tokens: Vec<AnalyzedToken>, quoted: bool) -> Vec<AnalyzedToken> {
    if quoted || tokens.iter().all(|t| t.light) {
        return tokens;
    }
    tokens.into_iter().filter(|t| !t.light).collect()
}

/// The normalised, lowercased text of a word without spaces, if it is all Japanese
/// script and at least two characters: then grams find it inside compounds.
pub fn cjk_run(text: &str) -> Option<Vec<char>> {
    let norm = Normalized::new(text);
    let chars: Vec<char> = norm.text.chars().filter(|c| !c.is_whitespace()).collect();
    (chars.len() >= 2 && chars.iter().all(|&c| is_cjk(c))).then_some(chars)
}

impl SearchIndex {
    /// Turns a parsed query into a tantivy query: every clause must match.
    pub fn compile(&self, query: &Query) -> Box<dyn TQuery> {
        let mut must: Clauses = Vec::new();
        for clause in &query.clauses {
            match self.clause(clause, &query.starred) {
                Some(q) => must.push((Occur::Must, q)),
                // A clause of stop words only (`の`) or a filter without a value.
                None => {
                    if clause.iter().any(|a| matches!(a, Atom::Filter(_))) {
                        return Box::new(EmptyQuery);
                    }
                }
            }
        }
        if must.is_empty() {
            if !query.clauses.is_empty() {
                return Box::new(EmptyQuery);
            }
            must.push((Occur::Must, Box::new(AllQuery)));
        }
        must.extend(self.exclusions(query));
        // Not required: a run typed without spaces, found whole, ranks above its words
        // found apart (see [`super::runs`]).
        for boost in &query.boosts {
            must.extend(self.free_text(boost).map(|q| (Occur::Should, q)));
        }
        Box::new(BooleanQuery::new(must))
    }

    /// The excluded words and filters, as `MustNot` clauses.
    pub fn exclusions(&self, query: &Query) -> Clauses {
        query
            .excluded
            .iter()
            .filter_map(|atom| self.atom(atom, &query.starred))
            .map(|q| (Occur::MustNot, q))
            .collect()
    }

    /// One clause: any of its alternatives.
    pub fn clause(&self, clause: &[Atom], starred: &[(String, String)]) -> Option<Box<dyn TQuery>> {
        let alternatives: Clauses = clause
            .iter()
            .filter_map(|a| self.atom(a, starred))
            .map(|q| (Occur::Should, q))
            .collect();
        (!alternatives.is_empty()).then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn TQuery>)
    }

    fn atom(&self, atom: &Atom, starred: &[(String, String)]) -> Option<Box<dyn TQuery>> {
        match atom {
            Atom::Text(term) => self.free_text(term),
            Atom::Filter(filter) => Some(self.filter(filter, starred)),
        }
    }

    /// A word over every free-text part, with its synonyms.
    pub fn free_text(&self, term: &Term) -> Option<Box<dyn TQuery>> {
        self.whole_word(term)
    }

    /// A word with its synonyms (none when quoted).
    fn whole_word(&self, term: &Term) -> Option<Box<dyn TQuery>> {
        let mut alternatives: Clauses = Vec::new();
        alternatives.extend(self.spelling(term, 1.0).map(|q| (Occur::Should, q)));
        let synonyms = match term.quoted {
            true => Vec::new(),
            false => self.analyzer.synonyms().expand(&term.text, &self.analyzer),
        };
        for synonym in synonyms {
            let alt = Term {
                text: synonym,
                quoted: false,
                prefix: false,
            };
            alternatives.extend(self.spelling(&alt, SYNONYM_WEIGHT).map(|q| (Occur::Should, q)));
        }
        (!alternatives.is_empty()).then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn TQuery>)
    }

    /// One spelling of a word over every free-text part.
    fn spelling(&self, term: &Term, weight: f32) -> Option<Box<dyn TQuery>> {
        let tokens = required_tokens(self.analyzer.analyze(&term.text), term.quoted);
        let run = cjk_run(&term.text);
        let ascii_part = ascii_word(&term.text);
        let loanword = loanword_keys(&tokens);
        if tokens.is_empty() && run.is_none() {
            return None;
        }
        let mut per_field: Clauses = Vec::new();
        for group in &self.fields.text {
            let w = group.weight * weight;
            let mut add = |q: Option<Box<dyn TQuery>>, boost: f32| {
                if let Some(q) = q {
                    per_field.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
                }
            };
            add(self.exact(group, &tokens, term), w);
            // Keys carry no positions: a quoted phrase of several words takes none.
            if !(term.quoted && tokens.len() > 1) {
                add(variants(group, &tokens), w * VARIANT_WEIGHT);
                add(whole_skeleton(group, &term.text, &tokens), w * VARIANT_WEIGHT);
                add(whole_loanword(group, &loanword), w * VARIANT_WEIGHT);
            }
            if let Some(run) = &run {
                add(all_of(group.gram, &query_grams(run)), w * GRAM_WEIGHT);
            } else if let Some(word) = &ascii_part {
                add(all_of(group.gram, std::slice::from_ref(word)), w * GRAM_WEIGHT);
            }
        }
        // A session's day or track (`2日目 bun`): its words as written, weighted low.
        let context = TextFields {
            exact: self.fields.context,
            variant: self.fields.context,
            gram: self.fields.context,
            weight: CONTEXT_WEIGHT,
            prefix: true,
        };
        if let Some(q) = self.exact(&context, &tokens, term) {
            per_field.push((
                Occur::Should,
                Box::new(BoostQuery::new(q, CONTEXT_WEIGHT * weight)),
            ));
        }
        (!per_field.is_empty()).then(|| Box::new(BooleanQuery::new(per_field)) as Box<dyn TQuery>)
    }

    /// The word's tokens as a phrase in the exact field, and while it is being typed,
    /// every [`prefix_splits`] alternative too.
    fn exact(&self, group: &TextFields, tokens: &[AnalyzedToken], term: &Term) -> Option<Box<dyn TQuery>> {
        let first = tokens.first()?;
        let terms: Vec<(usize, String)> = tokens
            .iter()
            .map(|t| (t.position - first.position, t.text.clone()))
            .collect();
        let exact = phrase(group.exact, &terms)?;
        if !term.prefix || term.quoted || !group.prefix {
            return Some(exact);
        }
        let mut alternatives: Clauses = vec![(Occur::Should, exact)];
        for (split, glued) in prefix_splits(tokens) {
            let offset = tokens[split].position - first.position;
            let mut at: Vec<(usize, TTerm)> = terms[..split]
                .iter()
                .map(|(p, t)| (*p, TTerm::from_field_text(group.exact, t)))
                .collect();
            at.push((offset, TTerm::from_field_text(group.exact, &glued)));
            let mut q = PhrasePrefixQuery::new_with_offset(at);
            q.set_max_expansions(PREFIX_EXPANSIONS);
            alternatives.push((Occur::Should, Box::new(q)));
        }
        Some(Box::new(BooleanQuery::new(alternatives)))
    }

    /// `is:starred`: any of the starred sessions.
    fn starred(&self, term: &Term, starred: &[(String, String)]) -> Option<Box<dyn TQuery>> {
        let value = term.text.trim().to_lowercase();
        let known = matches!(value.as_str(), "starred" | "star" | "stars" | "スター");
        let typing = term.prefix && "starred".starts_with(&value);
        if !(known || typing) {
            return None;
        }
        let f = &self.fields;
        let any: Clauses = starred
            .iter()
            .map(|(event, session)| {
                let both: Clauses = vec![
                    (Occur::Must, raw_term(f.event_id, event, false)),
                    (Occur::Must, raw_term(f.session_id, session, false)),
                ];
                (
                    Occur::Should,
                    Box::new(BooleanQuery::new(both)) as Box<dyn TQuery>,
                )
            })
            .collect();
        Some(if any.is_empty() {
            Box::new(EmptyQuery)
        } else {
            Box::new(BooleanQuery::new(any))
        })
    }

    fn filter(&self, filter: &Filter, starred: &[(String, String)]) -> Box<dyn TQuery> {
        let f = &self.fields;
        let term = &filter.term;
        let q = match filter.kind {
            FilterKind::Tag => {
                let key = tag_key(&term.text);
                let own: Box<dyn TQuery> = Box::new(BoostQuery::new(raw_term(f.tag, &key, term.prefix), 2.0));
                let inherited = raw_term(f.event_tag, &key, term.prefix);
                Some(Box::new(BooleanQuery::new(vec![
                    (Occur::Should, own),
                    (Occur::Should, inherited),
                ])) as Box<dyn TQuery>)
            }
            FilterKind::Year => Some(raw_term(f.year, term.text.trim(), term.prefix)),
            FilterKind::Is => self.starred(term, starred),
            FilterKind::Speaker => f.group("people").and_then(|g| self.field_words(g.exact, term)),
            FilterKind::Context => self.field_words(f.context, term),
            FilterKind::Event => {
                let exact_id = raw_term(f.event_id, term.text.trim(), false);
                let words = self.field_words(f.event, term);
                Some(Box::new(BooleanQuery::new(
                    std::iter::once(exact_id)
                        .chain(words)
                        .map(|q| (Occur::Should, q))
                        .collect(),
                )) as Box<dyn TQuery>)
            }
        };
        // A filter whose value analyses to nothing (`speaker:の`) matches nothing.
        q.unwrap_or_else(|| Box::new(EmptyQuery))
    }

    fn field_words(&self, field: Field, term: &Term) -> Option<Box<dyn TQuery>> {
        let tokens = self.analyzer.analyze(&term.text);
        let group = TextFields {
            exact: field,
            variant: field,
            gram: field,
            weight: 1.0,
            prefix: true,
        };
        self.exact(&group, &tokens, term)
    }
}

/// The word's tokens by their spelling keys (each key looked up among the exact words
/// and the keys): every token must match, by its exact text or by a key. Without
/// positions: variant keys sit only where a spelling differs.
fn variants(group: &TextFields, tokens: &[AnalyzedToken]) -> Option<Box<dyn TQuery>> {
    if tokens.iter().all(|t| t.keys.query.is_empty()) {
        return None;
    }
    let per_token: Clauses = tokens
        .iter()
        .map(|t| {
            let mut alts: Clauses = vec![(Occur::Should, term(group.exact, &t.text))];
            for key in &t.keys.query {
                alts.push((Occur::Should, term(group.exact, key)));
                alts.push((Occur::Should, term(group.variant, key)));
            }
            (Occur::Must, Box::new(BooleanQuery::new(alts)) as Box<dyn TQuery>)
        })
        .collect();
    Some(Box::new(BooleanQuery::new(per_token)))
}

/// A word the segmenter cut in two (`振返り` -> 振|返り) meets the same word written
/// with okurigana as one token (`振り返り`, key 振返) by the kanji of the whole word;
/// and a word written with okurigana meets its plain-kanji spelling in the grams.
fn whole_skeleton(group: &TextFields, text: &str, tokens: &[AnalyzedToken]) -> Option<Box<dyn TQuery>> {
    let run = cjk_run(text)?;
    let skeleton: Vec<char> = run
        .iter()
        .copied()
        .filter(|&c| script(c) != Script::Hiragana)
        .collect();
    if skeleton.len() < 2
        || skeleton.len() == run.len()
        || skeleton.iter().any(|&c| script(c) != Script::Kanji)
    {
        return None;
    }
    let key: String = skeleton.iter().collect();
    let mut alts: Clauses = Vec::new();
    if tokens.len() > 1 {
        alts.push((Occur::Should, term(group.exact, &key)));
        alts.push((Occur::Should, term(group.variant, &key)));
    }
    if let Some(q) = all_of(group.gram, &grams::bigrams(&skeleton)) {
        alts.push((Occur::Should, q));
    }
    Some(Box::new(BooleanQuery::new(alts)))
}

/// A loanword the segmenter cut in two (`インター|フェイス`) meets its other spellings
/// written as one word, by the keys the index gives the whole run: the run as written
/// and its [`katakana_fold`]. Empty unless the word is one such run.
fn loanword_keys(tokens: &[AnalyzedToken]) -> Vec<String> {
    let runs = katakana_runs(tokens);
    let [run] = runs.as_slice() else { return Vec::new() };
    if run.len() != tokens.len() {
        return Vec::new();
    }
    let whole: String = run.iter().map(|t| t.text.as_str()).collect();
    let fold = katakana_fold(&whole);
    std::iter::once(whole).chain(fold).collect()
}

/// [`loanword_keys`] among one part's exact words and variant keys.
fn whole_loanword(group: &TextFields, keys: &[String]) -> Option<Box<dyn TQuery>> {
    if keys.is_empty() {
        return None;
    }
    let alts: Clauses = keys
        .iter()
        .flat_map(|k| [term(group.exact, k), term(group.variant, k)])
        .map(|q| (Occur::Should, q))
        .collect();
    Some(Box::new(BooleanQuery::new(alts)))
}

/// The grams a Japanese query word is looked up by (all must be there).
pub fn query_grams(run: &[char]) -> Vec<String> {
    // A word of hiragana only has no grams in the index: its words find it.
    grams::bigrams(run)
        .into_iter()
        .filter(|g| !grams::has_kana(g))
        .collect()
}

fn term(field: Field, text: &str) -> Box<dyn TQuery> {
    Box::new(TermQuery::new(
        TTerm::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// Every one of `terms` in the field.
fn all_of(field: Field, terms: &[String]) -> Option<Box<dyn TQuery>> {
    match terms {
        [] => None,
        [one] => Some(term(field, one)),
        _ => Some(Box::new(BooleanQuery::new(
            terms.iter().map(|t| (Occur::Must, term(field, t))).collect(),
        ))),
    }
}

/// A single ASCII word of two or more characters: looked up among the parts of
/// compounds (`shift` in `OpenShift`).
fn ascii_word(text: &str) -> Option<String> {
    let word = text.trim().to_lowercase();
    (word.len() >= 2 && word.chars().all(|c| c.is_ascii_alphanumeric())).then_some(word)
}

/// Terms at relative positions as one query: a term, or a phrase.
fn phrase(field: Field, terms: &[(usize, String)]) -> Option<Box<dyn TQuery>> {
    match terms {
        [] => None,
        [(_, one)] => Some(Box::new(TermQuery::new(
            TTerm::from_field_text(field, one),
            IndexRecordOption::WithFreqs,
        ))),
        _ => Some(Box::new(PhraseQuery::new_with_offset(
            terms
                .iter()
                .map(|(p, t)| (*p, TTerm::from_field_text(field, t)))
                .collect(),
        ))),
    }
}

fn raw_term(field: Field, value: &str, prefix: bool) -> Box<dyn TQuery> {
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
