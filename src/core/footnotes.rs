//! Footnotes across a note's parts. A blog post keeps its footnote definitions at the
//! end of the file, that is in its last session, while the references sit in every
//! session; GitHub renders the whole file, confnotes one session at a time. So each
//! part (the overview, a session) gets the definitions it references from elsewhere
//! added at its end, and loses those that only other parts reference: a footnote is
//! shown, followed and found by search in the session that uses it.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Text added to a note's parts by moving definitions, at most this many times the
/// note's own size: a definition referenced from every one of 100,000 sessions is not
/// copied 100,000 times.
const MAX_GROWTH: usize = 2;

/// The footnotes of one note body: where each is defined and referenced.
#[derive(Debug, Default)]
pub struct Footnotes {
    /// The first top-level definition of each label (labels compared without case).
    defs: HashMap<String, Range<usize>>,
    /// Every top-level definition, in order: (label, source range).
    all_defs: Vec<(String, Range<usize>)>,
    /// Every reference, in order: (label, offset).
    refs: Vec<(String, usize)>,
    referenced: HashSet<String>,
    /// Bytes still allowed to be added (see [`MAX_GROWTH`]).
    budget: usize,
}

/// What one part of a note becomes.
pub struct Part<'a> {
    pub text: Cow<'a, str>,
    /// Source ranges of the definitions added from elsewhere (their links are the part's).
    pub added: Vec<Range<usize>>,
}

impl Footnotes {
    /// Reads the footnotes of `body` (parsed with `options`); nothing to do, and no
    /// parse, when it has no `[^`.
    pub fn scan(body: &str, options: Options) -> Footnotes {
        let mut notes = Footnotes {
            budget: body.len().saturating_mul(MAX_GROWTH),
            ..Footnotes::default()
        };
        if !body.contains("[^") {
            return notes;
        }
        // Definitions inside a quote or list carry its markers on their lines: they
        // stay where they are.
        let mut depth = 0usize;
        for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
            match event {
                Event::Start(Tag::FootnoteDefinition(label)) if depth == 0 => {
                    let key = label.to_lowercase();
                    notes.defs.entry(key.clone()).or_insert_with(|| range.clone());
                    notes.all_defs.push((key, range));
                    depth += 1;
                }
                Event::Start(Tag::BlockQuote(_) | Tag::Item | Tag::FootnoteDefinition(_)) => depth += 1,
                Event::End(TagEnd::BlockQuote(_) | TagEnd::Item | TagEnd::FootnoteDefinition) => {
                    depth = depth.saturating_sub(1)
                }
                Event::FootnoteReference(label) => {
                    let key = label.to_lowercase();
                    notes.referenced.insert(key.clone());
                    notes.refs.push((key, range.start));
                }
                _ => {}
            }
        }
        notes
    }

    /// The part of `body` in `range`, with the definitions it references from other
    /// parts added at its end and without those only other parts reference.
    pub fn part<'a>(&mut self, body: &'a str, range: Range<usize>) -> Part<'a> {
        let text = body.get(range.clone()).unwrap_or_default();
        if self.defs.is_empty() {
            return Part {
                text: Cow::Borrowed(text),
                added: Vec::new(),
            };
        }
        let inside = |r: &Range<usize>| r.start >= range.start && r.end <= range.end;
        // Labels referenced here, in order of first reference.
        let first = self.refs.partition_point(|r| r.1 < range.start);
        let last = self.refs.partition_point(|r| r.1 < range.end);
        let mut seen = HashSet::new();
        let here: Vec<&str> = (self.refs.get(first..last).unwrap_or_default().iter())
            .map(|(label, _)| label.as_str())
            .filter(|label| seen.insert(*label))
            .collect();
        let first = self.all_defs.partition_point(|d| d.1.start < range.start);
        let last = self.all_defs.partition_point(|d| d.1.start < range.end);
        let cut: Vec<&Range<usize>> = (self.all_defs.get(first..last).unwrap_or_default().iter())
            .filter(|(label, r)| {
                inside(r) && self.referenced.contains(label) && !seen.contains(label.as_str())
            })
            .map(|(_, r)| r)
            .collect();
        let mut added = Vec::new();
        for label in &here {
            match self.defs.get(*label) {
                Some(r) if !inside(r) && r.len() <= self.budget => {
                    self.budget -= r.len();
                    added.push(r.clone());
                }
                _ => {}
            }
        }
        if cut.is_empty() && added.is_empty() {
            return Part {
                text: Cow::Borrowed(text),
                added,
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut at = range.start;
        for r in cut {
            out.push_str(body.get(at..r.start).unwrap_or_default());
            at = r.end;
        }
        out.push_str(body.get(at..range.end).unwrap_or_default());
        for r in &added {
            out.truncate(out.trim_end().len());
            out.push_str("\n\n");
            out.push_str(body.get(r.clone()).unwrap_or_default().trim_end());
        }
        out.push('\n');
        Part {
            text: Cow::Owned(out),
            added,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(body: &str, cuts: &[usize]) -> Vec<String> {
        let mut notes = Footnotes::scan(body, Options::ENABLE_FOOTNOTES);
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(body.len());
        bounds
            .windows(2)
            .map(|w| notes.part(body, w[0]..w[1]).text.trim().to_string())
            .collect()
    }

    #[test]
    fn definitions_go_where_they_are_referenced() {
        let body = "## A\n\n一つ目[^1]と[^N]。\n\n## B\n\n二つ目[^n]。\n\n[^1]: 注一\n[^n]: 注二\n[^x]: 誰も参照しない\n";
        let b = body.find("## B").unwrap();
        let p = parts(body, &[b]);
        assert_eq!(p[0], "## A\n\n一つ目[^1]と[^N]。\n\n[^1]: 注一\n\n[^n]: 注二");
        // B keeps the one it references and the one nobody does; `[^1]` went to A.
        assert_eq!(p[1], "## B\n\n二つ目[^n]。\n\n[^n]: 注二\n[^x]: 誰も参照しない");
    }

    #[test]
    fn no_footnotes_no_copy_and_growth_is_bounded() {
        let mut notes = Footnotes::scan("plain text", Options::ENABLE_FOOTNOTES);
        assert!(matches!(
            notes.part("plain text", 0..5).text,
            Cow::Borrowed("plain")
        ));
        // A long definition referenced by many parts is copied only while the budget lasts.
        let mut body = String::new();
        for _ in 0..100 {
            body.push_str("ref[^big]\n\n");
        }
        body.push_str(&format!("[^big]: {}\n", "長".repeat(200)));
        let mut notes = Footnotes::scan(&body, Options::ENABLE_FOOTNOTES);
        let added: usize = (0..100)
            .map(|i| notes.part(&body, i * 11..i * 11 + 11).added.len())
            .sum();
        assert!(added > 0 && added < 10, "{added}");
    }
}
