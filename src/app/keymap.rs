//! Terminal events to actions. The whole key binding table lives here (and in the
//! help overlay, which is generated from `HELP` and the config file's `[keys]`).

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};

use super::action::{Action, Pane};
use super::picker::PickerKind;
use crate::core::model::quote;

/// What the keys mean right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyContext {
    /// Browsing, with this pane focused.
    Browse(Pane),
    /// Typing in the search line.
    Search,
    /// The help or warnings overlay is open.
    Overlay,
    /// A yes/no question on the status line.
    Confirm,
    /// A list to pick from, filtered by what is typed.
    Picker,
    /// A list to pick from (the outline).
    Menu,
}

/// Every binding, for the help overlay and the README: (keys, what they do).
pub const HELP: &[(&str, &str)] = &[
    (
        "/",
        "search: type to filter every pane; Enter: results; Esc: clear",
    ),
    ("Tab / Shift-Tab", "next / previous pane"),
    ("j k, ↓ ↑", "move in a list, scroll the note"),
    ("h l, ← →", "previous / next pane (→ or Enter on a list opens it)"),
    ("g G, Home End", "first / last row, top / bottom of the note"),
    ("Ctrl-d Ctrl-u", "half a page down / up"),
    ("PgDn PgUp, Space", "a page down / up"),
    ("] [", "select the next / previous link in the note"),
    ("Enter", "follow the selected link (web links ask first)"),
    (
        "1-9",
        "follow link N; past 9 type all digits (1 2), Enter if it could go on",
    ),
    ("b, Ctrl-o, Backspace, Alt-←", "back to where you jumped from"),
    ("f, Alt-→", "forward again"),
    ("n N", "next / previous search match in the note"),
    ("z", "zoom: the note alone, full width (again: all panes)"),
    ("E", "hide / show the events pane"),
    ("> <", "a wider / narrower note pane"),
    ("o", "outline: the note's headings; Enter jumps to one"),
    ("e", "edit the note in $VISUAL / $EDITOR at the session's line"),
    ("y", "copy the selected link's URL, else the session id"),
    ("Y", "copy the note's file and line"),
    ("M", "copy a Markdown link to the session"),
    ("w", "list the warnings from loading notes"),
    (
        "x, Ctrl-x",
        "how the search is understood: words, spellings, synonyms",
    ),
    (
        "R, Ctrl-r",
        "every hit of the search in one ranked list, with snippets",
    ),
    ("S", "every session by the selected session's speakers"),
    ("T", "the tags with their counts (Enter searches tag:X)"),
    ("s  *", "star / unstar the session; the starred sessions"),
    ("F", "find in the open note only (n N walk the matches, Esc ends)"),
    (
        "in a list",
        "type to filter, ↑ ↓ to move, Enter to open, Esc to close",
    ),
    ("?", "this help"),
    ("q, Ctrl-C", "quit"),
    ("Ctrl-Z", "suspend to the shell (fg comes back)"),
    (
        "mouse",
        "click selects / focuses / follows a link; the wheel scrolls",
    ),
];

/// The search line's syntax, for the help overlay (the README has the long form).
pub const QUERY_HELP: &[(&str, &str)] = &[
    ("spinnaker argo", "every word must match"),
    ("spinn", "the last word also matches as a prefix"),
    ("\"継続的デリバリ\"", "a phrase: words adjacent, no synonyms"),
    ("-jenkins", "exclude"),
    ("argo OR flux", "either (also between filters)"),
    (
        "tag:gitops",
        "filters: tag: speaker: event: year: day:/track: (-tag:x excludes)",
    ),
];

