//! Untrusted text (titles, file names, warnings) made safe to print on a terminal.
//!
//! A note from a shared repository must not be able to drive the reader's terminal: an
//! `ESC ]2;…BEL` in a title would retitle it, `ESC [?25l` hide the cursor, and a bidi
//! override (U+202E) make a line read differently from what it contains. The command line
//! shows such characters escaped (`\u{1b}`), so a strange file name can still be found; the
//! app drops them from every cell it draws.

use std::borrow::Cow;
use std::fmt::Write;

use ratatui::buffer::Buffer;

/// C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One line of output: tabs and line breaks become spaces, other unsafe characters are
/// escaped.
pub fn line(s: &str) -> Cow<'_, str> {
    clean(s, |c, out| match c {
        '\t' | '\n' | '\r' => out.push(' '),
        c => escape(c, out),
    })
}

/// A block of text: line breaks and tabs stay (they are its structure), a CR before LF is
/// dropped, and every other unsafe character is escaped.
pub fn block(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' if chars.peek() == Some(&'\n') => {}
            c if is_unsafe(c) => escape(c, &mut out),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The text without its unsafe characters.
pub fn strip(s: &str) -> Cow<'_, str> {
    clean(s, |_, _| {})
}

/// Removes unsafe characters from every cell of a drawn frame. ratatui already drops C0
/// and C1 controls, but it glues zero-width characters such as U+202E to the cell before
/// them; one pass over the frame covers every pane, title and overlay at once.
pub fn scrub(buf: &mut Buffer) {
    for cell in &mut buf.content {
        if cell.symbol().chars().any(is_unsafe) {
            let clean = strip(cell.symbol()).into_owned();
            cell.set_symbol(if clean.is_empty() { " " } else { &clean });
        }
    }
}

/// JSON text safe to print: serde_json escapes C0 controls but leaves DEL, C1 controls and
/// bidi overrides raw; outside strings JSON has only ASCII, so any of them left is inside a
/// string, where `\uXXXX` means the same character to a JSON reader.
pub fn json(s: &str) -> Cow<'_, str> {
    clean(s, |c, out| match c {
        '\n' => out.push(c),
        c => {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
    })
}

fn clean(s: &str, mut replace: impl FnMut(char, &mut String)) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            replace(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn escape(c: char, out: &mut String) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a\u{1b}]2;pwned\u{7}b\u{202e}c\u{9b}d\u{2066}e\u{7f}";

    #[test]
    fn line_escapes_every_control_and_bidi_character() {
        let out = line(HOSTILE);
        assert!(!out.chars().any(is_unsafe), "{out:?}");
        assert_eq!(out, "a\\u{1b}]2;pwned\\u{7}b\\u{202e}c\\u{9b}d\\u{2066}e\\u{7f}");
        assert_eq!(line("one\ttwo\nthree\r"), "one two three ");
    }

    #[test]
    fn block_keeps_its_lines() {
        assert_eq!(block("a\r\nb\tc\n\u{1b}[2J"), "a\nb\tc\n\\u{1b}[2J");
        assert_eq!(block("x\ry"), "x\\u{d}y");
    }

    #[test]
    fn clean_text_is_borrowed_untouched() {
        for s in ["秘匿情報 ｓｐｉｎｎａｋｅｒ", "👩‍💻 e\u{301}", ""] {
            assert!(matches!(line(s), Cow::Borrowed(_)));
            assert!(matches!(block(s), Cow::Borrowed(_)));
            assert!(matches!(strip(s), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn json_stays_json_with_the_same_strings() {
        let value = serde_json::json!({ "title": HOSTILE, "n": [1, 2] });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = json(&text);
        assert!(!safe.chars().any(|c| is_unsafe(c) && c != '\n'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn strip_drops_them() {
        assert_eq!(strip(HOSTILE), "a]2;pwnedbcde");
    }

    #[test]
    fn scrub_cleans_zero_width_characters_glued_to_a_cell() {
        use ratatui::layout::Rect;
        use ratatui::text::Line;
        use ratatui::widgets::Widget;
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        Line::from("ab\u{202e}c\u{2066}").render(buf.area, &mut buf);
        assert!(buf.content.iter().any(|c| c.symbol().chars().any(is_unsafe)));
        scrub(&mut buf);
        let text: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(text, "abc       ");
    }
}
