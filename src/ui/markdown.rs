//! Markdown fragment → wrapped ratatui lines for the note pane, with link, match and heading spots.

use std::mem::take;
use std::ops::Range;

use pulldown_cmark::{Alignment, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::theme::Theme;

mod footnotes;
pub use footnotes::{FOOTNOTES_HERE, PLACE_SCHEME};

const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);
const BULLETS: [&str; 3] = ["• ", "◦ ", "▪ "];
/// Quote gutters and list indents are dropped (outermost first) before the text gets narrower than this.
const MIN_TEXT: usize = 8;
/// Kinsoku: never at the start of a line.
const NO_START: &str = "〜～、。，．・：；？！゛゜ヽヾゝゞ々ー）］｝」』】〕〉》〙〗〟’”｠»ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ…‥,.:;!?)]}%";
/// Drawn where a word or URL too long for the line is cut.
const CUT_SIGN: &str = "↩";
/// Kinsoku: never at the end of a line.
const NO_END: &str = "（［｛「『【〔〈《〘〖〝‘“｟«([{";

/// What the note pane needs besides the lines.
#[derive(Debug, Clone, Default)]
pub struct RenderedNote {
    pub lines: Vec<Line<'static>>,
    /// Every link in document order (images included as links to their URL).
    pub links: Vec<LinkSpot>,
    /// Every search match, in document order (line index + display columns);
    /// a match wrapped over several lines has one entry per line piece.
    pub matches: Vec<Spot>,
    /// Every heading, in document order: the note's outline.
    pub headings: Vec<Heading>,
    /// Places a link of [`PLACE_SCHEME`] leads to (`fn-1`: footnote 1), with their lines.
    pub places: Vec<(String, usize)>,
}

/// A heading: its level (1 for `#`), its text and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub line: usize,
}

/// A link may wrap over several lines: one Spot per piece, covering the link text (not its `[n]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkSpot {
    pub href: String,
    pub text: String,
    pub spots: Vec<Spot>,
}

/// Display columns within one line, end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spot {
    pub line: usize,
    pub col_start: u16,
    pub col_end: u16,
}

pub struct RenderOptions<'a> {
    /// Wrap width in terminal columns (0 is treated as 1).
    pub width: u16,
    /// Colours and attributes.
    pub theme: &'a Theme,
    /// Index into links: drawn with the theme's `selected_link`.
    pub selected_link: Option<usize>,
    /// Index into matches: that piece is drawn with the theme's `current_match`.
    pub current_match: Option<usize>,
    /// Finds search matches in a block's plain text; returns byte ranges into the given &str.
    pub find_matches: &'a dyn Fn(&str) -> Vec<Range<usize>>,
}

pub fn render(markdown: &str, opts: &RenderOptions) -> RenderedNote {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_WIKILINKS;
    let mut r = Renderer::new(opts);
    let markdown = crate::core::gfm::for_display(markdown, options);
    let (events, notes, here) = footnotes::split(Parser::new_ext(&markdown, options));
    r.notes = notes;
    for (i, ev) in events.into_iter().enumerate() {
        if Some(i) == here {
            r.footnote_section();
        }
        r.event(ev);
    }
    r.flush();
    r.footnote_section();
    r.out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Text, // document text: searchable
    Soft, // a soft break drawn as a space: searchable as one
    Hard, // a hard break: never drawn, ends the line
    Deco, // added by the renderer (padding, `[image: `): not searchable
    Mark, // a link's `[n]`: not searchable, glued to the text before it
}

/// A char plus any zero-width chars after it, so wrapping never splits a character.
#[derive(Clone, Debug)]
struct Cell {
    ch: char,
    range: Range<usize>,
    w: usize,
    style: Style,
    kind: Kind,
    link: Option<usize>,
    /// Match id, unique over the whole render.
    mat: Option<usize>,
}

impl Cell {
    fn is_space(&self) -> bool {
        self.ch == ' '
    }
}

