//! Phase timings on stderr when `CONFNOTES_TIMINGS` is set: how the start-up and search
//! times in BENCHMARKS.md are taken apart.

use std::sync::OnceLock;
use std::time::Instant;

fn start() -> Option<&'static Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    START
        .get_or_init(|| std::env::var_os("CONFNOTES_TIMINGS").map(|_| Instant::now()))
        .as_ref()
}

/// Prints how long since the first mark, and the phase that just ended.
pub fn mark(phase: &str) {
    if let Some(start) = start() {
        eprintln!(
            "confnotes: timing: {:>8.1} ms  {phase}",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
}
