//! Markdown fragment → wrapped ratatui lines for the note pane, with link and search-match spots, plus the shared text styles.

use std::mem::take;
use std::ops::Range;

use pulldown_cmark::{Alignment, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub const LINK: Style = Style::new()
    .fg(Color::LightBlue)
    .add_modifier(Modifier::UNDERLINED);
/// The `[n]` after a link.
pub const LINK_MARKER: Style = Style::new().fg(Color::DarkGray);
/// Patched on top of the link style.
pub const SELECTED_LINK: Style = Style::new().add_modifier(Modifier::REVERSED.union(Modifier::BOLD));
pub const MATCH: Style = Style::new().fg(Color::Black).bg(Color::Yellow);
pub const CURRENT_MATCH: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::LightMagenta)
    .add_modifier(Modifier::BOLD);
/// Inline `code`.
pub const CODE: Style = Style::new().fg(Color::LightYellow);
pub const CODE_BLOCK: Style = Style::new().fg(Color::Gray).bg(Color::Indexed(236));
pub const HEADING: Style = Style::new().fg(Color::LightCyan).add_modifier(Modifier::BOLD);
/// The `│ ` gutter of block quotes.
pub const QUOTE: Style = Style::new().fg(Color::DarkGray);
pub const LIST_MARKER: Style = Style::new().fg(Color::LightCyan);
/// HTML, table rules, footnote labels.
pub const DIM: Style = Style::new().fg(Color::DarkGray);

const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);
const BULLETS: [&str; 3] = ["• ", "◦ ", "▪ "];
/// Container prefixes (quote gutters, list indents) are cut before the text gets narrower than this.
const MIN_TEXT: usize = 8;
/// Kinsoku: never at the start of a line.
const NO_START: &str = "、。，．・：；？！゛゜ヽヾゝゞ々ー）］｝」』】〕〉》〙〗〟’”｠»ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ…‥,.:;!?)]}%";
/// Kinsoku: never at the end of a line.
const NO_END: &str = "（［｛「『【〔〈《〘〖〝‘“｟«([{";

/// What the note pane needs besides the lines.
#[derive(Debug, Clone, Default)]
pub struct RenderedNote {
    pub lines: Vec<Line<'static>>,
    /// Every link in document order (images included as links to their URL).
    pub links: Vec<LinkSpot>,
    /// Every search match, in document order (line index + display columns).
    /// A match wrapped over several lines has one entry per piece.
    pub matches: Vec<Spot>,
}

/// A link; it may wrap over several lines: one Spot per piece (the `[n]` marker is not covered).
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Index into links: drawn with [`SELECTED_LINK`].
    pub selected_link: Option<usize>,
    /// Index into matches: every piece of that match is drawn with [`CURRENT_MATCH`].
    pub current_match: Option<usize>,
    /// Finds search matches in a block's plain text; returns byte ranges into the given &str.
    pub find_matches: &'a dyn Fn(&str) -> Vec<Range<usize>>,
}

