//! Rendering: draws the app's state into a buffer; it never changes the state.

pub mod layout;
pub mod markdown;
mod picker;
pub mod rows;
pub mod theme;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use self::layout::{inner, Areas, MIN_HEIGHT, MIN_WIDTH};
use self::theme::Theme;
use crate::app::keymap::QUERY_HELP;
use crate::app::outline::Outline;
use crate::app::{App, Overlay, Pane};

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(areas) = Areas::new(area, self.layout) else {
            too_small(&self.theme, area, buf);
            return;
        };
        rows::render_events(self, areas.events, buf);
        rows::render_sessions(self, areas.sessions, buf);
        render_note(self, areas.note, buf);
        render_search(self, areas.search, buf);
        render_status(self, areas.status, buf);
        let t = &self.theme;
        match &self.overlay {
            Overlay::Help { scroll } => render_help(self, *scroll, area, buf),
            Overlay::Warnings { scroll } => {
                let lines: Vec<Line> = if self.warnings.is_empty() {
                    vec![Line::from(Span::styled(
                        "no warnings: every note loaded cleanly",
                        t.dim,
                    ))]
                } else {
                    self.warnings.iter().map(|w| Line::from(w.to_string())).collect()
                };
                let title = "Warnings from loading notes";
                scrolling_overlay(t, title, lines, *scroll, area, buf);
            }
            Overlay::Explain { scroll, text } => {
                let lines = text.lines().map(|l| Line::from(l.to_string())).collect();
                let title = "How the search is understood";
                scrolling_overlay(t, title, lines, *scroll, area, buf);
            }
            Overlay::Outline(outline) => render_outline(t, outline, area, buf),
            Overlay::Picker(p) => picker::render(t, p, area, buf),
            Overlay::Confirm(_) | Overlay::None => {}
        }
        crate::printable::scrub(buf);
    }
}

fn too_small(t: &Theme, area: Rect, buf: &mut Buffer) {
    let text = vec![
        Line::from("confnotes needs a bigger terminal"),
        Line::from(format!(
            "at least {MIN_WIDTH}×{MIN_HEIGHT}, now {}×{}",
            area.width, area.height
        )),
        Line::from("(q quits)").style(t.dim),
    ];
    let y = area.y + area.height.saturating_sub(3) / 2;
    let rect = Rect::new(area.x, y, area.width, area.height.min(3));
    Paragraph::new(text)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(rect, buf);
}

/// "1 hit", "2 hits", "2 matches".
pub fn plural(n: usize, word: &str) -> String {
    match n {
        1 => format!("1 {word}"),
        _ if word.ends_with("ch") || word.ends_with('s') => format!("{n} {word}es"),
        _ => format!("{n} {word}s"),
    }
}

fn pane_block(app: &App, pane: Pane, title: String) -> Block<'static> {
    let focused = app.focus == pane && !app.search.editing;
    let t = &app.theme;
    let title = if focused {
        Span::styled(title, t.focus.add_modifier(Modifier::BOLD))
    } else {
        Span::raw(title)
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    if focused {
        block.border_type(BorderType::Thick).border_style(t.focus)
    } else {
        block.border_style(t.dim)
    }
}

/// Cuts `text` to `width` terminal columns, with `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

