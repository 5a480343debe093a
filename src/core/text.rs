//! A note's Markdown as plain text for search: every block boundary (paragraph, list
//! item, heading, table cell, line break, HTML block) separates words, text inside HTML
//! is kept without its tags, and link text to other notes is set apart.

use std::cell::OnceCell;
use std::collections::HashSet;

use pulldown_cmark::{BrokenLink, CowStr, Event as MdEvent, Parser, Tag, TagEnd};
use unicase::UniCase;

use super::parse::markdown_options;

/// A note's searchable text: its own words, and the text of its links to other notes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IndexText {
    pub body: String,
    pub links: String,
}

/// All of a note's text, as a reader sees it (for snippets).
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    walk(markdown, None, false, &mut |text, _| out.push_str(text));
    out.trim_end().to_string()
}

/// The text of `part`, a piece of `markdown` (a snippet's window), as a reader sees it:
/// a reference link whose definition is elsewhere in `markdown` (at its end) shows its
/// text, not `[text][ref]`.
pub fn plain_text_within(part: &str, markdown: &str) -> String {
    let mut out = String::with_capacity(part.len());
    walk(part, Some(markdown), false, &mut |text, _| out.push_str(text));
    out.trim_end().to_string()
}

/// The note's text split into its own words and its link text to other notes.
pub fn index_text(markdown: &str) -> IndexText {
    let mut t = IndexText::default();
    walk(markdown, None, true, &mut |text, in_note_link| {
        if in_note_link {
            t.links.push_str(text);
        } else {
            t.body.push_str(text);
        }
    });
    // A link's text also ends a word in the body it was cut from.
    t.body.truncate(t.body.trim_end().len());
    t
}

/// A link to another note rather than to the web: relative, without a scheme.
fn is_note_link(href: &str) -> bool {
    !href.contains("://") && !href.starts_with("mailto:") && !href.starts_with("//") && !href.is_empty()
}

/// Calls `sink` with each piece of text and whether it sits in a link to another note.
/// With `separate_links`, a note link's text is cut off from the words around it. A
/// reference link defined in `whole` (of which `markdown` is a piece) is a link.
fn walk(markdown: &str, whole: Option<&str>, separate_links: bool, sink: &mut dyn FnMut(&str, bool)) {
    let mut note_link = 0usize;
    let mut last_newline = true;
    let brk = |sink: &mut dyn FnMut(&str, bool), last_newline: &mut bool| {
        if !*last_newline {
            sink("\n", false);
            *last_newline = true;
        }
    };
    // Read only when the piece has a reference its own text does not define.
    let labels: OnceCell<HashSet<UniCase<String>>> = OnceCell::new();
    let defined = |link: BrokenLink<'_>| {
        let whole = whole.filter(|w| w.contains("]:"))?;
        let labels = labels.get_or_init(|| {
            let parser = Parser::new_ext(whole, markdown_options());
            let defs = parser.reference_definitions();
            defs.iter()
                .map(|(label, _)| UniCase::new(label.to_string()))
                .collect()
        });
        let known = labels.contains(&UniCase::new(link.reference.to_string()));
        known.then(|| (CowStr::from(""), CowStr::from("")))
    };
    for event in Parser::new_with_broken_link_callback(markdown, markdown_options(), Some(defined)) {
        match event {
            MdEvent::Text(t) | MdEvent::Code(t) => {
                sink(&t, note_link > 0);
                last_newline = t.ends_with('\n');
            }
            MdEvent::SoftBreak => {
                sink(" ", note_link > 0);
            }
            MdEvent::HardBreak => brk(sink, &mut last_newline),
            MdEvent::Start(Tag::Link { dest_url, .. }) if separate_links && is_note_link(&dest_url) => {
                note_link += 1;
                sink(" ", true);
            }
            MdEvent::End(TagEnd::Link) if note_link > 0 => {
                note_link -= 1;
                sink(" ", true);
                sink(" ", false);
            }
            MdEvent::Start(
                Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::Item
                | Tag::List(_)
                | Tag::BlockQuote(_)
                | Tag::CodeBlock(_)
                | Tag::TableCell
                | Tag::TableRow
                | Tag::HtmlBlock
                | Tag::FootnoteDefinition(_),
            )
            | MdEvent::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::List(_)
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::TableRow
                | TagEnd::HtmlBlock
                | TagEnd::FootnoteDefinition,
            ) => brk(sink, &mut last_newline),
            MdEvent::Html(html) | MdEvent::InlineHtml(html) => {
                let text = html_text(&html);
                if !text.trim().is_empty() {
                    sink(&text, note_link > 0);
                    last_newline = text.ends_with('\n');
                } else if html.contains("<br") {
                    brk(sink, &mut last_newline);
                }
            }
            _ => {}
        }
    }
}

