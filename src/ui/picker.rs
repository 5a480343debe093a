//! Draws a list to pick from: the filter line, then each item (the results list adds
//! the snippet line with its matches), the selection shown by reversed video so it
//! survives no colour.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use super::theme::Theme;
use super::{overlay_box, truncate};
use crate::app::picker::{PickItem, Picker, PickerKind};

const MATCH: Style = Style::new()
    .add_modifier(Modifier::BOLD)
    .add_modifier(Modifier::UNDERLINED);

fn item_lines(t: &Theme, item: &PickItem, kind: PickerKind, width: usize) -> Vec<Line<'static>> {
    let star = if item.starred { "★ " } else { "  " };
    let mut lines = vec![Line::from(vec![
        Span::raw(star),
        Span::styled(
            truncate(&item.primary, width.saturating_sub(2)),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ])];
    let secondary = Line::from(vec![
        Span::raw("  "),
        Span::styled(truncate(&item.secondary, width.saturating_sub(2)), t.dim),
    ]);
    if kind == PickerKind::Results {
        lines.push(secondary);
        if let Some(s) = &item.snippet {
            let mut spans = vec![Span::raw("  ")];
            let mut at = 0;
            for r in &s.spans {
                if let (Some(before), Some(hit)) = (s.text.get(at..r.start), s.text.get(r.clone())) {
                    spans.push(Span::raw(before.to_string()));
                    spans.push(Span::styled(hit.to_string(), MATCH));
                    at = r.end;
                }
            }
            spans.push(Span::raw(s.text.get(at..).unwrap_or_default().to_string()));
            lines.push(Line::from(spans));
        }
    } else {
        lines[0]
            .spans
            .push(Span::styled(format!("  {}", item.secondary), t.dim));
    }
    lines
}

pub fn render(t: &Theme, picker: &Picker, area: Rect, buf: &mut Buffer) {
    let body = overlay_box(
        t,
        area,
        (area.width.saturating_sub(6), area.height.saturating_sub(2)),
        &picker.title,
        "",
        buf,
    );
    if body.height < 2 || body.width < 4 {
        return;
    }
    Clear.render(body, buf);
    let count = format!("{}/{}", picker.shown.len(), picker.items.len());
    let filter = format!("> {}▏", picker.filter);
    Line::from(vec![Span::raw(filter), Span::styled(format!("  {count}"), t.dim)])
        .render(Rect::new(body.x, body.y, body.width, 1), buf);
    let width = usize::from(body.width);
    let per_item = if picker.kind == PickerKind::Results { 3 } else { 1 };
    let rows = usize::from(body.height - 1) / per_item;
    if picker.shown.is_empty() {
        Span::styled("  nothing matches the filter", t.dim)
            .render(Rect::new(body.x, body.y + 1, body.width, 1), buf);
        return;
    }
    let first = picker.selected.saturating_sub(rows.saturating_sub(1));
    let mut y = body.y + 1;
    for (n, &i) in picker.shown.iter().enumerate().skip(first).take(rows) {
        let Some(item) = picker.items.get(i) else { continue };
        for mut line in item_lines(t, item, picker.kind, width) {
            if n == picker.selected {
                line = line.patch_style(Style::new().add_modifier(Modifier::REVERSED));
            }
            if y < body.y + body.height {
                line.render(Rect::new(body.x, y, body.width, 1), buf);
            }
            y += 1;
        }
    }
}