fn render_note(app: &App, area: Rect, buf: &mut Buffer) {
    let total = app.note.rendered.lines.len();
    let body = inner(area);
    let t = &app.theme;
    let position = if total <= body.height as usize {
        String::new()
    } else {
        let bottom = (app.note.scroll + body.height as usize).min(total);
        format!(" {}% ", bottom * 100 / total.max(1))
    };
    let title = if app.layout.zoom {
        " Note (z: panes) "
    } else {
        " Note "
    };
    let mut block = pane_block(app, Pane::Note, title.into());
    if !position.is_empty() {
        block = block.title_bottom(Line::from(position).alignment(Alignment::Right));
    }
    let links = app.note.rendered.links.len();
    let matches = app.note.rendered.matches.len();
    let mut info = Vec::new();
    if matches > 0 {
        let at = app
            .note
            .current_match
            .map(|i| format!("{}/", i + 1))
            .unwrap_or_default();
        info.push(format!("{at}{} n/N", plural(matches, "match")));
    }
    if links > 0 {
        info.push(format!("{} ]/[", plural(links, "link")));
    }
    // Narrow: the counts alone, so that they leave room for the pane's name.
    let room = usize::from(area.width).saturating_sub(title.width() + 4);
    if info.join(" · ").width() + 2 > room {
        for part in &mut info {
            *part = part.replace(" n/N", "").replace(" ]/[", "");
        }
    }
    if info.join(" · ").width() + 2 > room {
        info.clear();
    }
    if !info.is_empty() {
        block = block.title(
            Line::from(format!(" {} ", info.join(" · ")))
                .alignment(Alignment::Right)
                .style(t.dim),
        );
    }
    block.render(area, buf);
    if app.notes.library.events.is_empty() && app.loading.is_none() && !app.empty_folders.is_empty() {
        Paragraph::new(no_notes_help(app, body.width as usize))
            .wrap(Wrap { trim: false })
            .render(body, buf);
        return;
    }
    for (i, line) in app
        .note
        .rendered
        .lines
        .iter()
        .skip(app.note.scroll)
        .take(body.height as usize)
        .enumerate()
    {
        line.clone()
            .render(Rect::new(body.x, body.y + i as u16, body.width, 1), buf);
    }
}

/// The note pane when there is no note: which folders gave none and why, and what
/// confnotes reads.
fn no_notes_help(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines: Vec<Line> = (app.empty_folders.iter())
        .flat_map(|said| rows::wrap_at_words_and_slashes(said, width))
        .map(|line| Line::from(Span::styled(line, t.alert)))
        .collect();
    lines.extend(
        [
            "",
            "confnotes reads the Markdown files (.md, .markdown) in the folders given with \
             --notes DIR or in the config file (notes = [...]), and in the folders below them. \
             Hidden files, what a .gitignore leaves out and a README.md at the top of a folder \
             are not notes.",
            "",
            "q quits; ? lists every key.",
        ]
        .map(Line::from),
    );
    lines
}

fn search_summary(app: &App) -> String {
    let Some(r) = &app.search.results else {
        return String::new();
    };
    let events = plural(r.by_event.len(), "event");
    let mut summary = match r.total {
        // Still searching (a big library): the best so far.
        _ if !r.complete => format!(" searching… {} so far in {events}", r.shown),
        Some(total) if r.shown < total => format!(" {total} hits, best {} in {events}", r.shown),
        Some(total) => format!(" {} in {events}", plural(total, "hit")),
        // Not counted yet: more than the list holds.
        None => format!(" {}+ hits in {events}", r.shown),
    };
    if r.partial {
        summary.push_str(" (some partial)");
    }
    if r.truncated {
        summary.push_str(" (query cut)");
    }
    summary.push(' ');
    summary
}

fn render_search(app: &App, area: Rect, buf: &mut Buffer) {
    let s = &app.search;
    let t = &app.theme;
    let summary = truncate(&search_summary(app), usize::from(area.width / 2));
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(summary.width() as u16)]).areas(area);
    let mut spans = vec![Span::styled(
        if s.in_note { "find in note: " } else { "/ " },
        if s.editing {
            t.focus.add_modifier(Modifier::BOLD)
        } else {
            t.dim
        },
    )];
    if s.input.is_empty() && !s.editing {
        spans.push(Span::styled(
            "type / to search every note (Japanese and English)",
            t.dim,
        ));
    } else if s.editing {
        let (before, after) = s.input.split_at(s.cursor.min(s.input.len()));
        let mut rest = after.chars();
        let at = rest.next().map_or(" ".to_string(), |c| c.to_string());
        spans.push(Span::raw(before.to_string()));
        spans.push(Span::styled(at, Style::new().add_modifier(Modifier::REVERSED)));
        spans.push(Span::raw(rest.as_str().to_string()));
    } else {
        spans.push(Span::styled(
            s.input.clone(),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled("   (/ edit, Esc clear)", t.dim));
    }
    Line::from(spans).render(left, buf);
    Span::styled(summary, t.hit_count).render(right, buf);
}

