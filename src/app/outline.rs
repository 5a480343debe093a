//! The outline overlay (`o`): the note's headings, and in an event's overview its sessions, to jump to.

use super::{Action, App, Overlay, Pane};
use crate::core::SessionRef;

/// Where an outline entry leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A line of the rendered note.
    Line(usize),
    /// Another note (a session of the event whose overview is shown).
    Note(SessionRef),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Indentation: 0 for the note's title.
    pub depth: u8,
    pub text: String,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub items: Vec<Item>,
    pub selected: usize,
}

impl App {
    pub(super) fn open_outline(&mut self) {
        let Some(key) = self.note.key else {
            self.status = Some("no note to outline".into());
            return;
        };
        let mut items: Vec<Item> = (self.note.rendered.headings.iter())
            .map(|h| Item {
                depth: h.level.saturating_sub(1),
                text: h.text.clone(),
                target: Target::Line(h.line),
            })
            .collect();
        if key.session.is_none() {
            if let Some(e) = self.notes.library.events.get(key.event) {
                items.extend(e.sessions.iter().map(|s| Item {
                    depth: 1,
                    text: match &s.context {
                        Some(context) => format!("› {context} › {}", s.title),
                        None => format!("› {}", s.title),
                    },
                    target: Target::Note(SessionRef::new(&e.id, &s.id)),
                }));
            }
        }
        if items.len() < 2 {
            self.status = Some("this note has no headings to jump to".into());
            return;
        }
        // Start at the heading the reader is in.
        let scroll = self.note.scroll;
        let selected = (items.iter())
            .rposition(|i| matches!(i.target, Target::Line(l) if l <= scroll))
            .unwrap_or(0);
        self.overlay = Overlay::Outline(Outline { items, selected });
    }

    pub(super) fn outline_action(&mut self, action: Action) {
        let Overlay::Outline(outline) = &mut self.overlay else {
            return;
        };
        let last = outline.items.len().saturating_sub(1);
        match action {
            Action::Down | Action::ScrollDown(..) => outline.selected = (outline.selected + 1).min(last),
            Action::Up | Action::ScrollUp(..) => outline.selected = outline.selected.saturating_sub(1),
            Action::Top => outline.selected = 0,
            Action::Bottom => outline.selected = last,
            Action::Open => {
                let target = outline.items.get(outline.selected).map(|i| i.target.clone());
                self.overlay = Overlay::None;
                match target {
                    Some(Target::Line(line)) => {
                        self.focus = Pane::Note;
                        self.note.scroll = line;
                        self.clamp_scroll();
                    }
                    Some(Target::Note(r)) => self.jump(&r),
                    None => {}
                }
            }
            Action::Escape | Action::Outline | Action::Quit => self.overlay = Overlay::None,
            _ => {}
        }
    }
}

/// Keys while the outline is open.
pub fn outline_key(code: ratatui::crossterm::event::KeyCode) -> Option<Action> {
    use ratatui::crossterm::event::KeyCode;
    Some(match code {
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('g') | KeyCode::Home => Action::Top,
        KeyCode::Char('G') | KeyCode::End => Action::Bottom,
        KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right => Action::Open,
        KeyCode::Esc | KeyCode::Char('q' | 'o' | 'h') | KeyCode::Left => Action::Escape,
        _ => return None,
    })
}
