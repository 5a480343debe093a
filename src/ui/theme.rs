//! Colours and attributes of everything drawn: a dark and a light theme, and a plain one for `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

use crate::core::model::quote;

/// Every style the panes and the note use. Selection, focus and matches carry an
/// attribute as well as a colour, so they survive 16-colour terminals; the plain theme
/// keeps only the attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// The focused pane's border and title.
    pub focus: Style,
    /// Detail lines, borders of other panes, hints.
    pub dim: Style,
    /// The selected row of the focused list, and of another list.
    pub selected_focused: Style,
    pub selected: Style,
    /// Hit counts and the search summary.
    pub hit_count: Style,
    /// The warnings badge and the y/n question.
    pub alert: Style,
    /// Loading progress on the status line.
    pub busy: Style,
    pub link: Style,
    /// The `[n]` after a link.
    pub link_marker: Style,
    /// Patched on top of the link style.
    pub selected_link: Style,
    pub matched: Style,
    pub current_match: Style,
    /// Inline `code`, and code blocks.
    pub code: Style,
    pub code_block: Style,
    pub heading1: Style,
    pub heading2: Style,
    pub heading3: Style,
    /// Quote gutters, list markers.
    pub quote: Style,
    pub list_marker: Style,
}

const BOLD: Modifier = Modifier::BOLD;
const REVERSED: Modifier = Modifier::REVERSED;
const UNDERLINED: Modifier = Modifier::UNDERLINED;

pub const DARK: Theme = Theme {
    focus: Style::new().fg(Color::Cyan),
    dim: Style::new().fg(Color::DarkGray),
    selected_focused: Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(BOLD),
    selected: Style::new().fg(Color::White).bg(Color::DarkGray),
    hit_count: Style::new().fg(Color::Yellow),
    alert: Style::new().fg(Color::Black).bg(Color::Yellow),
    busy: Style::new().fg(Color::Yellow),
    link: Style::new().fg(Color::LightBlue).add_modifier(UNDERLINED),
    link_marker: Style::new().fg(Color::DarkGray),
    selected_link: Style::new().add_modifier(REVERSED.union(BOLD)),
    matched: Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(UNDERLINED),
    current_match: Style::new()
        .fg(Color::Black)
        .bg(Color::LightMagenta)
        .add_modifier(BOLD.union(UNDERLINED)),
    code: Style::new().fg(Color::LightYellow),
    code_block: Style::new().fg(Color::Gray).bg(Color::Indexed(236)),
    heading1: Style::new()
        .fg(Color::LightMagenta)
        .add_modifier(BOLD.union(UNDERLINED)),
    heading2: Style::new().fg(Color::LightCyan).add_modifier(BOLD),
    heading3: Style::new().fg(Color::LightGreen).add_modifier(BOLD),
    quote: Style::new().fg(Color::DarkGray),
    list_marker: Style::new().fg(Color::LightCyan),
};

pub const LIGHT: Theme = Theme {
    focus: Style::new().fg(Color::Blue),
    dim: Style::new().fg(Color::Gray),
    selected_focused: Style::new().fg(Color::White).bg(Color::Blue).add_modifier(BOLD),
    selected: Style::new().fg(Color::Black).bg(Color::Gray),
    hit_count: Style::new().fg(Color::Magenta),
    alert: Style::new().fg(Color::Black).bg(Color::LightYellow),
    busy: Style::new().fg(Color::Magenta),
    link: Style::new().fg(Color::Blue).add_modifier(UNDERLINED),
    link_marker: Style::new().fg(Color::Gray),
    selected_link: Style::new().add_modifier(REVERSED.union(BOLD)),
    matched: Style::new()
        .fg(Color::Black)
        .bg(Color::LightYellow)
        .add_modifier(UNDERLINED),
    current_match: Style::new()
        .fg(Color::White)
        .bg(Color::Magenta)
        .add_modifier(BOLD.union(UNDERLINED)),
    code: Style::new().fg(Color::Red),
    code_block: Style::new().fg(Color::Black).bg(Color::Indexed(254)),
    heading1: Style::new()
        .fg(Color::Magenta)
        .add_modifier(BOLD.union(UNDERLINED)),
    heading2: Style::new().fg(Color::Blue).add_modifier(BOLD),
    heading3: Style::new().fg(Color::Green).add_modifier(BOLD),
    quote: Style::new().fg(Color::Gray),
    list_marker: Style::new().fg(Color::Blue),
};

/// `NO_COLOR`: attributes only. A match is reversed, the current one also bold and
/// underlined; a selected row is reversed (bold where the focus is); a selected link is
/// bold, underlined and italic, so it differs from a match.
pub const PLAIN: Theme = Theme {
    focus: Style::new().add_modifier(BOLD),
    dim: Style::new(),
    selected_focused: Style::new().add_modifier(REVERSED.union(BOLD)),
    selected: Style::new().add_modifier(REVERSED),
    hit_count: Style::new().add_modifier(BOLD),
    alert: Style::new().add_modifier(REVERSED),
    busy: Style::new(),
    link: Style::new().add_modifier(UNDERLINED),
    link_marker: Style::new(),
    selected_link: Style::new().add_modifier(BOLD.union(Modifier::ITALIC)),
    matched: Style::new().add_modifier(REVERSED),
    current_match: Style::new().add_modifier(REVERSED.union(BOLD).union(UNDERLINED)),
    code: Style::new(),
    code_block: Style::new(),
    heading1: Style::new().add_modifier(BOLD.union(UNDERLINED)),
    heading2: Style::new().add_modifier(BOLD),
    heading3: Style::new().add_modifier(BOLD),
    quote: Style::new(),
    list_marker: Style::new(),
};

