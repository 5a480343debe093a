//! The terminal loop: set the terminal up, turn events into actions, draw, and always
//! put the terminal back (on quit, Ctrl-C, a panic or any catchable signal).

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;

use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, KeyCode,
    KeyEventKind, KeyModifiers,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{enable_raw_mode, Clear, ClearType, EnterAlternateScreen};
use ratatui::DefaultTerminal;
use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGSTOP, SIGTERM, SIGTSTP};
use signal_hook::iterator::Signals;

use super::external::{copy, run_editor, spawn_input, InputGate};
use super::loader::{Loader, Shown};
use super::{Action, App, Request};
use crate::core::{NotesSource, SessionRef, Warning};
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
    // After leaving the alternate screen: tmux keeps the cursor flag per screen.
    let _ = execute!(io::stdout(), Show);
}

/// Sets the terminal up the way the app draws: also after a suspend, whatever the shell
/// did to it meanwhile.
fn enter_terminal() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        Hide
    )
}

/// Signals that end the app (with the terminal restored) or suspend and resume it.
const SIGNALS: [i32; 6] = [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT];

/// Runs the app; `open` is a note to show first (`confnotes open`).
pub fn run_tui(
    source: NotesSource,
    warnings: Vec<Warning>,
    rebuild: bool,
    open: Option<SessionRef>,
) -> anyhow::Result<ExitCode> {
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        eprintln!(
            "confnotes: the app needs a terminal; for scripts use `confnotes search`, `list` or `show`"
        );
        return Ok(ExitCode::from(2));
    }
    // Handled on the UI thread, in order with the keys: the handler thread only forwards.
    let mut signals = Signals::new(SIGNALS)?;
    let signals_handle = signals.handle();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous_hook(info);
    }));
    let mut terminal = ratatui::try_init()?;
    let _restore = Restore;
    enter_terminal()?;

    // The first frame comes from the cache as the last run left it, while the loader
    // scans the folders; it then gets that cache and sends what changed.
    let cache = crate::config::cache_dir();
    // One queue for the two sources of change: the terminal and the loader.
    let (send, messages) = mpsc::channel();
    let from_loader = send.clone();
    let from_signals = send.clone();
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if from_signals.send(Message::Signal(signal)).is_err() {
                break;
            }
        }
    });
    let (show, shown) = mpsc::channel();
    Loader {
        source: source.clone(),
        cache: cache.clone(),
        rebuild,
        shown,
    }
    .spawn(move |action| from_loader.send(Message::Loader(action)).is_ok());
    // The first frame needs a screenful of notes: the newest ones as the last run
    // left them (`Notes::front`) are read at once; the loader sends all of them next.
    let front = match &cache {
        Some(dir) if !rebuild => Notes::front(&source, dir),
        _ => None,
    };
    let (notes, store, front, still_loading) = match front {
        Some((notes, total)) => {
            let more = total.saturating_sub(notes.library.events.len());
            let loading = (more > 0).then(|| format!("loading {more} more notes…"));
            (notes, None, true, loading)
        }
        None => match cache
            .as_deref()
            .filter(|_| !rebuild)
            .and_then(|dir| Notes::cached(&source, dir))
        {
            Some((notes, store)) => (notes, Some(store), false, None),
            None => (Notes::empty()?, None, false, Some("loading notes…".to_string())),
        },
    };
    let size = terminal.size()?;
    let (theme, bindings, ui_warnings) = crate::config::ui_settings();
    let warnings = warnings.into_iter().chain(ui_warnings).collect();
    let mut app = App::new(notes, warnings, (size.width, size.height));
    // A stars file that cannot be read is said, not overwritten: starring stays off.
    match crate::stars::Stars::load(crate::stars::default_path()) {
        Ok(stars) => {
            app.search.starred = stars.pairs();
            app.stars = stars;
        }
        Err(e) => app.status = Some(e.to_string()),
    }
    app.theme = theme;
    app.bindings = bindings;
    crate::timing::mark("app state built");
    app.loading = still_loading;
    let _ = show.send(Shown {
        store,
        index: app.notes.index.clone(),
        front: front.then(|| Arc::clone(&app.notes.library)),
    });
    // Kept until the app ends: the loader stops when it is dropped.
    let _loader_stops_with_this = show;
    let input = spawn_input(move |ev| send.send(Message::Terminal(ev)).is_ok());
    let ended_by = event_loop(&mut terminal, &mut app, &messages, open, &input)?;
    signals_handle.close();
    drop(_restore);
    io::stdout().flush()?;
    // As a shell reports a process ended by a signal.
    Ok(ended_by.map_or(ExitCode::SUCCESS, |signal| {
        ExitCode::from(u8::try_from(128 + signal).unwrap_or(1))
    }))
}

enum Message {
    Terminal(event::Event),
    Loader(Action),
    Signal(i32),
}

/// Shows the note `confnotes open` asked for, once the notes it is in are loaded (on a
/// first run they come from the loader, after the first frame).
fn open_when_loaded(app: &mut App, open: &mut Option<SessionRef>) {
    if let Some(target) = open.take_if(|t| app.notes.library.event(&t.event).is_some()) {
        app.jump(&target);
    }
}

/// Ctrl-Z arrives as a key in raw mode (the terminal sends no SIGTSTP then).
fn is_suspend_key(ev: &event::Event) -> bool {
    matches!(ev, event::Event::Key(k) if k.kind != KeyEventKind::Release
        && k.modifiers.contains(KeyModifiers::CONTROL)
        && k.code == KeyCode::Char('z'))
}

