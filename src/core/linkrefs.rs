//! The links of a note's parts, reference-style ones included. `[text][ref]`, `[ref][]`
//! and `[ref]` take their target from a `[ref]: url "title"` definition anywhere in the
//! file (the first of a label wins; labels match without case, whitespace collapsed),
//! as GitHub renders the whole file. confnotes shows one part (the overview, a
//! session) at a time, and a blog post keeps its definitions at the end: so each part's
//! links are read against the whole file's definitions, and the part's text gets the
//! definitions it uses from elsewhere (only those), to be drawn, followed and indexed
//! as on GitHub.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{BrokenLink, CodeBlockKind, CowStr, Event, LinkType, Parser, RefDefs, Tag, TagEnd};
use unicase::UniCase;

use super::model::{Link, LinkTarget};
use super::parse::markdown_options;
use super::wikilink;

/// Bytes of targets and definitions the parts of a note may take from elsewhere, at
/// most this many times the note's size (or [`MIN_BUDGET`]): a long definition cited a
/// thousand times from a thousand sessions is not copied a million times.
const MAX_GROWTH: usize = 4;
const MIN_BUDGET: usize = 1 << 20;

/// One definition, as the parser read it (escapes and entities resolved).
#[derive(Debug)]
struct Def {
    dest: String,
    title: String,
    /// Where it is in the note's body.
    span: Range<usize>,
}

/// Every link reference definition of a note's body: the first of each label.
#[derive(Debug, Default)]
pub struct LinkDefs {
    defs: HashMap<UniCase<String>, Def>,
    /// Bytes still allowed to be taken (see [`MAX_GROWTH`]).
    budget: usize,
}

impl LinkDefs {
    /// The definitions a parser of the whole body found (its first pass reads them all;
    /// those in code are not definitions).
    pub fn new(defs: &RefDefs<'_>, body_len: usize) -> LinkDefs {
        let defs = defs
            .iter()
            .map(|(label, def)| {
                let def = Def {
                    dest: def.dest.to_string(),
                    title: def.title.as_deref().unwrap_or_default().to_string(),
                    span: def.span.clone(),
                };
                (UniCase::new(label.to_string()), def)
            })
            .collect();
        LinkDefs {
            defs,
            budget: body_len.saturating_mul(MAX_GROWTH).max(MIN_BUDGET),
        }
    }

    fn get(&self, label: &str) -> Option<&Def> {
        if self.defs.is_empty() {
            return None;
        }
        self.defs.get(&UniCase::new(label.to_string()))
    }
}

/// One part's links and the definitions it takes from elsewhere in the file: read its
/// pieces with [`PartLinks::collect`] (its heading, its text, the footnotes moved to
/// it), then give it its text with [`PartLinks::text`].
pub struct PartLinks<'d> {
    defs: &'d mut LinkDefs,
    /// The part's own source range: the definitions in it are its own.
    own: Range<usize>,
    /// The piece being read (see [`PartLinks::collect`]): its definitions, the parser
    /// reading it sees.
    piece: Range<usize>,
    /// Labels (as written here) of the definitions taken from elsewhere, in order of
    /// first use, and where those definitions start.
    taken: Vec<String>,
    taken_starts: HashSet<usize>,
    /// The part defines a label again that an earlier definition elsewhere wins: the
    /// taken definitions go before its text, where they win too.
    shadowed: bool,
    /// The part's text ends in a code fence or HTML block that would take in
    /// definitions written after it.
    open_end: bool,
}

impl<'d> PartLinks<'d> {
    pub fn new(defs: &'d mut LinkDefs, own: Range<usize>) -> Self {
        PartLinks {
            defs,
            piece: own.clone(),
            own,
            taken: Vec::new(),
            taken_starts: HashSet::new(),
            shadowed: false,
            open_end: false,
        }
    }