/// One text block's styled cells; `text` owns the characters they point into.
#[derive(Clone, Default, Debug)]
struct Block {
    text: String,
    cells: Vec<Cell>,
}

impl Block {
    fn push(&mut self, s: &str, style: Style, kind: Kind, link: Option<usize>) {
        for c in s.chars() {
            let c = match c {
                '\n' if kind == Kind::Hard => '\n',
                '\t' | '\n' | '\r' => ' ',
                c if crate::printable::is_unsafe(c) => continue,
                c => c,
            };
            let start = self.text.len();
            self.text.push(c);
            let joins = kind != Kind::Hard
                && self.cells.last().is_some_and(|l| {
                    l.kind != Kind::Hard
                        && (c.width() == Some(0) || self.text[l.range.clone()].ends_with('\u{200D}'))
                });
            match self.cells.last_mut() {
                Some(last) if joins => {
                    last.range.end = self.text.len();
                    last.w = self.text[last.range.clone()].width();
                }
                _ => {
                    let range = start..self.text.len();
                    let w = if kind == Kind::Hard {
                        0
                    } else {
                        self.text[range.clone()].width()
                    };
                    self.cells.push(Cell {
                        ch: c,
                        range,
                        w,
                        style,
                        kind,
                        link,
                        mat: None,
                    });
                }
            }
        }
    }

    fn append(&mut self, other: &Block) {
        let off = self.text.len();
        self.text.push_str(&other.text);
        let shift = |c: &Cell| Cell {
            range: c.range.start + off..c.range.end + off,
            ..c.clone()
        };
        self.cells.extend(other.cells.iter().map(shift));
    }

    fn width(&self) -> usize {
        self.cells.iter().map(|c| c.w).sum()
    }
}

/// A quote, list item or footnote: what it draws before each line of its content.
struct Container {
    first: String, // on the first line of the content only (a bullet)
    rest: String,
    style: Style,
    used: bool,
}

fn container(first: impl Into<String>, rest: impl Into<String>, style: Style) -> Container {
    Container {
        first: first.into(),
        rest: rest.into(),
        style,
        used: false,
    }
}

/// An open link or match piece: its id and start column.
type Run = Option<(usize, usize)>;

#[derive(Default)]
struct Table {
    aligns: Vec<Alignment>,
    rows: Vec<Vec<Block>>,
    head_rows: usize,
    row: Vec<Block>,
}

struct Renderer<'o, 'a> {
    opts: &'o RenderOptions<'a>,
    width: usize,
    out: RenderedNote,
    next_match_id: usize,
    containers: Vec<Container>,
    /// Next number of each open list; None for bullet lists.
    lists: Vec<Option<u64>>,
    styles: Vec<Style>,
    open_links: Vec<usize>,
    inline: Block,
    code: Option<String>,
    table: Option<Table>,
    need_blank: bool,
    notes: footnotes::Notes,
}

