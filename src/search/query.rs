//! Reads what a user types into a search: words, `"phrases"`, `-exclusions`, `OR`, and
//! the filters `tag:` `speaker:` `event:` `year:` `day:`/`track:`. Lenient by design:
//! any input parses, stray operators and brackets are ignored, an unclosed quote runs
//! to the end.

/// One word or phrase as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// Typed in quotes: its tokens must be adjacent, and it is never a prefix.
    pub quoted: bool,
    /// The last term while the user is still typing it: its end matches as a prefix.
    pub prefix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    Tag,
    Speaker,
    Event,
    Year,
    /// `day:` / `track:`: the day or track heading a session sits under.
    Context,
    /// `is:starred`: the sessions the user starred (see [`Query::starred`]).
    Is,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub kind: FilterKind,
    pub term: Term,
    pub negated: bool,
}

/// The longest input read as a query; the rest is ignored (with a notice) so that a
/// pasted page cannot make one keystroke expensive.
pub const MAX_QUERY_CHARS: usize = 256;

/// The most words and filters one query takes.
pub const MAX_ATOMS: usize = 32;

/// One thing a query asks for: words, or a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Text(Term),
    Filter(Filter),
}

/// A parsed query: every clause must match (each clause is one or more alternatives
/// joined by `OR`, words and filters alike) and nothing excluded may match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub clauses: Vec<Vec<Atom>>,
    pub excluded: Vec<Atom>,
    /// The input was longer than [`MAX_QUERY_CHARS`] or held more than [`MAX_ATOMS`]
    /// words: only the first part was read.
    pub truncated: bool,
    /// The starred sessions (`event`, `session`), for `is:starred`: filled in by the
    /// caller, which knows the stars.
    pub starred: Vec<(String, String)>,
    /// Words that raise a note's score without being required (a run typed without
    /// spaces, whole, beside its words: see [`super::runs`]).
    pub boosts: Vec<Term>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty() && self.excluded.is_empty()
    }

    /// The positive words, for highlighting.
    pub fn positive_terms(&self) -> impl Iterator<Item = &Term> {
        self.clauses.iter().flatten().filter_map(|a| match a {
            Atom::Text(t) => Some(t),
            Atom::Filter(_) => None,
        })
    }

    /// Whether any clause asks for words (not only filters).
    pub fn has_text(&self) -> bool {
        self.positive_terms().next().is_some()
    }
}

struct Piece {
    text: String,
    quoted: bool,
    closed: bool,
    negated: bool,
    filter: Option<FilterKind>,
}

fn filter_kind(key: &str) -> Option<FilterKind> {
    match key.to_lowercase().as_str() {
        "tag" | "tags" | "タグ" => Some(FilterKind::Tag),
        "speaker" | "by" | "登壇者" => Some(FilterKind::Speaker),
        "event" | "イベント" => Some(FilterKind::Event),
        "year" | "年" => Some(FilterKind::Year),
        "day" | "track" => Some(FilterKind::Context),
        "is" => Some(FilterKind::Is),
        _ => None,
    }
}

/// Splits the input into pieces: bare words and quoted phrases, each possibly negated
/// and/or carrying a filter key.
fn pieces(input: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut negated = false;
        let mut filter = None;
        let mut word = String::new();
        let mut quoted = false;
        let mut closed = false;
        if chars.peek() == Some(&'-') {
            chars.next();
            negated = true;
        }
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            if c == '"' || c == '“' || c == '”' {
                chars.next();
                // A quote starts a phrase, possibly after `key:`.
                if let Some(key) = word.strip_suffix(':').and_then(filter_kind) {
                    filter = Some(key);
                    word.clear();
                } else if !word.is_empty() {
                    // `foo"bar`: keep the word, start the phrase as its own piece next.
                    out.push(Piece {
                        text: std::mem::take(&mut word),
                        quoted: false,
                        closed: true,
                        negated,
                        filter,
                    });
                    negated = false;
                }
                quoted = true;
                for c in chars.by_ref() {
                    if c == '"' || c == '“' || c == '”' {
                        closed = true;
                        break;
                    }
                    word.push(c);
                }
                break;
            }
            chars.next();
            word.push(c);
            if c == ':' && filter.is_none() && word.len() > 1 {
                if let Some(key) = filter_kind(&word[..word.len() - 1]) {
                    filter = Some(key);
                    word.clear();
                }
            }
        }
        if !quoted {
            word = word.trim_matches(|c| c == '(' || c == ')').to_string();
            closed = false;
        }
        if word.is_empty() && !negated && filter.is_none() {
            continue;
        }
        out.push(Piece {
            text: word,
            quoted,
            closed,
            negated,
            filter,
        });
    }
    out
}

