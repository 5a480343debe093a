//! Links the `confnotes` binary as a fixed-address executable on Linux: a
//! position-independent one spends each start relocating ~44,000 pointers (the
//! dictionary's and Unicode tables), a millisecond of a `confnotes search` that is
//! otherwise about ten.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bin=confnotes=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
