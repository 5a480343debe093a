//! The events and sessions lists: rows of a title (wrapped to a second line when long) and a detail line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{pane_block, plural, truncate};
use crate::app::{App, EventRow, Pane, SessionRow};
use crate::core::model::{Event, Session};
use crate::core::{Library, SessionRef};
use crate::stars::Stars;

/// A title in at most two lines of `width` columns: the second is cut with `…`.
pub fn split_title(title: &str, width: usize) -> (String, Option<String>) {
    if title.width() <= width {
        return (title.to_string(), None);
    }
    let mut first = String::new();
    let mut used = 0;
    let mut rest = title;
    for (i, c) in title.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            rest = &title[i..];
            break;
        }
        first.push(c);
        used += w;
    }
    // Prefer to end the first line at a space, as long as it keeps a third of the line.
    if let Some(space) = first
        .rfind(' ')
        .filter(|&i| first.get(..i).unwrap_or_default().width() * 3 >= width)
    {
        let moved = first.split_off(space);
        let second = format!("{}{rest}", moved.trim_start());
        return (first, Some(truncate(&second, width)));
    }
    (first, Some(truncate(rest.trim_start(), width)))
}

/// A session's row title: a star if starred, its code, its title.
fn session_title(e: &Event, s: &Session, stars: &Stars) -> String {
    let star = if stars.is_starred(&SessionRef::new(e.id.clone(), s.id.clone())) {
        "★ "
    } else {
        ""
    };
    match &s.code {
        Some(code) => format!("{star}{code} {}", s.title),
        None => format!("{star}{}", s.title),
    }
}

fn hit_count(row: &EventRow) -> String {
    row.hits.map(|n| format!(" {n}")).unwrap_or_default()
}

/// Lines taken by an events row in a list `width` columns wide.
pub fn event_height(library: &Library, row: &EventRow, width: usize) -> usize {
    let Some(e) = library.events.get(row.event) else {
        return 2;
    };
    2 + usize::from(e.title.width() + hit_count(row).width() > width)
}

/// Lines taken by a sessions row in a list `width` columns wide.
pub fn session_height(library: &Library, stars: &Stars, row: &SessionRow, width: usize) -> usize {
    let Some(e) = library.events.get(row.key.event) else {
        return 2;
    };
    match row.key.session.and_then(|i| e.sessions.get(i)) {
        Some(s) => 2 + usize::from(session_title(e, s, stars).width() > width),
        None => 2,
    }
}

/// "12 sessions · 2019-07-25", leaving out what is not there.
pub fn event_detail(e: &Event) -> String {
    let mut parts = Vec::new();
    // Two days of one month fit a narrow pane as `2019-07-22–23`.
    let date = match (e.dates.first(), e.dates.last()) {
        (Some(a), Some(b)) if a != b && a.len() == 10 && a.get(..8) == b.get(..8) => {
            format!("{a}–{}", b.get(8..).unwrap_or_default())
        }
        _ => e.date_label(),
    };
    if !date.is_empty() {
        parts.push(date);
    }
    if !e.sessions.is_empty() {
        parts.push(plural(e.sessions.len(), "session"));
    }
    parts.join(" · ")
}

/// Draws rows from `offset` down while they fit; `row_at` builds only those (a list can
/// hold 10,000). The selected row is drawn in the selection style over its whole height,
/// detail line included, so nothing in it is drawn in the colour of its background.
fn render_rows<'a>(
    count: usize,
    row_at: impl Fn(usize) -> Vec<Line<'a>>,
    (selected, offset): (usize, usize),
    selection: Style,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut y = area.y;
    for i in offset..count {
        let lines = row_at(i);
        let height = lines.len() as u16;
        if y + height > area.bottom() {
            break;
        }
        for (k, line) in lines.into_iter().enumerate() {
            line.render(Rect::new(area.x, y + k as u16, area.width, 1), buf);
        }
        if i == selected {
            buf.set_style(Rect::new(area.x, y, area.width, height), selection);
        }
        y += height;
    }
}

fn selection(app: &App, pane: Pane) -> Style {
    if app.focus == pane && !app.search.editing {
        app.theme.selected_focused
    } else {
        app.theme.selected
    }
}

pub fn render_events(app: &App, area: Rect, buf: &mut Buffer) {
    let library = &app.notes.library;
    let title = match &app.search.results {
        Some(r) => format!(" Events {}/{} ", r.by_event.len(), library.events.len()),
        None => format!(" Events {} ", library.events.len()),
    };
    let block = pane_block(app, Pane::Events, title);
    let body = super::layout::inner(area);
    block.render(area, buf);
    let width = body.width as usize;
    let t = &app.theme;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let row_at = |i: usize| {
        let Some((row, e)) =
            (app.events.rows.get(i)).and_then(|row| Some((row, library.events.get(row.event)?)))
        else {
            return Vec::new();
        };
        let count = hit_count(row);
        let (first, second) = split_title(&e.title, width.saturating_sub(count.width()));
        let pad = width.saturating_sub(first.width() + count.width());
        let mut lines = vec![Line::from(vec![
            Span::styled(first, bold),
            Span::raw(" ".repeat(pad)),
            Span::styled(count, t.hit_count),
        ])];
        lines.extend(second.map(|s| Line::from(Span::styled(s, bold))));
        lines.push(Line::from(Span::styled(truncate(&event_detail(e), width), t.dim)));
        lines
    };
    let list = (app.events.selected, app.events.offset);
    let selection = selection(app, Pane::Events);
    render_rows(app.events.rows.len(), row_at, list, selection, body, buf);
    if app.events.rows.is_empty() {
        Paragraph::new(empty_events(app, body.width as usize))
            .wrap(Wrap { trim: false })
            .render(body, buf);
    }
}

