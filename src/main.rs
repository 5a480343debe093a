use std::process::ExitCode;

// Loading a big notes folder makes and frees hundreds of thousands of small strings;
// mimalloc does that markedly faster than the system allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    confnotes::alloc::configure();
    match confnotes::cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "confnotes: error: {}",
                confnotes::printable::line(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}
