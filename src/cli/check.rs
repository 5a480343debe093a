//! `confnotes check`: every warning about the notes, for a notes repository's CI.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::core::scan::NoteFile;
use crate::core::Warning;
use crate::printable::line;

/// A warning that means a note, or part of one, is lost to the reader: a file that
/// could not be read or parsed, a config file that was ignored, a Markdown link to a
/// note that is not there. The rest (a field typo, a wiki link to a note not yet
/// written) leave every note readable.
pub fn is_error(w: &Warning) -> bool {
    let m = &w.message;
    m.starts_with("skipped:")
        || m.starts_with("ignored:")
        || m.starts_with("cannot read")
        || m.ends_with("points nowhere")
}

/// Lists every warning as `file:line: warning|error: message`, then a count; exit
/// status 1 when one is an error.
pub fn report<'a>(
    warnings: impl Iterator<Item = &'a Warning>,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let (mut warned, mut errors) = (0usize, 0usize);
    for w in warnings {
        let kind = if is_error(w) {
            errors += 1;
            "error"
        } else {
            warned += 1;
            "warning"
        };
        let place = match w.line {
            Some(n) => format!("{}:{n}", w.file),
            None => w.file.clone(),
        };
        writeln!(out, "{}: {kind}: {}", line(&place), line(&w.message))?;
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    writeln!(out, "{}, {}", plural(errors, "error"), plural(warned, "warning"))?;
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Without `--verbose`, one line for all the warnings about notes: a real folder has
/// many, and each command repeating them buries its output. A warning about the cache
/// (`cache`: its folder), such as a rebuild, concerns this run only and `check` would
/// not show it again: it is printed in full.
pub fn print_summary<'a>(warnings: impl Iterator<Item = &'a Warning>, verbose: bool, cache: Option<&Path>) {
    let mut err = std::io::stderr().lock();
    let mut count = 0usize;
    for w in warnings {
        let about_cache = cache.is_some_and(|c| Path::new(&w.file).starts_with(c));
        if about_cache {
            let _ = writeln!(err, "confnotes: {}", line(&w.to_string()));
            continue;
        }
        count += 1;
        if verbose {
            let _ = writeln!(err, "confnotes: warning: {}", line(&w.to_string()));
        }
    }
    if !verbose && count > 0 {
        let s = if count == 1 { "" } else { "s" };
        let _ = writeln!(err, "confnotes: {count} warning{s}: run confnotes check");
    }
}

/// Says on stderr which note folders hold no note (and why, when one cannot be read),
/// so that an empty list or search is not taken for "no matches".
pub fn say_empty_folders(dirs: &[PathBuf], files: &[NoteFile]) {
    let mut err = std::io::stderr().lock();
    for message in crate::core::scan::empty_folders(dirs, files) {
        let _ = writeln!(err, "confnotes: {}", line(&message));
    }
}