/// Actions the config file's `[keys]` section can bind, by name.
fn named_actions() -> Vec<(&'static str, Action)> {
    vec![
        ("quit", Action::Quit),
        ("search", Action::StartSearch),
        ("next_pane", Action::FocusNext),
        ("previous_pane", Action::FocusPrev),
        ("down", Action::Down),
        ("up", Action::Up),
        ("left", Action::Left),
        ("open", Action::Open),
        ("top", Action::Top),
        ("bottom", Action::Bottom),
        ("half_page_down", Action::HalfPageDown),
        ("half_page_up", Action::HalfPageUp),
        ("page_down", Action::PageDown),
        ("page_up", Action::PageUp),
        ("next_link", Action::NextLink),
        ("previous_link", Action::PrevLink),
        ("next_match", Action::NextMatch),
        ("previous_match", Action::PrevMatch),
        ("back", Action::Back),
        ("forward", Action::Forward),
        ("help", Action::ToggleHelp),
        ("warnings", Action::ToggleWarnings),
        ("explain", Action::ExplainSearch),
        ("zoom", Action::ToggleZoom),
        ("toggle_events", Action::ToggleEvents),
        ("wider_note", Action::WidenNote(1)),
        ("narrower_note", Action::WidenNote(-1)),
        ("outline", Action::Outline),
        ("edit", Action::Edit),
        ("copy", Action::Copy),
        ("copy_location", Action::CopyLocation),
        ("copy_markdown_link", Action::CopyMarkdownLink),
        ("results", Action::OpenPicker(PickerKind::Results)),
        ("speaker", Action::OpenPicker(PickerKind::Speaker)),
        ("tags", Action::OpenPicker(PickerKind::Tags)),
        ("starred", Action::OpenPicker(PickerKind::Starred)),
        ("star", Action::ToggleStar),
    ]
}

/// Key bindings of one's own (the config file's `[keys]`: `zoom = "Z"`,
/// `back = ["ctrl-o", "H"]`), looked up before the built-in ones while browsing.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    bound: Vec<(String, KeyEvent, Action, &'static str)>,
}

impl Bindings {
    /// Reads `action = "key"` or `action = ["key", ...]` pairs; what is wrong is
    /// returned as messages and left out.
    pub fn from_table(table: &toml::Table) -> (Bindings, Vec<String>) {
        let actions = named_actions();
        let mut bound = Vec::new();
        let mut errors = Vec::new();
        for (name, value) in table {
            let Some((name, action)) = actions.iter().find(|(n, _)| n == name) else {
                let names: Vec<&str> = actions.iter().map(|(n, _)| *n).collect();
                errors.push(format!(
                    "[keys] {}: no such action (there are: {})",
                    quote(name),
                    names.join(", ")
                ));
                continue;
            };
            let keys: Vec<&str> = match value {
                toml::Value::String(k) => vec![k.as_str()],
                toml::Value::Array(a) => a.iter().filter_map(toml::Value::as_str).collect(),
                _ => Vec::new(),
            };
            if keys.is_empty() {
                errors.push(format!(
                    "[keys] {name}: give a key string or a list of them (\"ctrl-o\", \"Z\")"
                ));
            }
            for key in keys {
                match parse_key(key) {
                    Some(event) => bound.push((key.to_string(), event, action.clone(), *name)),
                    None => errors.push(format!(
                        "[keys] {name}: cannot read the key {:?} (write keys like \"Z\", \"ctrl-o\", \"alt-left\", \"enter\")",
                        quote(key)
                    )),
                }
            }
        }
        (Bindings { bound }, errors)
    }

    fn lookup(&self, key: &KeyEvent) -> Option<Action> {
        // Letters arrive with SHIFT for capitals in some terminals: compare without it.
        let plain = |k: &KeyEvent| (k.code, k.modifiers - KeyModifiers::SHIFT);
        (self.bound.iter())
            .find(|(_, k, _, _)| plain(k) == plain(key))
            .map(|(_, _, a, _)| a.clone())
    }

