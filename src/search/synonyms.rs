//! The synonym stage, applied at query time: a table of tech terms written as katakana
//! loanwords, English words, abbreviations and Japanese (`デプロイ` = `deploy`), plus
//! the user's own groups from the config file.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::analyzer::Analyzer;
use super::lexicon;
use super::query::{Atom, Query, Term};

const BUILT_IN: &str = include_str!("synonyms.txt");

/// The most synonyms one word expands to.
const MAX_EXPANSIONS: usize = 8;

static USER_GROUPS: OnceLock<Vec<Vec<String>>> = OnceLock::new();

/// Adds the user's synonym groups (from the config file); call once, before searching.
/// Returns false if groups were set already.
pub fn set_user_groups(groups: Vec<Vec<String>>) -> bool {
    USER_GROUPS.set(groups).is_ok()
}

/// Synonym groups by the analysed key of each spelling.
#[derive(Default)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
    by_key: HashMap<String, Vec<usize>>,
}

impl Synonyms {
    /// The built-in table and the user's groups.
    pub fn load() -> Synonyms {
        let mut groups: Vec<Vec<String>> = BUILT_IN
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                l.split(',')
                    .map(|w| w.trim().to_string())
                    .filter(|w| !w.is_empty())
                    .collect()
            })
            .collect();
        groups.extend(USER_GROUPS.get().cloned().unwrap_or_default());
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, group) in groups.iter().enumerate() {
            for word in group {
                // English words are also keyed by their stems: `rollbacks` finds the
                // `rollback` group, `upgraded` the `upgrade` one.
                for key in [fold(word), stem_fold(word)] {
                    if !key.is_empty() {
                        let entry = by_key.entry(key).or_default();
                        if !entry.contains(&i) {
                            entry.push(i);
                        }
                    }
                }
            }
        }
        Synonyms { groups, by_key }
    }

    /// The other spellings of `text`'s concept (none if it is in no group): from this
    /// table first, then from SudachiDict's lexemes ([`lexicon`]).
    pub fn expand(&self, text: &str, analyzer: &Analyzer) -> Vec<String> {
        let word = without_light_verb(analyzer, text);
        let mut wanted = fold(word);
        if !self.by_key.contains_key(&wanted) {
            wanted = stem_fold(&wanted);
        }
        let mut out: Vec<String> = Vec::new();
        for &g in self.by_key.get(&wanted).into_iter().flatten() {
            for word in self.groups.get(g).into_iter().flatten() {
                if fold(word) != wanted && stem_fold(word) != wanted && !out.contains(word) {
                    out.push(word.clone());
                }
            }
        }
        for form in lexicon::forms(word) {
            let folded = fold(form);
            if folded != wanted && folded != fold(word) && !out.iter().any(|o| fold(o) == folded) {
                out.push(form.to_string());
            }
        }
        out.truncate(MAX_EXPANSIONS);
        out
    }

    /// Whether `text` (a word, or words joined by spaces) has other spellings.
    fn knows(&self, analyzer: &Analyzer, text: &str) -> bool {
        self.by_key
            .contains_key(&fold(without_light_verb(analyzer, text)))
            || self.by_key.contains_key(&stem_fold(text))
            || !lexicon::forms(text).is_empty()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// Adjacent words that together spell a synonym (`load balancer`) become one word, so
/// that its other spellings (`ロードバランサー`) are found too. Looks at runs of two and
/// three plain words.
pub fn join_phrases(query: &Query, analyzer: &Analyzer) -> Query {
    let single = |clause: &Vec<Atom>| match clause.as_slice() {
        [Atom::Text(t)] if !t.quoted => Some(t.clone()),
        _ => None,
    };
    let synonyms = analyzer.synonyms();
    let mut out = Query {
        clauses: Vec::with_capacity(query.clauses.len()),
        ..query.clone()
    };
    let mut i = 0;
    while i < query.clauses.len() {
        let joined = [3, 2].into_iter().find_map(|n| {
            let run: Option<Vec<Term>> = query.clauses.get(i..i + n)?.iter().map(single).collect();
            let run = run?;
            let text = run.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
            synonyms.knows(analyzer, &text).then(|| {
                let prefix = run.last().is_some_and(|t| t.prefix);
                (
                    n,
                    Term {
                        text,
                        quoted: false,
                        prefix,
                    },
                )
            })
        });
        match joined {
            Some((n, term)) => {
                out.clauses.push(vec![Atom::Text(term)]);
                i += n;
            }
            None => {
                out.clauses.push(query.clauses[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// A spelling's key, cheap enough to build the whole table at start-up without the
/// analyzer: width, case, spaces, `・` and a final long-vowel mark do not matter.
fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let chars: Vec<char> = text
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && *c != '・')
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    for (i, &c) in chars.iter().enumerate() {
        let katakana = matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー');
        run = if katakana { run + 1 } else { 0 };
        let run_ends = chars
            .get(i + 1)
            .is_none_or(|n| !matches!(n, '\u{30A1}'..='\u{30FA}' | 'ー'));
        if c == 'ー' && run_ends && run >= 4 {
            continue;
        }
        out.push(c);
    }
    out
}

/// The fold of a spelling whose English words are stemmed (`load balancers` ->
/// `loadbalanc`); other text is folded as it is.
fn stem_fold(text: &str) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            let w = w.to_lowercase();
            if w.len() >= 3 && w.chars().all(|c| c.is_ascii_alphabetic()) {
                super::variants::stemmer().stem(&w).into_owned()
            } else {
                w
            }
        })
        .collect();
    fold(&words.concat())
}

/// A query word without a trailing light verb (`デプロイする` -> `デプロイ`).
fn without_light_verb<'t>(analyzer: &Analyzer, text: &'t str) -> &'t str {
    let tokens = analyzer.analyze(text);
    match tokens.iter().rposition(|t| !t.light) {
        Some(last) if last + 1 < tokens.len() => text.get(..tokens[last].end).unwrap_or(text),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_concept_expand_to_each_other() {
        let a = Analyzer::new().unwrap();
        let s = a.synonyms();
        assert!(s.expand("デプロイ", &a).iter().any(|w| w == "deploy"));
        assert!(s
            .expand("ＯＢＳＥＲＶＡＢＩＬＩＴＹ", &a)
            .iter()
            .any(|w| w == "可観測性"));
        assert!(s
            .expand("ロードバランサ", &a)
            .iter()
            .any(|w| w == "load balancer"));
        assert!(s.expand("継続的インテグレーション", &a).iter().any(|w| w == "CI"));
        assert!(s.expand("秘匿情報とは無関係な語", &a).is_empty());
        assert!(s.expand("rollbacks", &a).iter().any(|w| w == "切り戻し"));
        assert!(s.expand("Upgraded", &a).iter().any(|w| w == "アップグレード"));
        // From SudachiDict's lexemes: loanwords, their English and their spellings.
        assert!(s.expand("リトライする", &a).iter().any(|w| w == "retry"));
        assert!(s
            .expand("インタフェース", &a)
            .iter()
            .any(|w| w == "インターフェース"));
        assert!(s
            .expand("localization", &a)
            .iter()
            .any(|w| w == "ローカリゼーション"));
    }
}