/// Parses user input. `input` ending in a space means the last word is complete.
pub fn parse(input: &str) -> Query {
    let mut truncated = false;
    let input = match input.char_indices().nth(MAX_QUERY_CHARS) {
        Some((cut, _)) => {
            truncated = true;
            &input[..cut]
        }
        None => input,
    };
    let ends_open = !input.ends_with(char::is_whitespace);
    let mut pieces = pieces(input);
    if pieces.len() > MAX_ATOMS {
        pieces.truncate(MAX_ATOMS);
        truncated = true;
    }
    let last = pieces.len().saturating_sub(1);
    let mut query = Query {
        truncated,
        ..Query::default()
    };
    let mut join_next = false;
    let mut negate_next = false;
    for (i, piece) in pieces.into_iter().enumerate() {
        if !piece.quoted && piece.filter.is_none() && !piece.negated {
            match piece.text.as_str() {
                "AND" | "&&" | "&" => continue,
                "OR" | "||" | "|" => {
                    join_next = !query.clauses.is_empty();
                    continue;
                }
                "NOT" => {
                    negate_next = true;
                    continue;
                }
                _ => {}
            }
        }
        if piece.text.trim().is_empty() {
            continue;
        }
        let prefix = i == last && ends_open && !(piece.quoted && piece.closed);
        let term = Term {
            text: piece.text,
            quoted: piece.quoted,
            prefix,
        };
        let negated = piece.negated || std::mem::take(&mut negate_next);
        let atom = match piece.filter {
            Some(kind) => Atom::Filter(Filter { kind, term, negated }),
            None if negated => Atom::Text(Term {
                prefix: false,
                ..term
            }),
            None => Atom::Text(term),
        };
        if negated {
            query.excluded.push(atom);
        } else if std::mem::take(&mut join_next) {
            if let Some(last) = query.clauses.last_mut() {
                last.push(atom);
            }
        } else {
            query.clauses.push(vec![atom]);
        }
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str, quoted: bool, prefix: bool) -> Term {
        Term {
            text: text.into(),
            quoted,
            prefix,
        }
    }

    #[test]
    fn words_prefix_phrase_exclusion_filters() {
        let q = parse(r#"spinnaker "継続的 デリバリ" -jenkins tag:ci-cd year:2019 kube"#);
        let words: Vec<&Term> = q.positive_terms().collect();
        assert_eq!(
            words,
            [
                &t("spinnaker", false, false),
                &t("継続的 デリバリ", true, false),
                &t("kube", false, true)
            ]
        );
        assert_eq!(q.excluded, vec![Atom::Text(t("jenkins", false, false))]);
        let filters: Vec<&Filter> = q
            .clauses
            .iter()
            .flatten()
            .filter_map(|a| match a {
                Atom::Filter(f) => Some(f),
                Atom::Text(_) => None,
            })
            .collect();
        assert_eq!(filters.len(), 2);
        assert_eq!(filters[0].kind, FilterKind::Tag);
        assert_eq!(filters[0].term.text, "ci-cd");
        assert_eq!(filters[1].kind, FilterKind::Year);
    }

    #[test]
    fn trailing_space_ends_the_prefix() {
        assert!(parse("spin").positive_terms().all(|t| t.prefix));
        assert!(!parse("spin ").positive_terms().any(|t| t.prefix));
    }

    #[test]
    fn lenient_on_garbage() {
        for input in [
            "\"unclosed phrase",
            "AND (",
            ")(",
            "-",
            "--",
            "tag:",
            "\"",
            "OR OR",
            "a OR",
            "::",
            "-\"x",
            "speaker:\"a b",
        ] {
            let _ = parse(input);
        }
        assert_eq!(
            parse("\"unclosed phrase").clauses[0][0],
            Atom::Text(t("unclosed phrase", true, true))
        );
        assert!(parse("AND (").is_empty());
        assert!(parse("-").is_empty());
        assert_eq!(parse("(spinnaker AND argo)").clauses.len(), 2);
    }

    #[test]
    fn or_joins_alternatives() {
        let q = parse("argo OR spinnaker helm");
        assert_eq!(q.clauses.len(), 2);
        assert_eq!(q.clauses[0].len(), 2);
    }

    #[test]
    fn quoted_filter_value() {
        let q = parse(r#"speaker:"青山 真也""#);
        let Atom::Filter(f) = &q.clauses[0][0] else {
            panic!("{q:?}")
        };
        assert_eq!(f.term, t("青山 真也", true, false));
    }

    #[test]
    fn or_joins_filters_and_words_alike() {
        let q = parse("tag:spinnaker OR tag:argo year:2017 OR year:2018");
        assert_eq!(q.clauses.len(), 2, "{q:?}");
        assert!(q.clauses.iter().all(|c| c.len() == 2));
        let q = parse("-tag:x foo:bar");
        assert_eq!(q.excluded.len(), 1);
        assert_eq!(q.clauses[0], vec![Atom::Text(t("foo:bar", false, true))]);
    }

    #[test]
    fn long_input_is_cut() {
        let q = parse(&"あ".repeat(10_000));
        assert!(q.truncated);
        let words: usize = q.positive_terms().map(|t| t.text.chars().count()).sum();
        assert_eq!(words, MAX_QUERY_CHARS);
        let q = parse(&"a ".repeat(1000));
        assert!(q.truncated && q.clauses.len() <= MAX_ATOMS);
    }
}
