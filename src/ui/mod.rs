//! Rendering: draws the app's state into a buffer; it never changes the state.

pub mod layout;
pub mod markdown;
mod picker;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use self::layout::{inner, Areas, MIN_HEIGHT, MIN_WIDTH, ROW_HEIGHT};
use crate::app::keymap::HELP;
use crate::app::{App, Overlay, Pane};

const FOCUS: Style = Style::new().fg(Color::Cyan);
const DIM: Style = Style::new().fg(Color::DarkGray);
const SELECTED_FOCUSED: Style = Style::new().fg(Color::Black).bg(Color::Cyan);
const SELECTED: Style = Style::new().bg(Color::DarkGray);
const HIT_COUNT: Style = Style::new().fg(Color::Yellow);

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(areas) = Areas::new(area) else {
            too_small(area, buf);
            return;
        };
        render_events(self, areas.events, buf);
        render_sessions(self, areas.sessions, buf);
        render_note(self, areas.note, buf);
        render_search(self, areas.search, buf);
        render_status(self, areas.status, buf);
        match &self.overlay {
            Overlay::Help { scroll } => render_help(*scroll, area, buf),
            Overlay::Warnings { scroll } => render_warnings(self, *scroll, area, buf),
            Overlay::Explain { scroll, text } => render_explain(text, *scroll, area, buf),
            Overlay::Picker(p) => picker::render(p, area, buf),
            Overlay::Confirm(_) | Overlay::None => {}
        }
        crate::printable::scrub(buf);
    }
}

fn too_small(area: Rect, buf: &mut Buffer) {
    let text = vec![
        Line::from("confnotes needs a bigger terminal"),
        Line::from(format!(
            "at least {MIN_WIDTH}×{MIN_HEIGHT}, now {}×{}",
            area.width, area.height
        )),
        Line::from("(q quits)").style(DIM),
    ];
    let y = area.y + area.height.saturating_sub(3) / 2;
    let rect = Rect::new(area.x, y, area.width, area.height.min(3));
    Paragraph::new(text)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(rect, buf);
}

fn pane_block(app: &App, pane: Pane, title: String) -> Block<'static> {
    let focused = app.focus == pane && !app.search.editing;
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        title,
        if focused {
            FOCUS.add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        },
    ));
    if focused {
        block.border_type(BorderType::Thick).border_style(FOCUS)
    } else {
        block.border_style(DIM)
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
    out.push('…');
    out
}

/// Draws two-line list rows with the selection highlighted.
/// Draws the rows on screen; `row_at` builds only those (a list can hold 10,000).
fn render_rows<'a>(
    count: usize,
    row_at: impl Fn(usize) -> (Line<'a>, Line<'a>),
    selected: usize,
    offset: usize,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    for i in offset..count {
        let y = area.y + ((i - offset) as u16) * ROW_HEIGHT;
        if y + ROW_HEIGHT > area.y + area.height {
            break;
        }
        let (first, second) = row_at(i);
        let rect = Rect::new(area.x, y, area.width, ROW_HEIGHT);
        if i == selected {
            buf.set_style(rect, if focused { SELECTED_FOCUSED } else { SELECTED });
        }
        first.render(Rect::new(area.x, y, area.width, 1), buf);
        second.render(Rect::new(area.x, y + 1, area.width, 1), buf);
    }
}

