//! `confnotes analyze`: how a text is analysed and how a query is understood, in words
//! a user can read (tokens, spelling keys, grams, synonyms, the clause tree).

use std::fmt::Write;

use super::analyzer::Analyzer;
use super::compile::{cjk_run, prefix_splits, required_tokens, GRAM_WEIGHT, SYNONYM_WEIGHT, VARIANT_WEIGHT};
use super::grams;
use super::normalize::Normalized;
use super::query::{parse, Atom, FilterKind, Term, MAX_QUERY_CHARS};
use super::runs::split_runs;
use super::synonyms::join_phrases;

/// The analysis of `text` as an indexed note would get it.
pub fn analysis(analyzer: &Analyzer, text: &str) -> String {
    let mut out = String::new();
    let norm = Normalized::new(text);
    let _ = writeln!(out, "normalised: {}", norm.text);
    let _ = writeln!(out, "tokens (position, text, variant keys):");
    for t in analyzer.analyze_normalized(&norm) {
        let keys = &t.keys.indexed;
        let light = if t.light {
            "  (light verb: optional in a query)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {:>3}  {}  [{}]{light}",
            t.position,
            t.text,
            keys.join(", ")
        );
    }
    let _ = writeln!(out, "grams: {}", grams::grams(&norm.text).join(" "));
    out
}

/// How `input` is understood as a query.
pub fn query(analyzer: &Analyzer, input: &str) -> String {
    // As the search runs it: adjacent words of a known phrase joined, runs split.
    let q = split_runs(&join_phrases(&parse(input), analyzer), analyzer);
    let mut out = String::new();
    if q.truncated {
        let _ = writeln!(
            out,
            "(only the first {MAX_QUERY_CHARS} characters or 32 words are read)"
        );
    }
    if q.is_empty() {
        let _ = writeln!(out, "empty query: matches nothing");
        return out;
    }
    for (i, clause) in q.clauses.iter().enumerate() {
        let _ = writeln!(
            out,
            "clause {} (must match){}:",
            i + 1,
            if clause.len() > 1 { ", any of" } else { "" }
        );
        for atom in clause {
            describe(&mut out, analyzer, atom, "  ");
        }
    }
    for boost in &q.boosts {
        let _ = writeln!(out, "ranked higher if found whole (typed as one run):");
        describe(&mut out, analyzer, &Atom::Text(boost.clone()), "  ");
    }
    for atom in &q.excluded {
        let _ = writeln!(out, "excluded:");
        describe(&mut out, analyzer, atom, "  ");
    }
    let _ = writeln!(
        out,
        "ranking: every clause in one note first; then notes of an event holding every clause across its notes; \
         if neither, notes with some clauses (marked partial)"
    );
    out
}

fn describe(out: &mut String, analyzer: &Analyzer, atom: &Atom, indent: &str) {
    match atom {
        Atom::Filter(f) => {
            let kind = match f.kind {
                FilterKind::Tag => "tag",
                FilterKind::Speaker => "speaker",
                FilterKind::Event => "event",
                FilterKind::Year => "year",
                FilterKind::Context => "day/track",
                FilterKind::Is => "is",
            };
            let prefix = if f.term.prefix { " (prefix)" } else { "" };
            let _ = writeln!(out, "{indent}filter {kind}: {:?}{prefix}", f.term.text);
        }
        Atom::Text(term) => describe_term(out, analyzer, term, indent),
    }
}

fn describe_term(out: &mut String, analyzer: &Analyzer, term: &Term, indent: &str) {
    let how = match (term.quoted, term.prefix) {
        (true, _) => "phrase",
        (false, true) => "word, last one also as a prefix",
        (false, false) => "word",
    };
    let _ = writeln!(out, "{indent}{how} {:?}", term.text);
    let all = analyzer.analyze(&term.text);
    let tokens = required_tokens(all.clone(), term.quoted);
    let words: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    let _ = writeln!(out, "{indent}  exact words: {}", words.join(" "));
    let dropped: Vec<&str> = all
        .iter()
        .filter(|t| !tokens.contains(t))
        .map(|t| t.text.as_str())
        .collect();
    if !dropped.is_empty() {
        let _ = writeln!(out, "{indent}  not required: {}", dropped.join(" "));
    }
    let spellings: Vec<String> = tokens
        .iter()
        .map(|t| {
            let mut alts = vec![t.text.clone()];
            alts.extend(t.keys.query.iter().filter(|k| **k != t.text).cloned());
            alts.join("|")
        })
        .collect();
    let _ = writeln!(
        out,
        "{indent}  spelling keys (weight {VARIANT_WEIGHT}): {}",
        spellings.join(" ")
    );
    if term.prefix && !term.quoted {
        let splits: Vec<String> = prefix_splits(&tokens)
            .into_iter()
            .map(|(_, g)| format!("{g}*"))
            .collect();
        let _ = writeln!(out, "{indent}  prefixes: {}", splits.join(" "));
    }
    if let Some(run) = cjk_run(&term.text) {
        let _ = writeln!(
            out,
            "{indent}  inside compounds (weight {GRAM_WEIGHT}): {}",
            super::compile::query_grams(&run).join(" ")
        );
    }
    let synonyms = analyzer.synonyms().expand(&term.text, analyzer);
    if !synonyms.is_empty() && !term.quoted {
        let _ = writeln!(
            out,
            "{indent}  synonyms (weight {SYNONYM_WEIGHT}): {}",
            synonyms.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_tokens_variants_synonyms_and_clauses() {
        let a = Analyzer::new().unwrap();
        let text = query(&a, "デプロイ 導入する tag:ci OR tag:cd -jenkins");
        assert!(
            text.contains("synonyms (weight 0.5): ") && text.contains("deploy"),
            "{text}"
        );
        assert!(text.contains("not required: する"), "{text}");
        assert!(
            text.contains("filter tag: \"ci\"") && text.contains("any of"),
            "{text}"
        );
        assert!(text.contains("excluded:"), "{text}");
        let text = analysis(&a, "ユーザーが申し込みを使った");
        assert!(
            text.contains("[ユーザ, ユザ]") && text.contains("[申込, ~kモウシコミ]"),
            "{text}"
        );
    }
}