impl<'o, 'a> Renderer<'o, 'a> {
    fn new(opts: &'o RenderOptions<'a>) -> Self {
        Renderer {
            opts,
            width: usize::from(opts.width.max(1)),
            out: RenderedNote::default(),
            next_match_id: 0,
            containers: Vec::new(),
            lists: Vec::new(),
            styles: Vec::new(),
            open_links: Vec::new(),
            inline: Block::default(),
            code: None,
            table: None,
            need_blank: false,
            notes: footnotes::Notes::default(),
        }
    }

    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, s: Style) {
        self.styles.push(self.style().patch(s));
    }

    fn event(&mut self, ev: Event) {
        match ev {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t, self.style(), Kind::Text),
            Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.text(&t, self.style().patch(self.opts.theme.code), Kind::Text)
            }
            Event::InlineHtml(h) => {
                // Formatting tags format, as on GitHub; other tags are not shown.
                let tag = h.trim().to_ascii_lowercase();
                match tag.as_str() {
                    t if t.starts_with("<br") => self.inline.push("\n", self.style(), Kind::Hard, None),
                    "<b>" | "<strong>" => self.push_style(BOLD),
                    "<i>" | "<em>" => self.push_style(Style::new().add_modifier(Modifier::ITALIC)),
                    "<kbd>" | "<code>" => self.push_style(self.opts.theme.code),
                    "</b>" | "</strong>" | "</i>" | "</em>" | "</kbd>" | "</code>" => {
                        self.styles.pop();
                    }
                    _ => {}
                }
            }
            // The text of block HTML (a pasted tweet, `<details>`), without its tags.
            Event::Html(h) => {
                for line in crate::core::text::html_text(&h)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                {
                    if !self.inline.cells.is_empty() {
                        self.inline.push("\n", self.style(), Kind::Hard, None);
                    }
                    self.text(line.trim(), self.style(), Kind::Text);
                }
            }
            Event::FootnoteReference(label) => self.footnote_reference(&label),
            Event::SoftBreak => self.text(" ", self.style(), Kind::Soft),
            Event::HardBreak => self.inline.push("\n", self.style(), Kind::Hard, None),
            Event::Rule => {
                self.begin();
                let dim = self.opts.theme.dim;
                self.raw(|avail| vec![Span::styled("─".repeat(avail), dim)]);
                self.need_blank = true;
            }
            Event::TaskListMarker(done) => {
                if let Some(c) = self.containers.last_mut().filter(|c| !c.used) {
                    *c = container(if done { "☑ " } else { "☐ " }, "  ", c.style);
                }
            }
        }
    }

    fn text(&mut self, t: &str, style: Style, kind: Kind) {
        if let Some(code) = &mut self.code {
            code.push_str(t);
            return;
        }
        for &id in &self.open_links {
            if let Some(l) = self.out.links.get_mut(id) {
                l.text.push_str(t);
            }
        }
        let link = self.open_links.last().copied();
        self.inline.push(t, style, kind, link);
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock => self.begin(),
            Tag::Heading { level, .. } => {
                self.begin();
                self.push_style(heading_style(self.opts.theme, level));
            }
            Tag::BlockQuote(_) => self.open_container(container("│ ", "│ ", self.opts.theme.quote)),
            Tag::CodeBlock(_) => {
                self.begin();
                self.code = Some(String::new());
            }
            Tag::List(start) => {
                self.begin();
                self.lists.push(start);
            }
            Tag::Item => {
                let depth = self.lists.len().max(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n = n.saturating_add(1);
                        m
                    }
                    _ => BULLETS[(depth - 1) % BULLETS.len()].to_string(),
                };
                let rest = " ".repeat(marker.width());
                self.open_container(container(marker, rest, self.opts.theme.list_marker));
            }
            Tag::FootnoteDefinition(label) => {
                let mut first = Block::default();
                let dim = self.opts.theme.dim;
                first.push(&format!("[^{label}] "), dim, Kind::Deco, None);
                self.open_container(container(first.text, "  ", dim));
            }
            Tag::Table(aligns) => {
                self.begin();
                self.table = Some(Table {
                    aligns,
                    ..Table::default()
                });
            }
            Tag::TableHead | Tag::Strong => self.push_style(BOLD),
            Tag::TableCell => self.inline = Block::default(),
            Tag::Emphasis => self.push_style(Style::new().add_modifier(Modifier::ITALIC)),
            Tag::Strikethrough => self.push_style(Style::new().add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => self.open_link(dest_url.to_string()),
            Tag::Image { dest_url, .. } => {
                self.open_link(dest_url.to_string());
                let link = self.open_links.last().copied();
                self.inline.push("[image: ", self.style(), Kind::Deco, link);
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Heading(_) => {
                if let TagEnd::Heading(level) = tag {
                    let b = &self.inline;
                    let text: String = (b.cells.iter())
                        .filter(|c| matches!(c.kind, Kind::Text | Kind::Soft))
                        .map(|c| &b.text[c.range.clone()])
                        .collect();
                    self.out.headings.push(Heading {
                        level: level as u8,
                        text: text.trim().to_string(),
                        line: self.out.lines.len(),
                    });
                }
                self.flush();
                self.need_blank = true;
                if tag != TagEnd::Paragraph {
                    self.styles.pop();
                }
            }
            TagEnd::BlockQuote(_) | TagEnd::FootnoteDefinition => {
                self.flush();
                self.containers.pop();
                self.need_blank = true;
            }
            TagEnd::HtmlBlock => {
                self.flush();
                self.need_blank = true;
            }
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                self.code_block(&code);
                self.need_blank = true;
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                // A nested list ending inside a tight item must not open a gap before the next item.
                self.need_blank |= self.lists.is_empty();
            }
            TagEnd::Item => {
                self.flush();
                if self.containers.last().is_some_and(|c| !c.used) {
                    self.raw(|_| Vec::new()); // an empty item still shows its bullet
                }
                self.containers.pop();
            }
            TagEnd::TableCell => {
                let mut b = take(&mut self.inline);
                for c in b.cells.iter_mut().filter(|c| c.kind == Kind::Hard) {
                    b.text.replace_range(c.range.clone(), " ");
                    (c.ch, c.kind, c.w) = (' ', Kind::Soft, 1);
                }
                self.finish(&mut b);
                if let Some(t) = &mut self.table {
                    t.row.push(b);
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(t) = &mut self.table {
                    let row = take(&mut t.row);
                    t.rows.push(row);
                    if tag == TagEnd::TableHead {
                        t.head_rows = t.rows.len();
                        self.styles.pop();
                    }
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.render_table(t);
                }
                self.need_blank = true;
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link | TagEnd::Image => {
                let link = self.open_links.pop();
                if tag == TagEnd::Image {
                    self.inline.push("]", self.style(), Kind::Deco, link);
                }
                self.styles.pop();
                if let Some(id) = link {
                    self.inline.push(
                        &format!("[{}]", id + 1),
                        self.opts.theme.link_marker,
                        Kind::Mark,
                        None,
                    );
                }
            }
            _ => {}
        }
    }

    /// Before a block: emits the text gathered so far (a tight list item's) and any pending gap.
    fn begin(&mut self) {
        self.flush();
        if take(&mut self.need_blank) && !self.out.lines.is_empty() {
            let (mut spans, _) = self.prefix(false);
            while spans.last().is_some_and(|s| s.content.trim_end().is_empty()) {
                spans.pop();
            }
            if let Some(last) = spans.last_mut() {
                last.content = last.content.trim_end().to_string().into();
            }
            self.out.lines.push(Line::from(spans));
        }
    }

    fn open_container(&mut self, c: Container) {
        self.begin();
        self.containers.push(c);
    }

    fn open_link(&mut self, href: String) {
        self.out.links.push(LinkSpot {
            href,
            ..LinkSpot::default()
        });
        self.open_links.push(self.out.links.len() - 1);
        self.push_style(self.opts.theme.link);
    }

    fn flush(&mut self) {
        if !self.inline.cells.is_empty() {
            let mut b = take(&mut self.inline);
            self.finish(&mut b);
            self.emit(b, false, None);
        }
    }

    /// Drops soft breaks between CJK characters (Japanese has no spaces) and marks search matches.
    fn finish(&mut self, b: &mut Block) {
        let c = &b.cells;
        let soft: Vec<usize> = (1..c.len().saturating_sub(1))
            .filter(|&i| c[i].kind == Kind::Soft && c[i - 1].w == 2 && c[i + 1].w == 2)
            .collect();
        for i in soft.into_iter().rev() {
            b.cells.remove(i);
        }
        self.mark_matches(b);
    }

    fn mark_matches(&mut self, b: &mut Block) {
        let mut plain = String::new();
        let mut at = Vec::with_capacity(b.cells.len()); // each cell's byte range in `plain`
        for c in &b.cells {
            let start = plain.len();
            if matches!(c.kind, Kind::Text | Kind::Soft | Kind::Hard) {
                plain.push_str(&b.text[c.range.clone()]);
            }
            at.push(start..plain.len());
        }
        if plain.is_empty() {
            return;
        }
        let mut found = (self.opts.find_matches)(&plain);
        found.retain(|r| r.start < r.end && plain.get(r.clone()).is_some());
        found.sort_by_key(|r| (r.start, r.end));
        let (mut last_end, mut first) = (0, 0);
        for r in found {
            if r.start < last_end {
                continue; // an overlapping match would fight over the same cells
            }
            last_end = r.end;
            while at.get(first).is_some_and(|s| s.end <= r.start) {
                first += 1;
            }
            let cells = b.cells[first..].iter_mut().zip(&at[first..]);
            for (c, s) in cells.take_while(|(_, s)| s.start < r.end) {
                if c.mat.is_none() && r.start < s.end {
                    c.mat = Some(self.next_match_id);
                }
            }
            self.next_match_id += 1;
        }
    }

    /// The containers' prefix for the next line, without the outermost parts that would leave the text too narrow.
    fn prefix(&self, first: bool) -> (Vec<Span<'static>>, usize) {
        let mut spans: Vec<Span<'static>> = self
            .containers
            .iter()
            .map(|c| Span::styled(if first && !c.used { &c.first } else { &c.rest }.clone(), c.style))
            .collect();
        let mut w: usize = spans.iter().map(Span::width).sum();
        while w > self.width - self.width.min(MIN_TEXT) {
            w -= spans.remove(0).width();
        }
        (spans, w)
    }

    /// One unwrapped line after the prefix; `make` gets the columns left.
    fn raw(&mut self, make: impl FnOnce(usize) -> Vec<Span<'static>>) {
        let (mut spans, pw) = self.prefix(true);
        spans.extend(make(self.width - pw));
        self.out.lines.push(Line::from(spans));
        self.containers.iter_mut().for_each(|c| c.used = true);
    }

    /// Wraps and emits a block; `code` wraps anywhere and keeps spaces, `fill` pads lines to the width.
    fn emit(&mut self, mut b: Block, code: bool, fill: Option<Style>) {
        let (first, rest) = (
            self.width - self.prefix(true).1,
            self.width - self.prefix(false).1,
        );
        // A wide character cannot fit a 1-column line: a narrow stand-in beats overflowing.
        for c in b.cells.iter_mut().filter(|c| c.w > first.min(rest)) {
            let s = b.text.len();
            b.text.push('…');
            (c.range, c.ch, c.w) = (s..b.text.len(), '…', 1);
        }
        for (k, (r, cut)) in wrap(&b.cells, first, rest, code).into_iter().enumerate() {
            let line = self.out.lines.len();
            let (mut spans, mut col) = self.prefix(k == 0);
            let (mut run, mut run_style) = (String::new(), Style::default());
            let (mut link, mut mat): (Run, Run) = (None, None);
            for c in &b.cells[r] {
                if link.map(|l| l.0) != c.link {
                    self.close(line, col, link.take(), None);
                    link = c.link.map(|id| (id, col));
                }
                if mat.map(|m| m.0) != c.mat {
                    self.close(line, col, None, mat.take());
                    mat = c.mat.map(|m| (m, col));
                }
                // A match inside the selected link shows as a match: reversed colours would hide it.
                let st = if c.mat.is_some() {
                    let current = self.opts.current_match == Some(self.out.matches.len());
                    let t = self.opts.theme;
                    c.style.patch(if current { t.current_match } else { t.matched })
                } else if c.link.is_some() && c.link == self.opts.selected_link {
                    c.style.patch(self.opts.theme.selected_link)
                } else {
                    c.style
                };
                if st != run_style && !run.is_empty() {
                    spans.push(Span::styled(take(&mut run), run_style));
                }
                run_style = st;
                run.push_str(&b.text[c.range.clone()]);
                col += c.w;
            }
            self.close(line, col, link, mat);
            spans.push(Span::styled(run, run_style));
            if cut {
                spans.push(Span::styled(CUT_SIGN, self.opts.theme.dim));
                col += 1;
            }
            if let Some(f) = fill.filter(|_| col < self.width) {
                spans.push(Span::styled(" ".repeat(self.width - col), f));
            }
            self.out.lines.push(Line::from(spans));
            self.containers.iter_mut().for_each(|c| c.used = true);
        }
    }

    /// Records the link and match pieces that end at `end` (a lone combining mark has no columns: skipped).
    fn close(&mut self, line: usize, end: usize, link: Run, mat: Run) {
        if let Some((id, start)) = link.filter(|l| l.1 < end) {
            if let Some(l) = self.out.links.get_mut(id) {
                l.spots.push(spot(line, start, end));
            }
        }
        if let Some((_, start)) = mat.filter(|m| m.1 < end) {
            self.out.matches.push(spot(line, start, end));
        }
    }

    fn code_block(&mut self, code: &str) {
        for line in code.strip_suffix('\n').unwrap_or(code).split('\n') {
            let mut expanded = String::new();
            for c in line.chars() {
                match c {
                    '\t' => expanded.extend(std::iter::repeat_n(' ', 4 - expanded.width() % 4)),
                    c => expanded.push(c),
                }
            }
            let mut b = Block::default();
            let style = self.opts.theme.code_block;
            b.push(&expanded, style, Kind::Text, None);
            self.mark_matches(&mut b);
            self.emit(b, true, Some(style));
        }
    }

    fn render_table(&mut self, t: Table) {
        let dim = self.opts.theme.dim;
        let ncols = t.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; ncols];
        for row in &t.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        let total = widths.iter().sum::<usize>() + 3 * ncols.saturating_sub(1);
        if ncols > 0 && total <= self.width - self.prefix(true).1.max(self.prefix(false).1) {
            for (ri, row) in t.rows.iter().enumerate() {
                let mut b = Block::default();
                for (ci, &w) in widths.iter().enumerate() {
                    let cell = row.get(ci);
                    let pad = w - cell.map_or(0, Block::width);
                    let (l, r) = match t.aligns.get(ci) {
                        Some(Alignment::Right) => (pad, 0),
                        Some(Alignment::Center) => (pad / 2, pad - pad / 2),
                        _ => (0, pad),
                    };
                    b.push(if ci > 0 { " │ " } else { "" }, dim, Kind::Deco, None);
                    b.push(&" ".repeat(l), Style::default(), Kind::Deco, None);
                    if let Some(cell) = cell {
                        b.append(cell);
                    }
                    b.push(&" ".repeat(r), Style::default(), Kind::Deco, None);
                }
                self.emit(b, true, None);
                if ri + 1 == t.head_rows {
                    let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
                    self.raw(|_| vec![Span::styled(rule.join("─┼─"), dim)]);
                }
            }
            return;
        }
        // Too wide: a block per row, a `header: value` paragraph per cell.
        let (labels, body) = match t.rows.split_at_checked(t.head_rows) {
            Some((head, body)) if !body.is_empty() => (head.first(), body),
            _ => (None, &t.rows[..]),
        };
        for (ri, row) in body.iter().enumerate() {
            self.need_blank = ri > 0;
            self.begin();
            for (ci, cell) in row.iter().enumerate() {
                let mut b = Block::default();
                if let Some(label) = labels.and_then(|h| h.get(ci)).filter(|h| !h.cells.is_empty()) {
                    let mut label = label.clone();
                    for c in label.cells.iter_mut().filter(|_| ri > 0) {
                        c.mat = None; // a header match counts once, on the first row
                    }
                    b.append(&label);
                    b.push(": ", BOLD, Kind::Deco, None);
                }
                b.append(cell);
                self.containers.push(container("", "  ", self.opts.theme.dim));
                self.emit(b, false, None);
                self.containers.pop();
            }
        }
    }
}