    /// The help table: the built-in keys, then one's own.
    pub fn help(&self) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> =
            HELP.iter().map(|(k, w)| (k.to_string(), w.to_string())).collect();
        for (key, _, _, name) in &self.bound {
            rows.push((key.clone(), format!("{} (your binding)", name.replace('_', " "))));
        }
        rows
    }

    /// Maps a terminal event, one's own bindings first while browsing.
    pub fn map_event(&self, event: &Event, context: KeyContext) -> Option<Action> {
        if let (Event::Key(key), KeyContext::Browse(_)) = (event, context) {
            if key.kind != KeyEventKind::Release {
                if let Some(action) = self.lookup(key) {
                    return Some(action);
                }
            }
        }
        map_event(event, context)
    }
}

/// Maps one terminal event to an action, if it means anything here.
pub fn map_event(event: &Event, context: KeyContext) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => map_key(key, context),
        Event::Paste(text) if context == KeyContext::Search => Some(Action::SearchInsert(text.clone())),
        Event::Paste(text) if matches!(context, KeyContext::Browse(_)) && !text.is_empty() => {
            // Pasting while browsing starts a search with that text.
            Some(Action::SearchInsert(text.clone()))
        }
        Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(m.column, m.row)),
            MouseEventKind::ScrollUp => Some(Action::ScrollUp(m.column, m.row)),
            MouseEventKind::ScrollDown => Some(Action::ScrollDown(m.column, m.row)),
            _ => None,
        },
        _ => None,
    }
}

pub fn map_key(key: &KeyEvent, context: KeyContext) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match context {
        KeyContext::Search => search_key(key, ctrl, alt),
        KeyContext::Picker => picker_key(key, ctrl),
        KeyContext::Confirm => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => Some(Action::ConfirmYes),
            _ => Some(Action::ConfirmNo),
        },
        KeyContext::Overlay => match key.code {
            KeyCode::Char('q') | KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('w') | KeyCode::Enter => {
                Some(Action::Escape)
            }
            KeyCode::Char('j') | KeyCode::Down => Some(Action::Down),
            KeyCode::Char('k') | KeyCode::Up => Some(Action::Up),
            KeyCode::Char('g') | KeyCode::Home => Some(Action::Top),
            KeyCode::Char('G') | KeyCode::End => Some(Action::Bottom),
            KeyCode::Char(' ') | KeyCode::PageDown => Some(Action::PageDown),
            KeyCode::PageUp => Some(Action::PageUp),
            _ => None,
        },
        KeyContext::Menu => super::outline::outline_key(key.code),
        KeyContext::Browse(_) => browse_key(key, ctrl, alt),
    }
}

fn picker_key(key: &KeyEvent, ctrl: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Esc => Action::Escape,
        KeyCode::Enter => Action::Open,
        KeyCode::Up => Action::Up,
        KeyCode::Down | KeyCode::Tab => Action::Down,
        KeyCode::Char('p') if ctrl => Action::Up,
        KeyCode::Char('n') if ctrl => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Backspace => Action::SearchBackspace,
        KeyCode::Char(c) if !ctrl => Action::SearchInsert(c.to_string()),
        _ => return None,
    })
}

fn search_key(key: &KeyEvent, ctrl: bool, alt: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Enter | KeyCode::Down | KeyCode::Tab => Action::SubmitSearch,
        KeyCode::Esc => Action::Escape,
        KeyCode::Backspace if ctrl || alt => Action::SearchDeleteWord,
        KeyCode::Backspace => Action::SearchBackspace,
        KeyCode::Delete => Action::SearchDelete,
        KeyCode::Left => Action::SearchCursorLeft,
        KeyCode::Right => Action::SearchCursorRight,
        KeyCode::Home => Action::SearchCursorHome,
        KeyCode::End => Action::SearchCursorEnd,
        KeyCode::Char('w') if ctrl => Action::SearchDeleteWord,
        KeyCode::Char('u') if ctrl => Action::SearchClearLine,
        KeyCode::Char('a') if ctrl => Action::SearchCursorHome,
        KeyCode::Char('e') if ctrl => Action::SearchCursorEnd,
        KeyCode::Char('x') if ctrl => Action::ExplainSearch,
        KeyCode::Char('r') if ctrl => Action::OpenPicker(PickerKind::Results),
        KeyCode::Char(c) if !ctrl => Action::SearchInsert(c.to_string()),
        _ => return None,
    })
}