/// The text of an HTML fragment: tags dropped (a block-level tag becomes a line break),
/// the common entities decoded. Linear; an unclosed `<` drops the rest of the fragment.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_decoded(&mut out, &rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[1..close].trim_start_matches('/').to_ascii_lowercase();
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if matches!(
            name.as_str(),
            "br" | "p"
                | "div"
                | "li"
                | "tr"
                | "td"
                | "th"
                | "summary"
                | "details"
                | "blockquote"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "ul"
                | "ol"
                | "table"
                | "section"
                | "figure"
                | "figcaption"
        ) {
            out.push('\n');
        }
        rest = &after[close + 1..];
    }
    push_decoded(&mut out, rest);
    out
}

fn push_decoded(out: &mut String, text: &str) {
    if !text.contains('&') {
        out.push_str(text);
        return;
    }
    out.push_str(
        &text
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&nbsp;", " ")
            .replace("&mdash;", "—")
            .replace("&ndash;", "–")
            .replace("&hellip;", "…")
            .replace("&amp;", "&"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_boundary_separates_words() {
        let text = plain_text(
            "- Prometheus\n  - exporter\n\n| a | b |\n|---|---|\n| セル1 | セル2 |\n\nline  \nbreak",
        );
        for word in ["Prometheus\n", "exporter", "セル1\n", "line\nbreak"] {
            assert!(text.contains(word), "{word:?} in {text:?}");
        }
        assert!(!text.contains("Prometheusexporter"));
    }

    #[test]
    fn html_blocks_keep_their_text() {
        let md = "<details><summary>要約</summary>\n\nGrafana の話\n\n</details>\n\n<div class=\"x\">Loki &amp; Tempo</div>\n\n<blockquote class=\"twitter-tweet\"><p>OpenTelemetry 最高</p>&mdash; someone</blockquote>\n";
        let text = plain_text(md);
        for word in ["要約", "Grafana", "Loki & Tempo", "OpenTelemetry 最高"] {
            assert!(text.contains(word), "{word:?} in {text:?}");
        }
        assert!(!text.contains("<div") && !text.contains("summary>"));
    }

    #[test]
    fn a_window_of_a_note_shows_its_reference_links_as_text() {
        let note = "前置き。\n\n[Argo CD の資料][argo] と [Spinnaker] と [未定義] を見た。\n\n後の段落。\n\n[argo]: https://argo-cd.readthedocs.io/\n[spinnaker]: https://spinnaker.io\n";
        let window = note
            .get(note.find("[Argo").unwrap()..note.find("後の").unwrap())
            .unwrap();
        assert_eq!(
            plain_text_within(window, note),
            "Argo CD の資料 と Spinnaker と [未定義] を見た。"
        );
        assert_eq!(plain_text(window), window.trim_end());
    }

    #[test]
    fn note_links_are_set_apart() {
        let t = index_text(
            "Spinnaker の話。\n\n関連: [Argo の発表](other.md#argo) と [公式](https://spinnaker.io)",
        );
        assert!(t.links.contains("Argo の発表"), "{t:?}");
        assert!(!t.body.contains("Argo"), "{t:?}");
        assert!(t.body.contains("公式") && t.body.contains("Spinnaker"), "{t:?}");
    }
}