pub fn render(markdown: &str, opts: &RenderOptions) -> RenderedNote {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_FOOTNOTES;
    let mut r = Renderer::new(opts);
    for ev in Parser::new_ext(markdown, options) {
        r.event(ev);
    }
    r.flush();
    RenderedNote {
        lines: r.lines,
        links: r.links,
        matches: r.matches,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Document text: searchable.
    Text,
    /// A soft break shown as a space: searchable as a space.
    Soft,
    /// A hard break: never drawn, forces a new line.
    Hard,
    /// Added by the renderer (padding, `[image: `): not searchable.
    Deco,
    /// A link's `[n]`: not searchable, and glued to what precedes it.
    Marker,
}

/// One grapheme-ish cluster (a char plus any zero-width chars after it), so wrapping never splits one.
#[derive(Clone, Debug)]
struct Cell {
    ch: char,
    range: Range<usize>,
    w: usize,
    style: Style,
    kind: Kind,
    link: Option<usize>,
    /// Logical match id, unique over the whole render.
    mat: Option<usize>,
}

impl Cell {
    fn is_space(&self) -> bool {
        self.ch == ' '
    }
}

/// A text block's styled clusters; `text` owns the characters the cells point into.
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
                c if c.is_control() => continue,
                c => c,
            };
            let start = self.text.len();
            self.text.push(c);
            let end = self.text.len();
            let joins = kind != Kind::Hard
                && self.cells.last().is_some_and(|l| {
                    l.kind != Kind::Hard
                        && (c.width() == Some(0) || self.text[l.range.clone()].ends_with('\u{200D}'))
                });
            match self.cells.last_mut() {
                Some(last) if joins => {
                    last.range.end = end;
                    last.w = self.text[last.range.clone()].width();
                }
                _ => {
                    let w = if kind == Kind::Hard {
                        0
                    } else {
                        self.text[start..end].width()
                    };
                    self.cells.push(Cell {
                        ch: c,
                        range: start..end,
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
        let mut cells = other.cells.iter().map(|c| Cell {
            range: c.range.start + off..c.range.end + off,
            ..c.clone()
        });
        // Keep a leading combining mark on the cell before it, as `push` does.
        let glue = |l: &Cell| l.kind != Kind::Hard && l.range.end == off;
        if let (Some(last), Some(first)) = (self.cells.last_mut().filter(|l| glue(l)), other.cells.first()) {
            if first.w == 0 {
                last.range.end += first.range.len();
                cells.next();
            }
        }
        self.cells.extend(cells);
    }

    fn width(&self) -> usize {
        self.cells.iter().map(|c| c.w).sum()
    }
}

/// A quote, list item or footnote: what it draws before each line of its content.
struct Container {
    /// Drawn on the first line of the container's content only (a bullet).
    first: String,
    rest: String,
    style: Style,
    used: bool,
}

struct Table {
    aligns: Vec<Alignment>,
    rows: Vec<Vec<Block>>,
    head_rows: usize,
    row: Vec<Block>,
}

struct Renderer<'o, 'a> {
    opts: &'o RenderOptions<'a>,
    width: usize,
    lines: Vec<Line<'static>>,
    links: Vec<LinkSpot>,
    matches: Vec<Spot>,
    next_match_id: usize,
    containers: Vec<Container>,
    /// Next number of each open list; None for bullet lists.
    lists: Vec<Option<u64>>,
    styles: Vec<Style>,
    open_links: Vec<usize>,
    inline: Block,
    code: Option<String>,
    html: Option<String>,
    table: Option<Table>,
    need_blank: bool,
}

impl<'o, 'a> Renderer<'o, 'a> {
    fn new(opts: &'o RenderOptions<'a>) -> Self {
        Renderer {
            opts,
            width: usize::from(opts.width.max(1)),
            lines: Vec::new(),
            links: Vec::new(),
            matches: Vec::new(),
            next_match_id: 0,
            containers: Vec::new(),
            lists: Vec::new(),
            styles: Vec::new(),
            open_links: Vec::new(),
            inline: Block::default(),
            code: None,
            html: None,
            table: None,
            need_blank: false,
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
            Event::Text(t) => self.text(&t, self.style()),
            Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.text(&t, self.style().patch(CODE))
            }
            Event::Html(h) | Event::InlineHtml(h) => self.html(&h),
            Event::FootnoteReference(label) => {
                self.inline.push(&format!("[^{label}]"), DIM, Kind::Marker, None)
            }
            Event::SoftBreak => self.inline.push(" ", self.style(), Kind::Soft, None),
            Event::HardBreak => self.inline.push("\n", self.style(), Kind::Hard, None),
            Event::Rule => {
                self.flush();
                self.gap();
                self.raw(|avail| vec![Span::styled("─".repeat(avail), DIM)]);
                self.need_blank = true;
            }
            Event::TaskListMarker(done) => {
                if let Some(c) = self.containers.last_mut().filter(|c| !c.used) {
                    c.first = if done { "[x] " } else { "[ ] " }.into();
                    c.rest = "    ".into();
                }
            }
        }
    }

    fn text(&mut self, t: &str, style: Style) {
        if let Some(buf) = self.code.as_mut().or(self.html.as_mut()) {
            buf.push_str(t);
            return;
        }
        for &id in &self.open_links {
            if let Some(l) = self.links.get_mut(id) {
                l.text.push_str(t);
            }
        }
        let link = self.open_links.last().copied();
        self.inline.push(t, style, Kind::Text, link);
    }

    fn html(&mut self, h: &str) {
        if let Some(buf) = &mut self.html {
            buf.push_str(h);
            return;
        }
        let tag = h.trim().to_ascii_lowercase();
        if tag.starts_with("<br") {
            self.inline.push("\n", self.style(), Kind::Hard, None);
        } else if !tag.starts_with("<!--") {
            self.inline.push(h, DIM, Kind::Deco, None);
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph => {
                self.flush();
                self.gap();
            }
            Tag::Heading { level, .. } => {
                self.flush();
                self.gap();
                self.push_style(heading_style(level));
            }
            Tag::BlockQuote(_) => self.open_container("│ ".into(), "│ ".into(), QUOTE),
            Tag::CodeBlock(_) => {
                self.flush();
                self.gap();
                self.code = Some(String::new());
            }
            Tag::HtmlBlock => {
                self.flush();
                self.html = Some(String::new());
            }
            Tag::List(start) => {
                self.flush();
                self.gap();
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
                self.open_container(marker, rest, LIST_MARKER);
            }
            Tag::FootnoteDefinition(label) => {
                let mut first = Block::default();
                first.push(&format!("[^{label}] "), DIM, Kind::Deco, None);
                self.open_container(first.text, "  ".into(), DIM);
            }
            Tag::Table(aligns) => {
                self.flush();
                self.gap();
                self.table = Some(Table {
                    aligns,
                    rows: Vec::new(),
                    head_rows: 0,
                    row: Vec::new(),
                });
            }
            Tag::TableHead => self.push_style(BOLD),
            Tag::TableCell => self.inline = Block::default(),
            Tag::Emphasis => self.push_style(Style::new().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(BOLD),
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
                self.flush();
                if matches!(tag, TagEnd::Heading(_)) {
                    self.styles.pop();
                }
                self.need_blank = true;
            }
            TagEnd::BlockQuote(_) | TagEnd::FootnoteDefinition => {
                self.flush();
                self.containers.pop();
                self.need_blank = true;
            }
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                self.code_block(&code);
                self.need_blank = true;
            }
            TagEnd::HtmlBlock => {
                let html = strip_comments(&self.html.take().unwrap_or_default());
                let mut b = Block::default();
                for line in html.lines().filter(|l| !l.trim().is_empty()) {
                    if !b.cells.is_empty() {
                        b.push("\n", DIM, Kind::Hard, None);
                    }
                    b.push(line, DIM, Kind::Deco, None);
                }
                if !b.cells.is_empty() {
                    self.gap();
                    self.emit(b, false, None);
                    self.need_blank = true;
                }
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
                if tag == TagEnd::TableHead {
                    self.styles.pop();
                }
                if let Some(t) = &mut self.table {
                    let row = take(&mut t.row);
                    t.rows.push(row);
                    if tag == TagEnd::TableHead {
                        t.head_rows = t.rows.len();
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
                if tag == TagEnd::Image {
                    let link = self.open_links.last().copied();
                    self.inline.push("]", self.style(), Kind::Deco, link);
                }
                self.styles.pop();
                if let Some(id) = self.open_links.pop() {
                    self.inline
                        .push(&format!("[{}]", id + 1), LINK_MARKER, Kind::Marker, None);
                }
            }
            _ => {}
        }
    }

    fn open_container(&mut self, first: String, rest: String, style: Style) {
        self.flush();
        self.gap();
        self.containers.push(Container {
            first,
            rest,
            style,
            used: false,
        });
    }

    fn open_link(&mut self, href: String) {
        self.links.push(LinkSpot {
            href,
            text: String::new(),
            spots: Vec::new(),
        });
        self.open_links.push(self.links.len() - 1);
        self.push_style(LINK);
    }

    /// Emits a blank line if the previous block asked for one and this is not the top.
    fn gap(&mut self) {
        if take(&mut self.need_blank) && !self.lines.is_empty() {
            let (mut spans, _) = self.prefix(false);
            while let Some(last) = spans.last_mut() {
                let t = last.content.trim_end().to_string();
                if t.is_empty() {
                    spans.pop();
                } else {
                    last.content = t.into();
                    break;
                }
            }
            self.lines.push(Line::from(spans));
        }
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
        let n = b.cells.len();
        let drop: Vec<bool> = (0..n)
            .map(|i| {
                b.cells[i].kind == Kind::Soft
                    && i > 0
                    && i + 1 < n
                    && b.cells[i - 1].w == 2
                    && b.cells[i + 1].w == 2
            })
            .collect();
        let mut i = 0;
        b.cells.retain(|_| {
            i += 1;
            !drop[i - 1]
        });
        self.mark_matches(b);
    }

    fn mark_matches(&mut self, b: &mut Block) {
        let mut plain = String::new();
        let mut at = Vec::with_capacity(b.cells.len());
        for c in &b.cells {
            if matches!(c.kind, Kind::Text | Kind::Soft | Kind::Hard) {
                let s = plain.len();
                plain.push_str(&b.text[c.range.clone()]);
                at.push(Some(s..plain.len()));
            } else {
                at.push(None);
            }
        }
        if plain.is_empty() {
            return;
        }
        let mut found = (self.opts.find_matches)(&plain);
        found.retain(|r| {
            r.start < r.end
                && r.end <= plain.len()
                && plain.is_char_boundary(r.start)
                && plain.is_char_boundary(r.end)
        });
        found.sort_by_key(|r| (r.start, r.end));
        let mut last_end = 0;
        for r in found {
            if r.start < last_end {
                continue; // overlapping matches would fight over the same cells
            }
            last_end = r.end;
            let id = self.next_match_id;
            self.next_match_id += 1;
            for (c, s) in b.cells.iter_mut().zip(&at) {
                if let Some(s) = s {
                    if c.mat.is_none() && s.start < r.end && r.start < s.end {
                        c.mat = Some(id);
                    }
                }
            }
        }
    }

    /// The containers' prefix for the next line, cut so the text keeps at least MIN_TEXT columns.
    fn prefix(&self, first: bool) -> (Vec<Span<'static>>, usize) {
        let spans: Vec<Span<'static>> = self
            .containers
            .iter()
            .map(|c| {
                let s = if first && !c.used { &c.first } else { &c.rest };
                Span::styled(s.clone(), c.style)
            })
            .filter(|s| !s.content.is_empty())
            .collect();
        let max = self.width - self.width.min(MIN_TEXT);
        let total: usize = spans.iter().map(Span::width).sum();
        if total <= max {
            return (spans, total);
        }
        // Cut from the left: the innermost marker (bullet, number) matters most.
        let mut excess = total - max;
        let mut out = Vec::new();
        let mut w = 0;
        for s in spans {
            let mut kept = String::new();
            for ch in s.content.chars() {
                let cw = ch.width().unwrap_or(0);
                if excess > 0 {
                    excess = excess.saturating_sub(cw);
                } else {
                    kept.push(ch);
                    w += cw;
                }
            }
            if !kept.is_empty() {
                out.push(Span::styled(kept, s.style));
            }
        }
        (out, w)
    }

    fn use_prefixes(&mut self) {
        for c in &mut self.containers {
            c.used = true;
        }
    }

    /// One unwrapped line after the prefix; `make` gets the columns left.
    fn raw(&mut self, make: impl FnOnce(usize) -> Vec<Span<'static>>) {
        let (mut spans, pw) = self.prefix(true);
        spans.extend(make(self.width - pw));
        self.lines.push(Line::from(spans));
        self.use_prefixes();
    }

    /// Wraps and emits a block; `code` wraps anywhere and keeps spaces, `fill` pads lines to the width.
    fn emit(&mut self, mut b: Block, code: bool, fill: Option<Style>) {
        let (_, first_w) = self.prefix(true);
        let (_, rest_w) = self.prefix(false);
        let (first, rest) = (self.width - first_w, self.width - rest_w);
        let narrowest = first.min(rest);
        // A wide character cannot fit a 1-column line: show a narrow stand-in rather than overflow.
        for c in b.cells.iter_mut().filter(|c| c.w > narrowest) {
            let s = b.text.len();
            b.text.push('…');
            (c.range, c.ch, c.w) = (s..b.text.len(), '…', 1);
        }
        let rows = wrap(&b.cells, first, rest, code);
        let base = self.lines.len();
        let mut pieces = Vec::new(); // (row, col_start, col_end, match id)
        for (k, r) in rows.iter().enumerate() {
            let mut col = if k == 0 { first_w } else { rest_w };
            let mut open: Option<(usize, usize)> = None;
            for c in &b.cells[r.clone()] {
                if open.map(|o| o.0) != c.mat {
                    if let Some((m, s)) = open.take() {
                        pieces.push((k, s, col, m));
                    }
                    open = c.mat.map(|m| (m, col));
                }
                col += c.w;
            }
            if let Some((m, s)) = open {
                pieces.push((k, s, col, m));
            }
        }
        pieces.retain(|p| p.1 < p.2); // a lone combining mark has no columns to show
        let current = self
            .opts
            .current_match
            .and_then(|i| i.checked_sub(self.matches.len()))
            .and_then(|i| pieces.get(i))
            .map(|p| p.3);
        self.matches
            .extend(pieces.iter().map(|&(k, s, e, _)| spot(base + k, s, e)));
        for (k, r) in rows.into_iter().enumerate() {
            let (mut spans, mut col) = self.prefix(k == 0);
            let mut run = String::new();
            let mut run_style = Style::default();
            let mut link: Option<(usize, usize)> = None;
            for c in &b.cells[r] {
                if link.map(|l| l.0) != c.link {
                    self.close_link(link.take(), base + k, col);
                    link = c.link.map(|id| (id, col));
                }
                let mut st = c.style;
                if c.link.is_some() && c.link == self.opts.selected_link {
                    st = st.patch(SELECTED_LINK);
                }
                if let Some(m) = c.mat {
                    let hl = if Some(m) == current { CURRENT_MATCH } else { MATCH };
                    st = st.patch(hl).remove_modifier(Modifier::REVERSED);
                }
                if st != run_style && !run.is_empty() {
                    spans.push(Span::styled(take(&mut run), run_style));
                }
                run_style = st;
                run.push_str(&b.text[c.range.clone()]);
                col += c.w;
            }
            self.close_link(link, base + k, col);
            if !run.is_empty() {
                spans.push(Span::styled(run, run_style));
            }
            if let Some(f) = fill.filter(|_| col < self.width) {
                spans.push(Span::styled(" ".repeat(self.width - col), f));
            }
            self.lines.push(Line::from(spans));
            self.use_prefixes();
        }
    }

    fn close_link(&mut self, open: Option<(usize, usize)>, line: usize, end: usize) {
        if let Some((id, start)) = open.filter(|o| o.1 < end) {
            if let Some(l) = self.links.get_mut(id) {
                l.spots.push(spot(line, start, end));
            }
        }
    }

    fn code_block(&mut self, code: &str) {
        let code = code.strip_suffix('\n').unwrap_or(code);
        for line in code.split('\n') {
            let mut expanded = String::new();
            let mut col = 0;
            for c in line.chars() {
                if c == '\t' {
                    let n = 4 - col % 4;
                    expanded.extend(std::iter::repeat_n(' ', n));
                    col += n;
                } else {
                    expanded.push(c);
                    col += c.width().unwrap_or(0);
                }
            }
            let mut b = Block::default();
            b.push(&expanded, CODE_BLOCK, Kind::Text, None);
            self.mark_matches(&mut b);
            self.emit(b, true, Some(CODE_BLOCK));
        }
    }

    fn render_table(&mut self, t: Table) {
        let ncols = t.rows.iter().map(Vec::len).max().unwrap_or(0);
        if ncols == 0 {
            return;
        }
        let mut widths = vec![0; ncols];
        for row in &t.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.width());
            }
        }
        let total = widths.iter().sum::<usize>() + 3 * (ncols - 1);
        let prefix_w = self.prefix(true).1.max(self.prefix(false).1);
        if total <= self.width - prefix_w {
            for (ri, row) in t.rows.iter().enumerate() {
                let mut b = Block::default();
                for (ci, &w) in widths.iter().enumerate() {
                    if ci > 0 {
                        b.push(" │ ", DIM, Kind::Deco, None);
                    }
                    let cell = row.get(ci);
                    let pad = w - cell.map_or(0, Block::width);
                    let (l, r) = match t.aligns.get(ci) {
                        Some(Alignment::Right) => (pad, 0),
                        Some(Alignment::Center) => (pad / 2, pad - pad / 2),
                        _ => (0, pad),
                    };
                    b.push(&" ".repeat(l), Style::default(), Kind::Deco, None);
                    if let Some(cell) = cell {
                        b.append(cell);
                    }
                    b.push(&" ".repeat(r), Style::default(), Kind::Deco, None);
                }
                self.emit(b, true, None);
                if ri + 1 == t.head_rows {
                    let rule: Vec<String> = widths.iter().map(|&w| "─".repeat(w)).collect();
                    self.raw(|_| vec![Span::styled(rule.join("─┼─"), DIM)]);
                }
            }
            return;
        }
        // Too wide: one block per row, one `header: value` paragraph per cell.
        let (labels, body) = match t.rows.split_at_checked(t.head_rows) {
            Some((head, body)) if !body.is_empty() => (head.first(), body),
            _ => (None, &t.rows[..]),
        };
        self.containers.push(Container {
            first: String::new(),
            rest: "  ".into(),
            style: DIM,
            used: false,
        });
        for (ri, row) in body.iter().enumerate() {
            if ri > 0 {
                self.need_blank = true;
                self.gap();
            }
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
                if let Some(c) = self.containers.last_mut() {
                    c.used = false;
                }
                self.emit(b, false, None);
            }
        }
        self.containers.pop();
    }
}

