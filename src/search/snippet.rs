//! Finds where a query matches inside a text (for snippets and for highlighting in
//! the note view), using the same analyzer and the same prefix rules as the index.

use std::collections::HashMap;
use std::ops::Range;

use super::analyzer::{prefix_splits, Analyzer};
use super::query::Query;

/// One way a typed term can match: exact tokens at relative positions, and optionally
/// a final prefix.
#[derive(Debug, Clone)]
struct Pattern {
    exact: Vec<(usize, String)>,
    prefix: Option<(usize, String)>,
}

/// Compiled once per query, then run over any number of texts.
#[derive(Clone)]
pub struct Matcher {
    analyzer: Analyzer,
    patterns: Vec<Pattern>,
}

impl Matcher {
    pub fn new(query: &Query, analyzer: &Analyzer) -> Self {
        let mut patterns = Vec::new();
        for term in query.positive_terms() {
            let tokens = analyzer.analyze(&term.text);
            let Some(first) = tokens.first() else { continue };
            let rel = |t: &super::analyzer::AnalyzedToken| (t.position - first.position, t.text.clone());
            patterns.push(Pattern {
                exact: tokens.iter().map(rel).collect(),
                prefix: None,
            });
            if term.prefix && !term.quoted {
                for (split, glued) in prefix_splits(&tokens) {
                    patterns.push(Pattern {
                        exact: tokens[..split].iter().map(rel).collect(),
                        prefix: Some((tokens[split].position - first.position, glued)),
                    });
                }
            }
        }
        Self {
            analyzer: analyzer.clone(),
            patterns,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Byte ranges of every match in `text`, sorted and merged.
    pub fn find(&self, text: &str) -> Vec<Range<usize>> {
        if self.patterns.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let tokens = self.analyzer.analyze(text);
        let by_position: HashMap<usize, usize> =
            tokens.iter().enumerate().map(|(i, t)| (t.position, i)).collect();
        let mut spans: Vec<Range<usize>> = Vec::new();
        for start in &tokens {
            for pattern in &self.patterns {
                let token_at = |rel: usize| by_position.get(&(start.position + rel)).map(|&i| &tokens[i]);
                let mut end = None;
                let mut ok = true;
                for (rel, want) in &pattern.exact {
                    match token_at(*rel) {
                        Some(t) if &t.text == want => end = Some(end.map_or(t.end, |e: usize| e.max(t.end))),
                        _ => {
                            ok = false;
                            break;
                        }
                    }
                }
                if ok {
                    if let Some((rel, want)) = &pattern.prefix {
                        match token_at(*rel) {
                            Some(t) if t.text.starts_with(want.as_str()) => {
                                end = Some(end.map_or(t.end, |e| e.max(t.end)))
                            }
                            _ => ok = false,
                        }
                    }
                }
                if let (true, Some(end)) = (ok, end) {
                    spans.push(start.start..end);
                }
            }
        }
        merge(spans)
    }
}

fn merge(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    spans.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

/// A one-line excerpt of a text with the matched spans (byte ranges into `text`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    pub text: String,
    pub spans: Vec<Range<usize>>,
}

impl Snippet {
    /// About `max_chars` characters around the first match (or the start of the text),
    /// on one line, with `…` where it was cut.
    pub fn new(text: &str, spans: &[Range<usize>], max_chars: usize) -> Snippet {
        let char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let n = char_starts.len();
        let char_of = |byte: usize| char_starts.partition_point(|&b| b < byte);
        let focus = spans.first().map_or(0, |s| char_of(s.start));
        let mut from = focus.saturating_sub(max_chars / 4);
        // Start at a line or sentence break close before the match, if there is one.
        if let Some(p) = (from..focus).rev().take(max_chars / 4).find(|&c| {
            let b = char_starts[c];
            matches!(text[b..].chars().next(), Some('\n' | '。' | '.'))
        }) {
            from = p + 1;
        }
        let to = (from + max_chars).min(n);
        from = from.min(to);
        let byte_from = char_starts.get(from).copied().unwrap_or(text.len());
        let byte_to = char_starts.get(to).copied().unwrap_or(text.len());
        let body = &text[byte_from..byte_to];
        let lead = body.len() - body.trim_start().len();
        let body_trimmed = body.trim();
        let mut out = String::new();
        if from > 0 {
            out.push('…');
        }
        let shift = out.len() as isize - (byte_from + lead) as isize;
        out.push_str(&body_trimmed.replace(['\n', '\t'], " "));
        if to < n {
            out.push('…');
        }
        let spans = spans
            .iter()
            .filter(|s| s.start >= byte_from + lead && s.end <= byte_from + lead + body_trimmed.len())
            .map(|s| ((s.start as isize + shift) as usize)..((s.end as isize + shift) as usize))
            .collect();
        Snippet { text: out, spans }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::parse;

    #[test]
    fn finds_exact_prefix_and_width_folded_matches() {
        let a = Analyzer::new().unwrap();
        let text = "SealedSecrets で秘匿情報を扱う。ｓｐｉｎｎａｋｅｒ も使う";
        let m = Matcher::new(&parse("秘匿情"), &a);
        let spans = m.find(text);
        assert_eq!(
            spans.iter().map(|s| &text[s.clone()]).collect::<Vec<_>>(),
            ["秘匿情報"]
        );
        let m = Matcher::new(&parse("spinnaker sealed"), &a);
        let found: Vec<&str> = m.find(text).iter().map(|s| &text[s.clone()]).collect();
        assert_eq!(found, ["SealedSecrets", "ｓｐｉｎｎａｋｅｒ"]);
    }

    #[test]
    fn snippet_spans_follow_the_cut() {
        let text = format!("{}Spinnaker は便利。{}", "前置き。".repeat(30), "後ろ".repeat(40));
        let a = Analyzer::new().unwrap();
        let spans = Matcher::new(&parse("spinnaker "), &a).find(&text);
        let s = Snippet::new(&text, &spans, 40);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'), "{}", s.text);
        assert_eq!(s.spans.len(), 1);
        assert_eq!(&s.text[s.spans[0].clone()], "Spinnaker");
        assert!(s.text.chars().count() <= 42);
    }
}