fn heading_style(t: &Theme, level: HeadingLevel) -> Style {
    match level {
        HeadingLevel::H1 => t.heading1,
        HeadingLevel::H2 => t.heading2,
        _ => t.heading3,
    }
}

fn spot(line: usize, start: usize, end: usize) -> Spot {
    let col = |x: usize| u16::try_from(x).unwrap_or(u16::MAX);
    Spot {
        line,
        col_start: col(start),
        col_end: col(end),
    }
}

/// Whether a prose line may end between `a` and `b`: after spaces, around CJK, never before a
/// kinsoku character (not even after a space or a Latin word).
fn can_break(a: &Cell, b: &Cell) -> bool {
    if b.w == 0 || b.kind == Kind::Mark || b.is_space() || NO_START.contains(b.ch) {
        return false;
    }
    a.is_space() || ((a.w == 2 || b.w == 2) && !NO_END.contains(a.ch))
}

/// Where to cut a line that has no place to break before column `avail` (`j` is the cell
/// that overflows). Between two Latin characters it is a word cut: one column is kept for
/// [`CUT_SIGN`]. Either way the cut never leaves a kinsoku character at the start of the
/// next line, where the line has room to carry the character before it down too.
fn cut_word(cells: &[Cell], start: usize, j: usize, avail: usize) -> (usize, bool) {
    let starts_badly = |e: usize| {
        (cells.get(e..).unwrap_or_default().iter())
            .find(|c| !c.is_space())
            .is_some_and(|c| c.kind == Kind::Mark || NO_START.contains(c.ch))
    };
    let narrow = |c: Option<&Cell>| c.is_some_and(|c| c.w == 1 && !c.is_space());
    let in_word = |e: usize| e > start && narrow(cells.get(e - 1)) && narrow(cells.get(e));
    let width = |e: usize| {
        cells
            .get(start..e)
            .map_or(0, |r| r.iter().map(|c| c.w).sum::<usize>())
    };
    let mut e = j.max(start + 1);
    while e > start + 1 && starts_badly(e) {
        e -= 1;
    }
    if avail < 2 || !in_word(e) {
        return (e, false);
    }
    while e > start + 1 && (width(e) + 1 > avail || starts_badly(e)) {
        e -= 1;
    }
    (e, in_word(e) && width(e) < avail)
}