fn heading_style(level: HeadingLevel) -> Style {
    match level {
        HeadingLevel::H1 => HEADING.fg(Color::LightMagenta).add_modifier(Modifier::UNDERLINED),
        HeadingLevel::H2 => HEADING,
        _ => HEADING.fg(Color::LightGreen),
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

fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        rest = rest[i + 4..].find("-->").map_or("", |j| &rest[i + 4 + j + 3..]);
    }
    out.push_str(rest);
    out
}

/// Whether a line may end between `a` and `b` in prose: at spaces, around CJK (minus kinsoku).
fn can_break(a: &Cell, b: &Cell) -> bool {
    if b.w == 0 || b.kind == Kind::Marker || b.is_space() {
        return false;
    }
    a.is_space() || ((a.w == 2 || b.w == 2) && !NO_START.contains(b.ch) && !NO_END.contains(a.ch))
}

/// Greedy line breaking; returns the cell range drawn on each line (hard breaks and the
/// spaces around prose line ends left out). Every cell must be at most `min(first, rest)` wide.
fn wrap(cells: &[Cell], first: usize, rest: usize, code: bool) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut i = 0;
    while i < cells.len() || (code && rows.is_empty()) {
        let avail = if rows.is_empty() { first } else { rest };
        if !code {
            while cells.get(i).is_some_and(Cell::is_space) {
                i += 1;
            }
            if i == cells.len() {
                break;
            }
        }
        let start = i;
        let (mut w, mut brk, mut j) = (0, None, start);
        let (end, next) = loop {
            let Some(c) = cells.get(j) else { break (j, j) };
            if c.kind == Kind::Hard {
                break (j, j + 1);
            }
            if j > start && c.w > 0 && (code || can_break(&cells[j - 1], c)) {
                brk = Some(j);
            }
            // Spaces may hang past the edge in prose: they are trimmed off the line end.
            if c.w > 0 && (code || !c.is_space()) && w + c.w > avail {
                break match brk {
                    Some(b) => (b, b),
                    None if j > start => (j, j),
                    None => (j + 1, j + 1),
                };
            }
            w += c.w;
            j += 1;
        };
        let mut e = end;
        while !code && e > start && (cells[e - 1].is_space() || cells[e - 1].w == 0) {
            e -= 1;
        }
        rows.push(start..e);
        i = next;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_matches(_: &str) -> Vec<Range<usize>> {
        Vec::new()
    }

    fn render_w(md: &str, width: u16) -> RenderedNote {
        render(
            md,
            &RenderOptions {
                width,
                selected_link: None,
                current_match: None,
                find_matches: &no_matches,
            },
        )
    }

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    fn texts(note: &RenderedNote) -> Vec<String> {
        note.lines.iter().map(text).collect()
    }

    /// The text drawn in display columns [start, end) of a line.
    fn cols(line: &Line, start: u16, end: u16) -> String {
        let mut col = 0;
        let mut out = String::new();
        for ch in text(line).chars() {
            if col >= usize::from(start) && col < usize::from(end) {
                out.push(ch);
            }
            col += ch.width().unwrap_or(0);
        }
        out
    }

    /// The style of the span covering display column `at`.
    fn style_at(line: &Line, at: usize) -> Style {
        let mut col = 0;
        for s in &line.spans {
            col += s.width();
            if col > at {
                return s.style;
            }
        }
        panic!("column {at} out of line")
    }

    const JA: &str = "Rustの所有権は、メモリ安全性を実現するための仕組みです。borrow checkerが参照の有効期間（ライフタイム）を検査します。";

    #[test]
    fn japanese_paragraph_fits_every_width_and_loses_nothing() {
        let want: String = JA.chars().filter(|c| !c.is_whitespace()).collect();
        for w in 1..=40 {
            let note = render_w(JA, w);
            for l in &note.lines {
                assert!(l.width() <= usize::from(w), "width {w}: {:?}", text(l));
                assert!(!text(l).starts_with(' '), "width {w}: {:?}", text(l));
            }
            if w >= 2 {
                let got: String = texts(&note)
                    .concat()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                assert_eq!(got, want, "width {w}");
            }
        }
    }

    #[test]
    fn breaks_between_cjk_with_kinsoku_and_at_latin_spaces() {
        assert_eq!(
            texts(&render_w("あいうえおかきくけこ", 10)),
            ["あいうえお", "かきくけこ"]
        );
        for l in texts(&render_w("あいうえ。お、かき」く", 8)) {
            assert!(!l.starts_with(['。', '、', '」']), "{l:?}");
        }
        assert_eq!(texts(&render_w("hello big world", 9)), ["hello big", "world"]);
        assert_eq!(texts(&render_w("abcdefghij", 4)), ["abcd", "efgh", "ij"]);
        assert_eq!(
            texts(&render_w("日本語の\n文章 and\nmore", 40)),
            ["日本語の文章 and more"]
        );
        assert_eq!(texts(&render_w("a  \nb", 40)), ["a", "b"]);
    }

    #[test]
    fn lists_have_bullets_numbers_tasks_and_hanging_indent() {
        let note = render_w(
            "- aaa bbb ccc ddd\n  - 入れ子の項目です\n- [x] done\n\n1. one\n2. two",
            12,
        );
        let t = texts(&note);
        assert_eq!(t[0], "• aaa bbb");
        assert_eq!(t[1], "  ccc ddd");
        assert!(t[2].starts_with("  ◦ 入れ子"), "{t:?}");
        assert!(t[3].starts_with("    "), "{t:?}");
        assert!(t.contains(&"[x] done".to_string()), "{t:?}");
        assert!(
            t.contains(&"1. one".to_string()) && t.contains(&"2. two".to_string()),
            "{t:?}"
        );
    }

    #[test]
    fn deep_nesting_never_exceeds_width() {
        let md: String = (0..12)
            .map(|d| format!("{}- 項目{d} text\n", "  ".repeat(d)))
            .collect();
        for w in 1..=20 {
            for l in &render_w(&format!("> > {md}"), w).lines {
                assert!(l.width() <= usize::from(w), "width {w}: {:?}", text(l));
            }
        }
    }

    #[test]
    fn links_are_numbered_and_spotted() {
        let note = render_w(
            "前 [リンク](https://a.example) と [two words](https://b.example)",
            80,
        );
        let line = &note.lines[0];
        assert!(text(line).contains("リンク[1]") && text(line).contains("two words[2]"));
        assert_eq!(note.links.len(), 2);
        assert_eq!(note.links[0].href, "https://a.example");
        assert_eq!(note.links[0].text, "リンク");
        let s = note.links[0].spots[0];
        assert_eq!(cols(line, s.col_start, s.col_end), "リンク");
        assert!(style_at(line, usize::from(s.col_start))
            .add_modifier
            .contains(Modifier::UNDERLINED));

        let wrapped = render_w("x [alpha beta gamma](u)", 8);
        let spots = &wrapped.links[0].spots;
        assert!(spots.len() >= 2, "{spots:?}");
        let joined: Vec<String> = spots
            .iter()
            .map(|s| cols(&wrapped.lines[s.line], s.col_start, s.col_end))
            .collect();
        assert_eq!(joined.join(" "), "alpha beta gamma");

        let opts = RenderOptions {
            width: 80,
            selected_link: Some(1),
            current_match: None,
            find_matches: &no_matches,
        };
        let note = render("[a](x) [b](y)", &opts);
        let s = note.links[1].spots[0];
        assert!(style_at(&note.lines[0], usize::from(s.col_start))
            .add_modifier
            .contains(Modifier::REVERSED));
        assert!(!style_at(&note.lines[0], 0)
            .add_modifier
            .contains(Modifier::REVERSED));
    }

    #[test]
    fn images_show_alt_and_are_links() {
        let note = render_w("![会場の写真](img/hall.png)", 40);
        assert!(
            text(&note.lines[0]).contains("[image: 会場の写真]"),
            "{:?}",
            texts(&note)
        );
        assert_eq!(note.links[0].href, "img/hall.png");
        assert_eq!(note.links[0].text, "会場の写真");
    }

    #[test]
    fn matches_span_style_changes_and_get_highlighted() {
        let find = |s: &str| -> Vec<Range<usize>> {
            s.match_indices("東京").map(|(i, m)| i..i + m.len()).collect()
        };
        let md = "今日は**東**京と東京へ";
        let opts = RenderOptions {
            width: 40,
            selected_link: None,
            current_match: Some(1),
            find_matches: &find,
        };
        let note = render(md, &opts);
        assert_eq!(note.matches.len(), 2);
        let line = &note.lines[0];
        for (i, m) in note.matches.iter().enumerate() {
            assert_eq!(cols(line, m.col_start, m.col_end), "東京");
            let want = if i == 1 { CURRENT_MATCH.bg } else { MATCH.bg };
            assert_eq!(style_at(line, usize::from(m.col_start)).bg, want);
            assert_eq!(style_at(line, usize::from(m.col_end) - 1).bg, want);
        }
        assert_eq!(note.matches[0].col_start, 6);
        // A match wrapped over two lines: one spot per piece.
        let note = render("あい東京", &RenderOptions { width: 6, ..opts });
        assert_eq!(note.matches, [spot(0, 4, 6), spot(1, 0, 2)]);
    }

    #[test]
    fn bad_match_ranges_are_ignored() {
        let find = |_: &str| -> Vec<Range<usize>> { vec![1..2, 0..1000, 3..1, 0..3] };
        let opts = RenderOptions {
            width: 10,
            selected_link: None,
            current_match: Some(0),
            find_matches: &find,
        };
        let note = render("あいう", &opts);
        assert_eq!(note.matches, [spot(0, 0, 2)]);
    }

    #[test]
    fn tables_align_japanese_or_fall_back() {
        let md = "| 名前 | 役割 |\n|---|--:|\n| 山田太郎 | 発表 |\n| Bob | 司会者 |";
        let note = render_w(md, 40);
        assert_eq!(note.lines.len(), 4);
        let w0 = note.lines[0].width();
        let bar = |l: &Line| {
            text(l)
                .chars()
                .take_while(|&c| c != '│' && c != '┼')
                .map(|c| c.width().unwrap_or(0))
                .sum::<usize>()
        };
        for l in &note.lines {
            assert_eq!(l.width(), w0, "{:?}", texts(&note));
            assert_eq!(bar(l), bar(&note.lines[0]), "{:?}", texts(&note));
        }
        let narrow = render_w(md, 16);
        let t = texts(&narrow);
        assert!(
            t.contains(&"名前: 山田太郎".to_string()) && t.contains(&"役割: 司会者".to_string()),
            "{t:?}"
        );
        assert!(narrow.lines.iter().all(|l| l.width() <= 16));
    }

    #[test]
    fn code_blocks_keep_indentation_and_fit() {
        let md = "```rust\nfn main() {\n\tlet x = \"とても長い文字列リテラル\";\n}\n```";
        let note = render_w(md, 40);
        let t = texts(&note);
        assert_eq!(t[0].trim_end(), "fn main() {");
        assert!(t[1].starts_with("    let x"), "{t:?}");
        assert_eq!(note.lines[1].spans[0].style.bg, CODE_BLOCK.bg);
        for w in 1..=20 {
            assert!(render_w(md, w).lines.iter().all(|l| l.width() <= usize::from(w)));
        }
    }

    #[test]
    fn headings_quotes_rules_and_blank_lines() {
        let note = render_w(
            "## セッション\n本文\n\n> **感想**: よかった\n>\n> > 入れ子\n\n---",
            20,
        );
        let t = texts(&note);
        assert_eq!(t[0], "セッション");
        assert!(note.lines[0].spans[0].style.add_modifier.contains(Modifier::BOLD));
        assert_eq!(t[1], "");
        assert_eq!(t[2], "本文");
        assert_eq!(t[3], "");
        assert_eq!(t[4], "│ 感想: よかった");
        assert_eq!(t[5], "│");
        assert_eq!(t[6], "│ │ 入れ子");
        assert_eq!(t[8], "─".repeat(20));
    }

    #[test]
    fn empty_and_blank_documents_give_no_lines() {
        assert!(render_w("", 20).lines.is_empty());
        assert!(render_w("  \n\n\t\n", 20).lines.is_empty());
        assert!(render_w("<!-- only a comment -->", 20).lines.is_empty());
    }

    #[test]
    fn weird_input_never_panics_or_overflows() {
        let parts = [
            "# 見出し",
            "- ",
            "  - ",
            "1. ",
            "> ",
            "**太",
            "*斜",
            "~~x",
            "`co",
            "```\n",
            "\t",
            "\u{7}",
            "\u{301}",
            "👨\u{200D}👩",
            "❤\u{FE0F}",
            "[l](u)",
            "![i](p)",
            "| a | 表 |\n|-|-|\n| 1 |",
            "\n",
            "\n\n",
            "  \n",
            "あいう",
            "word ",
            "averyveryverylongword",
            "<b>x</b>",
            "<br>",
            "[^1]",
            "[^1]: 注",
            "---",
            "- [ ] t",
            "。」",
        ];
        let find = |s: &str| -> Vec<Range<usize>> { (0..s.len()).step_by(3).map(|i| i..i + 2).collect() };
        let mut seed = 7u64;
        for round in 0..3000 {
            let mut md = String::new();
            for _ in 0..(round % 9) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                md.push_str(parts[(seed >> 33) as usize % parts.len()]);
            }
            let width = (round % 14 + 1) as u16;
            let opts = RenderOptions {
                width,
                selected_link: Some(0),
                current_match: Some(1),
                find_matches: &find,
            };
            let note = render(&md, &opts);
            for l in &note.lines {
                assert!(l.width() <= usize::from(width), "{md:?} @{width}: {:?}", text(l));
            }
            let spots = note
                .matches
                .iter()
                .chain(note.links.iter().flat_map(|l| &l.spots));
            for s in spots {
                assert!(s.col_start < s.col_end, "{md:?}");
                assert!(usize::from(s.col_end) <= note.lines[s.line].width(), "{md:?}");
            }
            assert!(note
                .matches
                .windows(2)
                .all(|p| (p[0].line, p[0].col_start) < (p[1].line, p[1].col_start)));
        }
    }
}
