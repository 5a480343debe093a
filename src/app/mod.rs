//! The app: state and one `update(Action)`; the terminal loop.

use std::process::ExitCode;

use crate::core::{NotesSource, Warning};

pub fn run_tui(_source: NotesSource, _warnings: Vec<Warning>, _rebuild: bool) -> anyhow::Result<ExitCode> {
    eprintln!(
        "confnotes: the terminal UI is not built yet; try `confnotes search QUERY` or `confnotes list`"
    );
    Ok(ExitCode::SUCCESS)
}