    /// The definition of `label` for a reference in the piece being read, when it lies
    /// outside the piece and the budget allows: (target, title). One outside the part
    /// too is taken: the part's text gets it.
    fn take(&mut self, label: &str) -> Option<(String, String)> {
        let def = self.defs.get(label)?;
        let within = |r: &Range<usize>| def.span.start >= r.start && def.span.end <= r.end;
        if within(&self.piece) {
            return None;
        }
        let first = !within(&self.own) && !self.taken_starts.contains(&def.span.start);
        let mut cost = def.dest.len() + def.title.len();
        if first {
            cost += label.len() + cost + 8;
        }
        if cost > self.defs.budget {
            return None;
        }
        let found = (def.dest.clone(), def.title.clone());
        let start = def.span.start;
        self.defs.budget -= cost;
        if first {
            self.taken_starts.insert(start);
            self.taken.push(label.to_string());
        }
        Some(found)
    }

    /// A reference the part's own parse resolved, to the part's own definition: when
    /// the file's first definition of the label is elsewhere, that one is the target.
    fn resolved_here(&mut self, link_type: LinkType, label: &str) -> Option<String> {
        if !matches!(
            link_type,
            LinkType::Reference | LinkType::Collapsed | LinkType::Shortcut
        ) {
            return None;
        }
        let (dest, _) = self.take(label)?;
        // (One in the part's own text comes before a piece moved to its end.)
        self.shadowed |= self
            .defs
            .get(label)
            .is_some_and(|d| d.span.start < self.own.start || d.span.end > self.own.end);
        Some(dest)
    }

    /// Links (not images) in `range` of `body` (a piece of the part: its heading, its
    /// text, a footnote moved to it), with their line numbers; unresolved.
    pub fn collect(
        &mut self,
        body: &str,
        range: Range<usize>,
        line_of: &dyn Fn(usize) -> usize,
    ) -> Vec<Link> {
        let slice = body.get(range.clone()).unwrap_or_default();
        self.piece = range.clone();
        let state = RefCell::new(self);
        let callback = |link: BrokenLink<'_>| {
            let (dest, title) = state.borrow_mut().take(&link.reference)?;
            Some((CowStr::from(dest), CowStr::from(title)))
        };
        let parser = Parser::new_with_broken_link_callback(slice, markdown_options(), Some(callback));
        let mut links = Vec::new();
        let mut open: Option<(String, usize, String, bool)> = None;
        let mut depth = 0usize;
        let mut open_end = false;
        let end = slice.trim_end().len();
        for (event, r) in parser.into_offset_iter() {
            match event {
                Event::Start(Tag::Link {
                    dest_url,
                    link_type,
                    id,
                    ..
                }) => {
                    let wiki = matches!(link_type, LinkType::WikiLink { .. });
                    let href = state.borrow_mut().resolved_here(link_type, &id);
                    let href = href.unwrap_or_else(|| dest_url.to_string());
                    open = Some((href, range.start + r.start, String::new(), wiki));
                }
                // An embedded note (`![[Note]]`) is a link to it; an embedded picture is not.
                Event::Start(Tag::Image {
                    dest_url,
                    link_type: LinkType::WikiLink { .. },
                    ..
                }) if !wikilink::is_attachment(&dest_url) => {
                    open = Some((dest_url.to_string(), range.start + r.start, String::new(), true));
                }
                Event::Start(Tag::Image { link_type, id, .. }) => {
                    state.borrow_mut().resolved_here(link_type, &id);
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, _, text, _)) = open.as_mut() {
                        text.push_str(&t);
                    }
                }
                Event::End(TagEnd::Link | TagEnd::Image) => {
                    if let Some((href, offset, text, wiki)) = open.take() {
                        links.push(Link {
                            text,
                            href,
                            line: line_of(offset),
                            target: LinkTarget::Unresolved,
                            wiki,
                        });
                    }
                }
                Event::Start(Tag::BlockQuote(_) | Tag::Item | Tag::FootnoteDefinition(_)) => depth += 1,
                Event::End(TagEnd::BlockQuote(_) | TagEnd::Item | TagEnd::FootnoteDefinition) => {
                    depth = depth.saturating_sub(1)
                }
                // Only a top-level block runs on into text after a blank line.
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) if depth == 0 && r.end >= end => {
                    open_end = !fence_closed(slice.get(r).unwrap_or_default());
                }
                Event::Start(Tag::HtmlBlock) if depth == 0 && r.end >= end => open_end = true,
                _ => {}
            }
        }
        let this = state.into_inner();
        if range.end == this.own.end && !slice.trim().is_empty() {
            this.open_end = open_end;
        }
        links
    }

    /// The part's Markdown (`text`, trimmed) with the definitions it took: after it, as a
    /// blog has them, unless before it is needed (see `shadowed`, `open_end`).
    pub fn text(self, text: &str) -> String {
        let text = text.trim();
        if self.taken.is_empty() {
            return text.to_string();
        }
        // The label as written here finds the same (first) definition again.
        let lines: Vec<String> = (self.taken.iter())
            .filter_map(|label| {
                let def = self.defs.get(label)?;
                Some(definition(label, &def.dest, &def.title))
            })
            .collect();
        let lines = lines.join("\n");
        match (text.is_empty(), self.shadowed || self.open_end) {
            (true, _) => lines,
            (false, true) => format!("{lines}\n\n{text}"),
            (false, false) => format!("{text}\n\n{lines}"),
        }
    }
}

