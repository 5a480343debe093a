//! The terminal loop: set the terminal up, turn events into actions, draw, and always
//! put the terminal back (on quit, Ctrl-C, a panic or SIGTERM).

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::DefaultTerminal;

use super::keymap::map_event;
use super::loader::{Loader, Shown};
use super::{Action, App};
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

    // The first frame comes from the cache as the last run left it, while the loader
    // scans the folders; it then gets that cache and sends what changed.
    let cache = crate::config::cache_dir();
    // One queue for the two sources of change: the terminal and the loader.
    let (send, messages) = mpsc::channel();
    let from_loader = send.clone();
    let (show, shown) = mpsc::channel();
    Loader {
        source: source.clone(),
        cache: cache.clone(),
        rebuild,
        shown,
    }
    .spawn(move |action| from_loader.send(Message::Loader(action)).is_ok());
    let cached = match &cache {
        Some(dir) if !rebuild => Notes::cached(&source, dir),
        _ => None,
    };
    let first_run = cached.is_none();
    let (notes, store) = match cached {
        Some((notes, store)) => (notes, Some(store)),
        None => (Notes::empty()?, None),
    };
    let size = terminal.size()?;
    let mut app = App::new(notes, warnings, (size.width, size.height));
    crate::timing::mark("app state built");
    if first_run {
        app.loading = Some("loading notes…".into());
    }
    let _ = show.send(Shown {
        store,
        index: app.notes.index.clone(),
    });
    // Kept until the app ends: the loader stops when it is dropped.
    let _loader_stops_with_this = show;
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            if send.send(Message::Terminal(ev)).is_err() {
                break;
            }
        }
    });
    event_loop(&mut terminal, &mut app, &messages, &terminate)?;
    drop(_restore);
    io::stdout().flush()?;
    Ok(ExitCode::SUCCESS)
}

enum Message {
    Terminal(event::Event),
    Loader(Action),
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    messages: &Receiver<Message>,
    terminate: &AtomicBool,
) -> anyhow::Result<()> {
    terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
    crate::timing::mark("first frame drawn");
    app.prepare_search();
    while !app.should_quit && !terminate.load(Ordering::Relaxed) {
        // Wake up now and then to notice SIGTERM.
        let first = match messages.recv_timeout(Duration::from_millis(200)) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // Apply everything queued (fast typing, an IME burst) before drawing again.
        let mut dirty = false;
        let mut reloaded = false;
        for message in std::iter::once(first).chain(messages.try_iter()) {
            let action = match message {
                Message::Terminal(ev) => map_event(&ev, app.key_context()),
                Message::Loader(action) => {
                    reloaded |= matches!(action, Action::NotesLoaded(_));
                    Some(action)
                }
            };
            if let Some(action) = action {
                app.update(action);
                dirty = true;
            }
            if app.should_quit {
                break;
            }
        }
        if dirty && !app.should_quit {
            terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
            if reloaded {
                crate::timing::mark("the loader's notes drawn");
            }
        }
    }
    Ok(())
}
