//! The terminal loop: set the terminal up, turn events into actions, draw, and always
//! put the terminal back (on quit, Ctrl-C, a panic or SIGTERM).

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::layout::Alignment;
use ratatui::widgets::Paragraph;
use ratatui::DefaultTerminal;

use super::keymap::map_event;
use super::App;
use crate::core::{NotesSource, Warning};
use crate::notes::Notes;

/// Puts the terminal back however we leave.
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn restore_terminal() {
    let _ = execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
}

pub fn run_tui(source: NotesSource, warnings: Vec<Warning>, rebuild: bool) -> anyhow::Result<ExitCode> {
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        eprintln!(
            "confnotes: the app needs a terminal; for scripts use `confnotes search`, `list` or `show`"
        );
        return Ok(ExitCode::from(2));
    }
    let terminate = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(signal, Arc::clone(&terminate))?;
    }
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous_hook(info);
    }));
    let mut terminal = ratatui::try_init()?;
    let _restore = Restore;
    execute!(io::stdout(), EnableMouseCapture, EnableBracketedPaste)?;

    let notes = {
        let mut progress = |done: usize, total: usize| {
            let _ = draw_message(
                &mut terminal,
                &format!("confnotes: indexing notes… {done}/{total}"),
            );
        };
        progress(0, 0);
        Notes::open(
            &source,
            crate::config::cache_dir().as_deref(),
            rebuild,
            &mut progress,
        )?
    };
    let size = terminal.size()?;
    let mut app = App::new(notes, warnings, (size.width, size.height));
    if !app.warnings.is_empty() {
        app.status = Some(format!(
            "{} warnings from loading notes: press w to see them",
            app.warnings.len()
        ));
    }
    event_loop(&mut terminal, &mut app, &terminate)?;
    drop(_restore);
    io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}

fn draw_message(terminal: &mut DefaultTerminal, message: &str) -> io::Result<()> {
    terminal.draw(|frame| {
        let area = frame.area();
        let mid =
            ratatui::layout::Rect::new(area.x, area.y + area.height / 2, area.width, 1.min(area.height));
        frame.render_widget(Paragraph::new(message).alignment(Alignment::Center), mid);
    })?;
    Ok(())
}

fn event_loop(terminal: &mut DefaultTerminal, app: &mut App, terminate: &AtomicBool) -> anyhow::Result<()> {
    let mut dirty = true;
    while !app.should_quit && !terminate.load(Ordering::Relaxed) {
        if dirty {
            terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
            dirty = false;
        }
        // Wake up now and then to notice SIGTERM.
        if !event::poll(Duration::from_millis(200))? {
            continue;
        }
        // Drain everything queued (fast typing, an IME burst) before drawing again.
        loop {
            let ev = event::read()?;
            if let Some(action) = map_event(&ev, app.key_context()) {
                app.update(action);
                dirty = true;
            }
            if app.should_quit || !event::poll(Duration::ZERO)? {
                break;
            }
        }
    }
    Ok(())
}