/// Greedy line breaking; returns the cells drawn on each line (hard breaks, and prose spaces at line
/// ends, left out), and whether a word was cut at its end. No cell may be wider than `min(first, rest)`.
fn wrap(cells: &[Cell], first: usize, rest: usize, code: bool) -> Vec<(Range<usize>, bool)> {
    let mut rows = Vec::new();
    let mut i = 0;
    while i < cells.len() || (code && rows.is_empty()) {
        let avail = if rows.is_empty() { first } else { rest };
        while !code && cells.get(i).is_some_and(Cell::is_space) {
            i += 1;
        }
        if !code && i == cells.len() {
            break;
        }
        let (start, mut w, mut brk, mut j) = (i, 0, None, i);
        let (end, next, cut) = loop {
            let Some(c) = cells.get(j) else {
                break (j, j, false);
            };
            if c.kind == Kind::Hard {
                break (j, j + 1, false);
            }
            if !code && j > start && c.w > 0 && can_break(&cells[j - 1], c) {
                brk = Some(j);
            }
            // Prose spaces may hang past the edge: they are trimmed off the line end.
            if c.w > 0 && (code || !c.is_space()) && w + c.w > avail {
                break match brk {
                    Some(b) => (b, b, false),
                    None => {
                        let (e, cut) = cut_word(cells, start, j, avail);
                        (e, e, cut)
                    }
                };
            }
            w += c.w;
            j += 1;
        };
        let mut e = end;
        while !code && e > start && (cells[e - 1].is_space() || cells[e - 1].w == 0) {
            e -= 1;
        }
        rows.push((start..e, cut));
        i = next;
    }
    rows
}

#[cfg(test)]
mod tests;
