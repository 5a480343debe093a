//! The world outside the terminal loop: the input thread (which an editor can pause), the editor, the clipboard.

use std::io;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ratatui::crossterm::clipboard::CopyToClipboard;
use ratatui::crossterm::event::{self, Event};
use ratatui::crossterm::execute;

/// Lets the terminal loop stop the input thread from reading: it polls only while
/// holding `reading`, and stays off it while `paused` is set.
#[derive(Default)]
pub struct InputGate {
    paused: AtomicBool,
    reading: Mutex<()>,
}

/// While held, the input thread reads nothing.
pub struct Paused<'a> {
    gate: &'a InputGate,
    _reading: MutexGuard<'a, ()>,
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        self.gate.paused.store(false, Ordering::Release);
    }
}

impl InputGate {
    /// Waits for the input thread to finish its current poll (at most 50 ms), then
    /// keeps it from reading until the guard is dropped.
    pub fn pause(&self) -> Paused<'_> {
        self.paused.store(true, Ordering::Release);
        Paused {
            gate: self,
            _reading: self.reading.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }
}

/// Reads terminal events on a thread of their own and hands them to `send` (until it
/// returns false).
pub fn spawn_input(mut send: impl FnMut(Event) -> bool + Send + 'static) -> Arc<InputGate> {
    let gate = Arc::new(InputGate::default());
    let input = Arc::clone(&gate);
    std::thread::spawn(move || loop {
        if input.paused.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        let event = {
            let _reading = input.reading.lock().unwrap_or_else(|e| e.into_inner());
            match event::poll(Duration::from_millis(50)) {
                Ok(true) => event::read().ok(),
                Ok(false) => None,
                Err(_) => break,
            }
        };
        if let Some(event) = event {
            if !send(event) {
                break;
            }
        }
    });
    gate
}

/// `$VISUAL`, else `$EDITOR`, else `vi`, with `+LINE FILE` (as `confnotes edit` runs
/// it; the variable may hold arguments: `code --wait`). The terminal must have been
/// given back first.
pub fn run_editor(file: &Path, line: usize) -> io::Result<std::process::ExitStatus> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string());
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    Command::new(program)
        .args(words)
        .arg(format!("+{line}"))
        .arg(file)
        .status()
        .map_err(|e| io::Error::other(format!("cannot run the editor `{editor}`: {e}")))
}

/// OSC 52 (it works over SSH and in tmux with `set-clipboard on`), and the system
/// clipboard where there is one.
pub fn copy(text: &str, clipboard: &mut Option<arboard::Clipboard>) -> String {
    let osc = execute!(io::stdout(), CopyToClipboard::to_clipboard_from(text)).is_ok();
    if clipboard.is_none() {
        *clipboard = arboard::Clipboard::new().ok();
    }
    // Kept for the app's life: on X11 the copied text is served from it.
    let system = clipboard.as_mut().is_some_and(|c| c.set_text(text).is_ok());
    let shown = crate::ui::truncate(text, 60);
    match (osc, system) {
        (_, true) => format!("copied {shown}"),
        (true, false) => format!("copied {shown} (by OSC 52: your terminal must allow it)"),
        (false, false) => format!("could not copy {shown}"),
    }
}