/// What an empty events pane says: why there is no note at all, or that the search
/// matches none.
fn empty_events(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    if !app.notes.library.events.is_empty() {
        return vec![Line::from(Span::styled("no matches", t.dim))];
    }
    if let Some(loading) = &app.loading {
        return vec![Line::from(Span::styled(loading.clone(), t.busy))];
    }
    if app.empty_folders.is_empty() {
        return vec![Line::from(Span::styled("no notes", t.dim))];
    }
    (app.empty_folders.iter())
        .flat_map(|said| wrap_at_words_and_slashes(said, width))
        .map(|line| Line::from(Span::styled(line, t.alert)))
        .collect()
}

/// `text` in lines of at most `width` columns, broken between words or after a `/` of
/// a path (never inside a folder's name); a word or folder name wider than a line has
/// its middle cut (`very-lo…name/`).
pub fn wrap_at_words_and_slashes(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        // A word (a whole path) that does not fit the rest of the line starts the next.
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        for (i, piece) in word.split_inclusive('/').enumerate() {
            let space = i == 0 && !line.is_empty();
            if line.width() + usize::from(space) + piece.width() > width && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            } else if space {
                line.push(' ');
            }
            line.push_str(&middle_cut(piece, width));
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` cut to `width` columns by taking out its middle (`…` in its place).
fn middle_cut(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if text.width() <= width {
        return std::borrow::Cow::Borrowed(text);
    }
    let keep = width.saturating_sub(1);
    let mut head = String::new();
    for c in text.chars() {
        if head.width() + c.width().unwrap_or(0) > keep - keep / 2 {
            break;
        }
        head.push(c);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut tail_width = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if head.width() + tail_width + w > keep {
            break;
        }
        tail.push(c);
        tail_width += w;
    }
    let tail: String = tail.into_iter().rev().collect();
    std::borrow::Cow::Owned(format!("{head}…{tail}"))
}

pub fn render_sessions(app: &App, area: Rect, buf: &mut Buffer) {
    let library = &app.notes.library;
    let event = app.events.current().and_then(|r| library.events.get(r.event));
    let title = match event {
        Some(e) if app.search.is_active() => format!(" Hits in {} ", e.title),
        Some(e) => format!(" {} ", e.title),
        None => " Sessions ".to_string(),
    };
    let block = pane_block(
        app,
        Pane::Sessions,
        truncate(&title, area.width.saturating_sub(4) as usize),
    );
    let body = super::layout::inner(area);
    block.render(area, buf);
    let width = body.width as usize;
    let t = &app.theme;
    let row_at = |i: usize| {
        let Some(row) = app.sessions.rows.get(i) else {
            return Vec::new();
        };
        let Some(e) = library.events.get(row.key.event) else {
            return Vec::new();
        };
        match row.key.session.and_then(|i| e.sessions.get(i)) {
            Some(s) => {
                let (first, second) = split_title(&session_title(e, s, &app.stars), width);
                let mut detail = s.speakers.join(", ");
                if detail.is_empty() {
                    detail = s.affiliation.clone().unwrap_or_else(|| s.tags.join(" "));
                }
                // The day or track first: a list of two days' talks says which is which.
                if let Some(context) = &s.context {
                    detail = if detail.is_empty() {
                        context.clone()
                    } else {
                        format!("{context} · {detail}")
                    };
                }
                let mut lines = vec![Line::from(first)];
                lines.extend(second.map(Line::from));
                lines.push(Line::from(Span::styled(truncate(&detail, width), t.dim)));
                lines
            }
            None => {
                let mut detail = event_detail(e);
                if detail.is_empty() {
                    detail = "the event's own note".into();
                }
                vec![
                    Line::from(Span::styled(
                        truncate("概要 Overview", width),
                        Style::new().add_modifier(Modifier::ITALIC),
                    )),
                    Line::from(Span::styled(truncate(&detail, width), t.dim)),
                ]
            }
        }
    };
    let list = (app.sessions.selected, app.sessions.offset);
    let selection = selection(app, Pane::Sessions);
    render_rows(app.sessions.rows.len(), row_at, list, selection, body, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_wrap_after_a_slash() {
        let lines = wrap_at_words_and_slashes(
            "no notes in ~/Documents/カンファレンス/2024/notes: it does not exist",
            20,
        );
        assert_eq!(
            lines,
            [
                "no notes in",
                "~/Documents/",
                "カンファレンス/2024/",
                "notes: it does not",
                "exist"
            ]
        );
        assert!(lines.iter().all(|l| l.width() <= 20));
        // A folder name wider than a line loses its middle, not its ends.
        let lines = wrap_at_words_and_slashes("in /x/a-very-long-folder-name-indeed/y", 12);
        assert_eq!(lines, ["in", "/x/", "a-very…deed/", "y"]);
        assert_eq!(middle_cut("日本語のフォルダ名", 7), "日…ダ名");
        assert_eq!(wrap_at_words_and_slashes("", 10), [""]);
        assert_eq!(wrap_at_words_and_slashes("abc", 0), ["…"]);
    }
}
