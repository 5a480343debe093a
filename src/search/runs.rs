//! The run stage, at query time: Japanese is written without spaces, so a run of words
//! typed as one (`DB移行`, `障害対応振り返り`, `モバイルCI`) means its words, not only that
//! exact sequence. Such a run becomes one clause per word, each with its own spellings
//! and synonyms; the run itself stays as a boost, so notes holding it whole rank first.

use super::analyzer::Analyzer;
use super::compile::required_tokens;
use super::query::{Atom, Query, Term, MAX_ATOMS};
use super::variants::is_cjk;

/// The most words one run is split into; a longer run stays whole.
const MAX_PARTS: usize = 4;

/// `query` with each run of several words split into its words (see the module doc).
/// A run is left whole when it is quoted, sits among `OR` alternatives, is a known
/// term with other spellings (`継続的デリバリ`: its synonyms must still find it), or
/// would split into fewer than two words of two or more characters (`東京都`: `都`
/// alone means nothing).
pub fn split_runs(query: &Query, analyzer: &Analyzer) -> Query {
    let mut out = Query {
        clauses: Vec::with_capacity(query.clauses.len()),
        ..query.clone()
    };
    let mut room = MAX_ATOMS.saturating_sub(query.clauses.len());
    for clause in &query.clauses {
        let parts = match clause.as_slice() {
            [Atom::Text(t)] => words_of_run(t, analyzer).filter(|p| p.len() - 1 <= room),
            _ => None,
        };
        match (parts, clause.first()) {
            (Some(parts), Some(Atom::Text(whole))) => {
                room -= parts.len() - 1;
                out.boosts.push(whole.clone());
                out.clauses.extend(parts.into_iter().map(|p| vec![Atom::Text(p)]));
            }
            _ => out.clauses.push(clause.clone()),
        }
    }
    out
}

/// The words a run splits into, if it is one to split: the analyzer's tokens, cut only
/// where Japanese script meets a token (`mark10`, `k8s` stay whole) and only where
/// nothing was dropped between them (`東京都庁で取り扱` is a phrase, not a run).
fn words_of_run(term: &Term, analyzer: &Analyzer) -> Option<Vec<Term>> {
    if term.quoted || term.text.chars().any(char::is_whitespace) {
        return None;
    }
    let tokens = required_tokens(analyzer.analyze(&term.text), false);
    if tokens.windows(2).any(|w| w[0].end != w[1].start) {
        return None;
    }
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for t in &tokens {
        let cjk_edge = |at: usize| {
            let before = term.text.get(..at).and_then(|s| s.chars().next_back());
            let after = term.text.get(at..).and_then(|s| s.chars().next());
            before.is_some_and(is_cjk) || after.is_some_and(is_cjk)
        };
        match spans.last_mut() {
            Some(span) if !cjk_edge(t.start) => span.1 = t.end,
            _ => spans.push((t.start, t.end)),
        }
    }
    let last = spans.len().checked_sub(1)?;
    let parts: Vec<Term> = spans
        .iter()
        .enumerate()
        .filter_map(|(i, &(start, end))| {
            let text = term.text.get(start..end)?;
            (text.chars().count() >= 2).then(|| Term {
                text: text.to_string(),
                quoted: false,
                prefix: term.prefix && i == last,
            })
        })
        .collect();
    if parts.len() < 2 || parts.len() > MAX_PARTS {
        return None;
    }
    if !analyzer.synonyms().expand(&term.text, analyzer).is_empty() {
        return None;
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::parse;

    fn clauses(q: &Query) -> Vec<String> {
        q.clauses
            .iter()
            .map(|c| match c.as_slice() {
                [Atom::Text(t)] => t.text.clone(),
                _ => "?".into(),
            })
            .collect()
    }

    #[test]
    fn runs_of_words_split_and_stay_as_boosts() {
        let a = Analyzer::new().unwrap();
        let q = split_runs(&parse("DB移行 -foo"), &a);
        assert_eq!(clauses(&q), ["DB", "移行"]);
        assert_eq!(q.boosts.len(), 1);
        assert_eq!(q.boosts[0].text, "DB移行");
        assert_eq!(q.excluded.len(), 1);
        let q = split_runs(&parse("障害対応振り返り"), &a);
        assert_eq!(clauses(&q).len(), 3, "{q:?}");
        assert_eq!(clauses(&split_runs(&parse("k8s運用"), &a)), ["k8s", "運用"]);
    }

    #[test]
    fn quoted_known_and_one_character_runs_stay_whole() {
        let a = Analyzer::new().unwrap();
        for text in [
            "\"DB移行\"",
            "継続的デリバリ",
            "東京都",
            "kubernetes",
            "モバイル CI",
            "mark10",
            "東京都庁で取り扱",
        ] {
            let q = parse(text);
            let split = split_runs(&q, &a);
            assert_eq!(split.clauses, q.clauses, "{text}");
            assert!(split.boosts.is_empty(), "{text}");
        }
    }
}
