//! MeCab IPADIC, built at compile time from `dict-src/` and embedded in the binary.
//! Kept in its own crate so the 50 MB `include_bytes!` is compiled once, not on
//! every rebuild of confnotes. Licence: NAIST-2003, see `dict-src/COPYING`.
//!
//! The loader is lindera's `embedded_dictionary!` spelt out, so that the character
//! classes can also come without the table lindera builds from them at every load.

use std::sync::Arc;

use lindera_dictionary::dictionary::character_definition::CharacterDefinition;
use lindera_dictionary::dictionary::connection_cost_matrix::ConnectionCostMatrix;
use lindera_dictionary::dictionary::metadata::Metadata;
use lindera_dictionary::dictionary::prefix_dictionary::PrefixDictionary;
use lindera_dictionary::dictionary::unknown_dictionary::UnknownDictionary;
use lindera_dictionary::dictionary::Dictionary;
use lindera_dictionary::error::LinderaErrorKind;
use lindera_dictionary::LinderaResult;

/// A file the build script wrote, embedded.
macro_rules! built {
    ($name:literal) => {
        include_bytes!(concat!(env!("LINDERA_WORKDIR"), "/lindera-ipadic/", $name))
    };
}

// `static`s, not `const`s: a `const` would copy the bytes into the crate's metadata.
static CHAR_DEFINITION_DATA: &[u8] = built!("char_def.bin");
static CHAR_DEFINITION_JSON: &[u8] = built!("char_def.json");
// Aligned so that the matrix is read in place as `[i16]`.
static CONNECTION_DATA: &[u8] = lindera_dictionary::include_bytes_aligned!(concat!(
    env!("LINDERA_WORKDIR"),
    "/lindera-ipadic/matrix.mtx"
));
static TRIE_DATA: &[u8] = built!("dict.trie");
static VALS_IDX_DATA: &[u8] = built!("dict.valsidx");
static VALS_DATA: &[u8] = built!("dict.vals");
static UNKNOWN_DATA: &[u8] = built!("unk.bin");
static WORDS_IDX_DATA: &[u8] = built!("dict.wordsidx");
static WORDS_DATA: &[u8] = built!("dict.words");
static METADATA_DATA: &[u8] = built!("metadata.json");

/// Loads the embedded IPADIC dictionary (the data is not copied; the character class
/// of every BMP character is tabulated, about a millisecond and a half).
pub fn load() -> LinderaResult<Dictionary> {
    assemble(CharacterDefinition::load(CHAR_DEFINITION_DATA)?)
}

/// The same dictionary, segmenting the same way, without the character class table:
/// each class is looked up in the classes' ranges (a binary search), which costs more
/// per character than the table but nothing to load. For a program that analyses a
/// few thousand characters (a search), not one that indexes.
pub fn load_for_short_texts() -> LinderaResult<Dictionary> {
    let classes = serde_json::from_slice(CHAR_DEFINITION_JSON)
        .map_err(|e| LinderaErrorKind::Deserialize.with_error(e))?;
    assemble(classes)
}

fn assemble(character_definition: CharacterDefinition) -> LinderaResult<Dictionary> {
    let metadata = Metadata::load(METADATA_DATA)?;
    // A stale build cache could embed another format version's files.
    metadata.validate_format_version()?;
    let prefix_dictionary =
        PrefixDictionary::load(TRIE_DATA, VALS_IDX_DATA, VALS_DATA, WORDS_IDX_DATA, WORDS_DATA)?;
    Ok(Dictionary {
        prefix_dictionary: Arc::new(prefix_dictionary),
        connection_cost_matrix: Arc::new(ConnectionCostMatrix::load(CONNECTION_DATA)?),
        character_definition: Arc::new(character_definition),
        unknown_dictionary: Arc::new(UnknownDictionary::load(UNKNOWN_DATA)?),
        metadata: Arc::new(metadata),
    })
}

/// A fingerprint of the dictionary build, so a persistent index can tell when the
/// analyzer changed under it.
pub const DICTIONARY_ID: &str = concat!("ipadic-2.7.0-20070801/lindera-dictionary-", "5.3.0");

#[cfg(test)]
mod tests {
    #[test]
    fn both_loads_class_every_character_alike() {
        let (full, short) = (super::load().unwrap(), super::load_for_short_texts().unwrap());
        let (a, b) = (&full.character_definition, &short.character_definition);
        assert_eq!(a.categories(), b.categories());
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            assert_eq!(a.lookup_categories(c), b.lookup_categories(c), "{c:?}");
        }
    }
}