fn browse_key(key: &KeyEvent, ctrl: bool, alt: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('d') if ctrl => Action::HalfPageDown,
        KeyCode::Char('u') if ctrl => Action::HalfPageUp,
        KeyCode::Char('f') if ctrl => Action::PageDown,
        KeyCode::Char('b') if ctrl => Action::PageUp,
        KeyCode::Char('o') if ctrl => Action::Back,
        KeyCode::Left if alt => Action::Back,
        KeyCode::Right if alt => Action::Forward,
        _ if ctrl || alt => return None,
        KeyCode::Char('/') => Action::StartSearch,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('h') | KeyCode::Left => Action::Left,
        KeyCode::Char('l') | KeyCode::Right | KeyCode::Enter => Action::Open,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::PageDown | KeyCode::Char(' ') => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Char(']') => Action::NextLink,
        KeyCode::Char('[') => Action::PrevLink,
        KeyCode::Char('n') => Action::NextMatch,
        KeyCode::Char('N') => Action::PrevMatch,
        KeyCode::Char('b') | KeyCode::Backspace => Action::Back,
        KeyCode::Char('f') => Action::Forward,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('w') => Action::ToggleWarnings,
        KeyCode::Char('x') => Action::ExplainSearch,
        KeyCode::Char('R') => Action::OpenPicker(PickerKind::Results),
        KeyCode::Char('S') => Action::OpenPicker(PickerKind::Speaker),
        KeyCode::Char('T') => Action::OpenPicker(PickerKind::Tags),
        KeyCode::Char('*') => Action::OpenPicker(PickerKind::Starred),
        KeyCode::Char('s') => Action::ToggleStar,
        KeyCode::Char('F') => Action::FindInNote,
        KeyCode::Esc => Action::Escape,
        KeyCode::Char(c @ '0'..='9') => Action::LinkDigit(c as u8 - b'0'),
        KeyCode::Char('z') => Action::ToggleZoom,
        KeyCode::Char('E') => Action::ToggleEvents,
        KeyCode::Char('>') => Action::WidenNote(1),
        KeyCode::Char('<') => Action::WidenNote(-1),
        KeyCode::Char('o') => Action::Outline,
        KeyCode::Char('e') => Action::Edit,
        KeyCode::Char('y') => Action::Copy,
        KeyCode::Char('Y') => Action::CopyLocation,
        KeyCode::Char('M') => Action::CopyMarkdownLink,
        _ => return None,
    })
}