fn render_status(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let warnings = if app.warnings.is_empty() {
        String::new()
    } else {
        format!(" {} (w) ", plural(app.warnings.len(), "warning"))
    };
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(warnings.width() as u16)]).areas(area);
    let fit = |text: &str| truncate(text, usize::from(left.width));
    let line = match (&app.overlay, &app.status) {
        (Overlay::Confirm(url), _) => Line::from(Span::styled(
            fit(&format!("open {url} in the browser? y/n")),
            t.alert,
        )),
        (_, Some(message)) => Line::from(Span::raw(fit(message))),
        (_, None) if app.loading.is_some() => Line::from(Span::styled(
            fit(app.loading.as_deref().unwrap_or_default()),
            t.busy,
        )),
        // No note at all: why stays in view (the hints are in the note pane's text).
        (_, None) if app.notes.library.events.is_empty() && !app.empty_folders.is_empty() => {
            Line::from(Span::styled(fit(&app.empty_folders.join("; ")), t.alert))
        }
        _ => Line::from(Span::styled(hints(usize::from(left.width)), t.dim)),
    };
    line.render(left, buf);
    Span::styled(warnings, t.alert).render(right, buf);
}

/// The keys worth knowing first, as many as fit.
fn hints(width: usize) -> String {
    const HINTS: &[&str] = &[
        "? help",
        "/ search",
        "Tab pane",
        "z zoom",
        "o outline",
        "]/[ links",
        "b back",
        "e edit",
        "y copy",
        "q quit",
    ];
    let mut line = String::new();
    for hint in HINTS {
        if line.width() + hint.width() + 2 > width {
            break;
        }
        if !line.is_empty() {
            line.push_str("  ");
        }
        line.push_str(hint);
    }
    line
}

/// A framed box in the middle of `area`; returns its inside. `more` goes in the bottom
/// border (a scroll sign), left of "Esc closes".
pub fn overlay_box(
    t: &Theme,
    area: Rect,
    size: (u16, u16),
    title: &str,
    more: &str,
    buf: &mut Buffer,
) -> Rect {
    let w = size.0.min(area.width.saturating_sub(4));
    let h = size.1.min(area.height.saturating_sub(2));
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(rect, buf);
    // A wide character just left of the box covers its left border on the terminal
    // (the diff skips the cell after a wide one): blanked, like the rest under the box.
    if let Some(x) = rect.x.checked_sub(1) {
        for y in rect.top()..rect.bottom() {
            if let Some(cell) = buf.cell_mut((x, y)).filter(|c| c.symbol().width() > 1) {
                cell.set_symbol(" ");
            }
        }
    }
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(t.focus)
        .title(Span::styled(
            truncate(&format!(" {title} "), usize::from(w.saturating_sub(2))),
            t.focus.add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Line::from(" Esc closes ").alignment(Alignment::Right));
    if !more.is_empty() {
        block = block.title_bottom(
            Line::from(Span::styled(
                format!(" {more} "),
                t.focus.add_modifier(Modifier::BOLD),
            ))
            .alignment(Alignment::Left),
        );
    }
    block.render(rect, buf);
    inner(rect)
}

/// The scroll sign for `total` lines seen `height` at a time from `scroll`.
pub fn scroll_sign(total: usize, height: usize, scroll: usize) -> String {
    let below = total.saturating_sub(scroll + height);
    match (scroll > 0, below > 0) {
        (false, false) => String::new(),
        (true, false) => "↑ k".into(),
        (false, true) => format!("↓ {below} more: j"),
        (true, true) => format!("↑↓ {below} more: j/k"),
    }
}

/// An overlay of wrapped lines that scrolls, with a sign when there is more.
fn scrolling_overlay(t: &Theme, title: &str, lines: Vec<Line>, scroll: usize, area: Rect, buf: &mut Buffer) {
    let (w, h) = (area.width.saturating_sub(8), area.height.saturating_sub(4));
    let body_width = usize::from(w.saturating_sub(2).max(1));
    let total: usize = lines.iter().map(|l| l.width().max(1).div_ceil(body_width)).sum();
    let height = usize::from(h.saturating_sub(2));
    let scroll = scroll.min(total.saturating_sub(height));
    let body = overlay_box(t, area, (w, h), title, &scroll_sign(total, height, scroll), buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .render(body, buf);
}

/// Greedy word wrap of `text` to `width` columns (a word longer than that is cut).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let Some(line) = lines.last_mut() else { break };
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(truncate(word, width));
        } else if line.is_empty() {
            line.push_str(&truncate(word, width));
        } else {
            line.push(' ');
            line.push_str(word);
        }
    }
    lines
}