/// Ctrl-Z: gives the terminal back to the shell, stops, and on `fg` takes it again and
/// redraws every cell (the shell has written over the screen meanwhile).
fn suspend(terminal: &mut DefaultTerminal, app: &mut App) -> io::Result<()> {
    restore_terminal();
    signal_hook::low_level::raise(SIGSTOP)?;
    resume(terminal, app)
}

/// Takes the terminal again and makes the next draw repaint every cell. Not
/// `Terminal::clear`: it asks the terminal for the cursor position, and the answer goes
/// to the thread reading events instead.
fn resume(terminal: &mut DefaultTerminal, app: &mut App) -> io::Result<()> {
    enter_terminal()?;
    execute!(io::stdout(), Clear(ClearType::All))?;
    // Swapping resets the buffer of the last frame: nothing is taken as already drawn.
    terminal.swap_buffers();
    // The window may have been resized while the app was stopped.
    let size = terminal.size()?;
    app.update(Action::Resize(size.width, size.height));
    Ok(())
}

/// Carries out what `update` asked of the terminal; returns what to say on the status line.
fn carry_out(
    request: Request,
    terminal: &mut DefaultTerminal,
    app: &mut App,
    input: &InputGate,
    clipboard: &mut Option<arboard::Clipboard>,
) -> io::Result<String> {
    Ok(match request {
        Request::Edit { file, line } => {
            // The editor gets every key: the input thread reads none meanwhile.
            let _paused = input.pause();
            restore_terminal();
            let ran = run_editor(&file, line);
            resume(terminal, app)?;
            match ran {
                Ok(status) if status.success() => format!(
                    "back from the editor: {} (a saved change shows up by itself)",
                    file.display()
                ),
                Ok(status) => format!("the editor exited with {status}"),
                Err(e) => e.to_string(),
            }
        }
        Request::Copy(text) => copy(&text, clipboard),
    })
}

/// Types what a burst of keys put into the search line, as one insertion.
fn flush_typed(app: &mut App, typed: &mut String) {
    if !typed.is_empty() {
        app.update(Action::SearchInsert(std::mem::take(typed)));
    }
}

/// Runs until the app quits; returns the signal that ended it, if one did.
fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    messages: &Receiver<Message>,
    mut open: Option<SessionRef>,
    input: &InputGate,
) -> anyhow::Result<Option<i32>> {
    let mut clipboard = None;
    open_when_loaded(app, &mut open);
    terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
    crate::timing::mark("first frame drawn");
    app.prepare_search();
    while !app.should_quit {
        // A search still going on (a big library) is worked on a step at a time while
        // nothing is waiting, and drawn when it changes what is shown.
        let first = if app.has_work() {
            match messages.try_recv() {
                Ok(message) => message,
                Err(mpsc::TryRecvError::Empty) => {
                    let shown = app.search.revision;
                    app.update(Action::Continue);
                    if app.search.revision != shown {
                        terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
                    }
                    continue;
                }
                Err(mpsc::TryRecvError::Disconnected) => break,
            }
        } else {
            let Ok(first) = messages.recv() else {
                break;
            };
            first
        };
        // Apply everything queued (fast typing, an IME burst) before drawing again.
        let mut dirty = false;
        let mut reloaded = false;
        // Characters typed in one burst into the search line: searched once, not once
        // per character (an IME commits a word as several key events).
        let mut typed = String::new();
        for message in std::iter::once(first).chain(messages.try_iter()) {
            if !matches!(message, Message::Terminal(_)) {
                flush_typed(app, &mut typed);
            }
            let action = match message {
                Message::Terminal(ev) if is_suspend_key(&ev) => {
                    suspend(terminal, app)?;
                    dirty = true;
                    None
                }
                Message::Terminal(ev) => app.bindings.map_event(&ev, app.key_context()),
                Message::Loader(action) => {
                    let loaded = matches!(action, Action::NotesLoaded(_));
                    reloaded |= loaded;
                    app.update(action);
                    if loaded {
                        open_when_loaded(app, &mut open);
                    }
                    dirty = true;
                    None
                }
                Message::Signal(SIGTSTP) => {
                    suspend(terminal, app)?;
                    dirty = true;
                    None
                }
                // Also after a stop the app did not ask for (SIGSTOP, then `fg`).
                Message::Signal(SIGCONT) => {
                    resume(terminal, app)?;
                    dirty = true;
                    None
                }
                Message::Signal(signal) => return Ok(Some(signal)),
            };
            match action {
                Some(Action::SearchInsert(text)) if app.search.editing => {
                    typed.push_str(&text);
                    dirty = true;
                }
                Some(action) => {
                    flush_typed(app, &mut typed);
                    app.update(action);
                    dirty = true;
                }
                None => {}
            }
            if let Some(request) = app.request.take() {
                let said = carry_out(request, terminal, app, input, &mut clipboard)?;
                app.update(Action::Notice(said));
                dirty = true;
            }
            if app.should_quit {
                break;
            }
        }
        flush_typed(app, &mut typed);
        if dirty && !app.should_quit {
            terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
            if reloaded {
                crate::timing::mark("the loader's notes drawn");
                // After the drawing: a saved note is shown first.
                app.prepare_search();
            }
        }
    }
    Ok(None)
}
