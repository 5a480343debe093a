//! Inline `#tags` in note text, by Obsidian's rules.
//!
//! A tag is `#` at the start of a line or after a space, then letters (any script:
//! `#イベント`), digits, `_`, `-` or `/`, with at least one that is not a digit (`#123`
//! is an issue number). Never in code, a heading, a link or HTML.

use std::collections::HashSet;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '/')
}

/// The inline tags of a Markdown text (read with `options`), in order, each once
/// (ignoring case).
pub fn inline_tags(markdown: &str, options: Options) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    // Containers whose text holds no tags: code blocks, headings, links, images.
    let mut skip = 0usize;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::Heading { .. } | Tag::Link { .. } | Tag::Image { .. }) => {
                skip += 1;
            }
            Event::End(TagEnd::CodeBlock | TagEnd::Heading(_) | TagEnd::Link | TagEnd::Image) => {
                skip = skip.saturating_sub(1);
            }
            Event::Text(_) if skip == 0 => {
                let prev = markdown.get(..range.start).and_then(|s| s.chars().next_back());
                let text = markdown.get(range).unwrap_or_default();
                scan(text, prev, &mut tags, &mut seen);
            }
            _ => {}
        }
    }
    tags
}

fn scan(text: &str, mut prev: Option<char>, tags: &mut Vec<String>, seen: &mut HashSet<String>) {
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let starts = c == '#' && prev.is_none_or(char::is_whitespace);
        prev = Some(c);
        if !starts {
            continue;
        }
        let from = at + c.len_utf8();
        let mut to = from;
        while let Some(&(i, next)) = chars.peek() {
            if !is_tag_char(next) {
                break;
            }
            to = i + next.len_utf8();
            prev = Some(next);
            chars.next();
        }
        let tag = text.get(from..to).unwrap_or_default().trim_end_matches('/');
        if !tag.is_empty() && !tag.chars().all(|c| c.is_ascii_digit()) && seen.insert(tag.to_lowercase()) {
            tags.push(tag.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obsidian_rules() {
        let text = "有明で2日間。 #イベント #kubernetes、#Kubernetes\n#日報\n\n\
                    ```\n#コード\n```\n\n`#inline` と #123 と a#b と ##見出し と [#リンク](x) と #a/b/\n\n## 見出し #no\n";
        assert_eq!(
            inline_tags(text, Options::ENABLE_WIKILINKS),
            ["イベント", "kubernetes", "日報", "a/b"]
        );
    }

    #[test]
    fn html_and_escapes_give_none() {
        assert!(inline_tags("<div>\n#html\n</div>\n\n\\#escaped\n", Options::ENABLE_WIKILINKS).is_empty());
    }
}