fn render_events(app: &App, area: Rect, buf: &mut Buffer) {
    let library = &app.notes.library;
    let title = match &app.search.results {
        Some(r) => format!(" Events {}/{} ", r.by_event.len(), library.events.len()),
        None => format!(" Events {} ", library.events.len()),
    };
    let block = pane_block(app, Pane::Events, title);
    let body = inner(area);
    block.render(area, buf);
    let width = body.width as usize;
    let row_at = |i: usize| {
        let row = &app.events.rows[i];
        let e = &library.events[row.event];
        let first = match row.hits {
            Some(n) => {
                let count = format!(" {n}");
                let title = truncate(&e.title, width.saturating_sub(count.width()));
                let pad = width.saturating_sub(title.width() + count.width());
                Line::from(vec![
                    Span::styled(title, Style::new().add_modifier(Modifier::BOLD)),
                    Span::raw(" ".repeat(pad)),
                    Span::styled(count, HIT_COUNT),
                ])
            }
            None => Line::from(Span::styled(
                truncate(&e.title, width),
                Style::new().add_modifier(Modifier::BOLD),
            )),
        };
        let detail = format!("{}  {} sessions", e.date_label(), e.sessions.len());
        (first, Line::from(Span::styled(truncate(&detail, width), DIM)))
    };
    let focused = app.focus == Pane::Events && !app.search.editing;
    render_rows(
        app.events.rows.len(),
        row_at,
        app.events.selected,
        app.events.offset,
        focused,
        body,
        buf,
    );
    if app.events.rows.is_empty() {
        Paragraph::new(Span::styled("no matches", DIM)).render(body, buf);
    }
}

fn render_sessions(app: &App, area: Rect, buf: &mut Buffer) {
    let library = &app.notes.library;
    let title = match app.events.current() {
        Some(row) if app.search.is_active() => format!(" Hits in {} ", library.events[row.event].title),
        Some(row) => format!(" {} ", library.events[row.event].title),
        None => " Sessions ".to_string(),
    };
    let block = pane_block(
        app,
        Pane::Sessions,
        truncate(&title, area.width.saturating_sub(4) as usize),
    );
    let body = inner(area);
    block.render(area, buf);
    let width = body.width as usize;
    let row_at = |i: usize| {
        let row = &app.sessions.rows[i];
        let e = &library.events[row.key.event];
        match row.key.session.and_then(|i| e.sessions.get(i)) {
            Some(s) => {
                let code = s.code.as_deref().map(|c| format!("{c} ")).unwrap_or_default();
                let starred = app
                    .stars
                    .is_starred(&crate::core::SessionRef::new(e.id.clone(), s.id.clone()));
                let star = if starred { "★ " } else { "" };
                let title = truncate(&format!("{star}{code}{}", s.title), width);
                let mut detail = s.speakers.join(", ");
                if detail.is_empty() {
                    detail = s.affiliation.clone().unwrap_or_else(|| s.tags.join(" "));
                }
                (
                    Line::from(title),
                    Line::from(Span::styled(truncate(&detail, width), DIM)),
                )
            }
            None => (
                Line::from(Span::styled(
                    truncate("概要 Overview", width),
                    Style::new().add_modifier(Modifier::ITALIC),
                )),
                Line::from(Span::styled(
                    truncate(
                        &format!("{} sessions · {}", e.sessions.len(), e.date_label()),
                        width,
                    ),
                    DIM,
                )),
            ),
        }
    };
    let focused = app.focus == Pane::Sessions && !app.search.editing;
    render_rows(
        app.sessions.rows.len(),
        row_at,
        app.sessions.selected,
        app.sessions.offset,
        focused,
        body,
        buf,
    );
}

fn render_note(app: &App, area: Rect, buf: &mut Buffer) {
    let total = app.note.rendered.lines.len();
    let body = inner(area);
    let position = if total <= body.height as usize {
        String::new()
    } else {
        let bottom = (app.note.scroll + body.height as usize).min(total);
        format!(" {}% ", bottom * 100 / total.max(1))
    };
    let mut block = pane_block(app, Pane::Note, " Note ".into());
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
        info.push(format!("{at}{matches} matches n/N"));
    }
    if links > 0 {
        info.push(format!("{links} links ]/["));
    }
    if !info.is_empty() {
        block = block.title(
            Line::from(format!(" {} ", info.join(" · ")))
                .alignment(Alignment::Right)
                .style(DIM),
        );
    }
    block.render(area, buf);
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

