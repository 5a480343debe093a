//! MeCab IPADIC, built at compile time from `dict-src/` and embedded in the binary.
//! Kept in its own crate so the 50 MB `include_bytes!` is compiled once, not on
//! every rebuild of confnotes. Licence: NAIST-2003, see `dict-src/COPYING`.

mod embedded {
    lindera_dictionary::embedded_dictionary!("/lindera-ipadic", EmbeddedIpadicLoader);
}

/// Loads the embedded IPADIC dictionary (about a millisecond: the data is not copied).
pub fn load() -> lindera_dictionary::LinderaResult<lindera_dictionary::dictionary::Dictionary> {
    embedded::load()
}

/// A fingerprint of the dictionary build, so a persistent index can tell when the
/// analyzer changed under it.
pub const DICTIONARY_ID: &str = concat!("ipadic-2.7.0-20070801/lindera-dictionary-", "5.3.0");
