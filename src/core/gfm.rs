//! What GitHub and Zenn render beyond CommonMark, as Markdown the note pane can draw:
//! bare URLs as links, `:tada:` as 🎉, Zenn `:::message` / `:::details` as quotes, an
//! embedded note (`![[Note]]`) as a link to it.

use std::borrow::Cow;

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag};

/// The Markdown to draw for `markdown` (read with `options`); code is left as written.
pub fn for_display(markdown: &str, options: Options) -> Cow<'_, str> {
    let zenn = zenn_blocks(markdown);
    let inline = inline_extensions(&zenn, options);
    match (zenn, inline) {
        (_, Some(done)) => Cow::Owned(done),
        (zenn, None) => zenn,
    }
}

fn fence_of(line: &str) -> Option<&'static str> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    ["```", "~~~"].into_iter().find(|f| t.starts_with(f))
}

/// Zenn blocks nested deeper than this are text: each level adds to every line inside.
const MAX_DEPTH: usize = 4;

/// `:::message` / `:::message alert` / `:::details title` … `:::` as block quotes
/// headed by a sign, outside code fences.
fn zenn_blocks(markdown: &str) -> Cow<'_, str> {
    if !markdown.contains(":::") {
        return Cow::Borrowed(markdown);
    }
    let mut out = String::with_capacity(markdown.len() + 64);
    let mut fence: Option<&str> = None;
    let mut depth = 0usize;
    for line in markdown.split_inclusive('\n') {
        let bare = line.trim_end();
        let quote = "> ".repeat(depth);
        match fence {
            Some(f) if fence_of(bare) == Some(f) => fence = None,
            Some(_) => {}
            None => {
                let colons = bare.len() - bare.trim_start_matches(':').len();
                let rest = bare.get(colons..).unwrap_or_default().trim();
                if colons >= 3 && rest.is_empty() && depth > 0 {
                    depth -= 1;
                    out.push_str(&"> ".repeat(depth));
                    out.push('\n');
                    continue;
                }
                let opens = rest.starts_with("message") || rest.starts_with("details");
                if colons >= 3 && opens && depth < MAX_DEPTH {
                    let head = match rest.split_once(' ') {
                        Some(("details", title)) => format!("▶ **{}**", title.trim()),
                        Some(("message", kind)) if kind.trim() == "alert" => "⚠".to_string(),
                        _ if rest.starts_with("details") => "▶".to_string(),
                        _ => "ℹ".to_string(),
                    };
                    // A message's sign starts its text; a details title is a line of its own.
                    if head.starts_with('▶') {
                        out.push_str(&format!("{quote}> {head}\n{quote}>\n"));
                    } else {
                        out.push_str(&format!("{quote}> {head}\n"));
                    }
                    depth += 1;
                    continue;
                }
                fence = fence_of(bare);
            }
        }
        out.push_str(&quote);
        out.push_str(line);
    }
    Cow::Owned(out)
}