fn render_search(app: &App, area: Rect, buf: &mut Buffer) {
    let s = &app.search;
    let summary = match &s.results {
        Some(r) => {
            let mut summary = if r.shown < r.total {
                format!(
                    " {} hits, best {} in {} events",
                    r.total,
                    r.shown,
                    r.by_event.len()
                )
            } else {
                format!(" {} hits in {} events", r.total, r.by_event.len())
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
        None => String::new(),
    };
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(summary.width() as u16)]).areas(area);
    let mut spans = vec![Span::styled(
        if s.in_note { "find in note: " } else { "/ " },
        if s.editing {
            FOCUS.add_modifier(Modifier::BOLD)
        } else {
            DIM
        },
    )];
    if s.input.is_empty() && !s.editing {
        spans.push(Span::styled(
            "type / to search every note (Japanese and English)",
            DIM,
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
        spans.push(Span::styled("   (/ edit, Esc clear)", DIM));
    }
    Line::from(spans).render(left, buf);
    Span::styled(summary, HIT_COUNT).render(right, buf);
}

fn render_status(app: &App, area: Rect, buf: &mut Buffer) {
    let warnings = if app.warnings.is_empty() {
        String::new()
    } else {
        format!(" {} warnings (w) ", app.warnings.len())
    };
    let [left, right] =
        Layout::horizontal([Constraint::Min(10), Constraint::Length(warnings.width() as u16)]).areas(area);
    let line = match (&app.overlay, &app.status) {
        (Overlay::Confirm(url), _) => Line::from(Span::styled(
            format!("open {url} in the browser? y/n"),
            Style::new().fg(Color::Black).bg(Color::Yellow),
        )),
        (_, Some(message)) => Line::from(Span::raw(message.clone())),
        (_, None) if app.loading.is_some() => Line::from(Span::styled(
            app.loading.clone().unwrap_or_default(),
            Style::new().fg(Color::Yellow),
        )),
        _ => Line::from(Span::styled(
            "? help  / search  Tab pane  ]/[ links  Enter open  b back  n/N matches  q quit",
            DIM,
        )),
    };
    line.render(left, buf);
    Span::styled(warnings, Style::new().fg(Color::Black).bg(Color::Yellow)).render(right, buf);
}

fn overlay_box(area: Rect, width: u16, height: u16, title: &str, buf: &mut Buffer) -> Rect {
    let w = width.min(area.width.saturating_sub(4));
    let h = height.min(area.height.saturating_sub(2));
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(rect, buf);
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(FOCUS)
        .title(Span::styled(
            format!(" {title} "),
            FOCUS.add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Line::from(" Esc closes ").alignment(Alignment::Right))
        .render(rect, buf);
    inner(rect)
}

fn render_help(scroll: usize, area: Rect, buf: &mut Buffer) {
    let body = overlay_box(area, 100, HELP.len() as u16 + 4, "Keys", buf);
    let key_width = HELP.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(keys, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {keys:<key_width$}  "),
                    FOCUS.add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    Paragraph::new(lines)
        .scroll((scroll.min(HELP.len()) as u16, 0))
        .render(body, buf);
}

fn render_explain(text: &str, scroll: usize, area: Rect, buf: &mut Buffer) {
    let body = overlay_box(
        area,
        area.width.saturating_sub(8),
        area.height.saturating_sub(4),
        "How the search is understood",
        buf,
    );
    let lines: Vec<Line> = text.lines().map(|l| Line::from(l.to_string())).collect();
    let scroll = scroll.min(lines.len().saturating_sub(1));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll as u16, 0))
        .render(body, buf);
}

fn render_warnings(app: &App, scroll: usize, area: Rect, buf: &mut Buffer) {
    let body = overlay_box(
        area,
        area.width.saturating_sub(8),
        area.height.saturating_sub(4),
        "Warnings from loading notes",
        buf,
    );
    let lines: Vec<Line> = if app.warnings.is_empty() {
        vec![Line::from(Span::styled(
            "no warnings: every note loaded cleanly",
            DIM,
        ))]
    } else {
        app.warnings.iter().map(|w| Line::from(w.to_string())).collect()
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll.min(app.warnings.len()) as u16, 0))
        .render(body, buf);
}
