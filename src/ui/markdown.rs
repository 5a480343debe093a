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
/// Inline HTML, table rules, footnote labels.
pub const DIM: Style = Style::new().fg(Color::DarkGray);

const BOLD: Style = Style::new().add_modifier(Modifier::BOLD);
const BULLETS: [&str; 3] = ["• ", "◦ ", "▪ "];
/// Quote gutters and list indents are dropped (outermost first) before the text gets narrower than this.
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
    /// Every search match, in document order (line index + display columns);
    /// a match wrapped over several lines has one entry per line piece.
    pub matches: Vec<Spot>,
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
    /// Index into links: drawn with [`SELECTED_LINK`].
    pub selected_link: Option<usize>,
    /// Index into matches: that piece is drawn with [`CURRENT_MATCH`].
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
                self.text(&t, self.style().patch(CODE), Kind::Text)
            }
            Event::InlineHtml(h) => {
                let tag = h.trim().to_ascii_lowercase();
                if tag.starts_with("<br") {
                    self.inline.push("\n", self.style(), Kind::Hard, None);
                } else if !tag.starts_with("<!--") {
                    self.inline.push(&h, DIM, Kind::Deco, None);
                }
            }
            Event::Html(_) => {} // block HTML is layout noise in a terminal
            Event::FootnoteReference(label) => {
                self.inline.push(&format!("[^{label}]"), DIM, Kind::Mark, None)
            }
            Event::SoftBreak => self.text(" ", self.style(), Kind::Soft),
            Event::HardBreak => self.inline.push("\n", self.style(), Kind::Hard, None),
            Event::Rule => {
                self.begin();
                self.raw(|avail| vec![Span::styled("─".repeat(avail), DIM)]);
                self.need_blank = true;
            }
            Event::TaskListMarker(done) => {
                if let Some(c) = self.containers.last_mut().filter(|c| !c.used) {
                    *c = container(if done { "[x] " } else { "[ ] " }, "    ", c.style);
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
            Tag::Paragraph => self.begin(),
            Tag::Heading { level, .. } => {
                self.begin();
                self.push_style(heading_style(level));
            }
            Tag::BlockQuote(_) => self.open_container(container("│ ", "│ ", QUOTE)),
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
                self.open_container(container(marker, rest, LIST_MARKER));
            }
            Tag::FootnoteDefinition(label) => {
                let mut first = Block::default();
                first.push(&format!("[^{label}] "), DIM, Kind::Deco, None);
                self.open_container(container(first.text, "  ", DIM));
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
                    self.inline
                        .push(&format!("[{}]", id + 1), LINK_MARKER, Kind::Mark, None);
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
        self.push_style(LINK);
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
        for (k, r) in wrap(&b.cells, first, rest, code).into_iter().enumerate() {
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
                    c.style.patch(if current { CURRENT_MATCH } else { MATCH })
                } else if c.link.is_some() && c.link == self.opts.selected_link {
                    c.style.patch(SELECTED_LINK)
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
            b.push(&expanded, CODE_BLOCK, Kind::Text, None);
            self.mark_matches(&mut b);
            self.emit(b, true, Some(CODE_BLOCK));
        }
    }

    fn render_table(&mut self, t: Table) {
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
                    b.push(if ci > 0 { " │ " } else { "" }, DIM, Kind::Deco, None);
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
                self.containers.push(container("", "  ", DIM));
                self.emit(b, false, None);
                self.containers.pop();
            }
        }
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

/// Whether a prose line may end between `a` and `b`: after spaces, around CJK (minus kinsoku).
fn can_break(a: &Cell, b: &Cell) -> bool {
    if b.w == 0 || b.kind == Kind::Mark || b.is_space() {
        return false;
    }
    a.is_space() || ((a.w == 2 || b.w == 2) && !NO_START.contains(b.ch) && !NO_END.contains(a.ch))
}