/// Bare `http(s)://` URLs to `<…>` links and known emoji shortcodes to emoji, in text
/// that is not code, a link or HTML. `None` when there is nothing to change.
fn inline_extensions(markdown: &str, options: Options) -> Option<String> {
    if !markdown.contains(':') && !markdown.contains("![[") {
        return None;
    }
    // Code, links, images and HTML are left alone; the text between them is scanned
    // whole (the parser cuts text events at `_`, which URLs hold).
    let mut kept: Vec<std::ops::Range<usize>> = Vec::new();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let events = Parser::new_ext(markdown, options).into_offset_iter();
    // Link definitions (`[a]: <https://…> "title"`) are no events: left as written too
    // (`<<https://…>>` would be no definition).
    let defs = events.reference_definitions();
    let mut definitions: Vec<std::ops::Range<usize>> = defs.iter().map(|(_, d)| d.span.clone()).collect();
    for (event, range) in events {
        if let Event::Start(Tag::Image {
            link_type: LinkType::WikiLink { .. },
            dest_url,
            ..
        }) = &event
        {
            if !super::wikilink::is_attachment(dest_url)
                && markdown.get(range.start..).is_some_and(|r| r.starts_with('!'))
            {
                edits.push((range.start, range.start + 1, String::new()));
            }
        }
        let keep = matches!(
            event,
            Event::Start(Tag::CodeBlock(_) | Tag::Link { .. } | Tag::Image { .. } | Tag::HtmlBlock)
                | Event::Code(_)
                | Event::InlineHtml(_)
                | Event::Html(_)
        );
        if keep && kept.last().is_none_or(|k| range.start >= k.end) {
            kept.push(range);
        }
    }
    if !definitions.is_empty() {
        kept.append(&mut definitions);
        kept.sort_by_key(|r| r.start);
    }
    let mut from = 0;
    for range in kept
        .iter()
        .cloned()
        .chain(std::iter::once(markdown.len()..markdown.len()))
    {
        let text = markdown.get(from..range.start).unwrap_or_default();
        edits_in(text, from, &mut edits);
        from = from.max(range.end);
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(markdown.len() + edits.len() * 2);
    let mut at = 0;
    for (start, end, with) in edits {
        if start < at {
            continue;
        }
        out.push_str(markdown.get(at..start).unwrap_or_default());
        out.push_str(&with);
        at = end;
    }
    out.push_str(markdown.get(at..).unwrap_or_default());
    Some(out)
}

/// GFM's autolink end: not past a space, `<` or non-ASCII text (a Japanese sentence
/// goes on right after a URL), and without trailing punctuation.
fn url_end(text: &str) -> usize {
    let end = text
        .find(|c: char| c.is_whitespace() || c == '<' || !c.is_ascii())
        .unwrap_or(text.len());
    let url = text.get(..end).unwrap_or_default();
    let trimmed = url.trim_end_matches(['.', ',', ':', ';', '"', '\'', '!', '?', '*', '_', '~']);
    // A `)` closing a `(` opened outside the URL is not part of it.
    let opens = trimmed.matches('(').count();
    let mut closes = trimmed.matches(')').count();
    let mut trimmed = trimmed;
    while trimmed.ends_with(')') && closes > opens {
        trimmed = trimmed.get(..trimmed.len() - 1).unwrap_or_default();
        closes -= 1;
    }
    trimmed.len()
}

fn edits_in(text: &str, base: usize, edits: &mut Vec<(usize, usize, String)>) {
    let mut i = 0;
    while let Some(rel) = text.get(i..).and_then(|t| t.find([':', 'h'])) {
        let at = i + rel;
        let rest = text.get(at..).unwrap_or_default();
        let before = text.get(..at).and_then(|t| t.chars().next_back());
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = url_end(rest);
            let scheme = if rest.starts_with("https") { 8 } else { 7 };
            if end > scheme && before.is_none_or(|c| !c.is_ascii_alphanumeric()) {
                let url = rest.get(..end).unwrap_or_default();
                edits.push((base + at, base + at + end, format!("<{url}>")));
                i = at + end;
                continue;
            }
        } else if rest.starts_with(':') {
            let name_len = rest
                .get(1..)
                .unwrap_or_default()
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-')))
                .unwrap_or(0);
            let name = rest.get(1..1 + name_len).unwrap_or_default();
            let closed = rest.get(1 + name_len..).is_some_and(|r| r.starts_with(':'));
            if let (true, Some(emoji)) = (closed && !name.is_empty(), emojis::get_by_shortcode(name)) {
                edits.push((base + at, base + at + name_len + 2, emoji.as_str().to_string()));
                i = at + name_len + 2;
                continue;
            }
        }
        i = at + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn display(md: &str) -> String {
        for_display(md, Options::ENABLE_TABLES).into_owned()
    }

    #[test]
    fn bare_urls_and_emoji() {
        assert_eq!(
            display("参加しました :tada: 資料は https://example.com/a_(b) です。\n"),
            "参加しました 🎉 資料は <https://example.com/a_(b)> です。\n"
        );
        assert_eq!(display("(https://x.y/z).\n"), "(<https://x.y/z>).\n");
        assert_eq!(display("https://x.y/をみて\n"), "<https://x.y/>をみて\n");
        let wiki = |md: &str| for_display(md, Options::ENABLE_WIKILINKS).into_owned();
        assert_eq!(
            wiki("![[技術/メモ]] ![[図.png]]\n"),
            "[[技術/メモ]] ![[図.png]]\n"
        );
        let untouched = "`:tada: https://x.y` [https://a.b](https://a.b) <https://c.d> 10:30:00 :nosuchemoji:\n\n```\n:tada:\n```\n";
        assert_eq!(display(untouched), untouched);
    }

    #[test]
    fn link_definitions_are_left_alone() {
        let md = "[a] [b]\n\n[a]: <https://x.y/a> \"title :tada:\"\n[b]: https://x.y/b\n";
        assert_eq!(display(md), md);
    }

    #[test]
    fn zenn_blocks_become_quotes() {
        let md =
            ":::message\n個人の感想です。\n:::\n\n:::details 補足\n参考文献。\n:::\n\n```\n:::message\n```\n";
        assert_eq!(
            display(md),
            "> ℹ\n> 個人の感想です。\n\n\n> ▶ **補足**\n>\n> 参考文献。\n\n\n```\n:::message\n```\n"
        );
        assert_eq!(display(":::message alert\n危険\n:::\n"), "> ⚠\n> 危険\n\n");
        // Unclosed: the rest is in the box; stray closers are text.
        assert_eq!(display(":::\n"), ":::\n");
    }
}