fn render_help(app: &App, scroll: usize, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let keys = app.bindings.help();
    let key_width = keys.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let query_width = QUERY_HELP.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let widest = (keys.iter().map(|(_, w)| w.width()))
        .chain(QUERY_HELP.iter().map(|(_, w)| w.width()))
        .map(|w| key_width.max(query_width) + 3 + w)
        .max()
        .unwrap_or(0) as u16;
    let w = (widest + 2).min(area.width.saturating_sub(4));
    let body_width = usize::from(w.saturating_sub(2));
    // A description too long for the box goes on under itself.
    let entry = |k: &str, what: &str, kw: usize| -> Vec<Line> {
        let pad = kw.saturating_sub(k.width());
        let room = body_width.saturating_sub(kw + 3).max(10);
        wrap_words(what, room)
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let key = if i == 0 {
                    format!(" {k}{}  ", " ".repeat(pad))
                } else {
                    " ".repeat(kw + 3)
                };
                Line::from(vec![
                    Span::styled(key, t.focus.add_modifier(Modifier::BOLD)),
                    Span::raw(part),
                ])
            })
            .collect()
    };
    let mut lines: Vec<Line> = keys
        .iter()
        .flat_map(|(k, what)| entry(k, what, key_width))
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " Search syntax",
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
    )));
    lines.extend(
        QUERY_HELP
            .iter()
            .flat_map(|(k, what)| entry(k, what, query_width)),
    );
    let h = lines.len() as u16 + 2;
    let height = usize::from(h.min(area.height.saturating_sub(2)).saturating_sub(2));
    let scroll = scroll.min(lines.len().saturating_sub(height));
    let more = scroll_sign(lines.len(), height, scroll);
    let body = overlay_box(t, area, (w, h), "Keys", &more, buf);
    Paragraph::new(lines)
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .render(body, buf);
}

fn render_outline(t: &Theme, outline: &Outline, area: Rect, buf: &mut Buffer) {
    let lines: Vec<String> = (outline.items.iter())
        .map(|item| format!(" {}{}", "  ".repeat(usize::from(item.depth)), item.text))
        .collect();
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(0) as u16 + 4;
    let size = (width.max(30), lines.len() as u16 + 2);
    let height = usize::from(size.1.min(area.height.saturating_sub(2)).saturating_sub(2)).max(1);
    // Keep the selected heading in view.
    let scroll = outline.selected.saturating_sub(height - 1);
    let more = scroll_sign(lines.len(), height, scroll);
    let body = overlay_box(t, area, size, "Outline: Enter jumps", &more, buf);
    for (i, text) in lines.iter().enumerate().skip(scroll).take(height) {
        let row = Rect::new(body.x, body.y + (i - scroll) as u16, body.width, 1);
        Line::from(truncate(text, usize::from(body.width))).render(row, buf);
        if i == outline.selected {
            buf.set_style(row, t.selected_focused);
        }
    }
}