/// Greedy line breaking; returns the cells drawn on each line (hard breaks, and prose spaces at line
/// ends, left out). No cell may be wider than `min(first, rest)`.
fn wrap(cells: &[Cell], first: usize, rest: usize, code: bool) -> Vec<Range<usize>> {
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
        let (end, next) = loop {
            let Some(c) = cells.get(j) else { break (j, j) };
            if c.kind == Kind::Hard {
                break (j, j + 1);
            }
            if j > start && c.w > 0 && (code || can_break(&cells[j - 1], c)) {
                brk = Some(j);
            }
            // Prose spaces may hang past the edge: they are trimmed off the line end.
            if c.w > 0 && (code || !c.is_space()) && w + c.w > avail {
                break match brk {
                    Some(b) => (b, b),
                    None => (j.max(start + 1), j.max(start + 1)),
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

    fn go(
        md: &str,
        width: u16,
        find: &dyn Fn(&str) -> Vec<Range<usize>>,
        sel: Option<usize>,
    ) -> RenderedNote {
        let opts = RenderOptions {
            width,
            selected_link: sel,
            current_match: sel,
            find_matches: find,
        };
        render(md, &opts)
    }

    /// The lines' text, joined with newlines.
    fn r(md: &str, width: u16) -> String {
        let lines: Vec<String> = go(md, width, &|_| Vec::new(), None)
            .lines
            .iter()
            .map(text)
            .collect();
        lines.join("\n")
    }

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    fn fits(md: &str, width: u16) -> bool {
        go(md, width, &|_| Vec::new(), None)
            .lines
            .iter()
            .all(|l| l.width() <= usize::from(width))
    }

    /// The text drawn in a spot's columns, and the style at its first column.
    fn at(note: &RenderedNote, s: Spot) -> (String, Style) {
        let (mut col, mut out, mut style) = (0, String::new(), None);
        for span in &note.lines[s.line].spans {
            for ch in span.content.chars() {
                if (s.col_start..s.col_end).contains(&col) {
                    out.push(ch);
                    style.get_or_insert(span.style);
                }
                col += ch.width().unwrap_or(0) as u16;
            }
        }
        (out, style.unwrap_or_default())
    }

    #[test]
    fn japanese_paragraph_fits_every_width_and_loses_nothing() {
        let md = "Rustの所有権は、メモリ安全性を実現する仕組みです。borrow checkerが参照の有効期間（ライフタイム）を検査します。";
        let want: String = md.chars().filter(|c| !c.is_whitespace()).collect();
        for w in 1..=40 {
            let out = r(md, w);
            assert!(
                out.lines()
                    .all(|l| l.width() <= usize::from(w) && !l.starts_with(' ')),
                "{w}: {out}"
            );
            let got: String = out.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(w < 2 || got == want, "width {w}: {got}");
        }
    }

    #[test]
    fn breaks_between_cjk_with_kinsoku_and_at_latin_spaces() {
        assert_eq!(r("あいうえおかきくけこ", 10), "あいうえお\nかきくけこ");
        assert_eq!(r("あいうえ。お、かき」く", 8), "あいう\nえ。お、\nかき」く");
        assert_eq!(r("hello big world", 9), "hello big\nworld");
        assert_eq!(r("abcdefghij", 4), "abcd\nefgh\nij");
        assert_eq!(r("日本語の\n文章 and\nmore", 40), "日本語の文章 and more");
        assert_eq!(r("a  \nb<br>c", 40), "a\nb\nc");
    }

    #[test]
    fn lists_have_bullets_numbers_tasks_and_hanging_indent() {
        let md = "- aaa bbb ccc ddd\n  - 入れ子の項目です\n- [x] done\n-\n\n3. one\n4. two";
        let want = "• aaa bbb\n  ccc ddd\n  ◦ 入れ子の\n    項目です\n[x] done\n• \n\n3. one\n4. two";
        assert_eq!(r(md, 12), want);
        let deep: String = (0..12)
            .map(|d| format!("{}- 項目{d} text\n", "  ".repeat(d)))
            .collect();
        assert!((1..=20).all(|w| fits(&format!("> > {deep}"), w)));
    }

    #[test]
    fn links_and_images_are_numbered_spotted_and_selectable() {
        let note = go(
            "前 [リンク](https://a.example) と ![会場の写真](hall.png)",
            80,
            &|_| Vec::new(),
            Some(1),
        );
        assert_eq!(text(&note.lines[0]), "前 リンク[1] と [image: 会場の写真][2]");
        let [a, b] = &note.links[..] else {
            panic!("{:?}", note.links)
        };
        assert_eq!(
            (a.href.as_str(), a.text.as_str()),
            ("https://a.example", "リンク")
        );
        assert_eq!((b.href.as_str(), b.text.as_str()), ("hall.png", "会場の写真"));
        let (shown, style) = at(&note, a.spots[0]);
        assert_eq!((shown.as_str(), style), ("リンク", LINK));
        assert_eq!(
            at(&note, b.spots[0]),
            ("[image: 会場の写真]".into(), LINK.patch(SELECTED_LINK))
        );

        let note = go("x [alpha beta gamma](u)", 8, &|_| Vec::new(), None);
        let pieces: Vec<String> = note.links[0].spots.iter().map(|&s| at(&note, s).0).collect();
        assert_eq!(pieces, ["alpha", "beta", "gamma"]);
    }

    #[test]
    fn matches_cross_style_changes_and_wrap_into_pieces() {
        let find =
            |s: &str| -> Vec<Range<usize>> { s.match_indices("東京").map(|(i, _)| i..i + 6).collect() };
        let note = go("今日は**東**京と東京へ", 40, &find, Some(1));
        assert_eq!(note.matches, [spot(0, 6, 10), spot(0, 12, 16)]);
        assert_eq!(at(&note, note.matches[0]), ("東京".into(), BOLD.patch(MATCH)));
        assert_eq!(at(&note, note.matches[1]), ("東京".into(), CURRENT_MATCH));
        assert_eq!(
            go("あい東京", 6, &find, None).matches,
            [spot(0, 4, 6), spot(1, 0, 2)]
        );
        // Ranges off char boundaries, out of bounds or backwards are ignored.
        let note = go(
            "あいう",
            10,
            &|_| vec![1..2, 0..1000, Range { start: 3, end: 1 }, 0..3],
            None,
        );
        assert_eq!(note.matches, [spot(0, 0, 2)]);
    }

    #[test]
    fn tables_align_japanese_or_fall_back() {
        let md = "| 名前 | 役割 |\n|---|--:|\n| 山田太郎 | 発表 |\n| Bob | 司会者 |";
        let want = "名前     │   役割\n─────────┼───────\n山田太郎 │   発表\nBob      │ 司会者";
        assert_eq!(r(md, 40), want);
        assert_eq!(r(md, 16), "名前: 山田太郎\n役割: 発表\n\n名前: Bob\n役割: 司会者");
    }

    #[test]
    fn code_blocks_keep_indentation_and_fit() {
        let md = "```rust\nfn main() {\n\tlet x = \"とても長い文字列リテラル\";\n}\n```";
        let note = go(md, 40, &|_| Vec::new(), None);
        assert_eq!(text(&note.lines[0]).trim_end(), "fn main() {");
        assert!(text(&note.lines[1]).starts_with("    let x"));
        assert_eq!(note.lines[1].spans[0].style, CODE_BLOCK);
        assert!((1..=20).all(|w| fits(md, w)));
    }

    #[test]
    fn headings_quotes_rules_and_blank_lines() {
        let md = "## セッション\n本文\n\n> **感想**: よかった\n>\n> > 入れ子\n\n---";
        let want = format!(
            "セッション\n\n本文\n\n│ 感想: よかった\n│\n│ │ 入れ子\n\n{}",
            "─".repeat(20)
        );
        assert_eq!(r(md, 20), want);
        assert_eq!(r("", 20) + &r("  \n\n\t\n", 20) + &r("<!-- c -->", 20), "");
    }

    #[test]
    fn weird_input_never_panics_or_overflows() {
        let parts = "# 見出し¦- ¦  - ¦1. ¦> ¦**太¦*斜¦~~x¦`co¦```\n¦\t¦\u{7}¦\u{301}¦  ¦👨\u{200D}👩¦❤\u{FE0F}¦[l](u)¦![i](p)\
            ¦| a | 表 |\n|-|-|\n| 1 |¦\n¦\n\n¦  \n¦あいう¦word ¦averyveryverylongword¦<b>x</b>¦<br>¦[^1]¦[^1]: 注¦---¦- [ ] t¦。」¦\r\n";
        let parts: Vec<&str> = parts.split('¦').collect();
        let find = |s: &str| -> Vec<Range<usize>> { (0..s.len()).step_by(3).map(|i| i..i + 2).collect() };
        let mut seed = 7u64;
        for round in 0..5000 {
            let mut md = String::new();
            for _ in 0..(round % 13) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                md.push_str(parts[(seed >> 33) as usize % parts.len()]);
            }
            let width = (round % 14 + 1) as u16;
            let note = go(&md, width, &find, Some(0));
            assert!(
                note.lines.iter().all(|l| l.width() <= usize::from(width)),
                "{md:?} @{width}"
            );
            let mut spots = note
                .matches
                .iter()
                .chain(note.links.iter().flat_map(|l| &l.spots));
            assert!(spots
                .all(|s| s.col_start < s.col_end && usize::from(s.col_end) <= note.lines[s.line].width()));
            assert!(note.matches.is_sorted_by_key(|s| (s.line, s.col_start)), "{md:?}");
        }
    }
}