/// Whether a fenced code block (its source) ends with its closing fence.
fn fence_closed(block: &str) -> bool {
    let mut lines = block.trim_end().lines();
    let opening = lines.next().unwrap_or_default().trim_start();
    let Some(mark) = opening.chars().next() else {
        return false;
    };
    let width = opening.chars().take_while(|c| *c == mark).count();
    lines.next_back().is_some_and(|last| {
        let last = last.trim();
        last.chars().count() >= width && last.chars().all(|c| c == mark)
    })
}

/// A definition in Markdown that reads back as `dest` and `title` for `label`; the
/// target written bare when it can be, as people write them.
fn definition(label: &str, dest: &str, title: &str) -> String {
    let mut out = format!("[{label}]: ");
    let bare = !dest.is_empty()
        && !dest.starts_with('<')
        && !dest
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '(' | ')'));
    if bare {
        escape_into(&mut out, dest, &['<', '>']);
    } else {
        out.push('<');
        escape_into(&mut out, dest, &['<', '>']);
        out.push('>');
    }
    if !title.is_empty() {
        out.push_str(" \"");
        escape_into(&mut out, title, &['"']);
        out.push('"');
    }
    out
}

/// `text` with backslashes, `special` and what would read as an entity (`&amp;`)
/// escaped, and line breaks as character references.
fn escape_into(out: &mut String, text: &str, special: &[char]) {
    for (i, c) in text.char_indices() {
        match c {
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '&' if entity_like(text.get(i + 1..).unwrap_or_default()) => out.push_str("\\&"),
            c if c == '\\' || special.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

/// Whether text after a `&` could make it an entity or character reference (`amp;`,
/// `#38;`): a `;` after letters, digits and `#` only.
fn entity_like(after: &str) -> bool {
    let name = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
        .map_or(after, |end| after.get(..end).unwrap_or_default());
    !name.is_empty() && after.get(name.len()..).is_some_and(|rest| rest.starts_with(';'))
}

#[cfg(test)]
mod tests {
    use pulldown_cmark::Parser;

    use super::super::parse::{parse_note, ParsedNote};
    use super::super::text::{index_text, plain_text};
    use super::*;

    fn parse(text: &str) -> ParsedNote {
        parse_note("ev", "ev.md", text, None).unwrap()
    }

    /// (dest, title) of every link in `markdown`, as the renderer would see them.
    fn rendered_links(markdown: &str) -> Vec<(String, String)> {
        Parser::new_ext(markdown, markdown_options())
            .filter_map(|e| match e {
                Event::Start(Tag::Link { dest_url, title, .. }) => {
                    Some((dest_url.to_string(), title.to_string()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn definitions_at_the_end_serve_every_session() {
        let note = parse(
            "# E\n\n概要は [公式][site]。\n\n## A\n\n[Spinnaker の話][SPIN] と [spin][]。\n\n## B\n\n[Multi  Word] と ![図][logo]。\n\n## C\n\n[site]: https://example.com/event \"イベント\"\n[spin]: https://spinnaker.io\n[multi word]: ../other.md#x\n[logo]: logo.png\n[unused]: https://unused.example\n",
        );
        let e = &note.event;
        let hrefs = |links: &[Link]| links.iter().map(|l| l.href.clone()).collect::<Vec<_>>();
        assert_eq!(hrefs(&e.overview_links), ["https://example.com/event"]);
        assert_eq!(
            hrefs(&e.sessions[0].links),
            ["https://spinnaker.io", "https://spinnaker.io"]
        );
        assert_eq!(e.sessions[0].links[0].text, "Spinnaker の話");
        assert_eq!(e.sessions[0].links[0].line, 7);
        assert_eq!(hrefs(&e.sessions[1].links), ["../other.md#x"]);
        // Only the definitions a part uses go to it, after its text, once each.
        assert_eq!(
            e.overview,
            "概要は [公式][site]。\n\n[site]: https://example.com/event \"イベント\""
        );
        assert_eq!(
            e.sessions[0].body,
            "[Spinnaker の話][SPIN] と [spin][]。\n\n[SPIN]: https://spinnaker.io"
        );
        assert!(e.sessions[1]
            .body
            .ends_with("[Multi Word]: ../other.md#x\n[logo]: logo.png"));
        assert_eq!(
            rendered_links(&e.sessions[0].body),
            vec![("https://spinnaker.io".to_string(), String::new()); 2]
        );
        assert_eq!(
            rendered_links(&e.overview),
            [("https://example.com/event".into(), "イベント".into())]
        );
        // The text index sees the link's text, a note link's text set apart.
        assert_eq!(plain_text(&e.sessions[0].body), "Spinnaker の話 と spin。");
        let index = index_text(&e.sessions[1].body);
        assert!(
            index.links.contains("Multi  Word") || index.links.contains("Multi Word"),
            "{index:?}"
        );
        assert!(!index.body.contains('['), "{index:?}");
        // The last session keeps its own definitions and gets none.
        assert!(e.sessions[2]
            .body
            .starts_with("[site]: https://example.com/event"));
        assert!(e.sessions[2].links.is_empty());
    }

    #[test]
    fn headings_and_moved_footnotes_use_them_too() {
        let note = parse(
            "# E\n\n## [Kubeseal 入門][slides]\n\n秘匿情報の話[^1]。\n\n## 懇親会\n\n[^1]: [公式][docs] を参照。\n\n[slides]: https://speakerdeck.com/x/kubeseal\n[docs]: https://sealed-secrets.netlify.app/\n\n## [Own][own]\n\n[own]: https://own.example\n",
        );
        // A heading's link defined under the heading: the session's own.
        let own = &note.event.sessions[2];
        assert_eq!(own.slides.as_deref(), Some("https://own.example"));
        assert_eq!(own.body, "[own]: https://own.example");
        let s = &note.event.sessions[0];
        assert_eq!(s.title, "Kubeseal 入門");
        assert_eq!(s.slides.as_deref(), Some("https://speakerdeck.com/x/kubeseal"));
        let hrefs: Vec<&str> = s.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(
            hrefs,
            [
                "https://speakerdeck.com/x/kubeseal",
                "https://sealed-secrets.netlify.app/"
            ]
        );
        assert_eq!(
            s.body,
            "秘匿情報の話[^1]。\n\n[^1]: [公式][docs] を参照。\n\n[slides]: https://speakerdeck.com/x/kubeseal\n[docs]: https://sealed-secrets.netlify.app/"
        );
        assert!(
            plain_text(&s.body).contains("\n公式 を参照。"),
            "{}",
            plain_text(&s.body)
        );
    }

    #[test]
    fn the_first_definition_wins_and_code_defines_nothing() {
        let note = parse(
            "# E\n\n## A\n\n[x]\n\n[x]: https://first.example\n\n## B\n\n[x] と [y]\n\n[x]: https://second.example\n\n## C\n\n```\n[y]: https://in-code.example\n```\n",
        );
        let b = &note.event.sessions[1];
        assert_eq!(b.links.len(), 1, "{:?}", b.links);
        assert_eq!(b.links[0].href, "https://first.example");
        // Before B's own definition, so that it wins in B's text too.
        assert!(
            b.body.starts_with("[x]: https://first.example\n\n[x] と [y]"),
            "{}",
            b.body
        );
        assert_eq!(
            rendered_links(&b.body),
            [("https://first.example".into(), String::new())]
        );
        assert_eq!(note.event.sessions[0].body, "[x]\n\n[x]: https://first.example");
    }

    #[test]
    fn a_part_ending_in_an_open_fence_gets_them_before_its_text() {
        let note = parse("# E\n\n## A\n\n[a]: https://a.example\n\n## B\n\n[a] の例:\n\n```\ncode\n");
        let b = &note.event.sessions[1].body;
        assert!(b.starts_with("[a]: https://a.example\n\n[a] の例"), "{b}");
        assert_eq!(rendered_links(b).len(), 1);
        // A closed fence at the end: after the text.
        let note = parse("# E\n\n## A\n\n[a]: https://a.example\n\n## B\n\n[a]\n\n~~~~\ncode\n~~~~~\n");
        assert!(note.event.sessions[1]
            .body
            .ends_with("~~~~~\n\n[a]: https://a.example"));
        assert!(fence_closed("```sh\nx\n```"));
        assert!(!fence_closed("````\nx\n```"));
        assert!(!fence_closed("```"));
    }

    #[test]
    fn a_written_definition_reads_back_the_same() {
        for (dest, title) in [
            ("https://x.y/a b<c>d\\e&amp;f", "say \"hi\" \\ &amp;\nnext"),
            ("", ""),
            ("日本語/ページ.md#見出し", "タイトル"),
            ("https://x.y/?a=1&b=2&amp;c=3&#38;", "(a) & b"),
            ("https://x.y/(a)", ""),
        ] {
            let md = format!("[l]\n\n{}\n", definition("l", dest, title));
            assert_eq!(
                rendered_links(&md),
                [(dest.to_string(), title.to_string())],
                "{md}"
            );
        }
    }

    #[test]
    fn what_parts_take_is_bounded() {
        // A long definition cited by every one of many sessions is copied while the
        // budget lasts, then the references stay text.
        let mut body = String::from("# E\n\n");
        for i in 0..2000 {
            body.push_str(&format!("## h{i}\n\n[big] [big] [big]\n\n"));
        }
        body.push_str(&format!("[big]: https://x.y/{}\n", "a".repeat(10_000)));
        let note = parse(&body);
        let copied: usize = (note.event.sessions.iter())
            .map(|s| s.body.len() + s.links.iter().map(|l| l.href.len()).sum::<usize>())
            .sum();
        assert!(note.event.sessions[0].links.len() == 3);
        assert!(
            copied < body.len() * MAX_GROWTH + MIN_BUDGET + body.len(),
            "{copied}"
        );
        assert!(note.event.sessions[1998].links.is_empty());
        assert_eq!(note.event.sessions[1999].links.len(), 3, "its own definition");
    }
}
