use std::process::ExitCode;

fn main() -> ExitCode {
    match confnotes::cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("confnotes: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