impl Default for Theme {
    fn default() -> Self {
        DARK
    }
}

impl Theme {
    /// A built-in theme by name.
    pub fn named(name: &str) -> Option<Theme> {
        match name {
            "dark" => Some(DARK),
            "light" => Some(LIGHT),
            "plain" | "none" => Some(PLAIN),
            _ => None,
        }
    }

    /// The slot of a style by its name in the config file (`[theme] match = "yellow"`).
    pub fn slot(&mut self, name: &str) -> Option<&mut Style> {
        Some(match name {
            "focus" => &mut self.focus,
            "dim" => &mut self.dim,
            "selected_focused" => &mut self.selected_focused,
            "selected" => &mut self.selected,
            "hit_count" => &mut self.hit_count,
            "alert" => &mut self.alert,
            "busy" => &mut self.busy,
            "link" => &mut self.link,
            "link_marker" => &mut self.link_marker,
            "selected_link" => &mut self.selected_link,
            "match" => &mut self.matched,
            "current_match" => &mut self.current_match,
            "code" => &mut self.code,
            "code_block" => &mut self.code_block,
            "heading1" => &mut self.heading1,
            "heading2" => &mut self.heading2,
            "heading3" => &mut self.heading3,
            "quote" => &mut self.quote,
            "list_marker" => &mut self.list_marker,
            _ => return None,
        })
    }

    /// Style names accepted by [`Theme::slot`], for error messages.
    pub const SLOTS: &'static [&'static str] = &[
        "focus",
        "dim",
        "selected_focused",
        "selected",
        "hit_count",
        "alert",
        "busy",
        "link",
        "link_marker",
        "selected_link",
        "match",
        "current_match",
        "code",
        "code_block",
        "heading1",
        "heading2",
        "heading3",
        "quote",
        "list_marker",
    ];
}

/// Whether `NO_COLOR` asks for no colour (set and not empty, as no-color.org says).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Reads a style as written in the config file: colours (`yellow`, `#ffcc00`, `208`),
/// `on` and a background colour, and attributes (`bold`, `italic`, `underlined`,
/// `reversed`, `dim`): `"black on yellow bold"`.
pub fn parse_style(text: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = text.split_whitespace();
    while let Some(word) = words.next() {
        let word = word.to_ascii_lowercase();
        let modifier = match word.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underline" | "underlined" => Some(Modifier::UNDERLINED),
            "reverse" | "reversed" => Some(REVERSED),
            "crossed" | "strikethrough" => Some(Modifier::CROSSED_OUT),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        } else if word == "on" {
            let bg = words.next().ok_or("`on` needs a colour after it")?;
            style = style.bg(colour(bg)?);
        } else {
            style = style.fg(colour(&word)?);
        }
    }
    Ok(style)
}

fn colour(word: &str) -> Result<Color, String> {
    word.parse::<Color>().map_err(|_| {
        format!(
            "{:?} is not a colour (a name like yellow or lightblue, #rrggbb, or 0-255)",
            quote(word)
        )
    })
}

/// The theme asked for by the config file's `[theme]` (`base = "light"`, then any style
/// by name: `match = "black on yellow"`), or the plain one under `NO_COLOR`. What is
/// wrong is returned as messages and left out.
pub fn from_config(table: &toml::Table, no_color: bool) -> (Theme, Vec<String>) {
    let mut errors = Vec::new();
    let base = table.get("base").and_then(toml::Value::as_str).unwrap_or("dark");
    let mut theme = Theme::named(base).unwrap_or_else(|| {
        errors.push(format!(
            "[theme] base = {:?}: the built-in themes are dark, light and plain",
            quote(base)
        ));
        DARK
    });
    for (name, value) in table.iter().filter(|(k, _)| *k != "base") {
        let Some(slot) = theme.slot(name) else {
            errors.push(format!(
                "[theme] {}: no such style (there are: base, {})",
                quote(name),
                Theme::SLOTS.join(", ")
            ));
            continue;
        };
        match value.as_str().map(parse_style) {
            Some(Ok(style)) => *slot = style,
            Some(Err(e)) => errors.push(format!("[theme] {name}: {e}")),
            None => errors.push(format!(
                "[theme] {name}: give a style as a string (\"black on yellow\")"
            )),
        }
    }
    if no_color {
        theme = PLAIN;
    }
    (theme, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_and_themes_from_the_config_file() {
        assert_eq!(
            parse_style("black on yellow bold"),
            Ok(Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD))
        );
        assert!(parse_style("on").is_err());
        assert!(parse_style("blurple")
            .unwrap_err()
            .contains("\"blurple\" is not a colour"));
        let table: toml::Table =
            toml::from_str("base = \"light\"\nmatch = \"white on red\"\nlinks = \"blue\"\ncode = 7").unwrap();
        let (theme, errors) = from_config(&table, false);
        assert_eq!(theme.matched, Style::new().fg(Color::White).bg(Color::Red));
        assert_eq!(theme.focus, LIGHT.focus);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("links: no such style") || errors[1].contains("links: no such style"));
        // NO_COLOR wins over colours of one's own.
        assert_eq!(from_config(&table, true).0, PLAIN);
    }
}
