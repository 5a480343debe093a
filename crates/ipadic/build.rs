//! Builds MeCab IPADIC from the UTF-8 sources in `dict-src/` into `OUT_DIR`, so
//! the dictionary is embedded without any download (lindera's own build script
//! fetches its tarball from a host that offline machines cannot reach).
use std::{env, error::Error, fs, path::PathBuf};

use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::{character_definition::CharacterDefinition, metadata::Metadata};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=dict-src");
    println!("cargo:rerun-if-changed=metadata.json");
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let target = out_dir.join("lindera-ipadic");
    let metadata: Metadata = serde_json::from_str(&fs::read_to_string("metadata.json")?)?;
    DictionaryBuilder::new(metadata).build_dictionary(&PathBuf::from("dict-src"), &target)?;
    // The character classes once more, as JSON: lindera's own loader rebuilds a table
    // for all 65,536 BMP characters from them on every start (a millisecond and a half);
    // a program that analyses little text loads them from here and looks classes up
    // in the classes' ranges instead (see `load_for_short_texts`).
    let classes = CharacterDefinition::load(&fs::read(target.join("char_def.bin"))?)?;
    fs::write(target.join("char_def.json"), serde_json::to_vec(&classes)?)?;
    println!("cargo::rustc-env=LINDERA_WORKDIR={}", out_dir.display());
    Ok(())
}
