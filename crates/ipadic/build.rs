//! Builds MeCab IPADIC from the UTF-8 sources in `dict-src/` into `OUT_DIR`, so
//! the dictionary is embedded without any download (lindera's own build script
//! fetches its tarball from a host that offline machines cannot reach).
use std::{env, error::Error, fs, path::PathBuf};

use lindera_dictionary::{builder::DictionaryBuilder, dictionary::metadata::Metadata};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=dict-src");
    println!("cargo:rerun-if-changed=metadata.json");
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let target = out_dir.join("lindera-ipadic");
    let metadata: Metadata = serde_json::from_str(&fs::read_to_string("metadata.json")?)?;
    DictionaryBuilder::new(metadata).build_dictionary(&PathBuf::from("dict-src"), &target)?;
    println!("cargo::rustc-env=LINDERA_WORKDIR={}", out_dir.display());
    Ok(())
}