/// Parses a key string such as `ctrl-d`, `shift-tab`, `G`, `enter`, `alt-left` (for
/// tests and scripted input).
pub fn parse_key(s: &str) -> Option<KeyEvent> {
    let mut modifiers = KeyModifiers::NONE;
    let mut rest = s;
    loop {
        if let Some(r) = rest.strip_prefix("ctrl-") {
            modifiers |= KeyModifiers::CONTROL;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("alt-") {
            modifiers |= KeyModifiers::ALT;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("shift-") {
            modifiers |= KeyModifiers::SHIFT;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        "tab" => KeyCode::Tab,
        "backspace" => KeyCode::Backspace,
        "delete" => KeyCode::Delete,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "space" => KeyCode::Char(' '),
        s => {
            let mut chars = s.chars();
            let c = chars.next()?;
            if chars.next().is_some() {
                return None;
            }
            KeyCode::Char(c)
        }
    };
    Some(KeyEvent::new(code, modifiers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browse(key: &str) -> Option<Action> {
        map_key(&parse_key(key).unwrap(), KeyContext::Browse(Pane::Events))
    }

    fn search(key: &str) -> Option<Action> {
        map_key(&parse_key(key).unwrap(), KeyContext::Search)
    }

    #[test]
    fn browsing_keys() {
        assert_eq!(browse("j"), Some(Action::Down));
        assert_eq!(browse("down"), Some(Action::Down));
        assert_eq!(browse("G"), Some(Action::Bottom));
        assert_eq!(browse("ctrl-d"), Some(Action::HalfPageDown));
        assert_eq!(browse("ctrl-u"), Some(Action::HalfPageUp));
        assert_eq!(browse("shift-tab"), Some(Action::FocusPrev));
        assert_eq!(browse("tab"), Some(Action::FocusNext));
        assert_eq!(browse("backspace"), Some(Action::Back));
        assert_eq!(browse("alt-left"), Some(Action::Back));
        assert_eq!(browse("alt-right"), Some(Action::Forward));
        assert_eq!(browse("3"), Some(Action::LinkDigit(3)));
        assert_eq!(browse("ctrl-o"), Some(Action::Back));
        assert_eq!(browse("z"), Some(Action::ToggleZoom));
        assert_eq!(browse("E"), Some(Action::ToggleEvents));
        assert_eq!(browse("o"), Some(Action::Outline));
        assert_eq!(browse("e"), Some(Action::Edit));
        assert_eq!(browse("y"), Some(Action::Copy));
        assert_eq!(browse("q"), Some(Action::Quit));
        assert_eq!(browse("ctrl-c"), Some(Action::Quit));
        assert_eq!(browse("ctrl-x"), None);
    }

    #[test]
    fn typing_in_the_search_line_never_triggers_commands() {
        assert_eq!(search("q"), Some(Action::SearchInsert("q".into())));
        assert_eq!(search("j"), Some(Action::SearchInsert("j".into())));
        assert_eq!(search("/"), Some(Action::SearchInsert("/".into())));
        assert_eq!(search("ctrl-w"), Some(Action::SearchDeleteWord));
        assert_eq!(search("enter"), Some(Action::SubmitSearch));
        assert_eq!(search("esc"), Some(Action::Escape));
        assert_eq!(search("ctrl-c"), Some(Action::Quit));
    }

    #[test]
    fn ime_text_arrives_as_paste() {
        let paste = Event::Paste("継続的デリバリ".into());
        assert_eq!(
            map_event(&paste, KeyContext::Search),
            Some(Action::SearchInsert("継続的デリバリ".into()))
        );
    }

    #[test]
    fn bindings_of_ones_own_come_first_and_mistakes_are_named() {
        let table: toml::Table = toml::from_str(
            "zoom = \"Z\"\nback = [\"H\", \"ctrl-p\"]\nzoom_out = \"x\"\nedit = \"ctrl-nope\"",
        )
        .unwrap();
        let (bindings, errors) = Bindings::from_table(&table);
        let key = |s: &str| Event::Key(parse_key(s).unwrap());
        let browse = KeyContext::Browse(Pane::Note);
        assert_eq!(bindings.map_event(&key("Z"), browse), Some(Action::ToggleZoom));
        assert_eq!(bindings.map_event(&key("ctrl-p"), browse), Some(Action::Back));
        assert_eq!(bindings.map_event(&key("j"), browse), Some(Action::Down));
        // Typing a search is never taken over by a binding.
        assert_eq!(
            bindings.map_event(&key("Z"), KeyContext::Search),
            Some(Action::SearchInsert("Z".into()))
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("zoom_out: no such action")));
        assert!(errors.iter().any(|e| e.contains("\"ctrl-nope\"")));
        assert!(bindings
            .help()
            .iter()
            .any(|(k, w)| k == "H" && w.contains("back")));
    }

    #[test]
    fn key_strings() {
        assert_eq!(
            parse_key("ctrl-alt-x").unwrap().modifiers,
            KeyModifiers::CONTROL | KeyModifiers::ALT
        );
        assert!(parse_key("nope").is_none());
    }
}
